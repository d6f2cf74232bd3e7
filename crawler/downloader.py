"""Scrapy's downloader, with per-host concurrency that holds when there is no download delay,
and across the crawl processes of one machine.

In Scrapy 2.19 ``Downloader._process_queue`` schedules each queued request as a coroutine and
counts it as transferring only once that coroutine runs; with ``DOWNLOAD_DELAY = 0`` the loop
therefore starts a slot's whole queue at once (measured at the fake web: 5 requests at a time to
one host with ``CONCURRENT_REQUESTS_PER_DOMAIN = 1``). Here a request counts as transferring
from the moment it is taken off the queue; ``Downloader._download`` adds it again (a set) and
removes it when the download ends, as before.

With ``LINKHEALTH_HOST_LOCKS`` (the directory the parent of ``LINKHEALTH_PROCESSES`` children
gives them), a request taken off its slot's queue also takes one of its host's
``CONCURRENT_REQUESTS_PER_DOMAIN`` slots shared by every process of the machine, and the host's
turn after ``DOWNLOAD_DELAY`` (:mod:`crawler.hostlocks`); it holds the slot while it transfers.
When another process holds them all, or the turn has not come, the slot's queue waits and asks
again (:data:`ASK_AGAIN`, or when the turn comes). Asked here, where a request is about to be
sent, a request never waits for a host slot while it could be sent to another host (a
downloader middleware asks before the request reaches its slot's queue, for every request the
engine hands over).

A crawl told to stop (SIGINT, SIGTERM, a state file that refuses verdicts) stops sending: the
requests still waiting in a slot's queue fail with :class:`StoppedBeforeSending` instead of
going out (their links keep no verdict: the next start checks them), and the log says how many.
Those already on the wire finish.

In the distributed profile ``DOWNLOAD_DELAY`` is kept across workers by the global host limit
(:mod:`crawler.distributed.hostlimit`), which takes a host's turn before the request reaches
this queue: a local delay on top (randomized 0.5–1.5×) would send it at another moment than
its turn, so two workers' requests could leave 0.1 s apart. There, and with the shared host
locks (which take the host's turn), the local queue has no delay of its own.
"""

from __future__ import annotations

import logging
from pathlib import Path
from time import monotonic
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro

from crawler.hostlocks import HostLocks
from crawler.registry import value

#: seconds before a slot's queue asks again for a host slot another process holds
ASK_AGAIN = 0.05

logger = logging.getLogger(__name__)


class StoppedBeforeSending(IgnoreRequest):
    """The crawl was told to stop while this request waited in its slot's queue: not sent."""


class PoliteDownloader(Downloader):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        directory = value(settings.get, "LINKHEALTH_HOST_LOCKS")
        #: the host slots shared by the crawl processes of this machine, if any
        self.host_locks = (
            HostLocks(
                Path(directory),
                limit=settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 1,
                delay=settings.getfloat("DOWNLOAD_DELAY"),
            )
            if directory
            else None
        )
        #: the delay is kept across workers by the global host limit (the Redis profile) or
        #: across the processes of one machine by the shared host locks
        self.spaced_globally = bool(settings.get("LINKHEALTH_REDIS_URL") or self.host_locks)
        #: slot → its transferring requests that hold a shared host slot (a file descriptor)
        self._held: dict[Slot, dict[Request, int]] = {}
        #: requests dropped from the queues once the crawl was told to stop
        self.not_sent = 0

    def _process_queue(self, slot: Slot) -> None:
        if self.host_locks is not None:
            self._give_back_finished(slot)
        engine = self.crawler.engine
        if engine is not None and not engine.running and slot.queue:
            self._drop_queue(slot)  # stopping: nothing more goes out
            return
        if slot.latercall:
            return
        now = monotonic()
        delay = 0.0 if self.spaced_globally else slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            held = None
            if self.host_locks is not None:
                held, wait = self.host_locks.take(urlsplit(slot.queue[0][0].url).hostname or "")
                if held is None:
                    slot.latercall = call_later(max(wait, ASK_AGAIN), self._latercall, slot)
                    return
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # counted now, not when the coroutine starts
            if held is not None:
                self._held.setdefault(slot, {})[request] = held
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break

    def _drop_queue(self, slot: Slot) -> None:
        if slot.latercall:
            slot.latercall.cancel()
            slot.latercall = None
        while slot.queue:
            _request, queue_dfd = slot.queue.popleft()
            self.not_sent += 1
            queue_dfd.errback(StoppedBeforeSending("the crawl is stopping"))

    def _give_back_finished(self, slot: Slot) -> None:
        """Give back the shared host slots of the slot's requests that no longer transfer
        (``Downloader._download`` removes a finished one, then asks for the next)."""
        held = self._held.get(slot)
        if not held:
            return
        for request in [r for r in held if r not in slot.transferring]:
            HostLocks.give_back(held.pop(request))
        if not held:
            del self._held[slot]  # (Scrapy drops an idle slot after a while: so does this map)

    def close(self) -> None:
        for slot in self.slots.values():
            self._drop_queue(slot)  # (a closing spider's queues are normally empty already)
        if self.not_sent:
            logger.info(
                "stopping: %d queued requests were not sent (their links keep no verdict: the "
                "next start checks them)",
                self.not_sent,
            )
            if self.crawler.stats is not None:
                self.crawler.stats.set_value("linkhealth/not_sent", self.not_sent)
        for held in self._held.values():
            for fd in held.values():
                HostLocks.give_back(fd)
        self._held.clear()
        super().close()
