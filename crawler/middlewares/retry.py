"""Scrapy's retry, with exponential backoff and ``Retry-After`` honoured.

A 429/503 whose ``Retry-After`` is longer than ``LINKHEALTH_RETRY_AFTER_MAX`` is not retried:
the response goes to the spider (a 429 becomes ``blocked``/``http-429``) instead of waiting for
an hour or hammering the site.
"""

from __future__ import annotations

import asyncio
from typing import Self

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_status_message

from crawler.base.registry import value
from crawler.fetch.backoff import backoff_delay, parse_retry_after


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.retry_after_max = float(value(settings.get, "LINKHEALTH_RETRY_AFTER_MAX"))
        self.backoff_base = float(value(settings.get, "LINKHEALTH_RETRY_BACKOFF"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    async def _wait(self, retry: Request, at_least: float = 0.0) -> None:
        delay = max(at_least, backoff_delay(retry.meta.get("retry_times", 1), self.backoff_base))
        if delay > 0:
            await asyncio.sleep(delay)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = parse_retry_after(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.retry_after_max:
            if self.crawler.stats:
                self.crawler.stats.inc_value("linkhealth/retry/retry_after_too_long")
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self._wait(retry, wait or 0.0)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get(
            "dont_retry", False
        ):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await self._wait(retry)
        return retry
