"""Where a run's links come from and its verdicts go: one sink per crawler.

A sink owns the run: it begins it (the links to check), hands the spider the links to fetch,
records each verdict, and finishes it. :class:`crawler.run.local.LocalSink` works on the SQLite
store (reports, ``fixes.md``, exit status); :class:`crawler.distributed.worker.RedisSink` leases
links from Redis and sends verdicts back there; :class:`crawler.run.child.ChildSink`, in a
child process of ``LINKHEALTH_PROCESSES``, reads its links from the parent and writes its
verdicts back to it (:mod:`crawler.run.sharding`). The spider only turns links into requests and
responses into verdicts; other components reach the sink through the crawler
(:func:`sink_of`), never through spider attributes: the archive extension registers its
:class:`~crawler.archive.progress.ArchiveProgress` with it, the progress extension reads its
:meth:`Sink.tally` and that progress.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.archive.progress import ArchiveProgress
    from crawler.items import LinkCheck
    from crawler.run.config import Config

_ATTRIBUTE = "_linkhealth_sink"


class QueuedLink(NamedTuple):
    """A link to fetch: what the spider needs to make its request."""

    identity: str
    fetch_url: str
    host: str


class Tally(NamedTuple):
    """How far a run's checking is, in this process."""

    #: links handed out (verdicts known without a fetch included); None: not known (yet)
    links: int | None
    #: verdicts recorded
    checked: int


class Sink(Protocol):
    config: Config
    #: the archive's account of its work in this run, once it registers (None: no archiving)
    archive: ArchiveProgress | None

    @property
    def now_iso(self) -> str:
        """The run's timestamp, which every verdict carries."""

    def links(self) -> AsyncIterator[LinkCheck | QueuedLink]:
        """Begin the run: verdicts known without a fetch, then the links to fetch."""

    def saw(self, host: str, reason: str, *, answered: bool) -> None:
        """A fetch's outcome (the offline check watches them)."""

    def record(self, item: LinkCheck) -> None:
        """One verdict, as it arrives."""

    def tally(self) -> Tally:
        """Links handed out and verdicts recorded so far."""

    def close(self, reason: str) -> None:
        """Finish the run (the exit status goes to the stats, ``linkhealth/exit_code``)."""


def attach(crawler: Crawler, sink: Sink) -> Sink:
    """Make ``sink`` the crawler's (once, when the spider is made)."""
    setattr(crawler, _ATTRIBUTE, sink)
    return sink


def sink_of(crawler: Crawler) -> Sink | None:
    """The crawler's sink, once the spider is made (None before, or for another spider)."""
    sink: Sink | None = getattr(crawler, _ATTRIBUTE, None)
    return sink
