"""The meta-refresh middleware: the same redirects as Scrapy's, found without decoding a page
that cannot declare one."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares.metarefresh import PEEK_BYTES, HeadMetaRefreshMiddleware

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
