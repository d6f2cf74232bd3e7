"""The meta-refresh middleware: the same redirects as Scrapy's, found without decoding a page
that cannot declare one."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares.metarefresh import PEEK_BYTES, HeadMetaRefreshMiddleware
from tests.component_crawl import crawl, run_case
from tests.fakeweb import FakeWeb

URL = "http://plain.test/start"
FILLER = "<script>" + "x" * 40_000 + "</script>"


def _page(head: str, encoding: str = "utf-8") -> HtmlResponse:
    html = f"<html><head>{head}<title>t</title></head><body>{'y' * 500}</body></html>"
    return HtmlResponse(
        URL,
        body=html.encode(encoding),
        headers={"Content-Type": f"text/html; charset={encoding}"},
        request=Request(URL),
    )


def _answers(response: HtmlResponse) -> tuple[object, object]:
    """(ours, Scrapy's): the URL of the redirect each asks for, or "stays"."""
    crawler = get_crawler(settings_dict={"METAREFRESH_ENABLED": True})
    results = []
    for cls in (HeadMetaRefreshMiddleware, MetaRefreshMiddleware):
        mw = cls.from_crawler(crawler)
        out = mw.process_response(response.request, response)
        results.append(out.url if isinstance(out, Request) else "stays" if out is response else out)
    return results[0], results[1]


@pytest.mark.parametrize(
    ("head", "encoding", "expected"),
    [
        ('<meta http-equiv="refresh" content="0; url=/next">', "utf-8", "http://plain.test/next"),
        ('<META HTTP-EQUIV="Refresh" CONTENT="0;URL=/up">', "utf-8", "http://plain.test/up"),
        (
            '<meta http-equiv="refresh" content="0; url=/next">' + FILLER,
            "utf-8",
            "http://plain.test/next",
        ),
        # UTF-16: NUL bytes, no ASCII "refresh" in the bytes; decoded, it is one
        ('<meta http-equiv="refresh" content="0; url=/wide">', "utf-16", "http://plain.test/wide"),
        ('<meta http-equiv="refresh" content="0; url=/gb">', "gb18030", "http://plain.test/gb"),
        ('<meta charset="utf-8"><meta name="description" content="no redirect">', "utf-8", "stays"),
        # after Scrapy's first 4096 characters: not followed (by Scrapy either)
        (FILLER + '<meta http-equiv="refresh" content="0; url=/late">', "utf-8", "stays"),
        # the word elsewhere than in a refresh declaration
        ('<meta name="keywords" content="refresh, reload">', "utf-8", "stays"),
    ],
)
def test_the_same_redirects_as_scrapy(head, encoding, expected):
    ours, scrapys = _answers(_page(head, encoding))
    assert ours == expected
    assert scrapys == expected


def test_a_page_that_cannot_declare_a_refresh_is_handed_on_as_it_came():
    response = _page("<meta charset='utf-8'>" + FILLER)
    assert len(response.body) > PEEK_BYTES
    ours, _ = _answers(response)
    assert ours == "stays"


# ------------------------------------------------------------------ in a crawl of its own

MIDDLEWARES = {
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.metarefresh.HeadMetaRefreshMiddleware": 580,
}


async def case(requests: list[dict[str, Any]]) -> dict[str, Any]:
    return await crawl({"DOWNLOADER_MIDDLEWARES": MIDDLEWARES}, requests)


def test_in_a_crawl_the_refresh_is_followed_and_other_pages_come_whole(tmp_path):
    with FakeWeb(workdir=tmp_path / "web") as web:
        out = run_case(
            case,
            env=web.env(),
            requests=[
                # the refresh first in the head, 40 KB of script after it
                {"url": "http://r.test/meta-refresh", "headers": {"Referer": "http://a.test/"}},
                # the refresh after Scrapy's first 4096 characters
                {"url": "http://r.test/meta-refresh/late"},
                {"url": "http://r.test/big/100000"},
            ],
        )
        referers = {
            r["path"]: {k.lower(): v for k, v in r["headers"].items()}.get("referer")
            for r in web.requests()
        }
    seen = {s["redirect_urls"][0] if s["redirect_urls"] else s["url"]: s for s in out["seen"]}
    assert set(seen) == {
        "http://r.test/meta-refresh",
        "http://r.test/meta-refresh/late",
        "http://r.test/big/100000",
    }
    followed = seen["http://r.test/meta-refresh"]
    assert (followed["url"], followed["status"]) == ("http://r.test/status/404", 404)
    assert referers["/status/404"] is None  # followed without a Referer
    late = seen["http://r.test/meta-refresh/late"]
    assert (late["url"], late["status"]) == ("http://r.test/meta-refresh/late", 200)
    # the spider gets the whole page, not the 16 KB the refresh was looked for in
    assert late["body_length"] > 40_000
    assert seen["http://r.test/big/100000"]["body_length"] == 100_000
