"""Hands each verdict to the run's link source as it arrives (the store: its own transaction)."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import LinkCheck
from crawler.run.sources import source_of


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.get("LINKHEALTH_STATE_DB"):
            raise NotConfigured("LINKHEALTH_STATE_DB is empty")
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, LinkCheck):
            source = source_of(self.crawler)
            if source is None:
                raise RuntimeError("a verdict arrived before the run's link source was made")
            source.record(item)
            if self.stats is not None:
                self.stats.inc_value(f"linkhealth/verdict/{item.verdict.status}")
                self.stats.inc_value(f"linkhealth/reason/{item.verdict.reason}")
        return item
