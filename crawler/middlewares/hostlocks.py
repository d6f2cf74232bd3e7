"""Politeness across the crawl processes of one machine: each request takes a slot of its host.

On when ``LINKHEALTH_HOST_LOCKS`` names a directory (the parent of ``LINKHEALTH_PROCESSES``
children sets it for them): before a request is sent it takes one of its host's
``CONCURRENT_REQUESTS_PER_DOMAIN`` slots there, and its turn after ``DOWNLOAD_DELAY`` (see
:mod:`crawler.hostlocks`); it gives the slot back when it leaves the downloader. A redirect or a
retry is a new request and takes a slot of its own host again, whichever process fetches that
host's other links. The local downloader then adds no delay of its own
(:mod:`crawler.downloader`).
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.hostlocks import HostLocks
from crawler.registry import value

#: seconds between two tries for a host's slot
_POLL = 0.02


class SharedHostLimitMiddleware:
    def __init__(self, locks: HostLocks) -> None:
        self.locks = locks
        #: request → the slot it holds while in flight
        self.holding: dict[Request, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        directory = str(value(settings.get, "LINKHEALTH_HOST_LOCKS") or "")
        if not directory:
            raise NotConfigured("no LINKHEALTH_HOST_LOCKS")
        locks = HostLocks(
            Path(directory),
            limit=settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 1,
            delay=settings.getfloat("DOWNLOAD_DELAY"),
        )
        middleware = cls(locks)
        crawler.signals.connect(middleware.left_downloader, signals.request_left_downloader)
        crawler.signals.connect(middleware.spider_closed, signals.spider_closed)
        return middleware

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if request in self.holding:
            return
        host = urlsplit(request.url).hostname or ""
        while True:
            fd, wait = self.locks.take(host)
            if fd is not None:
                self.holding[request] = fd
                return
            await asyncio.sleep(max(wait, _POLL * (0.5 + random.random())))

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        self._release(request)
        return response

    def process_exception(
        self, request: Request, exception: BaseException, spider: Spider | None = None
    ) -> None:
        self._release(request)

    def left_downloader(self, request: Request, spider: Spider | None = None) -> None:
        """The download ended (answer or error), whatever the middlewares do next."""
        self._release(request)

    def _release(self, request: Request) -> None:
        fd = self.holding.pop(request, None)
        if fd is not None:
            self.locks.give_back(fd)

    def spider_closed(self, spider: Spider | None = None) -> None:
        for request in list(self.holding):
            self._release(request)
