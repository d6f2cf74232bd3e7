"""The store pipeline (crawler/pipelines/store.py) in a crawl of its own: each verdict the spider
yields goes to the run's sink (a real LocalSink over a SQLite store) and is counted in the
stats; other items pass through; without a sink, a verdict is an error, not lost silently."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.pipelines.store import StorePipeline
from tests.component_crawl import run, run_case, stats_of

VERDICTS = {
    "http://a.test/1": ("alive", "ok"),
    "http://a.test/2": ("dead", "http-404"),
    "http://b.test/3": ("dead", "http-410"),
}
SETTINGS = {
    "ITEM_PIPELINES": {"crawler.pipelines.store.StorePipeline": 300},
    "LINKHEALTH_PROCESSES": 1,
    "LINKHEALTH_CANARY_URLS": "",
    "LINKHEALTH_REPORTS_ENABLED": False,
    "LINKHEALTH_ARCHIVE_ENABLED": False,
}


def _spider_class() -> type:
    from scrapy import Spider, signals  # noqa: PLC0415

    from crawler import sinks  # noqa: PLC0415
    from crawler.config import load_config  # noqa: PLC0415
    from crawler.items import LinkCheck  # noqa: PLC0415
    from crawler.sinks.local import LocalSink  # noqa: PLC0415
    from crawler.verdict import Verdict  # noqa: PLC0415

    class Verdicts(Spider):
        """Yields a made-up verdict for every link of its seeds, and one other item."""

        name = "verdicts"

        @classmethod
        def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
            spider = super().from_crawler(crawler, *args, **kwargs)
            spider.sink = None
            if spider.with_sink:
                config = load_config(crawler.settings.get, seeds=spider.seeds)
                spider.sink = sinks.attach(crawler, LocalSink.from_crawler(crawler, config))
            spider.passed = []
            crawler.signals.connect(spider.item_scraped, signal=signals.item_scraped)
            return spider

        def item_scraped(self, item: Any) -> None:
            self.passed.append(item)

        async def start(self) -> AsyncIterator[Any]:
            if self.sink is None:
                yield LinkCheck("no-sink", "2026-01-01T00:00:00Z", Verdict("alive", "ok"))
            else:
                async for link in self.sink.links():
                    status, reason = VERDICTS[link.fetch_url]
                    yield LinkCheck(link.identity, self.sink.now_iso, Verdict(status, reason))
            yield {"not": "a verdict"}

        def closed(self, reason: str) -> None:
            if self.sink is not None:
                self.sink.close(reason)

    return Verdicts


async def case(state_db: str, seeds: str, with_sink: bool) -> dict[str, Any]:
    crawler, warnings = await run(
        _spider_class(),
        {**SETTINGS, "LINKHEALTH_STATE_DB": state_db},
        seeds=seeds,
        with_sink=with_sink,
    )
    return {
        "stats": stats_of(crawler),
        "warnings": warnings,
        "passed": [item for item in crawler.spider.passed if isinstance(item, dict)],
        "verdicts_passed": sum(1 for item in crawler.spider.passed if not isinstance(item, dict)),
    }


def _seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "list.md").write_text("".join(f"- <{url}>\n" for url in VERDICTS), encoding="utf-8")
    return seeds


def test_each_verdict_goes_to_the_store_and_the_stats(tmp_path):
    state = tmp_path / "state.sqlite"
    out = run_case(case, state_db=str(state), seeds=str(_seeds(tmp_path)), with_sink=True)
    db = sqlite3.connect(state)
    try:
        stored = {
            url: (status, reason)
            for url, status, reason in db.execute(
                "SELECT links.url, status, reason FROM checks JOIN links USING (identity)"
            )
        }
    finally:
        db.close()
    assert stored == VERDICTS
    stats = out["stats"]
    assert {k: v for k, v in stats.items() if k.startswith("linkhealth/verdict/")} == {
        "linkhealth/verdict/alive": 1,
        "linkhealth/verdict/dead": 2,
    }
    assert {k: v for k, v in stats.items() if k.startswith("linkhealth/reason/")} == {
        "linkhealth/reason/ok": 1,
        "linkhealth/reason/http-404": 1,
        "linkhealth/reason/http-410": 1,
    }
    # every item goes on (to the other pipelines, the feeds): verdicts and others alike
    assert out["passed"] == [{"not": "a verdict"}]
    assert out["verdicts_passed"] == 3
    assert out["warnings"] == []


def test_a_verdict_without_a_sink_is_an_error(tmp_path):
    out = run_case(
        case, state_db=str(tmp_path / "state.sqlite"), seeds=str(tmp_path), with_sink=False
    )
    [error] = out["warnings"]
    assert error.startswith("scrapy.core.scraper: Error processing LinkCheck(identity='no-sink'")
    assert error.endswith("(RuntimeError: a verdict arrived before the run's sink was made)")
    assert out["verdicts_passed"] == 0  # dropped, not passed on as if stored
    assert out["passed"] == [{"not": "a verdict"}]
    assert not any(k.startswith("linkhealth/verdict/") for k in out["stats"])


def test_off_without_a_state_file():
    with pytest.raises(NotConfigured):
        StorePipeline.from_crawler(get_crawler(settings_dict={"LINKHEALTH_STATE_DB": ""}))
