"""The archive extension (crawler/extensions/archive.py) in a crawl of its own against the fake
Wayback Machine: every verdict the spider yields (stored by the store pipeline into a real
run's store) gets its archive work, the crawl waits for it, and the time budget ends it."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.extensions.archive import ArchiveExtension
from tests.component_crawl import run_case, verdict_crawl
from tests.fakeweb import FakeWeb

KEYS = {"LINKHEALTH_WAYBACK_ACCESS_KEY": "ACC", "LINKHEALTH_WAYBACK_SECRET_KEY": "SEC"}
SETTINGS = {
    "ITEM_PIPELINES": {"crawler.pipelines.store.StorePipeline": 300},
    "EXTENSIONS": {"crawler.extensions.archive.ArchiveExtension": 500},
    "LINKHEALTH_ARCHIVE_ENABLED": True,
    "LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE": 600,
    "LINKHEALTH_ARCHIVE_CAPTURES_PER_MINUTE": 120,
    "LINKHEALTH_ARCHIVE_POLL_INTERVAL": 0.2,
    "LINKHEALTH_ARCHIVE_PAUSE": 3,
    "LINKHEALTH_ARCHIVE_TIMEOUT": 5,
    "LINKHEALTH_ARCHIVE_TIME_BUDGET": 25,
}


async def case(
    state_db: str, seeds: str, verdicts: dict[str, list[str]], settings: dict[str, Any]
) -> dict[str, Any]:
    return await verdict_crawl(
        {**SETTINGS, "LINKHEALTH_STATE_DB": state_db, **settings}, seeds, verdicts
    )


def _recent(days: float) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() - days * 86400))


def _crawl(
    tmp_path: Path,
    web: FakeWeb,
    verdicts: dict[str, list[str]],
    *,
    keys: bool,
    settings: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    seeds = tmp_path / "seeds"
    seeds.mkdir(parents=True)
    (seeds / "list.md").write_text("".join(f"- <{url}>\n" for url in verdicts), encoding="utf-8")
    state = tmp_path / "state.sqlite"
    env = web.env()
    for name in KEYS:
        env.pop(name, None)
    if keys:
        env.update(KEYS)
    out = run_case(
        case,
        env=env,
        state_db=str(state),
        seeds=str(seeds),
        verdicts=verdicts,
        settings=settings or {},
    )
    db = sqlite3.connect(state)
    try:
        rows = dict(db.execute("SELECT url, archive_status FROM archives"))
    finally:
        db.close()
    return out, rows


@pytest.fixture
def web(tmp_path):
    with FakeWeb(workdir=tmp_path / "web") as web:
        yield web


def test_each_verdict_gets_its_archive_work(tmp_path, web):
    web.write_scenario(
        {
            "wayback": {
                "keys": {"ACC": "SEC"},
                "snapshots": {
                    "http://alive.test/fresh": [[_recent(2), 200]],
                    "http://plain.test/gone": [
                        ["20200101000000", 200, {"shape": "html-title", "title": "Old page"}]
                    ],
                },
            }
        }
    )
    verdicts = {
        "http://alive.test/new": ["alive", "ok"],
        "http://alive.test/fresh": ["alive", "ok"],
        "http://plain.test/gone": ["dead", "http-410"],
    }
    out, rows = _crawl(tmp_path / "run", web, verdicts, keys=True)
    assert rows == {
        "http://alive.test/new": "captured",
        "http://alive.test/fresh": "existing",
        "http://plain.test/gone": "rescued",
    }
    stats = out["stats"]
    for kind in ("captured", "existing", "rescued"):
        assert stats[f"linkhealth/archive/{kind}"] == 1, kind
    # the work planned and done, as the run counts it (its progress, which the extension feeds)
    assert (stats["linkhealth/archive/planned"], stats["linkhealth/archive/done"]) == (3, 3)
    # the Wayback Machine was asked about these links (by their URLs) and nothing else
    looked_up = {
        parse_qs(r["query"])["url"][0] for r in web.requests() if r["path"] == "/cdx/search/cdx"
    }
    assert looked_up == set(verdicts)


def test_the_time_budget_ends_the_archive_work(tmp_path, web):
    # lookups 2 s apart, a budget of 1.5 s: the first lookup goes at once and the second one's
    # turn comes before the budget is spent (it leaves 2 s later); the third's never comes
    web.write_scenario({"wayback": {}})
    verdicts = {f"http://alive.test/p{i}": ["alive", "ok"] for i in range(3)}
    out, rows = _crawl(
        tmp_path / "run",
        web,
        verdicts,
        keys=False,
        settings={
            "LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE": 30,
            "LINKHEALTH_ARCHIVE_TIME_BUDGET": 1.5,
        },
    )
    # no snapshot, no keys to capture with; the third link's work waits for the next run
    assert sorted(rows.values()) == ["none", "none", "pending"]
    assert any("1 links carry over to the next run" in w for w in out["warnings"])


def test_off_when_disabled_or_distributed():
    for settings in (
        {"LINKHEALTH_ARCHIVE_ENABLED": False},
        {"LINKHEALTH_ARCHIVE_ENABLED": True, "LINKHEALTH_REDIS_URL": "redis://localhost:6379/0"},
    ):
        with pytest.raises(NotConfigured):
            ArchiveExtension.from_crawler(get_crawler(settings_dict=settings))
