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
import contextlib
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.hostlocks import HostLocks
from crawler.registry import value

#: seconds between two tries for a host's slot another process may have given back
_POLL = 0.05


class SharedHostLimitMiddleware:
    def __init__(self, locks: HostLocks) -> None:
        self.locks = locks
        #: request → its host and the slot it holds while in flight
        self.holding: dict[Request, tuple[str, int]] = {}
        #: host → the lock a request of this process holds while it waits for a slot
        self._askers: dict[str, asyncio.Lock] = {}
        #: host → set when this process gives a slot of it back
        self._freed: dict[str, asyncio.Event] = {}

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
        fd, wait = self.locks.take(host)
        if fd is None:
            # One request of this process at a time asks for a host's slot again; it is woken
            # when this process gives one back, and asks anyway after a poll (another process
            # may have given one back) or once the host's turn comes.
            async with self._askers.setdefault(host, asyncio.Lock()):
                freed = self._freed.setdefault(host, asyncio.Event())
                while fd is None:
                    freed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(freed.wait(), max(wait, _POLL))
                    fd, wait = self.locks.take(host)
        self.holding[request] = (host, fd)

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
        held = self.holding.pop(request, None)
        if held is not None:
            host, fd = held
            self.locks.give_back(fd)
            if (freed := self._freed.get(host)) is not None:
                freed.set()

    def spider_closed(self, spider: Spider | None = None) -> None:
        for request in list(self.holding):
            self._release(request)
