"""The faster report and fix code gives what the straightforward pandas code gave.

Each test holds the plain version (pandas' to_csv, a groupby, csv.DictReader, canonicalizing
every link) as the reference for the faster one, on hostile values.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from crawler.base.rules import load_rules
from crawler.base.urls import URLProblem, canonicalize
from crawler.base.verdicts import STATUSES
from crawler.report import attention, write_reports
from crawler.report.attention import next_steps, rank
from crawler.report.columns import LINK_COLUMNS, OCCURRENCE_COLUMNS
from crawler.report.csvtext import csv_chunks
from crawler.report.fixes import LinkState, states_from_links_csv
from crawler.report.html import ROW_FIELDS, html_chunks, script_json
from crawler.report.tables import link_frames, occurrence_frames, report_data
from crawler.store.archive import ArchiveRow, ensure_schema, record
from crawler.store.db import CheckRow, LinkRow, OccurrenceRow, Store
from crawler.store.history import Policy
from tests.test_report_html import build_store

ROOT = Path(__file__).resolve().parent.parent
NASTY = ["plain", "", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", " spaced ", "中文,标题", "|"]


def test_importing_the_reports_and_fixes_loads_neither_pandas_nor_matplotlib() -> None:
    code = (
        "import sys, crawler.report, crawler.report.fixes; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'matplotlib'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_csv_chunks_are_byte_for_byte_pandas_to_csv() -> None:
    n = len(NASTY)
    frame = pd.DataFrame(
        {
            "text": NASTY,
            "object": pd.Series([*NASTY[:-3], None, float("nan"), pd.NA], dtype=object),
            "str": pd.Series([*NASTY[:-1], None], dtype="str"),
            "int": list(range(n)),
            "nullable": pd.array([404, None, *range(n - 2)], dtype="Int64"),
            "flag": [i % 2 == 0 for i in range(n)],
            "mixed": pd.Series([1, "x", True, 2.5, None, "y,z", 3, "", "w"], dtype=object),
        }
    )
    for columns in (list(frame.columns), ["text", "int"], ["flag", "nullable", "mixed"]):
        assert _csv(frame, columns) == frame[columns].to_csv(index=False)
    empty = frame.iloc[:0]
    assert _csv(empty, list(frame.columns)) == empty.to_csv(index=False)
    floats = frame.assign(ratio=[i / 3 for i in range(n)])  # floats: pandas formats them
    assert _csv(floats, ["text", "ratio"]) == floats[["text", "ratio"]].to_csv(index=False)


def _csv(frame: pd.DataFrame, columns: list[str]) -> str:
    return "".join(csv_chunks(frame, columns))


def _store(path: Path) -> Store:
    """The report tests' store (several runs, hostile titles), with archives and oddities."""
    store = build_store(path, n_links=120, runs=4)
    ensure_schema(store.db)
    urls = [row[0] for row in store.db.execute("SELECT identity FROM links ORDER BY identity")]
    for i, url in enumerate(urls[::2]):
        snapshot = f"https://web.archive.org/web/2026/{url}?a=1&b=2" if i % 3 else None
        title = "snapshot | *title*" if i % 4 == 0 else None
        row = ArchiveRow(url, url, "captured" if snapshot else "none", snapshot, None, title)
        record(store.db, row, checked_at="2026-11-22T06:00:00+00:00", run_id=4)
    run = store.begin_run("2026-11-23T06:00:00+00:00", "seeds")  # unfinished, half checked
    links = [LinkRow(u, u, u, "") for u in urls]
    texts = ["", "  ", "dup", "dup", 'a, "quoted"\nline', "*em*"]
    occurrences = [
        OccurrenceRow(u, f"seeds/f{i % 3}.md", i + j, texts[(i + j) % len(texts)], "inline")
        for i, u in enumerate(urls)
        for j in range(1 + i % 3)
    ]
    store.record_links(run.id, run.started_at, links, occurrences)
    checks = [
        CheckRow("dead", "http-404", 404, None, "", identity=u, checked_at=run.started_at)
        for u in urls[1::2]
    ]
    store.record_checks(run.id, checks)
    return store


def _tables(store: Store, run_id: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """links.csv's and occurrences.csv's rows as DataFrames, and report.html."""
    with report_data(store, run_id) as data:
        links = pd.concat(list(link_frames(data)), ignore_index=True)
        occurrences = pd.concat(list(occurrence_frames(data)), ignore_index=True)
        page = "".join(html_chunks(data))
    return links, occurrences, page


def _check_against_the_groupby(store: Store, run_id: int, links: pd.DataFrame) -> None:
    """links.csv's link columns as the pandas groupby code made them (the reference)."""
    occ = pd.read_sql_query(
        "SELECT o.seq, o.identity, o.file, o.line, o.link_text, l.url, l.host "
        "FROM occurrences o JOIN links l ON l.identity = o.identity "
        "WHERE o.run_id = ? ORDER BY o.seq",
        store.db,
        params=(run_id,),
    )
    occ["source"] = occ["file"] + ":" + occ["line"].astype(str)

    def unique(values: pd.Series) -> str:
        seen = dict.fromkeys(v.strip() for v in values if isinstance(v, str) and v.strip())
        return " | ".join(seen)

    grouped = occ.groupby("identity", sort=False)
    expected = pd.DataFrame(
        {
            "url": grouped["url"].first(),
            "domain": grouped["host"].first(),
            "link_text": grouped["link_text"].agg(unique),
            "sources": grouped["source"].agg("; ".join),
            "occurrences": grouped.size(),
        }
    ).reset_index()
    for column in ("url", "domain", "link_text", "sources", "occurrences"):
        assert links[column].tolist() == expected[column].tolist(), column


@pytest.mark.filterwarnings("ignore:No artists with labels")  # a trend with no check yet
@pytest.mark.parametrize("run_id", [1, 3, 4, 5])
def test_report_data_matches_the_groupby_and_the_pages_data_block(
    tmp_path: Path, run_id: int
) -> None:
    store = _store(tmp_path / "state.sqlite")
    links, occurrences, page = _tables(store, run_id)
    _check_against_the_groupby(store, run_id, links)
    assert list(links.columns) == LINK_COLUMNS
    assert list(occurrences.columns) == OCCURRENCE_COLUMNS
    assert len(occurrences) == sum(links["occurrences"])
    assert set(occurrences["status"]) <= set(links["status"])
    # the page's data block, streamed in blocks, is the JSON of the rows made in one go
    blank = links.astype(object).where(links.notna(), "")
    files: dict[str, list[str]] = {}
    for url, group in occurrences.groupby("url", sort=False)["file"]:
        files[str(url)] = sorted({str(f) for f in group})
    rows = []
    for row in blank.to_dict("records"):
        href = isinstance(row["url"], str) and row["url"].lower().startswith(
            ("http://", "https://")
        )
        archive = row["archive_url"]
        safe = isinstance(archive, str) and archive.lower().startswith(("http://", "https://"))
        record = {
            **row,
            "href": 1 if href else 0,
            "archive_href": archive if safe else "",
            "confirmed_dead": 1 if row["confirmed_dead"] is True else 0,
            "files": files.get(str(row["url"]), []),
            # the order and the next steps, from the same columns (crawler/report/attention.py)
            "attention": rank(row["status"], row["confirmed_dead"], row["change"]),
            "next": [
                list(step)
                for step in next_steps(
                    attention.LinkState(
                        str(row["status"]),
                        str(row["reason"]),
                        row["confirmed_dead"] is True,
                        int(row["fail_streak"] or 0),
                        str(row["first_failed_at"]),
                        archive if safe else "",
                        str(row["archive_status"]),
                    ),
                    Policy(),
                )
            ],
        }
        rows.append([record[name] for name in ROW_FIELDS])
    payload = {"fields": ROW_FIELDS, "statuses": [*STATUSES, "unchecked"], "rows": rows}
    block = re.search(r'id="report-data">(.*?)</script>', page, re.S)
    assert block is not None
    assert block.group(1) == str(script_json(payload))
    assert json.loads(block.group(1))["rows"] == rows
    # and the files on disk are these very texts
    out = tmp_path / "reports"
    write_reports(store, out, run_id=run_id)
    links_csv = (out / "links.csv").read_text(encoding="utf-8")
    assert links_csv == links.to_csv(index=False)
    occurrences_csv = (out / "occurrences.csv").read_text(encoding="utf-8")
    assert occurrences_csv == occurrences.to_csv(index=False)
    assert sorted(p.name for p in out.iterdir()) == [
        "links.csv",
        "links.json",
        "links.sarif",
        "occurrences.csv",
        "report.html",
        "run.json",
        "summary.md",
    ]


def test_links_csv_is_read_as_dictreader_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "links.csv"
    path.write_text(
        "status,url,extra,reason,final_url,confirmed_dead,archive_url\n"
        "dead,https://a.test/,x,http-404,,True,https://web.archive.org/web/1/https://a.test/\n"
        "\n"
        'alive,"https://b.test/?q=1,2",,redirected-permanent,https://c.test/,false,\n'
        "alive,https://short.test/,y,redirected-permanent,https://d.test/,no\n"
        "alive,https://long.test/,z,ok,,0,,surplus,fields\n",
        encoding="utf-8",
    )
    with path.open(encoding="utf-8", newline="") as fh:
        expected = {
            row["url"]: LinkState(
                status=row.get("status", ""),
                reason=row.get("reason", ""),
                final_url=row.get("final_url", "") or "",
                confirmed_dead=row.get("confirmed_dead", "").strip().lower()
                in ("true", "1", "yes"),
                archive_url=row.get("archive_url", "") or "",
            )
            for row in csv.DictReader(fh)
        }
    # only the states that can change a link: a dead link's snapshot, a permanent redirect
    kept = ("https://a.test/", "https://b.test/?q=1,2", "https://short.test/")
    assert states_from_links_csv(path) == {url: expected[url] for url in kept}
    assert states_from_links_csv(path)["https://a.test/"].confirmed_dead


URLS = [
    "https://example.com/a",
    "HTTPS://Example.COM:443/a/../b#frag",
    "http://user:pass@example.com/",
    "http://user@example.com/x",
    "https://example.com/?access_token=abc&x=1",
    "https://example.com/page?utm_source=x&id=2",
    "https://example.com/page#access_token=abc",
    "https://example.com/page#utm_source=x",
    "https://mp.weixin.qq.com/s?__biz=MzA==&mid=1&idx=1&sn=abc&scene=1&key=SECRET",
    "https://mp.weixin.qq.com/s/abcdef",
    "https://MP.WEIXIN.QQ.COM./s/abcdef#rd",
    "//example.com/protocol-relative",
    "http:\\\\example.com\\back\\slash",
    "https://example.com/%40at/encoded",
    "https://example.com/path;param=1",
    "https://[::1]:8080/ipv6",
    "https://xn--fiq228c.com/中文",
    "https://example.com/redirect?url=https://other.test/?token=secret",
]


def test_a_link_without_user_part_or_query_needs_no_cleaning() -> None:
    """fixes.plan leaves a link with neither ``@`` nor ``?`` alone when no state can change
    it: canonicalize finds credentials and trackers nowhere else."""
    rules = load_rules()
    for url in URLS:
        try:
            canonical = canonicalize(url, rules)
        except URLProblem:
            continue
        if "@" not in url and "?" not in url:
            assert not canonical.had_credentials, url
            assert not canonical.removed, url


def test_the_plan_is_the_same_when_every_link_is_canonicalized(tmp_path: Path) -> None:
    """A state that matters (here for a link nowhere in the seeds) makes plan canonicalize
    every link: the changes are the same as with the shortcut."""
    from crawler.report.fixes import all_fixes, plan, unified_diff  # noqa: PLC0415 (with the others)

    root = tmp_path / "seeds"
    root.mkdir()
    lines = []
    for i, url in enumerate(URLS):
        lines += [f"- [{i}]({url})", f"- <{url}>", f"- bare {url} here", f"`{url}`"]
        lines.append(f'<a href="{url.replace("&", "&amp;")}">{i}</a>')
    (root / "list.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "plain.md").write_text("- https://fine.test/\n", encoding="utf-8")
    # credentials whose "@" is written as a character reference: no "@" in the file's text
    entity = "- [e](https://user:pass&#64;example.com/x)\n"
    (root / "entity.md").write_text(entity, encoding="utf-8")
    rules = load_rules()
    states = {"https://fine.test/": LinkState("alive", "ok")}
    fast = plan(root, states, rules)
    moved = LinkState("alive", "redirected-permanent", final_url="https://new.test/")
    slow = plan(root, {**states, "https://elsewhere.test/": moved}, rules)
    assert unified_diff(fast) == unified_diff(slow)
    assert all_fixes(fast) == all_fixes(slow)
    assert all_fixes(fast)  # the links with credentials or trackers
    assert "entity.md" in fast
