"""The polite downloader (crawler/core/downloader.py) in crawls of its own against the fake web: how
many requests are in flight to one host at once, with no download delay, in one crawl and across
crawls that share host slots (``LINKHEALTH_HOST_LOCKS``)."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from tests.component_crawl import crawl, run_case
from tests.fakeweb import FakeWeb

POLITE = "crawler.core.downloader.PoliteDownloader"
SCRAPYS = "scrapy.core.downloader.Downloader"
PER_HOST = 2
SETTINGS = {"CONCURRENT_REQUESTS": 32, "CONCURRENT_REQUESTS_PER_DOMAIN": PER_HOST}


def _requests(host: str, n: int, tag: str = "") -> list[dict[str, Any]]:
    return [{"url": f"http://{host}/slow/1?n={i}{tag}"} for i in range(n)]


async def case(downloader: str, requests: list[dict[str, Any]]) -> dict[str, Any]:
    return await crawl({**SETTINGS, "DOWNLOADER": downloader}, requests)


async def two_crawls(locks: str, requests: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Two crawls at once, sharing their host slots."""
    settings = {**SETTINGS, "DOWNLOADER": POLITE, "LINKHEALTH_HOST_LOCKS": locks}
    return list(await asyncio.gather(*(crawl(settings, r) for r in requests)))


def _most_at_once(records: list[dict[str, Any]]) -> int:
    """The most requests the server was answering at one moment (from their start and end)."""
    events = sorted(
        itertools.chain.from_iterable(((r["t"], 1), (r["t_end"], -1)) for r in records),
        key=lambda e: (e[0], e[1]),  # an end before a start at the same instant
    )
    return max(itertools.accumulate(n for _, n in events))


@pytest.fixture
def web(tmp_path):
    with FakeWeb(workdir=tmp_path / "web") as web:
        yield web


def test_scrapys_downloader_would_exceed_the_limit(web):
    # the traffic of the next test, through Scrapy's own downloader: more than PER_HOST at once
    # (what the polite downloader is there for)
    out = run_case(case, env=web.env(), downloader=SCRAPYS, requests=_requests("one.test", 8))
    assert len(out["seen"]) == 8
    assert web.max_inflight("one.test") > PER_HOST


def test_at_most_the_per_host_limit_with_no_download_delay(web):
    out = run_case(
        case,
        env=web.env(),
        downloader=POLITE,
        requests=_requests("one.test", 8) + _requests("two.test", 8),
    )
    assert [s["status"] for s in out["seen"]] == [200] * 16
    assert web.max_inflight("one.test") == PER_HOST
    assert web.max_inflight("two.test") == PER_HOST
    # the limit is per host: both hosts were served at once
    assert _most_at_once(web.requests()) == 2 * PER_HOST


def test_crawls_that_share_host_slots_keep_the_limit_together(web, tmp_path):
    locks = tmp_path / "locks"
    locks.mkdir()
    outs = run_case(
        two_crawls,
        env=web.env(),
        locks=str(locks),
        requests=[_requests("one.test", 6, "a"), _requests("one.test", 6, "b")],
    )
    assert [len(out["seen"]) for out in outs] == [6, 6]
    assert web.max_inflight("one.test") == PER_HOST
