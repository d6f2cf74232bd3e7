"""The worker side of the distributed profile (to be written: see README, "Past one machine")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Self

from scrapy.crawler import Crawler

from crawler.config import Config
from crawler.items import LinkCheck

if TYPE_CHECKING:
    from crawler.spiders.seeds import SeedsSpider


class RedisSink:
    """Leases links from the shared queue and sends verdicts back through Redis."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, config: Config) -> Self:
        raise NotImplementedError("the distributed profile is not built yet")

    def requests(self, spider: SeedsSpider) -> AsyncIterator[Any]:
        raise NotImplementedError

    def record(self, item: LinkCheck) -> None:
        raise NotImplementedError

    def close(self, reason: str) -> None:
        raise NotImplementedError
