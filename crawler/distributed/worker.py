"""The worker side of the distributed profile: leases links from Redis, sends verdicts back.

A worker is the usual ``scrapy crawl seeds`` with ``LINKHEALTH_REDIS_URL`` set. Its start
requests come from the shared queue (:meth:`RedisSource.requests`); its verdicts go to the run's
results hash in Redis (:meth:`RedisSource.record`); ``linkhealth merge`` turns them into the
coordinator's SQLite store and the reports. See docs/distributed.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from typing import Self

import redis
import redis.asyncio as aredis
from scrapy.crawler import Crawler

from crawler.base.registry import value
from crawler.distributed.frontier import LEASE, RECORD, RENEW, Keys, RunInfo
from crawler.items import LinkCheck
from crawler.run import QueuedLink, Tally
from crawler.run.config import Config, parse_now

logger = logging.getLogger(__name__)

#: scrapy-redis's default queue key: shared by every worker unless each is given its own
SHARED_QUEUE_KEY = "%(spider)s:requests"
#: polls of an idle engine with links still held before those links are given up
_VANISHED_AFTER_POLLS = 3
#: seconds between looks at a full downloader
_BACKOUT_POLL = 0.05


class RedisSource:
    """Leases links from the shared queue and sends verdicts back through Redis."""

    #: the run on the store is the coordinator's (``linkhealth merge`` ends it)
    run: None = None

    def __init__(
        self,
        crawler: Crawler,
        config: Config,
        *,
        prefix: str,
        lease: float,
        batch: int,
        poll: float,
    ) -> None:
        self.crawler = crawler
        self.config = config
        self.keys = Keys(prefix)
        self.lease_ms = max(1, int(lease * 1000))
        self.batch = batch
        self.poll = poll
        self.redis = redis.Redis.from_url(config.redis_url)
        self._record = self.redis.register_script(RECORD)
        self.aredis: aredis.Redis | None = None
        #: the run in Redis, once known
        self.info: RunInfo | None = None
        #: identities this worker leased and has not recorded yet (their leases are renewed)
        self.held: set[str] = set()
        self.recorded = 0
        self.repeats = 0
        self._renewer: asyncio.Task[None] | None = None
        self._closing: asyncio.Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, config: Config) -> Self:
        get = crawler.settings.get
        source = cls(
            crawler,
            config,
            prefix=str(value(get, "LINKHEALTH_REDIS_PREFIX")),
            lease=float(value(get, "LINKHEALTH_REDIS_LEASE")),
            batch=int(value(get, "LINKHEALTH_REDIS_BATCH")),
            poll=float(value(get, "LINKHEALTH_REDIS_POLL")),
        )
        if get("SCHEDULER_QUEUE_KEY", SHARED_QUEUE_KEY) == SHARED_QUEUE_KEY:
            logger.warning(
                "SCHEDULER_QUEUE_KEY is scrapy-redis's shared default: another worker may pop "
                "this worker's requests, and a link it leased may be fetched twice"
            )
        return source

    # start requests ---------------------------------------------------------------------------

    @property
    def now_iso(self) -> str:
        # checks carry the run's timestamp, not this machine's clock
        return self.info.now_iso if self.info is not None else self.config.now_iso

    def saw(self, host: str, reason: str, *, answered: bool) -> None:
        """Nothing: the offline check is the coordinator's (a worker's view is partial)."""

    async def links(self) -> AsyncIterator[LinkCheck | QueuedLink]:
        """Lease links until the queue is empty and no lease is out."""
        self.aredis = aredis.Redis.from_url(self.config.redis_url)
        run = RunInfo.from_mapping(await self.aredis.hgetall(self.keys.run))
        if run is None:
            logger.error("no run in Redis under %r: run `linkhealth push` first", self.keys.run)
            return
        self.info = run
        self.config = dataclasses.replace(self.config, now=parse_now(run.now_iso))
        logger.info("worker on run %d (%d links to fetch)", run.run_id, run.links)
        lease = self.aredis.register_script(LEASE)
        keys = self.keys.lease_keys(run.run_id)
        self._renewer = asyncio.ensure_future(self._renew_forever(run.run_id))
        waiting = False
        idle = 0
        while True:
            await self._room_in_downloader()
            reply = await lease(keys=keys, args=[self.lease_ms, self.batch])
            reaped, pending, leased = (int(x) for x in reply[:3])
            if reaped:
                logger.info("re-queued %d links whose lease expired", reaped)
            messages = [json.loads(m) for m in reply[3:]]
            self.held.update(msg["identity"] for msg in messages)  # renewed from now on
            for msg in messages:
                yield QueuedLink(msg["identity"], msg["fetch_url"], msg["host"])
            if messages:
                waiting = False
                idle = 0
                continue
            if not pending and not leased:
                logger.info("the queue is empty and no lease is out: this worker is done")
                return
            if not waiting:
                logger.info("queue empty, %d links leased by workers: waiting", leased)
                waiting = True
            idle = idle + 1 if self.held and self._engine_idle() else 0
            if idle >= _VANISHED_AFTER_POLLS:
                # nothing in flight here, yet links still held: their requests vanished; let the
                # leases expire so that a worker fetches them again
                logger.warning("%d leased links got no verdict here: released", len(self.held))
                self.held.clear()
                idle = 0
            await asyncio.sleep(self.poll)

    async def _room_in_downloader(self) -> None:
        """Wait while the downloader is full: lease only what this worker can send now.

        Scrapy reads ``start()`` on while the downloader is full (Scrapy's docs, "lazy start
        requests"): the first worker up would lease every link and keep renewing the leases while
        the others wait idle.
        """
        engine = self.crawler.engine
        while engine is not None and engine.needs_backout():
            await asyncio.sleep(_BACKOUT_POLL)

    def _engine_idle(self) -> bool:
        """Nothing scheduled, downloading or being parsed in this worker."""
        engine = self.crawler.engine
        if engine is None:
            return False
        scraper_slot = engine.scraper.slot
        if engine.downloader.active or (scraper_slot is not None and not scraper_slot.is_idle()):
            return False
        scheduler = getattr(getattr(engine, "_slot", None), "scheduler", None)
        return not (scheduler is not None and scheduler.has_pending_requests())

    async def _renew_forever(self, run_id: int) -> None:
        assert self.aredis is not None
        renew = self.aredis.register_script(RENEW)
        every = max(0.05, self.lease_ms / 3000)
        while True:
            await asyncio.sleep(every)
            held = list(self.held)
            if not held:
                continue
            try:
                gone = await renew(keys=[self.keys.leased(run_id)], args=[self.lease_ms, *held])
            except redis.RedisError as exc:
                logger.warning("renewing leases failed: %s", exc)
                continue
            for identity in gone:
                self.held.discard(identity.decode() if isinstance(identity, bytes) else identity)

    # results ----------------------------------------------------------------------------------

    def record(self, item: LinkCheck) -> None:
        """Store the verdict under (run, identity), once; acknowledge the lease."""
        if self.info is None:
            logger.error("a verdict for %s arrived before the run was known", item.identity)
            return
        row = dataclasses.replace(item.row(), checked_at=self.info.now_iso)
        new = self._record(
            keys=[self.keys.leased(self.info.run_id), self.keys.results(self.info.run_id)],
            args=[item.identity, json.dumps(dataclasses.asdict(row), ensure_ascii=False)],
        )
        self.held.discard(item.identity)
        if new:
            self.recorded += 1
        else:
            self.repeats += 1

    def tally(self) -> Tally:
        """A worker's share of the run is not known ahead: only its verdicts are counted."""
        return Tally(None, self.recorded)

    def close(self, reason: str) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
        if self.aredis is not None:
            with contextlib.suppress(RuntimeError):
                self._closing = asyncio.ensure_future(self.aredis.aclose())
        self.redis.close()
        # no run to work on: exit 2 (like a bad setting); a crawl that did not finish: 1
        exit_code = 2 if self.info is None else 0 if reason == "finished" else 1
        stats = self.crawler.stats
        if stats is not None:
            stats.set_value("linkhealth/distributed/recorded", self.recorded)
            stats.set_value("linkhealth/distributed/repeats", self.repeats)
            stats.set_value("linkhealth/exit_code", exit_code)
        logger.info(
            "linkhealth worker %s: %d verdicts recorded, %d repeats ignored, %d leases left",
            reason,
            self.recorded,
            self.repeats,
            len(self.held),
        )
