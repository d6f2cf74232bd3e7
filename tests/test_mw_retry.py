"""The retry middleware (crawler/middlewares/retry.py) in a crawl of its own against the fake
web: Retry-After honoured, too long a Retry-After not waited for, exponential backoff."""

from __future__ import annotations

from typing import Any

import pytest

from tests.component_crawl import crawl, run_case
from tests.fakeweb import FakeWeb

SETTINGS = {
    "RETRY_ENABLED": True,
    "RETRY_TIMES": 2,
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.middlewares.retry.BackoffRetryMiddleware": 550,
    },
}


async def case(requests: list[dict[str, Any]], settings: dict[str, Any]) -> dict[str, Any]:
    return await crawl({**SETTINGS, **settings}, requests)


@pytest.fixture
def web(tmp_path):
    with FakeWeb(workdir=tmp_path / "web") as web:
        yield web


def _times(web: FakeWeb, path: str) -> list[float]:
    return sorted(r["t"] for r in web.requests() if r["path"] == path)


def test_a_429_is_retried_after_its_retry_after(web):
    out = run_case(
        case,
        env=web.env(),
        requests=[{"url": "http://wait.test/retry-after/2?ok_after=1"}],
        settings={"LINKHEALTH_RETRY_BACKOFF": 0.05, "LINKHEALTH_RETRY_AFTER_MAX": 3},
    )
    [seen] = out["seen"]
    assert (seen["status"], seen["retry_times"]) == (200, 1)
    first, second = _times(web, "/retry-after/2")
    # the backoff alone would wait about 0.05 s
    assert second - first >= 1.9


def test_a_retry_after_longer_than_the_maximum_is_not_waited_for(web):
    out = run_case(
        case,
        env=web.env(),
        requests=[{"url": "http://wait.test/retry-after/30?ok_after=1"}],
        settings={"LINKHEALTH_RETRY_BACKOFF": 0.05, "LINKHEALTH_RETRY_AFTER_MAX": 3},
    )
    [seen] = out["seen"]
    assert (seen["status"], seen["retry_times"]) == (429, 0)  # to the spider, not retried
    assert len(_times(web, "/retry-after/30")) == 1
    assert out["stats"]["linkhealth/retry/retry_after_too_long"] == 1


def test_retries_wait_longer_each_time(web):
    out = run_case(
        case,
        env=web.env(),
        requests=[{"url": "http://busy.test/always-503"}],
        settings={"LINKHEALTH_RETRY_BACKOFF": 0.4, "LINKHEALTH_RETRY_AFTER_MAX": 3},
    )
    [seen] = out["seen"]
    assert (seen["status"], seen["retry_times"]) == (503, 2)  # RETRY_TIMES, then given up
    first, second, third = _times(web, "/always-503")
    # 0.4 s then 0.8 s, each ±25 %: at least 0.3 s, then at least 0.6 s
    assert second - first >= 0.3
    assert third - second >= 0.6
    assert out["stats"]["retry/max_reached"] == 1


def test_a_connection_error_is_retried_with_backoff(web):
    out = run_case(
        case,
        env=web.env(),
        requests=[{"url": "http://reset.test/x"}],
        settings={"LINKHEALTH_RETRY_BACKOFF": 0.4, "RETRY_TIMES": 1},
    )
    [seen] = out["seen"]
    assert "error" in seen
    assert seen["retry_times"] == 1
    first, second = _times(web, "/x")
    assert second - first >= 0.3


def test_a_request_that_says_dont_retry_is_not_retried(web):
    out = run_case(
        case,
        env=web.env(),
        requests=[
            {"url": "http://busy.test/always-503?no", "meta": {"dont_retry": True}},
            {"url": "http://reset.test/no", "meta": {"dont_retry": True}},
        ],
        settings={"LINKHEALTH_RETRY_BACKOFF": 0.05},
    )
    seen = {s["url"]: s for s in out["seen"]}
    assert seen["http://busy.test/always-503?no"]["status"] == 503
    assert "error" in seen["http://reset.test/no"]
    assert len(_times(web, "/always-503")) == 1
    assert len(_times(web, "/no")) == 1
