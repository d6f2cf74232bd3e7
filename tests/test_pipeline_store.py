"""The store pipeline (crawler/pipelines/store.py) in a crawl of its own: each verdict the spider
yields goes to the run's link source (a real LocalSource over a SQLite store) and is counted in the
stats; other items pass through; without a link source, a verdict is an error, not lost silently."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.pipelines.store import StorePipeline
from tests.component_crawl import run_case, verdict_crawl
from tests.conftest import write_seeds

VERDICTS = {
    "http://a.test/1": ["alive", "ok"],
    "http://a.test/2": ["dead", "http-404"],
    "http://b.test/3": ["dead", "http-410"],
}
SETTINGS = {
    "ITEM_PIPELINES": {"crawler.pipelines.store.StorePipeline": 300},
    "LINKHEALTH_ARCHIVE_ENABLED": False,
}


async def case(state_db: str, seeds: str, with_source: bool) -> dict[str, Any]:
    settings = {**SETTINGS, "LINKHEALTH_STATE_DB": state_db}
    return await verdict_crawl(settings, seeds, VERDICTS, with_source=with_source)


def _seeds(tmp_path: Path) -> Path:
    return write_seeds(tmp_path, "".join(f"- <{url}>\n" for url in VERDICTS))


def test_each_verdict_goes_to_the_store_and_the_stats(tmp_path):
    state = tmp_path / "state.sqlite"
    out = run_case(case, state_db=str(state), seeds=str(_seeds(tmp_path)), with_source=True)
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
    assert stored == {url: tuple(verdict) for url, verdict in VERDICTS.items()}
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


def test_a_verdict_without_a_link_source_is_an_error(tmp_path):
    out = run_case(
        case, state_db=str(tmp_path / "state.sqlite"), seeds=str(tmp_path), with_source=False
    )
    [error] = out["warnings"]
    assert error.startswith("scrapy.core.scraper: Error processing LinkCheck(identity='no-source'")
    assert error.endswith("(RuntimeError: a verdict arrived before the run's link source was made)")
    assert out["verdicts_passed"] == 0  # dropped, not passed on as if stored
    assert out["passed"] == [{"not": "a verdict"}]
    assert not any(k.startswith("linkhealth/verdict/") for k in out["stats"])


def test_off_without_a_state_file():
    with pytest.raises(NotConfigured):
        StorePipeline.from_crawler(get_crawler(settings_dict={"LINKHEALTH_STATE_DB": ""}))
