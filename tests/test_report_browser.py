"""report.html opened from disk in headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright for Python; no browser download), checked as a person would use it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.base.verdicts import STATUSES
from crawler.store.db import Store
from tests.test_report_html import (
    ATTR_TITLE,
    CHINESE_TITLE,
    HOSTILE_TITLE,
    _generated,
    build_store,
    write_report,
)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/install_test_deps.sh)"
    ),
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Store]:
    directory = tmp_path_factory.mktemp("report")
    store = build_store(directory / "state.sqlite")
    return write_report(store, directory), store


class Opened:
    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.goto(url)
        page.wait_for_selector("html[data-ready]")

    def visible_rows(self) -> int:
        return int(self.page.eval_on_selector_all("#links tbody tr:not([hidden])", "r => r.length"))


def _open(browser: Browser, path: Path, **context: object) -> Opened:
    page = browser.new_page(**context)  # type: ignore[arg-type]
    return Opened(page, path.as_uri())


def _count(store: Store, status: str) -> int:
    run_id = store.latest_run_id()
    return int(
        store.db.execute(
            "SELECT COUNT(*) FROM checks WHERE run_id=? AND status=?", (run_id, status)
        ).fetchone()[0]
    )


def test_report_as_a_person_uses_it(browser: Browser, report: tuple[Path, Store]) -> None:
    path, store = report
    view = _open(browser, path, viewport={"width": 1280, "height": 900})
    page = view.page
    # the charts are drawn: four SVGs with bars (filled paths) of real size
    for key in ("status", "trend", "file", "domain"):
        svg = page.locator(f'svg[data-chart="{key}"]')
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box is not None
        # sizes in pixels: the layout's, which the browser's fonts move; real size, not exact
        assert box["width"] > 200
        assert box["height"] > 60
        assert svg.locator("path").count() > 5
    bars = page.locator('svg[data-chart="status"] path[style*="var(--dead)"]')
    assert bars.count() == 1  # the dead bar
    # every link is a row
    total = int(store.db.execute("SELECT COUNT(*) FROM checks WHERE run_id=3").fetchone()[0])
    assert view.visible_rows() == total
    # filter by dead: exactly the dead rows
    page.select_option("#f-status", "dead")
    dead = _count(store, "dead")
    assert dead > 0  # the fixture has dead links: the filter is not tried on none
    assert view.visible_rows() == dead
    badges = page.eval_on_selector_all(
        "#links tbody tr:not([hidden]) .badge", "b => b.map(x => x.textContent)"
    )
    assert badges == ["dead"] * dead
    assert page.locator("#shown").inner_text() == f"{dead} of {total} links"
    # text search, then reset
    # text search with the dead filter still on: page 12 is blocked, so no row matches both
    page.fill("#q", "第12页")
    assert view.visible_rows() == 0
    assert page.locator("#none").is_visible()
    page.click("#reset")
    assert view.visible_rows() == total
    page.fill("#q", "第12页")
    found = page.eval_on_selector_all(
        "#links tbody tr:not([hidden]) td.title", "r => r.map(x => x.textContent)"
    )
    url, _, title = _generated(12)
    assert found == [title + url]  # the title, and the URL under it
    page.click("#reset")
    # sort by title, both ways
    page.click('th[data-key="title"] button')
    titles = page.eval_on_selector_all(
        "#links tbody tr td.title > :first-child", "c => c.map(x => x.textContent)"
    )
    ordered = page.evaluate(
        "t => { const c = new Intl.Collator(undefined, {numeric: true, sensitivity: 'base'});"
        " return [...t].sort((a, b) => c.compare(a.toLowerCase(), b.toLowerCase())); }",
        titles,
    )
    assert titles == ordered
    assert page.get_attribute('th[data-key="title"]', "aria-sort") == "ascending"
    page.click('th[data-key="title"] button')
    assert page.get_attribute('th[data-key="title"]', "aria-sort") == "descending"
    again = page.eval_on_selector_all(
        "#links tbody tr td.title > :first-child", "c => c.map(x => x.textContent)"
    )
    assert again == list(reversed(ordered))  # the fixture's titles are distinct
    # sort by status: every row in the order of STATUSES, alive first
    page.click('th[data-key="status"] button')
    statuses = page.eval_on_selector_all(
        "#links tbody tr .badge:first-child", "b => b.map(x => x.textContent)"
    )
    assert len(statuses) == total
    assert statuses == sorted(statuses, key=STATUSES.index)
    assert statuses[0] == "alive"
    # markup in titles stays text: visible literally, no dialog, no injected element
    page.fill("#q", "alert")
    assert page.get_by_text(HOSTILE_TITLE, exact=True).is_visible()
    assert page.get_by_text(ATTR_TITLE, exact=True).is_visible()
    assert page.locator("#links img").count() == 0
    assert page.locator("body script").count() == 2
    page.locator("#links tbody tr:not([hidden]) td.title").first.hover()
    assert view.dialogs == []
    # Chinese renders: present and drawn with a CJK font (not zero-width tofu)
    page.click("#reset")
    assert page.get_by_text(CHINESE_TITLE).first.is_visible()
    width = page.evaluate(
        "() => { const c = document.createElement('canvas').getContext('2d');"
        " c.font = '20px \"Noto Sans CJK SC\"'; return c.measureText('中文').width; }"
    )
    assert width > 30
    # nothing but the page itself was requested; no script error
    assert view.requests == [path.as_uri()]
    assert view.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "report-full.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 1900})
    page.screenshot(path=str(ARTIFACTS / "report-screenshot.png"))
    if os.environ.get("LINKHEALTH_UPDATE_SCREENSHOT"):  # the README's picture, on demand
        page.screenshot(path=str(ROOT / "docs" / "report-screenshot.png"))
    page.close()


def test_phone_width_and_dark_theme(browser: Browser, report: tuple[Path, Store]) -> None:
    path, store = report
    view = _open(browser, path, viewport={"width": 390, "height": 844}, color_scheme="dark")
    page = view.page
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)"
    assert page.locator('svg[data-chart="status"]').is_visible()
    page.select_option("#f-status", "dead")
    assert view.visible_rows() == _count(store, "dead")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-phone-dark.png"), full_page=False)
    assert view.requests == [path.as_uri()]
    page.close()


def test_ten_thousand_links(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> None:
    directory = tmp_path_factory.mktemp("big")
    store = build_store(directory / "state.sqlite", n_links=10_000, runs=2)
    started = time.perf_counter()
    path = write_report(store, directory)
    build = time.perf_counter() - started
    view = _open(browser, path, viewport={"width": 1280, "height": 900})
    page = view.page
    total = int(store.db.execute("SELECT COUNT(*) FROM checks WHERE run_id=2").fetchone()[0])
    assert page.locator("#shown").inner_text() == f"{total} links"
    assert view.visible_rows() == 200  # one page of rows in the DOM, the rest on demand
    page.click("#more")
    assert view.visible_rows() == 400
    # each action three times, from the unfiltered table; the median counts (the machine may
    # be busy with other tests)
    timings = page.evaluate(
        """async () => {
            const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
            const time = async (act) => {
                const t0 = performance.now(); act(); document.body.offsetHeight; await frame();
                return performance.now() - t0;
            };
            const s = document.getElementById('f-status'), q = document.getElementById('q');
            const pick = (v) => { s.value = v; s.dispatchEvent(new Event('change')); };
            const type = (v) => { q.value = v; q.dispatchEvent(new Event('input')); };
            const th = document.querySelector('th[data-key="domain"] button');
            const runs = {dead: [], all: [], search: [], sort: []};
            for (let i = 0; i < 3; i++) {
                runs.dead.push(await time(() => pick('dead')));
                runs.all.push(await time(() => pick('')));
                runs.search.push(await time(() => type('github')));
                type('');
                await frame();
                runs.sort.push(await time(() => th.click()));
            }
            const out = {};
            for (const [k, v] of Object.entries(runs)) out[k] = v.sort((a, b) => a - b)[1];
            return out;
        }"""
    )
    print(f"10k links: build {build:.1f}s, in browser (ms) {timings}")
    page.select_option("#f-status", "dead")
    dead = _count(store, "dead")
    assert page.locator("#shown").inner_text() == f"{dead} of {total} links"
    assert view.visible_rows() == min(dead, 200)
    badges = page.eval_on_selector_all(
        "#links tbody tr .badge", "b => [...new Set(b.map(x => x.textContent))]"
    )
    assert badges == ["dead"]
    # the timings are figures to read (printed above; typically 100-300 ms), not a pass mark:
    # speed is measured by benchmarks, never asserted on a shared machine
    assert set(timings) == {"dead", "all", "search", "sort"}
    assert view.requests == [path.as_uri()]
    page.close()
