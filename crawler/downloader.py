"""Scrapy's downloader, with per-host concurrency that holds when there is no download delay.

In Scrapy 2.19 ``Downloader._process_queue`` schedules each queued request as a coroutine and
counts it as transferring only once that coroutine runs; with ``DOWNLOAD_DELAY = 0`` the loop
therefore starts a slot's whole queue at once (measured at the fake web: 5 requests at a time to
one host with ``CONCURRENT_REQUESTS_PER_DOMAIN = 1``). Here a request counts as transferring
from the moment it is taken off the queue; ``Downloader._download`` adds it again (a set) and
removes it when the download ends, as before.

In the distributed profile ``DOWNLOAD_DELAY`` is kept across workers by the global host limit
(:mod:`crawler.distributed.hostlimit`), which takes a host's turn before the request reaches
this queue: a local delay on top (randomized 0.5–1.5×) would send it at another moment than
its turn, so two workers' requests could leave 0.1 s apart. There the local queue has no
delay; likewise in the child processes of ``LINKHEALTH_PROCESSES``, whose shared host locks
(:mod:`crawler.middlewares.hostlocks`) take the host's turn.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.crawler import Crawler
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro

from crawler.registry import value


class PoliteDownloader(Downloader):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        #: the delay is kept across workers by the global host limit (the Redis profile) or
        #: across the processes of one machine by the shared host locks
        self.spaced_globally = bool(
            crawler.settings.get("LINKHEALTH_REDIS_URL")
            or value(crawler.settings.get, "LINKHEALTH_HOST_LOCKS")
        )

    def _process_queue(self, slot: Slot) -> None:
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
            slot.lastseen = now
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)  # counted now, not when the coroutine starts
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
            if delay:
                self._process_queue(slot)
                break
