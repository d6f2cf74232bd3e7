"""Scrapy's downloader, with per-host concurrency that holds when there is no download delay,
and across every crawl that shares the host slots.

In Scrapy 2.19 ``Downloader._process_queue`` schedules each queued request as a coroutine and
counts it as transferring only once that coroutine runs; with ``DOWNLOAD_DELAY = 0`` the loop
therefore starts a slot's whole queue at once (measured at the fake web: 5 requests at a time to
one host with ``CONCURRENT_REQUESTS_PER_DOMAIN = 1``). Here a request counts as transferring
from the moment it is taken off the queue; ``Downloader._download`` adds it again (a set) and
removes it when the download ends, as before.

When the crawl shares its host slots (:mod:`crawler.fetch.hostslots`: the directory the parent of
``LINKHEALTH_PROCESSES`` children gives them, ``LINKHEALTH_HOST_LOCKS``, or the workers' Redis,
``LINKHEALTH_REDIS_URL``), a request taken off its slot's queue also takes one of its host's
``CONCURRENT_REQUESTS_PER_DOMAIN`` shared slots, and the host's turn after ``DOWNLOAD_DELAY``;
it holds the slot while it transfers. When others hold them all, or the turn has not come, the
slot's queue waits and asks again (:data:`ASK_AGAIN`, or when the turn comes). Asked here, where
a request is about to be sent, a request never waits for a host slot while it could be sent to
another host, and a retried or redirected request takes a slot again like any other. The shared
slots keep the delay, so the local queue has no delay of its own then (a local delay on top,
randomized 0.5–1.5×, would send a request at another moment than its turn).

A crawl told to stop (SIGINT, SIGTERM, a state file that refuses verdicts) stops sending: the
requests still waiting in a slot's queue fail with :class:`StoppedBeforeSending` instead of
going out (their links keep no verdict: the next start checks them), and the log says how many.
Those already on the wire finish.
"""

from __future__ import annotations

import logging
from pathlib import Path
from time import monotonic
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.settings import BaseSettings
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import _schedule_coro

from crawler.base.registry import value
from crawler.fetch.hostslots import FileHostSlots, HostSlots

#: seconds before a slot's queue asks again for a host slot others hold
ASK_AGAIN = 0.05

logger = logging.getLogger(__name__)


class StoppedBeforeSending(IgnoreRequest):
    """The crawl was told to stop while this request waited in its slot's queue: not sent."""


def shared_host_slots(settings: BaseSettings) -> HostSlots[Any] | None:
    """The host slots this crawl shares with others, if any (the Redis workers' or the
    machine's processes')."""
    limit = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 1
    delay = settings.getfloat("DOWNLOAD_DELAY")
    url = settings.get("LINKHEALTH_REDIS_URL")
    if url:
        from crawler.distributed.hostslots import (  # noqa: PLC0415 - optional extra (redis)
            RedisHostSlots,
        )

        return RedisHostSlots(
            str(url),
            prefix=str(value(settings.get, "LINKHEALTH_REDIS_PREFIX")),
            limit=limit,
            delay=delay,
            ttl=float(value(settings.get, "LINKHEALTH_REDIS_HOST_TTL")),
        )
    directory = value(settings.get, "LINKHEALTH_HOST_LOCKS")
    if directory:
        return FileHostSlots(Path(directory), limit=limit, delay=delay)
    return None


class PoliteDownloader(Downloader):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        #: the host slots shared with other crawls, if any
        self.host_slots = shared_host_slots(crawler.settings)
        #: slot → its transferring requests that hold a shared host slot
        self._held: dict[Slot, dict[Request, Any]] = {}
        #: requests dropped from the queues once the crawl was told to stop
        self.not_sent = 0

    def _process_queue(self, slot: Slot) -> None:
        if self.host_slots is not None:
            self._give_back_finished(slot)
        engine = self.crawler.engine
        if engine is not None and not engine.running and slot.queue:
            self._drop_queue(slot)  # stopping: nothing more goes out
            return
        if slot.latercall:
            return
        now = monotonic()
        delay = 0.0 if self.host_slots is not None else slot.download_delay()
        if delay:
            penalty = delay - now + slot.lastseen
            if penalty > 0:
                slot.latercall = call_later(penalty, self._latercall, slot)
                return
        while slot.queue and slot.free_transfer_slots() > 0:
            held = None
            if self.host_slots is not None:
                held, wait = self.host_slots.take(urlsplit(slot.queue[0][0].url).hostname or "")
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
        if not held or self.host_slots is None:
            return
        for request in [r for r in held if r not in slot.transferring]:
            self.host_slots.give_back(held.pop(request))
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
        if self.host_slots is not None:
            self.host_slots.close()
        self._held.clear()
        super().close()
