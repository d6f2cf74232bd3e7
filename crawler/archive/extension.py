"""The archive component (Scrapy extension): off until the archive work lands."""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class ArchiveExtension:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("LINKHEALTH_ARCHIVE_ENABLED"):
            raise NotConfigured("LINKHEALTH_ARCHIVE_ENABLED is off")
        return cls()
