"""The run: where a crawl's links come from, where its verdicts go, and how it ends.

* :class:`crawler.run.run.Run` — a run on the SQLite store, apart from Scrapy: it begins (the
  seeds scanned, the links recorded and queued), records each verdict, ends (the reports step,
  :mod:`crawler.run.reports`, then the exit status, :mod:`crawler.run.outcome`).
* :mod:`crawler.run.sources` — the link source the spider reads, of the kind the add-on
  chooses (``LINKHEALTH_LINK_SOURCE``): this process fetches the run's links
  (:class:`~crawler.run.sources.LocalSource`), child processes do
  (:class:`~crawler.run.parent.ChildProcesses`, and in each child
  :class:`~crawler.run.child.ChildSource`), or workers lease them from Redis
  (:class:`crawler.distributed.worker.RedisSource`).
"""

from __future__ import annotations

from typing import NamedTuple


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
