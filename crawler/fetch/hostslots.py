"""Host slots: at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests in flight to a host, and its
starts ``DOWNLOAD_DELAY`` apart, across every crawl that shares them.

One idea, two backends behind :class:`HostSlots`, taken at one hook (the downloader,
:mod:`crawler.core.downloader`, when a request leaves its slot's queue, and given back when its
download ends):

- :class:`FileHostSlots`, the crawl processes of one machine (``LINKHEALTH_PROCESSES``): slot
  files in a directory, each held with an exclusive ``flock``;
- :class:`crawler.distributed.hostslots.RedisHostSlots`, the workers on one Redis
  (``LINKHEALTH_REDIS_URL``): a sorted set of tokens per host, scored by expiry.

Either way a host's turn (the time its next request may start) is kept beside its slots: a
request takes its turn only once that time has passed, and pushes it ``delay`` seconds on.
Pure: no Scrapy.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from pathlib import Path
from typing import Protocol, TypeVar

#: what a backend hands out for a held slot
Held = TypeVar("Held")


class HostSlots(Protocol[Held]):
    def take(self, host: str) -> tuple[Held | None, float]:
        """A held slot of ``host`` (to :meth:`give_back`), or None and the seconds to wait
        before asking again (0: a slot may be free again at any moment)."""

    def give_back(self, held: Held) -> None:
        """The request that held it is no longer in flight."""

    def close(self) -> None:
        """Give back what is still held; the crawl ends."""


class FileHostSlots:
    """A host has ``limit`` slot files; a request holds one with an exclusive ``flock`` while it
    is in flight. The kernel drops the lock of a killed process, so a slot is never lost."""

    def __init__(self, directory: Path, *, limit: int, delay: float) -> None:
        self.directory = directory
        self.limit = max(1, limit)
        self.delay = max(0.0, delay)
        self._held: set[int] = set()

    def _base(self, host: str) -> str:
        digest = hashlib.sha256(host.lower().encode()).hexdigest()[:24]
        return str(self.directory / digest)

    def take(self, host: str) -> tuple[int | None, float]:
        base = self._base(host)
        for index in range(self.limit):
            fd = os.open(f"{base}.{index}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            wait = self._turn(base) if self.delay else 0.0
            if wait > 0:
                os.close(fd)  # (closing drops the lock)
                return None, wait
            self._held.add(fd)
            return fd, 0.0
        return None, 0.0

    def _turn(self, base: str) -> float:
        """Take the host's turn (0) or say how long until it comes."""
        fd = os.open(f"{base}.turn", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held for a read and a write
            raw = os.pread(fd, 64, 0)
            now = time.time()
            try:
                next_start = float(raw.decode() or 0)
            except ValueError:
                next_start = 0.0
            if next_start > now:
                return next_start - now
            data = f"{now + self.delay:.6f}".encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
            return 0.0
        finally:
            os.close(fd)  # (closing drops the lock)

    def give_back(self, held: int) -> None:
        if held in self._held:
            self._held.discard(held)
            os.close(held)  # (closing drops the lock)

    def close(self) -> None:
        for fd in list(self._held):
            self.give_back(fd)
