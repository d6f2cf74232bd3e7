"""Content drift, the pure part: the title similarity, its thresholds measured on the labelled
pairs of tests/data/drift_pairs.csv (the README states the figures), the decision, the rules."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.base.rules import DEFAULT_RULES_PATH, RulesError, build_rules, load_rules
from crawler.base.rules import _merge as merge_rules
from crawler.base.rules import _read_toml as read_toml
from crawler.cli import main
from crawler.report.fixes import ARCHIVE, LinkState, all_fixes, plan, render_fixes_md
from crawler.report.fixes import DRIFT as DRIFT_FIX
from crawler.store.db import SCHEMA_VERSION, CheckRow, LinkRow, OccurrenceRow, Store
from crawler.store.history import DRIFTED, TITLE_CHANGED, Check, Policy, summarize
from crawler.verdict.drift import (
    HISTORY,
    LINK_TEXT,
    SNAPSHOT,
    Reference,
    is_descriptive,
    judge,
    segments,
    text_support,
    title_similarity,
)
from tests.conftest import ROOT

RULES = load_rules()
DRIFT = RULES.drift
PAIRS = ROOT / "tests" / "data" / "drift_pairs.csv"
README = (ROOT / "README.md").read_text(encoding="utf-8")
DRIFT_DOC = (ROOT / "docs" / "drift.md").read_text(encoding="utf-8")


def _pairs() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def measure(rows: list[dict[str, str]], rules=DRIFT) -> tuple[int, float, float]:
    """(pairs, precision, recall) of "drifted" over labelled pairs, as the crawl decides
    (a title pair: the oldest title; a text pair: the link text alone)."""
    tp = fp = fn = 0
    for row in rows:
        if row["evidence"] == "title":
            found = judge(row["current"], Reference(HISTORY, row["reference"]), (), rules)
        else:
            found = judge(row["current"], None, (row["reference"],), rules)
        drifted = row["drifted"] == "yes"
        tp += bool(found) and drifted
        fp += bool(found) and not drifted
        fn += (not found) and drifted
    return len(rows), tp / (tp + fp), tp / (tp + fn)


def measured_table(rules=DRIFT) -> list[str]:
    rows = _pairs()
    lines = []
    for label, kind in (("oldest title", "title"), ("link text", "text"), ("all", None)):
        chosen = [r for r in rows if kind is None or r["evidence"] == kind]
        n, precision, recall = measure(chosen, rules)
        lines.append(f"| {label} | {n} | {precision:.2f} | {recall:.2f} |")
    return lines


def test_the_docs_state_the_measured_precision_and_recall():
    """docs/drift.md's table by evidence, and the README's sentence for all pairs."""
    table = [
        line
        for line in DRIFT_DOC.splitlines()
        if re.match(r"\| (oldest title|link text|all) \|", line)
    ]
    assert table == measured_table()
    _, pairs, precision, recall = (cell.strip() for cell in table[-1].strip("|").split("|"))
    said = " ".join(README.split())
    assert f"measured on {pairs} labelled title pairs" in said
    assert f"precision {precision}, recall {recall}" in said


def test_the_labelled_set_has_every_shape_the_issue_names():
    shapes = {row["shape"] for row in _pairs()}
    assert {"renamed", "redesign", "changed-hands", "parked", "home-page"} <= shapes
    text = PAIRS.read_text(encoding="utf-8")
    assert re.search(r"[\u4e00-\u9fff]", text)
    assert re.search(r"[A-Za-z]{5}", text)


def test_other_thresholds_measure_worse_on_the_labelled_set():
    # the chosen thresholds are the ones the set supports: lower misses drifts, higher
    # raises false alarms
    chosen = measured_table()
    assert measured_table(replace(DRIFT, title_threshold=0.2)) != chosen
    assert measured_table(replace(DRIFT, title_threshold=0.8)) != chosen
    assert measured_table(replace(DRIFT, text_threshold=0.15)) != chosen


def test_what_does_not_matter_is_taken_away():
    assert segments("ＰｙＴｏｒｃｈ 入门教程（一）：张量_CSDN博客", DRIFT) == [
        "pytorch入门教程一张量"
    ]
    assert title_similarity("如何理解 LSTM？ - 知乎", "如何理解LSTM?", DRIFT) == 1.0
    assert (
        title_similarity(
            "Attention Is All You Need", "[1706.03762] Attention Is All You Need", DRIFT
        )
        == 1.0
    )
    # a site's name both titles end with is not evidence: the home page is only that
    assert title_similarity("深度学习笔记 | 张三的博客", "张三的博客", DRIFT) == 0.0
    assert title_similarity("深度学习笔记", "深度学习笔记 | 张三的博客", DRIFT) == 1.0


def test_descriptive_link_texts():
    assert not is_descriptive("原文", DRIFT)
    assert not is_descriptive("Click here", DRIFT)
    assert not is_descriptive("https://example.com/a", DRIFT)
    assert not is_descriptive("example.com/a/b", DRIFT)
    assert not is_descriptive("点击这里", DRIFT)
    assert not is_descriptive("link 12", DRIFT)  # numbered generic words
    assert not is_descriptive("原文链接2", DRIFT)
    assert not is_descriptive("[12]", DRIFT)
    assert is_descriptive("注意力机制详解", DRIFT)
    assert is_descriptive("Attention Is All You Need", DRIFT)


def test_a_matching_link_text_vetoes_and_the_oldest_title_decides_otherwise():
    old = Reference(SNAPSHOT, "RNN 学习笔记 | 张三的技术博客", "2019-03-01T00:00:00Z")
    casino = "澳门新葡京 - 官方网站"
    found = judge(casino, old, ["原文"], DRIFT)
    assert found is not None
    assert found.describe() == (
        'title "RNN 学习笔记 | 张三的技术博客" (Wayback 2019-03-01) → "澳门新葡京 - 官方网站"'
    )
    assert judge(casino, old, ["澳门新葡京"], DRIFT) is None  # the user linked this page
    assert judge("RNN 学习笔记（修订版） | 张三的技术博客", old, [], DRIFT) is None
    assert judge(casino, None, ["原文", "https://x.test/"], DRIFT) is None  # no evidence
    assert judge("", old, [], DRIFT) is None  # no title: nothing can be said
    by_text = judge(casino, None, ["RNN 学习笔记"], DRIFT, elsewhere="casino.example")
    assert by_text is not None
    assert by_text.reference.kind == LINK_TEXT
    assert (
        by_text.describe() == 'link text "RNN 学习笔记" → "澳门新葡京 - 官方网站" on casino.example'
    )
    assert text_support("RNN 学习笔记", casino, DRIFT) == 0.0


def test_a_drift_is_a_change_once():
    def check(run: int, title: str, drift: str = "") -> Check:
        return Check(run, f"2026-03-0{run}T00:00:00Z", "alive", title, drift=drift)

    checks = [check(1, "A"), check(2, "B", 'title "A" → "B"')]
    assert summarize(checks, Policy()).change == DRIFTED
    checks.append(check(3, "B", 'title "A" → "B"'))
    assert summarize(checks, Policy()).change == ""
    assert summarize([check(1, "A"), check(2, "A2")], Policy()).change == TITLE_CHANGED


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[drift]\ntitle_threshold = 2\n", "title_threshold: expected a number from 0 to 1"),
        ("[drift]\ntext_threshold = 'x'\n", "text_threshold: expected a number from 0 to 1"),
        ("[drift]\nmin_text_chars = 0\n", "min_text_chars: expected a whole number >= 1"),
        ("[drift]\nignore_patterns = ['(']\n", "ignore_patterns: bad regular expression"),
        ("[drift]\nsuffixes = []\n", "unknown key(s) suffixes"),
    ],
)
def test_a_bad_drift_table_stops_the_rules(tmp_path: Path, table: str, message: str):
    path = tmp_path / "rules.toml"
    path.write_text(table, encoding="utf-8")
    with pytest.raises(RulesError, match=re.escape(message)):
        build_rules(merge_rules(read_toml(DEFAULT_RULES_PATH), read_toml(path)), ["x"])


def test_a_rules_file_changes_the_suffixes(tmp_path: Path):
    path = tmp_path / "rules.toml"
    path.write_text('[drift]\nsite_suffixes = [" - 某某论坛"]\n', encoding="utf-8")
    mine = load_rules(path).drift
    assert title_similarity("机器学习资料 - 某某论坛", "机器学习资料", mine) == 1.0
    assert segments("机器学习资料 - 知乎", mine) == ["机器学习资料", "知乎"]  # the list replaced


def test_explain_shows_the_drift_evidence_and_rule(tmp_path: Path, capsys):
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>澳门新葡京 - 官方网站</title></head></html>", "utf-8")
    url = "http://zhangsan-blog.test/2019/rnn-notes"
    args = ["rules", "explain", str(page), "--url", url, "--was", "RNN 学习笔记 | 张三的技术博客"]
    assert main([*args, "--link-text", "原文"]) == 0
    out = capsys.readouterr().out
    assert 'oldest title "RNN 学习笔记 | 张三的技术博客": does not match (similarity 0.00' in out
    assert 'link text "原文": not descriptive' in out
    assert 'drift:      title "RNN 学习笔记 | 张三的技术博客" → "澳门新葡京 - 官方网站"' in out
    assert "rule:       [drift]: the title matches none of the evidence" in out
    assert main([*args, "--link-text", "澳门新葡京官方网站"]) == 0
    out = capsys.readouterr().out
    assert "supports the title (share 1.00" in out
    assert "drift:      none" in out


def test_fix_proposes_a_drifted_links_snapshot_never_the_page_it_drifted_to(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "list.md").write_text(
        "- [注意力机制](http://old.test/attention)\n- [RNN](http://blog.test/rnn)\n"
        "- [fine](http://fine.test/)\n",
        encoding="utf-8",
    )
    before = "https://web.archive.org/web/20190301000000/http://old.test/attention"
    states = {
        # a permanent redirect to another domain, whose title fails the evidence
        "http://old.test/attention": LinkState(
            "alive",
            "redirected-permanent",
            final_url="https://casino.example/",
            drift='title "注意力机制" (first seen 2026-01-02) → "澳门新葡京" on casino.example',
            drift_snapshot=before,
        ),
        # drifted, but no snapshot from before: nothing to propose
        "http://blog.test/rnn": LinkState("alive", "ok", drift='link text "RNN" → "Casino"'),
        "http://fine.test/": LinkState("alive", "ok"),
    }
    fixes = all_fixes(plan(seeds, states, RULES))
    assert [(f.line, f.kind, f.target) for f in fixes] == [(1, DRIFT_FIX, before)]
    assert "now shows something else: add the snapshot from before" in render_fixes_md(fixes)
    # the same link once confirmed dead keeps the dead link's fix
    dead = {
        "http://old.test/attention": LinkState(
            "dead", "http-404", confirmed_dead=True, archive_url=before
        )
    }
    assert [f.kind for f in all_fixes(plan(seeds, dead, RULES))] == [ARCHIVE]


def test_a_state_file_of_schema_2_gains_the_drift_columns(tmp_path: Path):
    path = tmp_path / "state.sqlite"
    store = Store(path, RULES)
    store.close()
    db = sqlite3.connect(path)
    # as schema 2 wrote it: no drift, no reference snapshot
    db.execute("ALTER TABLE checks DROP COLUMN drift")
    for name in ("reference_title", "reference_at", "reference_url", "reference_sought"):
        db.execute(f"ALTER TABLE links DROP COLUMN {name}")
    db.execute("UPDATE meta SET value='2' WHERE key='schema_version'")
    db.execute("INSERT INTO runs(started_at, seeds) VALUES ('2026-01-01T00:00:00Z', 's')")
    db.execute(
        "INSERT INTO links(identity, url, fetch_url, host, first_seen) "
        "VALUES ('a', 'http://a.test/', 'http://a.test/', 'a.test', '2026-01-01T00:00:00Z')"
    )
    db.execute(
        "INSERT INTO checks(run_id, identity, checked_at, status, reason, title) "
        "VALUES (1, 'a', '2026-01-01T00:00:00Z', 'alive', 'ok', 'A page')"
    )
    db.commit()
    db.close()
    store = Store(path, RULES)
    try:
        assert store.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[
            0
        ] == str(SCHEMA_VERSION)
        assert store.db.execute("SELECT drift FROM checks").fetchall()[0][0] == ""
        evidence = store.drift_evidence("a", 2)
        assert evidence is not None
        assert (evidence.first_title, evidence.snapshot_title) == ("A page", None)
        store.record_reference("a", "2026-01-08T00:00:00Z", ("Old", "2019-01-01T00:00:00Z", "u"))
        assert store.drift_evidence("a", 2).snapshot_title == "Old"  # type: ignore[union-attr]
    finally:
        store.close()


def test_the_archive_looks_for_a_live_links_reference_snapshot_once():
    from crawler.archive import planner  # noqa: PLC0415
    from crawler.store.archive import LinkState as ArchiveState  # noqa: PLC0415

    url = "https://blog.test/post"
    now = planner.dt.datetime(2026, 3, 2, tzinfo=planner.dt.UTC)
    due = ArchiveState(url, url, reference_due="2026-01-02T03:04:05Z")
    fresh = replace(due, archive_status="existing", archived_at="2026-03-01T00:00:00Z")

    def plan(state: ArchiveState, status: str = "alive") -> planner.Job | None:
        return planner.plan(url, status, "2026-03-02T00:00:00Z", state, now=now, max_age_days=30)

    assert plan(due) == planner.Job(url, url, planner.CAPTURE, reference_before="20260102030405")
    assert plan(fresh) == planner.Job(
        url, url, planner.REFERENCE, reference_before="20260102030405"
    )
    assert plan(replace(fresh, reference_due=None)) is None  # looked for already
    assert plan(due, "blocked") == planner.Job(url, url, planner.LOOKUP)  # live pages only


def test_a_reference_snapshot_whose_address_holds_a_credential_is_dropped(tmp_path: Path):
    path = tmp_path / "state.sqlite"
    store = Store(path, RULES)
    try:
        store.record_links(
            1,
            "2026-01-01T00:00:00Z",
            [LinkRow("https://a.test/x", "https://a.test/x", None, "a.test")],
            [],
        )
        leak = "https://web.archive.org/web/20190101000000/https://a.test/x?pass_ticket=LEAK01"
        store.record_reference(
            "https://a.test/x", "2026-01-01T00:00:00Z", ("Old", "2019-01-01T00:00:00Z", leak)
        )
        store.db.execute("UPDATE meta SET value='' WHERE key='rules_digest'")  # older rules
    finally:
        store.close()
    store = Store(path, RULES)  # follows the current rules
    try:
        row = store.db.execute(
            "SELECT reference_url, reference_title, reference_sought FROM links"
        ).fetchone()
        assert tuple(row) == (None, None, None)  # looked for again by the next run
    finally:
        store.close()
    assert b"LEAK01" not in path.read_bytes()


@given(
    title=st.text(
        alphabet=st.characters(categories=("L", "N", "Zs", "P")), min_size=1, max_size=40
    ).filter(lambda t: len(segments(t, DRIFT)) > 0),
    suffix=st.sampled_from(DRIFT.site_suffixes),
    full_width=st.booleans(),
)
def test_a_site_suffix_full_width_forms_and_case_never_make_a_drift(title, suffix, full_width):
    # ASCII case only: other scripts' case maps are not round trips (ı → I → i)
    other = "".join(c.upper() if c.isascii() else c for c in title) + suffix
    if full_width:  # ASCII letters and digits as their full-width forms
        other = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in other)
    assert judge(other, Reference(HISTORY, title), (), DRIFT) is None


def test_the_reports_list_drifted_links_as_text_never_markup(tmp_path: Path):
    from crawler.report import write_reports  # noqa: PLC0415

    store = Store(tmp_path / "state.sqlite", RULES)
    try:
        url = "http://blog.test/p"
        run = store.begin_run("2026-01-01T00:00:00Z", "seeds")
        store.record_links(
            run.id,
            "2026-01-01T00:00:00Z",
            [LinkRow(url, url, url, "blog.test")],
            [OccurrenceRow(url, "list.md", 1, "注意力机制详解", "inline")],
        )
        evil = '<script>alert("x")</script> casino'
        drift = f'link text "注意力机制详解" → "{evil}"'
        store.record_check(
            run.id,
            CheckRow(
                "alive",
                "ok",
                200,
                title=evil,
                drift=drift,
                identity=url,
                checked_at="2026-01-01T00:00:00Z",
            ),
        )
        store.finish_run(run.id, "2026-01-01T00:01:00Z")
        write_reports(store, tmp_path / "reports")
    finally:
        store.close()
    html = (tmp_path / "reports" / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<section class="panel" id="drifted">') :]
    section = section[: section.index("</section>")]
    assert "1 live links whose page no longer matches" in section
    assert "&lt;script&gt;alert(" in section
    assert "<script>" not in section
    summary = (tmp_path / "reports" / "summary.md").read_text(encoding="utf-8")
    assert "## Links that now show something else (1)" in summary
    assert "\\<script\\>" in summary
    run_json = json.loads((tmp_path / "reports" / "run.json").read_text(encoding="utf-8"))
    assert run_json["drifted"] == 1
