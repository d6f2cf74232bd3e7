"""Size limits that fit reading only the head of a body.

Scrapy cancels a download whose *declared* size exceeds ``DOWNLOAD_MAXSIZE`` before reading a
byte; a 50 MB page whose title is in its first kilobytes would be lost. Requests read by the
:class:`~crawler.extensions.headreader.HeadReader` (which caps the bytes read itself) go out
without that limit, and get it back on the way in, before ``HttpCompressionMiddleware``
(priority 590) decompresses: a gzip bomb is still stopped at ``DOWNLOAD_MAXSIZE``.
"""

from __future__ import annotations

from typing import Self

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.base.meta import META_MAX_BYTES


class HeadSizeMiddleware:
    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if META_MAX_BYTES in request.meta:
            request.meta["download_maxsize"] = 0

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if META_MAX_BYTES in request.meta:
            request.meta["download_maxsize"] = self.maxsize
        return response
