"""``fetched_from``: what the verdict rules read of a Scrapy response (the spider's pages and the
archive's snapshots are built by this one function)."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.base.verdicts import Fetched
from crawler.verdict.responses import fetched_from

LINK = "http://a.test/old"


def response(*, flags: list[str] | None = None) -> HtmlResponse:
    request = Request(
        "http://a.test/new",
        meta={
            # what Scrapy's redirect middlewares leave: a status, or a meta refresh
            "redirect_reasons": [301, "meta refresh"],
            "redirect_urls": ["http://a.test/old", "http://a.test/mid"],
        },
    )
    return HtmlResponse(
        "http://a.test/new",
        status=200,
        headers={"Content-Type": "text/html", "Set-Cookie": ["a=1", "b=2"]},
        body=b"<title>New</title>",
        request=request,
        flags=flags,
    )


def test_a_page_with_its_redirects_and_first_header_values() -> None:
    assert fetched_from(response(), LINK) == Fetched(
        url=LINK,
        final_url="http://a.test/new",
        status=200,
        headers={"content-type": "text/html", "set-cookie": "a=1"},
        body=b"<title>New</title>",
        truncated=False,
        redirects=((301, "http://a.test/old"),),
    )


def test_a_download_stopped_or_cut_short_is_truncated() -> None:
    assert fetched_from(response(flags=["download_stopped"]), LINK).truncated
    assert fetched_from(response(flags=["dataloss"]), LINK).truncated
