"""The network check before the first fetch: is there a network to judge links on?

Before the first link of a run is fetched, the canary hosts (``LINKHEALTH_CANARY_URLS``) are
fetched one after the other, without retries, redirects or bodies, until one answers (any HTTP
status is an answer). When none does, the run is degraded before a single link is judged: its
links get ``error``/``offline``, never ``dead`` (:mod:`crawler.fetch.network`). The probe goes
through the engine like any request (proxies, address policy, host slots). A child process of
``LINKHEALTH_PROCESSES`` and a worker of the distributed profile have no run of their own, and
probe nothing: the check is their parent's (the coordinator judges a distributed run).
"""

from __future__ import annotations

import logging
from typing import Any, Self

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.base.meta import META_HEAD_ONLY, META_MAX_BYTES
from crawler.base.registry import value
from crawler.fetch.network import NetworkPolicy, canaries_verdict
from crawler.run.sources import source_of
from crawler.verdict.errors import verdict_for_exception

logger = logging.getLogger(__name__)


class CanaryProbe:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not str(value(crawler.settings.get, "LINKHEALTH_CANARY_URLS")).strip():
            raise NotConfigured  # no message: Scrapy warns of none for an option off
        probe = cls(crawler)
        crawler.signals.connect(probe.spider_opened, signal=signals.spider_opened)
        return probe

    def spider_opened(self, spider: Any) -> None:
        source = source_of(self.crawler)
        run = source.run if source is not None else None
        if run is not None:
            policy = run.config.network
            run.before_fetching(lambda: self.probe(policy))

    async def probe(self, policy: NetworkPolicy) -> str | None:
        """Fetch the canary hosts; the reason the network is unusable, if it is."""
        engine = self.crawler.engine
        assert engine is not None
        results: dict[str, str | None] = {}
        for url in policy.canaries:
            request = scrapy.Request(
                url,
                dont_filter=True,
                meta={
                    "dont_retry": True,
                    "download_timeout": policy.canary_timeout,
                    META_MAX_BYTES: 4096,
                    META_HEAD_ONLY: True,
                    "dont_redirect": True,
                },
            )
            try:
                await engine.download_async(request)
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
