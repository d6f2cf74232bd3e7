"""The link source of a child process of ``LINKHEALTH_PROCESSES`` (see :mod:`crawler.run.parent`).

Its links come from stdin (one JSON line each, written by the parent, which closes it); each
verdict and each fetch outcome goes to stdout as a JSON line, flushed, for the parent to record
(the parent is the one writer of the store and the reports, and the one that archives and
judges the offline share). Whatever else would be printed goes to stderr instead. The child
leaves as soon as its parent is gone (killed included): a thread watches the parent's id.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import AsyncIterator
from typing import IO, TYPE_CHECKING, Self

from crawler.items import LinkCheck
from crawler.run import QueuedLink, Tally
from crawler.run.config import Config
from crawler.run.sharding import decode_link, encode_check, encode_saw

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: the longest line of a link (asyncio's default is 64 KiB); stdin is read ahead no more than
#: twice this
_LINE_LIMIT = 1024 * 1024
#: seconds between two looks at the parent's id
_WATCH_EVERY = 0.5


class ChildSource:
    """A child's links from its parent, its verdicts back to it (the parent keeps the run)."""

    #: the run is the parent's
    run: None = None

    def __init__(
        self,
        config: Config,
        links_in: IO[str],
        verdicts_out: IO[str],
        crawler: Crawler | None = None,
    ) -> None:
        self.config = config
        self.crawler = crawler
        self.links_in = links_in
        self.out = verdicts_out
        self.handed: int | None = None
        self.recorded = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, config: Config) -> Self:
        # stdout is the parent's channel: a copy of it for the verdicts, and stdout itself
        # pointed at stderr, so that nothing else printed can mix with them
        out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
        sys.stdout.flush()
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        watch_parent(os.getppid())
        return cls(config, sys.stdin, out, crawler)

    @property
    def now_iso(self) -> str:
        return self.config.now_iso

    async def links(self) -> AsyncIterator[LinkCheck | QueuedLink]:
        """The links on stdin, read as the crawl takes them, without blocking the reactor
        while the parent writes them (a pipe read by the event loop)."""
        reader = asyncio.StreamReader(limit=_LINE_LIMIT)
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), self.links_in)
        count = 0
        while line := await reader.readline():
            if line.strip():
                count += 1
                yield decode_link(line.decode("utf-8"))
        self.handed = count
        logger.info("child process %d: %d links to fetch, all read", os.getpid(), count)

    def saw(self, host: str, reason: str, *, answered: bool) -> None:
        self._send(encode_saw(host, reason, answered=answered))

    def record(self, item: LinkCheck) -> None:
        self._send(encode_check(item))
        self.recorded += 1

    def _send(self, line: str) -> None:
        self.out.write(line)
        self.out.flush()

    def tally(self) -> Tally:
        return Tally(self.handed, self.recorded)

    def close(self, reason: str) -> None:
        """The crawl ended: exit 0 when it finished, else 1 (the parent then leaves the run
        unfinished, for the next start to resume)."""
        self.out.close()
        logger.info("child process %d: %s, %d verdicts sent", os.getpid(), reason, self.recorded)
        stats = self.crawler.stats if self.crawler is not None else None
        if stats is not None:
            stats.set_value("linkhealth/exit_code", 0 if reason == "finished" else 1)


def watch_parent(parent: int) -> None:
    """Leave at once when the parent process is gone (its children are re-parented)."""

    def watch() -> None:
        while True:
            time.sleep(_WATCH_EVERY)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="linkhealth-parent-watch", daemon=True).start()
