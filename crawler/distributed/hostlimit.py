"""Politeness across workers: a per-host semaphore in Redis.

Each request takes a slot of its host before it is sent: a sorted set per host holds the tokens
of the requests in flight on every worker, scored by expiry. The acquire script drops expired
tokens and adds one only while fewer than ``CONCURRENT_REQUESTS_PER_DOMAIN`` are held (and, with
``DOWNLOAD_DELAY``, only once that delay has passed since the host's last request started, on any
worker); otherwise the request waits and tries again. The slot is given back when the request
leaves the downloader (answer or error). A live worker extends its tokens; those of a killed
worker expire after ``LINKHEALTH_REDIS_HOST_TTL`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Coroutine
from typing import Any, Self
from urllib.parse import urlsplit

import redis
import redis.asyncio as aredis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.distributed.frontier import ACQUIRE, HOLD, Keys
from crawler.registry import value

logger = logging.getLogger(__name__)


class GlobalHostLimitMiddleware:
    def __init__(
        self,
        url: str,
        *,
        prefix: str,
        limit: int,
        delay: float,
        ttl: float,
        poll: float = 0.05,
    ) -> None:
        self.url = url
        self.keys = Keys(prefix)
        self.limit = limit
        self.delay_ms = int(delay * 1000)
        self.ttl_ms = max(100, int(ttl * 1000))
        self.poll = poll
        self.redis: aredis.Redis | None = None
        #: request → (host key, token) while it holds a slot
        self.holding: dict[Request, tuple[str, str]] = {}
        self._keeper: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Future[None]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        url = settings.get("LINKHEALTH_REDIS_URL") or settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("no LINKHEALTH_REDIS_URL")
        middleware = cls(
            str(url),
            prefix=str(value(settings.get, "LINKHEALTH_REDIS_PREFIX")),
            limit=settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 1,
            delay=settings.getfloat("DOWNLOAD_DELAY"),
            ttl=float(value(settings.get, "LINKHEALTH_REDIS_HOST_TTL")),
        )
        crawler.signals.connect(middleware.left_downloader, signals.request_left_downloader)
        crawler.signals.connect(middleware.spider_closed, signals.spider_closed)
        return middleware

    def _client(self) -> aredis.Redis:
        if self.redis is None:
            self.redis = aredis.Redis.from_url(self.url)
        return self.redis

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if request in self.holding:
            return
        host = urlsplit(request.url).hostname or ""
        key = self.keys.host(host)
        token = uuid.uuid4().hex
        acquire = self._client().register_script(ACQUIRE)
        keys = [key, self.keys.host_next(host)]
        args: list[str | int] = [self.limit, token, self.ttl_ms, self.delay_ms]
        while not await acquire(keys=keys, args=args):
            await asyncio.sleep(self.poll * (0.5 + random.random()))
        self.holding[request] = (key, token)
        if self._keeper is None:
            self._keeper = asyncio.ensure_future(self._keep_tokens())

    async def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        await self._release(request)
        return response

    async def process_exception(
        self, request: Request, exception: BaseException, spider: Spider | None = None
    ) -> None:
        await self._release(request)

    def left_downloader(self, request: Request, spider: Spider | None = None) -> None:
        """The download ended (answer or error), whatever the middlewares do next."""
        if request in self.holding:
            self._background(self._release(request))

    def _background(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _release(self, request: Request) -> None:
        held = self.holding.pop(request, None)
        if held is None:
            return
        key, token = held
        try:
            await self._client().zrem(key, token)
        except redis.RedisError as exc:  # the token expires on its own
            logger.warning("releasing a host slot failed: %s", exc)

    async def _keep_tokens(self) -> None:
        """Extend the tokens this worker holds (a killed worker's expire)."""
        hold = self._client().register_script(HOLD)
        while True:
            await asyncio.sleep(self.ttl_ms / 3000)
            by_key: dict[str, list[str]] = {}
            for key, token in list(self.holding.values()):
                by_key.setdefault(key, []).append(token)
            for key, tokens in by_key.items():
                try:
                    await hold(keys=[key], args=[self.ttl_ms, *tokens])
                except redis.RedisError as exc:
                    logger.warning("extending host slots failed: %s", exc)

    def spider_closed(self, spider: Spider | None = None) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
        if self.redis is not None:
            self._background(self._close())

    async def _close(self) -> None:
        for request in list(self.holding):
            await self._release(request)
        if self.redis is not None:
            await self.redis.aclose()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<GlobalHostLimitMiddleware limit={self.limit} holding={len(self.holding)}>"
