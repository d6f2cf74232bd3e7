"""report.html without a browser: escaping, no external resource, charts, the data block.

The fixture store (several runs, hostile titles, Chinese text) is also used by
tests/test_report_browser.py and for docs/report-screenshot.png.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from crawler.report import write_reports
from crawler.report.charts import run_status_counts
from crawler.report.html import ROW_FIELDS, format_duration, html_chunks, script_json
from crawler.report.tables import report_data
from crawler.store.archive import ArchiveRow, ensure_schema, record
from crawler.store.db import CheckRow, LinkRow, OccurrenceRow, Store

HOSTILE_TITLE = "<script>alert(1)</script>"
ATTR_TITLE = '" onmouseover="alert(2)" x="'
IMG_TITLE = "<img src=x onerror=alert(3)>"
JS_URL = "javascript:alert(4)"
CHINESE_TITLE = "中文标题：链接健康报告"

FILES = ["seeds/awesome-python.md", "seeds/中文资源.md", "seeds/tools.md"]
DOMAINS = [
    "github.com",
    "docs.python.org",
    "example.org",
    "zhihu.com",
    "medium.com",
    "old-blog.net",
    "gitee.com",
    "pypi.org",
]
#: run 3's statuses cycle through this pattern (so counts are predictable)
PATTERN = ["alive"] * 11 + ["dead", "blocked", "alive", "error", "dead", "skipped", "alive"]
SPECIAL = [
    # (url, host, title, status, reason, http)
    ("https://example.org/xss", "example.org", HOSTILE_TITLE, "dead", "http-404", 404),
    ("https://example.org/attr", "example.org", ATTR_TITLE, "alive", "ok", 200),
    ("https://example.org/img", "example.org", IMG_TITLE, "alive", "ok", 200),
    (JS_URL, "", None, "ignored", "unsupported-scheme", None),
    ("https://zhihu.com/question/1", "zhihu.com", CHINESE_TITLE, "blocked", "anti-bot", 403),
]
TIMES = [
    ("2026-11-20T06:00:00+00:00", "2026-11-20T06:04:10+00:00"),
    ("2026-11-21T06:00:00+00:00", "2026-11-21T06:05:02+00:00"),
    ("2026-11-22T06:00:00+00:00", "2026-11-22T06:03:47+00:00"),
]


def _generated(i: int) -> tuple[str, str, str]:
    host = DOMAINS[(i * 7 + i // 5) % len(DOMAINS)]
    return f"https://{host}/page/{i}", host, f"Page {i} — 第{i}页"


def build_store(path: Path, n_links: int = 60, runs: int = 3) -> Store:
    """``runs`` runs of ``n_links`` generated links plus the special ones; run-to-run changes."""
    store = Store(path)
    generated = [_generated(i) for i in range(n_links)]
    every = [(u, h, t) for u, h, t in generated] + [(u, h, t or "") for u, h, t, *_ in SPECIAL]
    links = [LinkRow(url, url, url, host) for url, host, _ in every]
    occurrences = [
        OccurrenceRow(url, FILES[i % len(FILES)], 10 + i, f"link {i} 链接", "inline")
        for i, (url, _, _) in enumerate(every)
    ]
    occurrences.append(OccurrenceRow(SPECIAL[0][0], FILES[2], 3, "again", "inline"))
    for r in range(runs):
        started, finished = TIMES[r % len(TIMES)]
        if runs > len(TIMES):
            started = f"2026-10-{r + 1:02d}T06:00:00+00:00"
            finished = f"2026-10-{r + 1:02d}T06:03:00+00:00"
        run = store.begin_run(started, "seeds")
        store.record_links(run.id, started, links, occurrences)
        checks = []
        for i, (url, _, title) in enumerate(generated):
            status = PATTERN[(i + (runs - 1 - r) * 3) % len(PATTERN)]
            reason = {"alive": "ok", "dead": "http-404", "blocked": "anti-bot"}.get(status, "")
            reason = reason or {"error": "timeout", "skipped": "robots"}[status]
            http = {"ok": 200, "http-404": 404, "anti-bot": 403}.get(reason)
            page_title = title if r == runs - 1 or i % 9 else f"Old title {i}"
            checks.append(
                CheckRow(status, reason, http, url, page_title, identity=url, checked_at=finished)
            )
        for url, _, title, status, reason, http in SPECIAL:
            checks.append(
                CheckRow(status, reason, http, url, title, identity=url, checked_at=finished)
            )
        store.record_checks(run.id, checks)
        store.finish_run(run.id, finished, stats={"linkhealth/links": len(links)})
    return store


def with_archives(store: Store, run_id: int) -> None:
    """Snapshots for two links in three, by their order in the reports (one of them a
    ``javascript:`` URL, which never becomes a link)."""
    ensure_schema(store.db)
    order = store.db.execute(
        "SELECT o.identity, l.url FROM occurrences o JOIN links l ON l.identity = o.identity "
        "WHERE o.run_id = ? GROUP BY o.identity ORDER BY MIN(o.seq)",
        (run_id,),
    ).fetchall()
    for i, (identity, url) in enumerate(order):
        if url == JS_URL:
            snapshot = JS_URL
        elif i % 3:
            snapshot = f"https://web.archive.org/web/20261120000000/{url}"
        else:
            continue
        row = ArchiveRow(identity, url, "captured", snapshot, "2026-11-20T00:00:00+00:00")
        record(store.db, row, checked_at="2026-11-20T00:00:00+00:00", run_id=run_id)


def write_report(store: Store, directory: Path, *, archives: bool = True) -> Path:
    """report.html (and the other reports) as write_reports makes them, with archive
    snapshots unless told otherwise."""
    if archives:
        run_id = store.latest_run_id(with_checks=False)
        assert run_id is not None
        with_archives(store, run_id)
    write_reports(store, directory)
    return directory / "report.html"


# -- parsing the page ------------------------------------------------------------------------


class Page(HTMLParser):
    """Every start tag with its attributes, the text outside scripts, and each script's body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self._style = False
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))
        self._style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None
        if tag == "style":
            self._style = False

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        elif self._style:
            self.styles.append(data)
        else:
            self.text.append(data)


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Store]:
    directory = tmp_path_factory.mktemp("report")
    store = build_store(directory / "state.sqlite")
    path = write_report(store, directory)
    return path.read_text(encoding="utf-8"), store


def _data(page: Page) -> dict[str, object]:
    blocks = [body for attrs, body in page.scripts if attrs.get("type") == "application/json"]
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    assert isinstance(data, dict)
    return data


def test_hostile_titles_and_urls_stay_text(report: tuple[str, Store]) -> None:
    html, _ = report
    page = parse(html)
    for raw in (HOSTILE_TITLE, IMG_TITLE, ATTR_TITLE):
        assert raw not in html  # nowhere verbatim: neither as markup nor inside the JSON
    # the only scripts are the data block and the page's own script
    assert [attrs.get("type") for attrs, _ in page.scripts] == ["application/json", None]
    assert not [t for t, _ in page.tags if t in {"img", "iframe", "object", "embed"}]
    for tag, attrs in page.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        href = attrs.get("href")
        if href is not None:
            assert tag == "a"
            assert href.startswith(("https://", "http://")), href
    data = _data(page)
    rows = data["rows"]
    assert isinstance(rows, list)
    by_url = {row[ROW_FIELDS.index("url")]: row for row in rows}
    assert by_url["https://example.org/xss"][ROW_FIELDS.index("title")] == HOSTILE_TITLE
    assert by_url["https://example.org/attr"][ROW_FIELDS.index("title")] == ATTR_TITLE
    js = by_url[JS_URL]
    assert js[ROW_FIELDS.index("href")] == 0
    assert js[ROW_FIELDS.index("archive_href")] == ""
    assert "javascript:" not in " ".join(str(attrs) for _, attrs in page.tags)


def test_a_hostile_title_among_the_changes_is_text(tmp_path: Path) -> None:
    """The changes list is rendered by Jinja2 (text in the page, not JSON): escaped there."""
    store = Store(tmp_path / "state.sqlite")
    url = "https://example.org/xss"
    for day, status, reason, http in (
        ("2026-11-20", "alive", "ok", 200),
        ("2026-11-21", "dead", "http-404", 404),
    ):
        now = f"{day}T06:00:00+00:00"
        run = store.begin_run(now, "seeds")
        store.record_links(
            run.id,
            now,
            [LinkRow(url, url, url, "example.org")],
            [OccurrenceRow(url, FILES[0], 1, "xss", "inline")],
        )
        store.record_checks(
            run.id,
            [CheckRow(status, reason, http, url, HOSTILE_TITLE, identity=url, checked_at=now)],
        )
        store.finish_run(run.id, now)
    html = write_report(store, tmp_path, archives=False).read_text(encoding="utf-8")
    changes = html[html.index('<ul class="changes">') :]
    changes = changes[: changes.index("</ul>")]
    assert "newly failing" in changes
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</a>" in changes
    assert HOSTILE_TITLE not in html
    assert [attrs.get("type") for attrs, _ in parse(html).scripts] == ["application/json", None]


def test_no_external_resource(report: tuple[str, Store]) -> None:
    html, _ = report
    page = parse(html)
    csp = [
        a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp
    assert "default-src 'none'" in str(csp[0]["content"])
    for tag, attrs in page.tags:
        assert "src" not in attrs, (tag, attrs)
        if tag == "link":
            pytest.fail(f"external stylesheet or icon: {attrs}")
        for name in ("xlink:href", "href"):
            value = attrs.get(name)
            if value is not None and tag != "a":
                assert value.startswith("#"), (tag, attrs)  # SVG clip paths only
    style = "\n".join(page.styles)
    assert "@import" not in style
    assert "url(" not in style
    assert "@font-face" not in style
    assert "<?xml" not in html
    assert "<!DOCTYPE svg" not in html


def test_charts_are_inline_svg(report: tuple[str, Store]) -> None:
    html, _ = report
    page = parse(html)
    charts = [a.get("data-chart") for t, a in page.tags if t == "svg"]
    assert charts == ["status", "trend", "file", "domain"]
    for key in ("status", "trend", "file", "domain"):
        svg = html[html.index(f'data-chart="{key}"') :]
        svg = svg[: svg.index("</svg>")]
        assert svg.count("<path") > 5, key  # how many paths matplotlib draws is its business
        assert "var(--" in svg  # colours follow the page's theme
        assert "font-family" not in svg  # text inherits the page's CJK-capable stack
    # clip-path ids are unique across the charts
    ids = re.findall(r'<clipPath id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    # the trend spans the three runs
    trend = html[html.index('data-chart="trend"') :]
    trend = trend[: trend.index("</svg>")]
    assert all(f">#{i}<" in trend for i in (1, 2, 3))


def test_summary_panels(report: tuple[str, Store]) -> None:
    html, _ = report
    text = " ".join(" ".join(parse(html).text).split())
    assert "Run 3 of 3" in text
    assert "took 3 min 47 s" in text
    assert "2026-11-22 06:00 UTC → 2026-11-22 06:03 UTC" in text
    assert "Archive coverage" in text
    assert re.search(r"\b\d+ of \d+ links have a Wayback snapshot", text)
    assert "Since the last run" in text
    assert "newly failing" in text
    assert "recovered" in text
    # Chinese text rendered in the page, not only in the JSON block (``text`` is the page's
    # text outside scripts): a title in the changes list, a seed file's name in the file filter
    assert "Page 14 — 第14页" in text
    assert ("option", {"value": "seeds/中文资源.md"}) in parse(html).tags


def test_run_status_counts(report: tuple[str, Store]) -> None:
    _, store = report
    table = run_status_counts(store)
    assert list(table.index) == [1, 2, 3]
    assert list(table.columns) == ["alive", "dead", "blocked", "error", "skipped", "ignored"]
    assert (table.sum(axis=1) == 60 + len(SPECIAL)).all()
    assert list(run_status_counts(store, upto=2).index) == [1, 2]


def test_first_run_without_history_or_archives(tmp_path: Path) -> None:
    store = build_store(tmp_path / "state.sqlite", n_links=5, runs=1)
    html = write_report(store, tmp_path, archives=False).read_text(encoding="utf-8")
    assert "This is the first run" in html
    assert ">0%<" in html


def test_degraded_banner(tmp_path: Path) -> None:
    store = build_store(tmp_path / "state.sqlite", n_links=5, runs=1)
    store.finish_run(1, TIMES[0][1], state="degraded", degraded_reason="offline <b>net</b>")
    html = write_report(store, tmp_path).read_text(encoding="utf-8")
    assert 'role="alert">Degraded run: offline &lt;b&gt;net&lt;/b&gt;.</p>' in html


def test_script_json_cannot_close_the_script() -> None:
    text = str(script_json({"t": "</script><!-- & \u2028"}))
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert json.loads(text) == {"t": "</script><!-- & \u2028"}


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-11-22T06:00:00+00:00", "2026-11-22T06:03:47+00:00", "3 min 47 s"),
        ("2026-11-22T06:00:00+00:00", "2026-11-22T08:10:00+00:00", "2 h 10 min"),
        ("2026-11-22T06:00:00+00:00", "2026-11-22T06:00:09+00:00", "9 s"),
        ("2026-11-22T06:00:00+00:00", None, ""),
        ("garbage", "2026-11-22T06:00:09+00:00", ""),
    ],
)
def test_format_duration(start: str, end: str | None, expected: str) -> None:
    assert format_duration(start, end) == expected


def test_empty_run(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.sqlite")
    run = store.begin_run("2026-11-22T06:00:00+00:00", "seeds")
    store.record_links(run.id, "2026-11-22T06:00:00+00:00", [], [])
    with report_data(store, run.id) as data:
        html = "".join(html_chunks(data))
    assert "<svg" not in html
    assert "This run did not finish" in html
