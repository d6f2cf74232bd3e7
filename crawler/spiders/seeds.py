"""The ``seeds`` spider: every link of the seed lists, one request per canonical URL.

Thin: reading seeds, canonical URLs, verdicts and reports are plain functions elsewhere; this
module moves data between them and Scrapy.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sized
from typing import Any, Self
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.base import logfilter
from crawler.base.meta import META_HEAD_ONLY, META_MAX_BYTES
from crawler.base.verdicts import Verdict
from crawler.core.downloader import StoppedBeforeSending
from crawler.items import LinkCheck
from crawler.run.config import Config, load_config
from crawler.run.sources import LinkSource, attach, source_class
from crawler.verdict.errors import verdict_for_exception
from crawler.verdict.final import after_redirects, final
from crawler.verdict.judge import judge
from crawler.verdict.responses import fetched_from

logger = logging.getLogger(__name__)

META_IDENTITY = "linkhealth_identity"
META_URL = "linkhealth_url"
#: requests kept waiting in the scheduler at the least (see ``_room_in_scheduler``)
_MIN_BACKLOG = 1000
_BACKLOG_POLL = 0.05
#: the scheduler's length is asked once per this many requests (``len`` walks every per-host
#: queue: asked on each request it was 7% of the crawl's CPU, measured with py-spy)
_BACKLOG_EVERY = 64


class SeedsSpider(scrapy.Spider):
    """Turns the link source's links into requests and responses into verdicts; nothing else."""

    name = "seeds"
    config: Config
    source: LinkSource
    backlog: int

    def __init__(self, seeds: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seeds_arg = seeds
        self._since_asked = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.config = load_config(crawler.settings.get, seeds=spider.seeds_arg)
        # Scrapy filters records below LOG_LEVEL in its root handler, after they are built
        # (its own loggers are set to DEBUG): a DEBUG record per response, and markdown-it's per
        # block rule it tries (~7% of the crawl's CPU, measured with py-spy), that nobody reads.
        # Loggers start at LOG_LEVEL instead, so such records are never built.
        level = logging.getLevelName(str(crawler.settings.get("LOG_LEVEL") or "DEBUG").upper())
        if isinstance(level, int):
            for name in ("", "scrapy", "crawler"):
                logger = logging.getLogger(name)
                # (Scrapy's own loggers may be quieter: see crawler.base.logfilter.quiet_scrapy)
                logger.setLevel(max(level, logger.level if name == "scrapy" else 0))
            logging.getLogger("markdown_it").setLevel(max(level, logging.INFO))
        spider.backlog = max(_MIN_BACKLOG, 2 * crawler.settings.getint("CONCURRENT_REQUESTS"))
        # the kind of source the add-on chose (chosen anew when the add-on is not used)
        kind = source_class(crawler.settings.get)
        spider.source = attach(crawler, kind.from_crawler(crawler, spider.config))
        return spider

    # start ----------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        # Scrapy installs its log handler anew once the spider exists: the filter goes on it now
        logfilter.install(self.config.rules)
        async for link in self.source.links():
            if isinstance(link, LinkCheck):
                yield link
            else:
                await self._room_in_scheduler()
                yield self.make_request(*link)

    async def _room_in_scheduler(self) -> None:
        """Wait while the scheduler holds a backlog of requests.

        Scrapy reads ``start()`` on into the scheduler whenever the downloader is full: for
        100,000 links that was 100,000 requests in memory at once. A backlog of twice the
        downloader's capacity keeps it busy, and memory flat in the number of links.
        """
        self._since_asked += 1
        if self._since_asked < _BACKLOG_EVERY:
            return  # (the backlog overshoots by less than _BACKLOG_EVERY requests)
        self._since_asked = 0
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        if not isinstance(scheduler, Sized):
            return
        while (queued := len(scheduler)) >= self.backlog:
            await asyncio.sleep(_BACKLOG_POLL)
        if self.crawler.stats is not None:
            self.crawler.stats.max_value("linkhealth/scheduler_max_queued", queued)

    def make_request(self, identity: str, fetch_url: str, host: str) -> scrapy.Request:
        """The request for one link."""
        platform = self.config.rules.platform_for(host)
        generic = self.config.rules.generic
        max_bytes = platform.max_body_bytes or generic.max_body_bytes or 1_000_000
        return scrapy.Request(
            fetch_url,
            callback=self.parse,
            errback=self.failed,
            dont_filter=True,  # we dedupe by identity; a redirect loop must not vanish silently
            meta={
                META_IDENTITY: identity,
                META_URL: fetch_url,
                META_MAX_BYTES: max_bytes,
                META_HEAD_ONLY: platform is generic,
            },
        )

    # results ----------------------------------------------------------------------------------

    def parse(self, response: Response) -> Any:
        meta = response.meta
        verdict = judge(fetched_from(response, meta[META_URL]), self.config.rules)
        self.source.saw(urlsplit(meta[META_URL]).hostname or "", verdict.reason, answered=True)
        yield self._check(meta[META_IDENTITY], verdict)

    def failed(self, failure: Failure) -> Any:
        if isinstance(failure.value, StoppedBeforeSending):
            return  # never sent: the link keeps no verdict (the next start checks it)
        request = failure.request  # type: ignore[attr-defined]
        verdict = verdict_for_exception(failure.value or RuntimeError("unknown failure"))
        if request.meta.get("redirect_urls"):
            verdict = after_redirects(verdict)
        host = urlsplit(request.meta[META_URL]).hostname or ""
        self.source.saw(host, verdict.reason, answered=False)
        yield self._check(request.meta[META_IDENTITY], verdict)

    def _check(self, identity: str, verdict: Verdict) -> LinkCheck:
        cleaned = final(identity, verdict, self.config.rules)
        return LinkCheck(identity, self.source.now_iso, cleaned)

    # end --------------------------------------------------------------------------------------

    def closed(self, reason: str) -> None:
        self.source.close(reason)
