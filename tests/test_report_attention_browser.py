"""report.html for a reader on a Monday morning (issue 25), in headless Chromium at desktop and
phone widths: what needs attention first, each row's reason in words and its next step, the
banner's colour, chart labels that fit and can be read, long URLs that do not make a row tall.

Heavy on a 2-core machine: one browser for the module, a few pages."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.archive.progress import ArchiveCounts
from crawler.report import write_reports
from crawler.store.archive import ArchiveRow, ensure_schema, record
from crawler.store.db import Store
from crawler.store.history import Policy
from tests import test_report_html as fixture
from tests.test_report_browser import ARGS, ARTIFACTS, CHROMIUM, Opened

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/install_test_deps.sh)"
    ),
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, sync_playwright

#: three checks a day and a half apart confirm a link: the fixture's link dead in all three runs is
#: newly confirmed in the last
POLICY = Policy(checks=3, days=1.5)
WECHAT = (
    "https://mp.weixin.qq.com/s?__biz=MzI4MDYzNzg4Mw==&mid=2247512345&idx=1"
    "&sn=0123456789abcdef0123456789abcdef&chksm=ebb1234567890abcdef1234567890abcdef"
)
#: alive in the last run: its archive work carried over
PENDING_URL = fixture._generated(0)[0]
#: dead in all three runs (newly confirmed with POLICY), with a snapshot from before
RESCUED = fixture.SPECIAL[0][0]
SNAPSHOT = f"https://web.archive.org/web/20200101000000/{RESCUED}"
LONG_FILES = [
    "seeds/深度学习/一个非常长的中文文件名-阅读清单-2026年版.md",
    "seeds/a-very-long-english-file-name-for-the-reading-list-of-deep-learning.md",
    "seeds/tools.md",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
INFO_BLUE, ALARM_RED = "rgb(9, 105, 218)", "rgb(207, 34, 46)"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


def _store(path: Path) -> Store:
    """The browser tests' fixture store (three runs), with long seed file names, a WeChat link
    with its long URL (alive), and one link whose archive work carried over."""
    wechat = (WECHAT, "mp.weixin.qq.com", "公众号文章", "alive", "ok", 200)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fixture, "FILES", LONG_FILES)
        patch.setattr(fixture, "SPECIAL", [*fixture.SPECIAL, wechat])
        store = fixture.build_store(path)
    run_id = store.latest_run_id()
    assert run_id is not None
    at = fixture.TIMES[2][1]
    ensure_schema(store.db)
    row = ArchiveRow(PENDING_URL, PENDING_URL, "pending")  # as the crawl's end records it
    record(store.db, row, checked_at=at, run_id=run_id)
    dead = store.db.execute(
        "SELECT identity FROM checks WHERE run_id = ? AND status = 'dead'", (run_id,)
    ).fetchall()
    for (identity,) in dead:  # the archive found no snapshot of them, but of one
        row = ArchiveRow(identity, identity, "none")
        if identity == RESCUED:
            row = ArchiveRow(identity, identity, "rescued", SNAPSHOT, "2020-01-01T00:00:00Z")
        record(store.db, row, checked_at=at, run_id=run_id)
    return store


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("finished")
    store = _store(directory / "state.sqlite")
    write_reports(store, directory, policy=POLICY)
    return directory


def _open(browser: Browser, path: Path, viewport: dict[str, int]) -> Opened:
    return Opened(browser.new_page(viewport=viewport), path.as_uri())  # type: ignore[arg-type]


def _links(directory: Path) -> list[dict[str, str]]:
    with (directory / "links.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _expected_order(rows: list[dict[str, str]]) -> list[str]:
    """The URLs as the reader should meet them (the issue's order, written out here)."""

    def group(row: dict[str, str]) -> int:
        status, confirmed = row["status"], row["confirmed_dead"] == "True"
        if status == "dead" and confirmed and row["change"] == "newly-confirmed-dead":
            return 0
        if status == "dead" and confirmed:
            return 1
        order = ["dead", "blocked", "error", "", "alive", "skipped", "ignored"]
        return 2 + order.index(status)

    return [row["url"] for _, row in sorted(enumerate(rows), key=lambda r: (group(r[1]), r[0]))]


_ROW_URLS = """rows => rows.map(tr => {
    const td = tr.querySelector('td.title'), sub = td.querySelector('.sub');
    return sub ? sub.textContent : td.firstChild.textContent; })"""


def _row(page: Page, url: str) -> dict[str, object]:
    """The row of ``url``: its reason cell's visible text and the boxes a reader sees."""
    found = page.evaluate(
        """url => { for (const tr of document.querySelectorAll('#links tbody tr')) {
            const td = tr.querySelector('td.title'), sub = td.querySelector('.sub');
            if ((sub ? sub.textContent : td.firstChild.textContent) !== url) continue;
            const reason = tr.querySelector('td.reason');
            const next = [...reason.querySelectorAll('.next')];
            return {reason: reason.innerText, height: tr.getBoundingClientRect().height,
                    url: sub ? sub.getBoundingClientRect().height : 0,
                    archive: tr.lastChild.innerText,
                    next: next.map(n => n.innerText), shown: next.every(n => n.offsetHeight > 0),
                    hrefs: next.map(n => n.getAttribute('href') || '')}; }
            return null; }""",
        url,
    )
    assert found is not None, url
    return dict(found)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_what_needs_attention_first_with_its_reason_and_next_step(
    browser: Browser, finished: Path, viewport: dict[str, int]
) -> None:
    view = _open(browser, finished / "report.html", viewport)
    page = view.page
    rows = _links(finished)
    urls = page.eval_on_selector_all("#links tbody tr", _ROW_URLS)
    assert urls == _expected_order(rows)
    by_url = {row["url"]: row for row in rows}
    statuses = [by_url[u]["status"] for u in urls]
    assert statuses[0] == "dead"
    assert by_url[urls[0]]["change"] == "newly-confirmed-dead"
    # a confirmed dead link: the reason in words, and the snapshot to use (or that none is)
    dead = next(r for r in rows if r["status"] == "dead" and r["confirmed_dead"] == "True")
    seen = _row(page, dead["url"])
    assert dead["reason_text"] in str(seen["reason"])
    assert seen["shown"]
    assert dead["url"] == RESCUED
    assert seen["next"] == ["use the snapshot"]
    assert seen["hrefs"] == [SNAPSHOT]
    # failing, not yet confirmed: when it will be
    failing = next(
        r
        for r in rows
        if r["status"] == "dead" and r["confirmed_dead"] == "False" and r["fail_streak"] == "1"
    )
    seen = _row(page, failing["url"])
    assert failing["reason_text"] in str(seen["reason"])
    since = dt.datetime.fromisoformat(failing["first_failed_at"])
    when = (since + dt.timedelta(days=POLICY.days)).date().isoformat()
    assert seen["next"] == [
        f"confirmed dead after 2 more checks (on or after {when})",
        "no snapshot found",
    ]
    assert seen["archive"] == "none found"  # looked up: not the blank of "not asked yet"
    # blocked: we could not tell, and where to read what to do
    blocked = next(r for r in rows if r["status"] == "blocked")
    seen = _row(page, blocked["url"])
    assert blocked["reason_text"] in str(seen["reason"])
    assert seen["next"][0] == "could not tell: see proxies"  # type: ignore[index]
    assert str(seen["hrefs"][0]).endswith("README.md#what-to-do-next")  # type: ignore[index]
    # the archive's time budget ended before this one: it says so (alive, so no reason text)
    assert by_url[PENDING_URL]["archive_status"] == "pending"
    seen = _row(page, PENDING_URL)
    assert seen["next"] == ["archive pending (next run)"]
    assert seen["archive"] == "pending (next run)"
    assert seen["shown"]
    # a long WeChat URL does not make its row tall on a phone: one line, cut short
    if viewport is PHONE:
        wechat = _row(page, WECHAT)
        assert 0 < float(wechat["url"]) < 20, wechat  # type: ignore[arg-type]
        assert float(wechat["height"]) < 200, wechat  # type: ignore[arg-type]
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert view.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("() => document.getElementById('all-links').scrollIntoView()")
    name = "desktop" if viewport is DESKTOP else "phone"
    page.screenshot(path=str(ARTIFACTS / f"report-attention-{name}.png"))
    page.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_chart_labels_fit_and_can_be_read(
    browser: Browser, finished: Path, viewport: dict[str, int]
) -> None:
    page = _open(browser, finished / "report.html", viewport).page
    for key in ("status", "trend", "file", "domain"):
        found = page.evaluate(
            """key => { const svg = document.querySelector(`svg[data-chart="${key}"]`);
              const box = svg.getBoundingClientRect();
              const scale = box.width / svg.viewBox.baseVal.width;
              const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim());
              return {texts: texts.map(t => t.textContent),
                      outside: texts.filter(t => { const r = t.getBoundingClientRect();
                        return r.left < box.left - 1 || r.right > box.right + 1; })
                        .map(t => t.textContent),
                      smallest: Math.min(...texts.map(t => scale * parseFloat(
                        t.style.fontSize || getComputedStyle(t).fontSize)))}; }""",
            key,
        )
        assert found["outside"] == [], (key, found)  # nothing clipped by the picture's edge
        assert found["smallest"] >= 9, (key, found)  # readable, on a phone too
        if key == "file":
            # a long file name keeps its folder and its end, the middle gives way
            labels = [t for t in found["texts"] if t.startswith("seeds/")]
            assert "seeds/tools.md" in labels
            assert any(t.startswith("seeds/深度学习/") and t.endswith(".md") for t in labels)
            assert any(t.startswith("seeds/a-very-long") and "…" in t for t in labels)
    page.close()


def test_banner_colours(browser: Browser, tmp_path: Path) -> None:
    store = _store(tmp_path / "state.sqlite")
    running = tmp_path / "running"
    # every link has a verdict, the archive is at work on one: information, not an alarm
    write_reports(store, running, archive=ArchiveCounts(3, 2, frozenset({PENDING_URL})))
    degraded = tmp_path / "degraded"
    run_id = store.latest_run_id()
    assert run_id is not None
    store.finish_run(run_id, "2026-11-22T06:04:00+00:00", state="degraded", degraded_reason="x")
    write_reports(store, degraded)
    colours = {}
    for name, directory in (("running", running), ("degraded", degraded)):
        page = _open(browser, directory / "report.html", DESKTOP).page
        colours[name] = page.evaluate(
            "() => { const b = document.querySelector('.banner'); return [b.textContent,"
            " getComputedStyle(b).borderTopColor, b.getAttribute('role')]; }"
        )
        page.close()
    assert "the archive is still at work" in colours["running"][0]
    assert colours["running"][1:] == [INFO_BLUE, "status"]
    assert "Degraded run" in colours["degraded"][0]
    assert colours["degraded"][1:] == [ALARM_RED, "alert"]
