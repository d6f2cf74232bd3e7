"""The link source: what the spider reads its links from and hands its verdicts to.

One source per crawler, of the kind the add-on chooses (``LINKHEALTH_LINK_SOURCE``; see
:mod:`crawler.run`): :class:`LocalSource` (this process fetches the run's links), its subclass
:class:`crawler.run.parent.ChildProcesses` (child processes fetch them),
:class:`crawler.run.child.ChildSource` (inside such a child) and
:class:`crawler.distributed.worker.RedisSource` (a worker of the distributed profile). The
spider only turns links into requests and responses into verdicts; other components reach the
source through the crawler (:func:`source_of`), never through spider attributes: the store
pipeline hands it each verdict, the progress extension reads its :meth:`LinkSource.tally`, and
where the source feeds a :class:`~crawler.run.run.Run` (``source.run``), the canary extension
registers its network check with the run and the archive extension keeps its book there.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Protocol, Self

from crawler.items import LinkCheck
from crawler.run import QueuedLink, Tally
from crawler.run.config import ConfigError, import_class
from crawler.run.run import Run
from crawler.store.db import DatabaseError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.run.config import Config

logger = logging.getLogger(__name__)

_ATTRIBUTE = "_linkhealth_source"

#: the setting that names the link source's class (the add-on chooses it, see :func:`chosen`)
SETTING = "LINKHEALTH_LINK_SOURCE"
LOCAL = "crawler.run.sources.LocalSource"
PROCESSES = "crawler.run.parent.ChildProcesses"
REDIS = "crawler.distributed.worker.RedisSource"


class LinkSource(Protocol):
    #: the run on the store the verdicts go to (None: they go elsewhere, a parent or Redis)
    run: Run | None

    @property
    def now_iso(self) -> str:
        """The run's timestamp, which every verdict carries."""

    def links(self) -> AsyncIterator[LinkCheck | QueuedLink]:
        """Verdicts known without a fetch, then the links to fetch."""

    def saw(self, host: str, reason: str, *, answered: bool) -> None:
        """A fetch's outcome (the offline check watches them)."""

    def record(self, item: LinkCheck) -> None:
        """One verdict, as it arrives."""

    def tally(self) -> Tally:
        """Links handed out and verdicts recorded so far."""

    def close(self, reason: str) -> None:
        """The crawl ended (the exit status goes to the stats, ``linkhealth/exit_code``)."""


def chosen(get: Callable[[str], Any]) -> str:
    """The link source of a crawl with these settings (read with ``get``, then the
    environment): the one named in ``LINKHEALTH_LINK_SOURCE``, else a worker's with
    ``LINKHEALTH_REDIS_URL``, else this process's with ``LINKHEALTH_PROCESSES=1``, else the
    child processes' (which fetch in this process too when the links are few)."""

    def setting(name: str) -> str:
        raw = get(name)
        return str(os.environ.get(name, "") if raw is None else raw).strip()

    if named := setting(SETTING):
        return named
    if setting("LINKHEALTH_REDIS_URL"):
        return REDIS
    return LOCAL if setting("LINKHEALTH_PROCESSES") == "1" else PROCESSES


def source_class(get: Callable[[str], Any]) -> type[Any]:
    """The class of the link source :func:`chosen` names, imported (a :class:`ConfigError`
    that says why it cannot be: the distributed profile's needs the ``redis`` extra)."""
    name = chosen(get)
    try:
        return import_class(SETTING, name)
    except ConfigError as exc:
        if name != REDIS:
            raise
        raise ConfigError(
            f"{exc} (LINKHEALTH_REDIS_URL is set: the distributed profile needs the redis "
            "extra, pip install 'linkhealth[redis]')"
        ) from None


def attach(crawler: Crawler, source: LinkSource) -> LinkSource:
    """Make ``source`` the crawler's (once, when the spider is made)."""
    setattr(crawler, _ATTRIBUTE, source)
    return source


def source_of(crawler: Crawler) -> LinkSource | None:
    """The crawler's link source, once the spider is made (None before, or another spider)."""
    source: LinkSource | None = getattr(crawler, _ATTRIBUTE, None)
    return source


class LocalSource:
    """This process fetches the links of a run on the SQLite store."""

    def __init__(self, run: Run, crawler: Crawler | None = None) -> None:
        self.run: Run = run
        self.crawler = crawler
        self._stopping = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, config: Config) -> Self:
        return cls(Run.open(config), crawler)

    @property
    def now_iso(self) -> str:
        return self.run.now_iso

    async def links(self) -> AsyncIterator[LinkCheck | QueuedLink]:
        """The run's verdicts known without a fetch, then its links to fetch (none but
        ``offline`` verdicts when the network checks say it is unusable)."""
        run = self.run
        try:
            begun = run.begin()
            if begun is None:
                return
            for check in begun.presets:
                yield check
            del begun.presets[:]
            if begun.queued:
                await run.check_network()
            async for link in self.fetches(begun.queued):
                yield link
        except DatabaseError as exc:
            run.store_failed(exc, "the run could not begin")
            self._stop()
        except Exception as exc:
            logger.exception("the run could not begin")
            run.outcome.fail(f"the run could not begin: {type(exc).__name__}: {exc}")

    async def fetches(self, queued: int) -> AsyncIterator[LinkCheck | QueuedLink]:
        """The ``queued`` links to fetch, fetched in this process."""
        run = self.run
        for link in run.queued():
            yield run.offline(link) if run.degraded else link

    def saw(self, host: str, reason: str, *, answered: bool) -> None:
        self.run.saw(host, reason, answered=answered)

    def record(self, item: LinkCheck) -> None:
        if not self.run.record(item):
            self._stop()

    def tally(self) -> Tally:
        return self.run.tally()

    def _stop(self) -> None:
        """The run cannot complete: stop sending (once)."""
        if self.crawler is not None and not self._stopping:
            self._stopping = True
            from scrapy.utils.defer import deferred_from_coro  # noqa: PLC0415 - when crawling

            deferred_from_coro(self.crawler.stop_async())

    def unfinished(self) -> str | None:
        """Why the processes that fetched the links did not finish (None: they did)."""
        return None

    def close(self, reason: str) -> None:
        """Finish the run (when it began) and say how it went: the exit status and the last
        line go to the stats (the crawl command prints them)."""
        stats = self.crawler.stats if self.crawler is not None else None
        kept: dict[str, Any] = {
            k: v
            for k, v in (stats.get_stats() if stats is not None else {}).items()
            if k.startswith(("linkhealth/", "downloader/"))
        }
        line = self.run.end(reason, stats=kept, unfinished=self.unfinished())
        logger.debug(line)  # the crawl command prints it (a log line would say it twice)
        if stats is not None:
            stats.set_value("linkhealth/exit_code", self.run.outcome.exit_code)
            stats.set_value("linkhealth/summary", line)
            for name, n in self.run.archive_stats().items():
                stats.set_value(name, n)
