"""The archive's settings, read once when the crawl starts (each declared, with its default and
its check, in :mod:`crawler.base.registry`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crawler.base.registry import value

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


@dataclass(frozen=True, slots=True)
class ArchiveSettings:
    max_age_days: float
    lookups_per_minute: float
    captures_per_minute: float
    time_budget: float
    capture_blocked: bool
    anonymous_save: bool
    pause: float
    timeout: float
    poll_interval: float
    poll_max: float
    base: str

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveSettings:
        def get(name: str) -> Any:
            return value(crawler.settings.get, name)

        return cls(
            max_age_days=float(get("LINKHEALTH_ARCHIVE_MAX_AGE")),
            lookups_per_minute=float(get("LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE")),
            captures_per_minute=float(get("LINKHEALTH_ARCHIVE_CAPTURES_PER_MINUTE")),
            time_budget=float(get("LINKHEALTH_ARCHIVE_TIME_BUDGET")),
            capture_blocked=bool(get("LINKHEALTH_ARCHIVE_CAPTURE_BLOCKED")),
            anonymous_save=bool(get("LINKHEALTH_ARCHIVE_ANONYMOUS_SAVE")),
            pause=float(get("LINKHEALTH_ARCHIVE_PAUSE")),
            timeout=float(get("LINKHEALTH_ARCHIVE_TIMEOUT")),
            poll_interval=float(get("LINKHEALTH_ARCHIVE_POLL_INTERVAL")),
            poll_max=float(get("LINKHEALTH_ARCHIVE_POLL_MAX")),
            base=str(get("LINKHEALTH_ARCHIVE_BASE")),
        )
