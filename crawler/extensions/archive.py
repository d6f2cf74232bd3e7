"""The archive component: a Scrapy extension that hands every checked link to the Wayback steps.

For every :class:`~crawler.items.LinkCheck` the crawl stores, :mod:`~crawler.archive.planner`
decides what the archive is asked (a lookup, a capture, a rescue, or nothing),
:mod:`~crawler.archive.steps` asks it through the engine's download, in turns that
:mod:`~crawler.archive.scheduler` gives (one request at a time per endpoint, spaced by the
per-minute settings, resting after a 429), and the result goes to the run's book
(:class:`~crawler.archive.book.ArchiveBook`, which the run on the store is; a child process and
the distributed profile do not archive). The work planned, done and pending is counted in an
:class:`~crawler.archive.progress.ArchiveProgress` the run follows (early reports, run.json, the
progress line). This module only wires them to Scrapy's signals. See docs/archiving.md.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured

from crawler.archive import wayback
from crawler.archive.book import ArchiveBook
from crawler.archive.config import ArchiveSettings
from crawler.archive.planner import REFERENCE, Job, plan
from crawler.archive.progress import ArchiveProgress
from crawler.archive.scheduler import Scheduler
from crawler.archive.steps import Wayback
from crawler.base.registry import value
from crawler.items import LinkCheck
from crawler.run.sources import source_of

logger = logging.getLogger(__name__)

#: a documented-safe lookup rate; more is allowed but warned about
SAFE_LOOKUPS = 24.0
ENV_ACCESS = "LINKHEALTH_WAYBACK_ACCESS_KEY"
ENV_SECRET = "LINKHEALTH_WAYBACK_SECRET_KEY"  # noqa: S105 (a variable name)


class ArchiveExtension:
    def __init__(self, crawler: Crawler, settings: ArchiveSettings) -> None:
        self.crawler = crawler
        self.settings = settings
        access = os.environ.get(ENV_ACCESS, "").strip()
        secret = os.environ.get(ENV_SECRET, "").strip()
        self._auth = wayback.authorization(access, secret) if access and secret else None
        self.scheduler = Scheduler(settings)
        self.wayback: Wayback | None = None
        #: the links being archived, each its own task
        self.jobs: dict[str, asyncio.Task[None]] = {}
        self.counts: dict[str, int] = {}
        self.progress = ArchiveProgress()
        #: the run's book: set when the spider opens
        self.book: ArchiveBook | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not value(crawler.settings.get, "LINKHEALTH_ARCHIVE_ENABLED"):
            raise NotConfigured  # no message: Scrapy warns of none for an option off
        if crawler.settings.get("LINKHEALTH_REDIS_URL"):
            raise NotConfigured("the distributed profile does not archive (docs/distributed.md)")
        ext = cls(crawler, ArchiveSettings.from_crawler(crawler))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    # signals ----------------------------------------------------------------------------------

    def spider_opened(self, spider: Any) -> None:
        source = source_of(self.crawler)
        book: ArchiveBook | None = source.run if source is not None else None
        if book is None:
            raise NotConfigured("archiving needs the run's SQLite store")
        self.book = book
        book.follow_archive(self.progress)
        s = self.settings
        if s.lookups_per_minute > SAFE_LOOKUPS:
            logger.warning(
                "archive: %g lookups a minute is above the documented %g: "
                "the Wayback Machine may block this address",
                s.lookups_per_minute,
                SAFE_LOOKUPS,
            )
        engine = self.crawler.engine
        assert engine is not None
        engine.downloader.per_slot_settings.update(self.scheduler.slot_settings())
        self.wayback = Wayback(
            s,
            self.scheduler,
            engine.download_async,
            auth=self._auth,
            rules=book.rules,
            now=book.now,
        )
        if self._auth is None:
            logger.info(
                "archive: captures are off (no Wayback keys: %s, %s): %s; with keys, live "
                "pages without a fresh snapshot would be captured too (Save Page Now 2)",
                ENV_ACCESS,
                ENV_SECRET,
                "lookups, rescues and the classic anonymous save (best effort)"
                if s.anonymous_save
                else "pages are looked up and dead links rescued",
            )

    def item_scraped(self, item: Any, spider: Any, **_: Any) -> None:
        book = self.book
        if not isinstance(item, LinkCheck) or book is None:
            return
        job = None if book.degraded else self._plan(item, book)
        if job is not None:
            self.scheduler.start_clock()
            self.progress.deadline = self.scheduler.deadline
            self.jobs[job.identity] = asyncio.ensure_future(self._archive(job, book))
        self.progress.heard(job.identity if job is not None else None)

    def _plan(self, item: LinkCheck, book: ArchiveBook) -> Job | None:
        """The verdict's archive work, unless there is none or it is under way already."""
        job = plan(
            item.identity,
            item.verdict.status,
            item.checked_at,
            book.archive_state(item.identity),
            now=book.now,
            max_age_days=self.settings.max_age_days,
        )
        return None if job is None or job.identity in self.jobs else job

    def spider_idle(self, spider: Any) -> None:
        if not self.jobs:
            return
        over, stuck = self.scheduler.over_budget(), self.scheduler.stuck()
        if over or stuck:
            logger.warning(
                "archive: %s; %d links carry over to the next run",
                "waiting out a rest would pass the time budget"
                if stuck and not over
                else f"time budget of {self.settings.time_budget:g}s spent",
                len(self.jobs),
            )
            self.scheduler.stop()
            return
        self.scheduler.pump()
        raise DontCloseSpider

    async def spider_closed(self, spider: Any) -> None:
        self.scheduler.stop()
        jobs = list(self.jobs.values())
        for task in jobs:
            task.cancel()  # what is left carries over, not recorded
        await asyncio.gather(*jobs, return_exceptions=True)
        if self.counts:
            summary = ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items()))
            logger.info("archive: %s", summary)
        if self.crawler.stats is not None:
            for name, n in self.counts.items():
                self.crawler.stats.set_value(f"linkhealth/archive/{name}", n)

    # one link ---------------------------------------------------------------------------------

    async def _archive(self, job: Job, book: ArchiveBook) -> None:
        assert self.wayback is not None  # made with the book, when the spider opened
        try:
            row = await self.wayback.archive(job)
        except Exception:
            logger.exception("archive: the archive work of a link failed; it carries over")
            self.progress.finished(job.identity, recorded=False)
            return
        finally:
            self.jobs.pop(job.identity, None)
        if job.kind != REFERENCE:
            kind = row.archive_status.split(":")[0]
            self.counts[kind] = self.counts.get(kind, 0) + 1
            book.record_archive(row)
        if row.reference_sought:
            book.record_reference(job.identity, row.reference)
            if row.reference is not None:
                self.counts["reference"] = self.counts.get("reference", 0) + 1
        self.progress.finished(job.identity, recorded=True)
