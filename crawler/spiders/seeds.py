"""The ``seeds`` spider: every link of the seed lists, one request per canonical URL.

Thin: reading seeds, canonical URLs, verdicts and reports are plain functions elsewhere; this
module moves data between them and Scrapy.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Sized
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import logfilter
from crawler.config import Config, load_config
from crawler.errors import verdict_for_exception
from crawler.extensions.headreader import META_HEAD_ONLY, META_MAX_BYTES
from crawler.items import LinkCheck
from crawler.links import fetch_order, record_links, scan_links
from crawler.network import NetworkWatch, canaries_verdict
from crawler.sinks.local import LocalSink
from crawler.store import Store
from crawler.urls import URLProblem, canonicalize, masked_names, redact
from crawler.verdict import ERROR, STATUSES, Fetched, Verdict, evidence, judge

if TYPE_CHECKING:
    from crawler.distributed.worker import RedisSink

logger = logging.getLogger(__name__)

META_IDENTITY = "linkhealth_identity"
META_URL = "linkhealth_url"
#: requests kept waiting in the scheduler at the least (see ``_room_in_scheduler``)
_MIN_BACKLOG = 1000
_BACKLOG_POLL = 0.05


class SeedsSpider(scrapy.Spider):
    name = "seeds"
    config: Config
    store: Store
    network: NetworkWatch
    sink: RedisSink | None
    backlog: int

    def __init__(self, seeds: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seeds_arg = seeds
        self.run_id = 0
        self.started = time.monotonic()
        self.exit_code = 0
        self.degraded: str | None = None

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
                logging.getLogger(name).setLevel(level)
            logging.getLogger("markdown_it").setLevel(max(level, logging.INFO))
        spider.network = NetworkWatch(spider.config.network)
        spider.backlog = max(_MIN_BACKLOG, 2 * crawler.settings.getint("CONCURRENT_REQUESTS"))
        spider.sink = None
        if spider.config.redis_url:
            from crawler.distributed.worker import RedisSink  # noqa: PLC0415 - optional extra

            spider.sink = RedisSink.from_crawler(crawler, spider.config)
            return spider
        spider.store = Store(spider.config.state_db, spider.config.rules)
        return spider

    # start ----------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        # Scrapy installs its log handler anew once the spider exists: the filter goes on it now
        logfilter.install(self.config.rules)
        if self.sink is not None:  # a distributed worker: links come from the shared queue
            async for request in self.sink.requests(self):
                yield request
            return
        config = self.config
        links, n_occurrences = scan_links(
            config.seeds, config.rules, config.ignore, config.now.date()
        )
        run = self.store.begin_run(config.now_iso, str(config.seeds), resume=config.resume)
        self.run_id = run.id
        if run.resumed:
            logger.info("continuing run %d, started %s", run.id, run.started_at)
        record_links(self.store, run.id, config.now_iso, links, config.rules)
        done = self.store.checked_identities(run.id) if run.resumed else set()
        presets = [
            LinkCheck(x.identity, config.now_iso, x.preset)
            for x in links.values()
            if x.preset is not None and x.identity not in done
        ]
        # From here on a link is three strings: its occurrences are in the store (the reports
        # and the fixes read them there or from the seeds), not held through the crawl.
        ordered = list(fetch_order(links.values()))
        queue = deque(
            (x.identity, x.fetch_url or "", x.host) for x in ordered if x.identity not in done
        )  # (fetch_order gives only links with a fetch_url)
        logger.info(
            "%d link occurrences, %d distinct links, %d to fetch, %d already checked in this run",
            n_occurrences,
            len(links),
            len(ordered),
            len(done),
        )
        del links, ordered
        for check in presets:
            yield check
        del presets
        if queue and self.config.network.canaries:
            self.degraded = await self._probe_canaries()
        while queue:
            identity, fetch_url, host = queue.popleft()
            if self.degraded:
                yield LinkCheck(
                    identity,
                    self.config.now_iso,
                    Verdict(ERROR, "offline", detail="not fetched: no usable network"),
                )
            else:
                await self._room_in_scheduler()
                yield self.make_request(identity, fetch_url, host)

    async def _room_in_scheduler(self) -> None:
        """Wait while the scheduler holds a backlog of requests.

        Scrapy reads ``start()`` on into the scheduler whenever the downloader is full: for
        100,000 links that was 100,000 requests in memory at once. A backlog of twice the
        downloader's capacity keeps it busy, and memory flat in the number of links.
        """
        engine = self.crawler.engine
        scheduler = engine.scheduler if engine is not None else None
        if not isinstance(scheduler, Sized):
            return
        while len(scheduler) >= self.backlog:
            await asyncio.sleep(_BACKLOG_POLL)
        if self.crawler.stats is not None:
            self.crawler.stats.max_value("linkhealth/scheduler_max_queued", len(scheduler))

    async def _probe_canaries(self) -> str | None:
        """Fetch the canary hosts (no retries); the reason the network is unusable, if it is."""
        assert self.crawler.engine is not None
        results: dict[str, str | None] = {}
        for url in self.config.network.canaries:
            request = scrapy.Request(
                url,
                dont_filter=True,
                meta={
                    "dont_retry": True,
                    "download_timeout": self.config.network.canary_timeout,
                    META_MAX_BYTES: 4096,
                    META_HEAD_ONLY: True,
                    "dont_redirect": True,
                },
            )
            try:
                await self.crawler.engine.download_async(request)
            except Exception as exc:
                results[url] = verdict_for_exception(exc).reason
            else:
                results[url] = None
                break
        degraded = canaries_verdict(results)
        if degraded:
            logger.error("network check: %s", degraded)
        else:
            logger.info("network check: canary answered, the network is usable")
        return degraded

    def make_request(self, identity: str, fetch_url: str, host: str) -> scrapy.Request:
        """The request for one link (also used by distributed workers, from a queued link)."""
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

    def _clean(self, url: str) -> str:
        try:
            return canonicalize(url, self.config.rules).clean_url
        except URLProblem:
            return redact(url, self.config.rules)

    def parse(self, response: Response) -> Any:
        meta = response.meta
        reasons = meta.get("redirect_reasons", [])
        hops = tuple(zip(reasons, meta.get("redirect_urls", []), strict=False))
        headers = {
            k.decode("latin-1").lower(): v[0].decode("latin-1")
            for k, v in response.headers.items()
            if v
        }
        fetched = Fetched(
            url=meta[META_URL],
            final_url=response.url,
            status=response.status,
            headers=headers,
            body=response.body,
            truncated="download_stopped" in response.flags or "dataloss" in response.flags,
            redirects=tuple((int(code), url) for code, url in hops if isinstance(code, int)),
        )
        verdict = judge(fetched, self.config.rules)
        self.network.saw(urlsplit(meta[META_URL]).hostname or "", verdict.reason, answered=True)
        yield self._check(meta[META_IDENTITY], verdict)

    def failed(self, failure: Failure) -> Any:
        request = failure.request  # type: ignore[attr-defined]
        verdict = verdict_for_exception(failure.value or RuntimeError("unknown failure"))
        host = urlsplit(request.meta[META_URL]).hostname or ""
        self.network.saw(host, verdict.reason, answered=False)
        yield self._check(request.meta[META_IDENTITY], verdict)

    def _check(self, identity: str, verdict: Verdict) -> LinkCheck:
        if verdict.final_url:
            verdict = replace(verdict, final_url=self._clean(verdict.final_url))
        if verdict.moved_to:
            verdict = replace(verdict, moved_to=self._clean(verdict.moved_to))
        if masked := masked_names(identity):
            note = f"credential-like parameter masked: {', '.join(masked)}"
            detail = f"{verdict.detail}; {note}" if verdict.detail else note
            verdict = replace(verdict, detail=evidence(detail, ""))
        return LinkCheck(identity, self.config.now_iso, verdict)

    def record(self, item: LinkCheck) -> None:
        if self.sink is not None:
            self.sink.record(item)
            return
        self.store.record_check(self.run_id, item.row(counted=not self.degraded))

    # end --------------------------------------------------------------------------------------

    def closed(self, reason: str) -> None:
        if self.sink is not None:  # the merge step finishes the run and writes the reports
            self.sink.close(reason)
            return
        if not self.run_id:
            self.store.close()
            return
        completed = reason == "finished"
        if completed:
            self.degraded = self.degraded or self.network.verdict()
        try:
            finished = LocalSink(self.store, self.config).finish(
                self.run_id,
                finished_at=self.config.iso_after(time.monotonic() - self.started),
                completed=completed,
                stats=self._stats(),
                degraded=self.degraded,
            )
        finally:
            self.store.close()
        self.exit_code = finished.exit_code
        counts = finished.counts
        summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES if counts.get(s))
        seconds = time.monotonic() - self.started
        line = (
            f"linkhealth: run {self.run_id} {'degraded' if self.degraded else reason}: "
            f"{sum(counts.values())} links "
            f"({summary or 'none'}) in {seconds:.0f}s; reports in {self.config.report_dir}/"
        )
        logger.info(line)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("linkhealth/exit_code", self.exit_code)
            self.crawler.stats.set_value("linkhealth/summary", line)

    def _stats(self) -> dict[str, Any]:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        return {k: v for k, v in stats.items() if k.startswith(("linkhealth/", "downloader/"))}
