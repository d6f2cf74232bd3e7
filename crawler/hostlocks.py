"""Per-host slots and delay shared by the crawl processes of one machine, in a directory.

A host has ``limit`` slot files; a request holds one with an exclusive ``flock`` while it is in
flight, so at most ``limit`` requests are in flight to a host across every process that uses
the directory. The kernel drops the lock of a killed process, so a slot is never lost. With a
delay, a host's turn file (under its own ``flock``) holds the time its next request may start:
a request takes its turn only once that time has passed, and pushes it ``delay`` seconds on
(the same rule as the Redis profile's global host limit, :mod:`crawler.distributed.hostlimit`).
Pure: no Scrapy; the downloader (:mod:`crawler.downloader`) takes and gives back the slots.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from pathlib import Path


class HostLocks:
    def __init__(self, directory: Path, *, limit: int, delay: float) -> None:
        self.directory = directory
        self.limit = max(1, limit)
        self.delay = max(0.0, delay)

    def _base(self, host: str) -> str:
        digest = hashlib.sha256(host.lower().encode()).hexdigest()[:24]
        return str(self.directory / digest)

    def take(self, host: str) -> tuple[int | None, float]:
        """A held slot of ``host`` (a file descriptor to :meth:`give_back`), or None and the
        seconds to wait before asking again (0: a slot is free again at any moment)."""
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
                self.give_back(fd)
                return None, wait
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

    @staticmethod
    def give_back(fd: int) -> None:
        os.close(fd)  # (closing drops the lock)
