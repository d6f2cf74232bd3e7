"""When a Wayback request may go: the archive's rate limits, one scheduler for the whole crawl.

Each endpoint (lookups and snapshot fetches, captures, job polls) has its own download slot,
with one request at a time and a fixed spacing of ``1.01 × 60 / per-minute`` seconds (no
jitter; the 1 % slack keeps ``n + 1`` requests out of a closed minute), kept by Scrapy's
downloader (:meth:`Scheduler.slot_settings`). Here, requests wait their turn in line, one in
flight per endpoint; a 429 rests the endpoint (:meth:`Scheduler.pause`) instead of retrying into
it; nothing more is sent once the run's time budget is spent or the crawl ends. Plain asyncio
(no Scrapy).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.archive.config import ArchiveSettings

logger = logging.getLogger(__name__)

CDX_SLOT = "wayback-cdx"
SAVE_SLOT = "wayback-save"
STATUS_SLOT = "wayback-status"
#: spacing margin over 60 / per-minute
SLACK = 1.01


@dataclass
class Endpoint:
    """One download slot: one request in flight, a line of waiting ones, a rest after a 429."""

    slot: str
    line: deque[asyncio.Future[None]] = field(default_factory=deque)
    busy: bool = False
    paused_until: float = 0.0
    wake: asyncio.TimerHandle | None = None


class Scheduler:
    def __init__(self, settings: ArchiveSettings) -> None:
        self.settings = settings
        self.endpoints = {name: Endpoint(name) for name in (CDX_SLOT, SAVE_SLOT, STATUS_SLOT)}
        self.deadline: float | None = None
        #: jobs waiting between two polls of a capture job
        self.sleeping = 0
        self.stopped = False

    def slot_settings(self) -> dict[str, dict[str, float]]:
        """The downloader's settings for the endpoints' slots: one at a time, evenly spaced."""
        s = self.settings
        return {
            CDX_SLOT: {"concurrency": 1, "delay": SLACK * 60 / s.lookups_per_minute, "jitter": 0},
            SAVE_SLOT: {
                "concurrency": 1,
                "delay": SLACK * 60 / s.captures_per_minute,
                "jitter": 0,
            },
            STATUS_SLOT: {"concurrency": 1, "delay": min(1.0, s.poll_interval), "jitter": 0},
        }

    # the time budget --------------------------------------------------------------------------

    def start_clock(self) -> None:
        """The budget runs from the first link handed to the archive."""
        if self.deadline is None:
            self.deadline = time.monotonic() + self.settings.time_budget

    def over_budget(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def stuck(self) -> bool:
        """All that is left waits behind a rest that outlasts the time budget."""
        if self.sleeping or any(e.busy for e in self.endpoints.values()):
            return False
        waiting = [e for e in self.endpoints.values() if e.line]
        if self.deadline is None or not waiting:
            return False
        now = time.monotonic()
        return all(now < e.paused_until and e.paused_until >= self.deadline for e in waiting)

    # turns ------------------------------------------------------------------------------------

    @asynccontextmanager
    async def turn(self, slot: str, *, front: bool = False) -> AsyncIterator[None]:
        """Wait for the endpoint, hold it for one request. ``front``: first in line (a request
        the endpoint's rest put back keeps its place)."""
        endpoint = self.endpoints[slot]
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if front:
            endpoint.line.appendleft(waiter)
        else:
            endpoint.line.append(waiter)
        self.pump()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter in endpoint.line:
                endpoint.line.remove(waiter)
            elif waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._release(endpoint)  # the turn came as the job was cancelled
            raise
        try:
            yield
        finally:
            self._release(endpoint)

    def _release(self, endpoint: Endpoint) -> None:
        endpoint.busy = False
        self.pump()

    def pump(self) -> None:
        """Give each free endpoint to the first in its line, unless it rests or time is up."""
        if self.stopped or self.over_budget():
            return
        now = time.monotonic()
        for endpoint in self.endpoints.values():
            while endpoint.line and endpoint.line[0].done():
                endpoint.line.popleft()  # cancelled, or turned away
            if endpoint.busy or not endpoint.line:
                continue
            if endpoint.paused_until > now:
                if endpoint.wake is None:
                    endpoint.wake = asyncio.get_running_loop().call_later(
                        endpoint.paused_until - now, self._wake, endpoint
                    )
                continue
            endpoint.busy = True
            endpoint.line.popleft().set_result(None)

    def _wake(self, endpoint: Endpoint) -> None:
        endpoint.wake = None
        self.pump()

    def pause(self, slot: str, seconds: float, why: str) -> None:
        """Rest the endpoint: what waits for it goes once the rest is over."""
        endpoint = self.endpoints[slot]
        endpoint.paused_until = max(endpoint.paused_until, time.monotonic() + seconds)
        logger.warning("archive: %s; %s rests for %.0fs", why, slot, seconds)

    def turn_away(self, slot: str, error: Callable[[], BaseException]) -> None:
        """Everything waiting for the endpoint gets ``error()`` instead of a turn."""
        line = self.endpoints[slot].line
        while line:
            waiter = line.popleft()
            if not waiter.done():
                waiter.set_exception(error())

    async def sleep(self, seconds: float) -> None:
        """Wait between two polls (a job asleep is not stuck)."""
        self.sleeping += 1
        try:
            await asyncio.sleep(seconds)
        finally:
            self.sleeping -= 1

    def stop(self) -> None:
        """No more turns: the crawl ends, what waits carries over."""
        self.stopped = True
        for endpoint in self.endpoints.values():
            if endpoint.wake is not None:
                endpoint.wake.cancel()
                endpoint.wake = None
