"""``<meta http-equiv="refresh">`` redirects, looked for where Scrapy looks: the first 4096 chars.

Scrapy's :class:`~scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware` decodes the whole
body to read its first 4096 characters (``response.text[0:4096]``): on a 120 KB page that decode
was the largest single cost of a response (measured with py-spy). This one hands it the first
16 KB of the body, which decode to at least 4096 characters in any encoding of at most four
bytes a character, so it finds the same refresh and follows it the same way (without a Referer:
:class:`~crawler.middlewares.redirect.NoReferer`).
"""

from __future__ import annotations

from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Response

from crawler.middlewares.redirect import NoReferer

#: bytes that hold Scrapy's 4096 characters
PEEK_BYTES = 4 * 4096


class HeadMetaRefreshMiddleware(NoReferer, MetaRefreshMiddleware):
    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if not isinstance(response, HtmlResponse):
            return super().process_response(request, response)
        head = response.body[:PEEK_BYTES]
        if b"\x00" not in head and b"refresh" not in head.lower():
            # No refresh can be declared: the rule w3lib's get_meta_refresh applies to the
            # bytes of an ASCII-compatible encoding (no NUL byte: not UTF-16 or UTF-32) before
            # it decodes anything; Scrapy hands it decoded text, so it never gets to.
            return response
        if len(response.body) <= PEEK_BYTES:
            return super().process_response(request, response)
        # The peek finds the encoding where the whole body would: the Content-Type header, a
        # BOM, a <meta charset> (HTML puts it in the first 1024 bytes); only a guess from the
        # bytes themselves sees 16 KB instead of all of them.
        peek = response.replace(body=head)
        result = super().process_response(request, peek)
        return response if result is peek else result
