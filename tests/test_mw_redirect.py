"""The redirect middlewares without a Referer (crawler/middlewares/redirect.py) in a crawl of
their own against the fake web: redirects followed, the Referer dropped, no warning about it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.component_crawl import crawl, run_case
from tests.fakeweb import FakeWeb

OURS = {
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.middlewares.redirect.NoRefererRedirectMiddleware": 600,
}
NO_REFERER_MIDDLEWARE = {"scrapy.spidermiddlewares.referer.RefererMiddleware": None}


async def case(requests: list[dict[str, Any]], settings: dict[str, Any]) -> dict[str, Any]:
    return await crawl(settings, requests)


@pytest.fixture
def web(tmp_path):
    with FakeWeb(workdir=tmp_path / "web") as web:
        yield web


def _referers(web: FakeWeb) -> dict[str, str | None]:
    return {
        r["path"]: {k.lower(): v for k, v in r["headers"].items()}.get("referer")
        for r in web.requests()
    }


def test_a_redirect_is_followed_without_a_referer(web):
    # Scrapy's RefererMiddleware on (its default): Scrapy's redirect middleware would find it
    # and give the followed request the redirecting page as its Referer
    out = run_case(
        case,
        env=web.env(),
        requests=[
            {"url": "http://moved.test/redirect/2", "headers": {"Referer": "http://a.test/"}}
        ],
        settings={"DOWNLOADER_MIDDLEWARES": OURS},
    )
    [seen] = out["seen"]
    assert (seen["url"], seen["status"]) == ("http://moved.test/redirect/0", 200)
    assert seen["redirect_urls"] == ["http://moved.test/redirect/2", "http://moved.test/redirect/1"]
    assert _referers(web) == {
        "/redirect/2": "http://a.test/",  # the spider's own header, sent as given
        "/redirect/1": None,
        "/redirect/0": None,
    }


def test_no_warning_about_the_referer_middleware_being_off(web):
    out = run_case(
        case,
        env=web.env(),
        requests=[
            {"url": "http://moved.test/redirect/1"},
            {"url": "http://moved.test/meta-refresh"},
        ],
        settings={
            "DOWNLOADER_MIDDLEWARES": {
                **OURS,
                "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
                "crawler.middlewares.metarefresh.HeadMetaRefreshMiddleware": 580,
            },
            "SPIDER_MIDDLEWARES": NO_REFERER_MIDDLEWARE,
        },
    )
    assert sorted(s["url"] for s in out["seen"]) == [
        "http://moved.test/redirect/0",
        "http://moved.test/status/404",
    ]
    assert out["warnings"] == []
