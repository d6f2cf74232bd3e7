"""The archive component: a Scrapy extension that talks to the Wayback Machine.

For every :class:`~crawler.items.LinkCheck` the crawl stores, it looks the link up in the CDX
index, captures live pages through Save Page Now 2 (with keys) and rescues dead links from a
snapshot that passes the verdict rules. Requests go through Scrapy's own downloader (timeouts,
proxies) in their own download slots, one request at a time per endpoint, spaced by the
per-minute settings; a 429 or a session-limit answer rests that endpoint instead of retrying
into it. See README.md, "Archiving (the Wayback Machine)".
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Response
from scrapy.utils.asyncio import CallLaterResult, call_later
from twisted.python.failure import Failure

from crawler.archive import store as archive_store
from crawler.archive import wayback
from crawler.archive.store import ArchiveRow
from crawler.config import Config, parse_now
from crawler.items import LinkCheck
from crawler.politeness import parse_retry_after
from crawler.registry import value
from crawler.sinks import sink_of
from crawler.sinks.local import LocalSink
from crawler.verdict import ALIVE, BLOCKED, DEAD, ERROR, Fetched, judge

logger = logging.getLogger(__name__)

CDX_SLOT = "wayback-cdx"
SAVE_SLOT = "wayback-save"
STATUS_SLOT = "wayback-status"
#: the classic save's documented IP block after a 429
CLASSIC_BLOCK = 300.0
#: a documented-safe lookup rate; more is allowed but warned about
SAFE_LOOKUPS = 24.0
#: spacing margin over 60 / per-minute
SLACK = 1.01
ENV_ACCESS = "LINKHEALTH_WAYBACK_ACCESS_KEY"
ENV_SECRET = "LINKHEALTH_WAYBACK_SECRET_KEY"  # noqa: S105 (a variable name)
#: dead links: how many snapshots before the failure are tried, newest first
CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class ArchiveSettings:
    max_age_days: float
    lookups_per_minute: float
    captures_per_minute: float
    time_budget: float
    capture_blocked: bool
    anonymous_save: bool
    pause: float
    timeout: float
    poll_interval: float
    poll_max: float
    base: str

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveSettings:
        def get(name: str) -> Any:
            return value(crawler.settings.get, name)

        return cls(
            max_age_days=float(get("LINKHEALTH_ARCHIVE_MAX_AGE")),
            lookups_per_minute=float(get("LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE")),
            captures_per_minute=float(get("LINKHEALTH_ARCHIVE_CAPTURES_PER_MINUTE")),
            time_budget=float(get("LINKHEALTH_ARCHIVE_TIME_BUDGET")),
            capture_blocked=bool(get("LINKHEALTH_ARCHIVE_CAPTURE_BLOCKED")),
            anonymous_save=bool(get("LINKHEALTH_ARCHIVE_ANONYMOUS_SAVE")),
            pause=float(get("LINKHEALTH_ARCHIVE_PAUSE")),
            timeout=float(get("LINKHEALTH_ARCHIVE_TIMEOUT")),
            poll_interval=float(get("LINKHEALTH_ARCHIVE_POLL_INTERVAL")),
            poll_max=float(get("LINKHEALTH_ARCHIVE_POLL_MAX")),
            base=str(get("LINKHEALTH_ARCHIVE_BASE")),
        )


@dataclass
class Job:
    """The archive work of one link."""

    identity: str
    url: str  # canonical clean URL: the only form ever sent to the archive
    kind: str  # "alive" | "dead" | "lookup"
    failed_since: str | None = None  # dead: 14-digit timestamp of the first failing check
    candidates: list[wayback.Capture] = field(default_factory=list)
    verify: bool = False  # a capture counts only if the snapshot passes the verdict rules
    job_id: str = ""
    submitted: str = ""  # 14-digit timestamp of the capture request
    poll_started: float = 0.0
    stale: wayback.Capture | None = None  # an older snapshot, kept if no capture succeeds


@dataclass
class Endpoint:
    """One download slot: one request in flight, a queue, and a rest after a 429."""

    slot: str
    queue: deque[Callable[[], scrapy.Request]] = field(default_factory=deque)
    busy: bool = False
    paused_until: float = 0.0
    timer: CallLaterResult | None = None


class ArchiveExtension:
    def __init__(self, crawler: Crawler, settings: ArchiveSettings) -> None:
        self.crawler = crawler
        self.settings = settings
        access = os.environ.get(ENV_ACCESS, "").strip()
        secret = os.environ.get(ENV_SECRET, "").strip()
        self._auth = wayback.authorization(access, secret) if access and secret else None
        self.capturing = self._auth is not None or settings.anonymous_save
        self.endpoints = {name: Endpoint(name) for name in (CDX_SLOT, SAVE_SLOT, STATUS_SLOT)}
        self.jobs: dict[str, Job] = {}
        self.deadline: float | None = None
        self.timers: set[CallLaterResult] = set()
        self.counts: dict[str, int] = {}
        #: why captures ended for this run (keys refused, daily cap), if they did
        self.capture_stopped: str | None = None
        #: jobs whose capture request is queued but not sent yet
        self.waiting: dict[str, Job] = {}
        #: the run's sink (the store, the config, the run): set when the spider opens
        self.sink: LocalSink | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not value(crawler.settings.get, "LINKHEALTH_ARCHIVE_ENABLED"):
            raise NotConfigured("LINKHEALTH_ARCHIVE_ENABLED is off")
        if crawler.settings.get("LINKHEALTH_REDIS_URL"):
            raise NotConfigured("the distributed profile does not archive (see the README)")
        ext = cls(crawler, ArchiveSettings.from_crawler(crawler))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    # signals ----------------------------------------------------------------------------------

    def spider_opened(self, spider: Any) -> None:
        sink = sink_of(self.crawler)
        if not isinstance(sink, LocalSink):
            raise NotConfigured("archiving needs the run's SQLite store")
        self.sink = sink
        s = self.settings
        if s.lookups_per_minute > SAFE_LOOKUPS:
            logger.warning(
                "archive: %g lookups a minute is above the documented %g: "
                "the Wayback Machine may block this address",
                s.lookups_per_minute,
                SAFE_LOOKUPS,
            )
        assert self.crawler.engine is not None
        slots = self.crawler.engine.downloader.per_slot_settings
        # 1 % slack: n requests spaced exactly 60/n apart put n + 1 in a closed minute
        slots[CDX_SLOT] = {
            "concurrency": 1,
            "delay": SLACK * 60 / s.lookups_per_minute,
            "jitter": 0,
        }
        slots[SAVE_SLOT] = {
            "concurrency": 1,
            "delay": SLACK * 60 / s.captures_per_minute,
            "jitter": 0,
        }
        slots[STATUS_SLOT] = {"concurrency": 1, "delay": min(1.0, s.poll_interval), "jitter": 0}
        db = self._db()
        if db is not None:
            archive_store.ensure_schema(db)
        if self._auth is None:
            logger.info(
                "archive: no Wayback keys (%s/%s): %s",
                ENV_ACCESS,
                ENV_SECRET,
                "classic anonymous save, best effort"
                if s.anonymous_save
                else "lookups and rescues only, no captures",
            )

    def item_scraped(self, item: Any, spider: Any, **_: Any) -> None:
        if not isinstance(item, LinkCheck) or (self.sink is not None and self.sink.degraded):
            return
        job = self._job_for(item, spider)
        if job is None or job.identity in self.jobs:
            return
        if self.deadline is None:
            self.deadline = time.monotonic() + self.settings.time_budget
        self.jobs[job.identity] = job
        self._lookup(job)

    def spider_idle(self, spider: Any) -> None:
        if not self.jobs:
            return
        if self._over_budget() or self._stuck():
            logger.warning(
                "archive: %s; %d links carry over to the next run",
                "waiting out a rest would pass the time budget"
                if self._stuck() and not self._over_budget()
                else f"time budget of {self.settings.time_budget:g}s spent",
                len(self.jobs),
            )
            return
        self._pump()
        raise DontCloseSpider

    def spider_closed(self, spider: Any) -> None:
        for timer in list(self.timers):
            timer.cancel()
        for endpoint in self.endpoints.values():
            if endpoint.timer is not None:
                endpoint.timer.cancel()
        if self.counts:
            summary = ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items()))
            logger.info("archive: %s", summary)
        if self.crawler.stats is not None:
            for name, n in self.counts.items():
                self.crawler.stats.set_value(f"linkhealth/archive/{name}", n)

    # deciding ---------------------------------------------------------------------------------

    def _db(self) -> Any:
        return self.sink.store.db if self.sink is not None else None

    @property
    def config(self) -> Config:
        assert self.sink is not None, "the spider is open"
        return self.sink.config

    def _job_for(self, item: LinkCheck, spider: Any) -> Job | None:
        db = self._db()
        url = archive_store.archivable_url(db, item.identity) if db is not None else None
        if url is None:
            return None
        status = item.verdict.status
        known = archive_store.known(db, item.identity) if db is not None else None
        now = self.config.now
        fresh = (
            known is not None
            and known[0] in archive_store.FRESH_STATUSES
            and archive_store.is_fresh(known[1], now, self.settings.max_age_days)
        )
        if status == ALIVE:
            return None if fresh else Job(item.identity, url, "alive")
        if status == DEAD:
            if known is not None and known[0] == archive_store.RESCUED:
                return None  # a snapshot from before the failure does not change
            since = archive_store.first_failure(db, item.identity) if db is not None else None
            start = wayback.ts_of(parse_now(since or item.checked_at))
            return Job(item.identity, url, "dead", failed_since=start)
        if status in (BLOCKED, ERROR):
            return None if fresh else Job(item.identity, url, "lookup")
        return None

    def _stuck(self) -> bool:
        """All that is left waits behind a rest that outlasts the time budget."""
        if self.timers or any(e.busy for e in self.endpoints.values()):
            return False
        queued = [e for e in self.endpoints.values() if e.queue]
        if self.deadline is None or not queued:
            return False
        now = time.monotonic()
        return all(now < e.paused_until and e.paused_until >= self.deadline for e in queued)

    def _over_budget(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def _finish(self, job: Job, row: ArchiveRow) -> None:
        self.jobs.pop(job.identity, None)
        self.counts[row.archive_status.split(":")[0]] = (
            self.counts.get(row.archive_status.split(":")[0], 0) + 1
        )
        db = self._db()
        if db is None:
            return
        archive_store.record(
            db, row, checked_at=self.config.now_iso, run_id=self.sink.run_id if self.sink else 0
        )

    def _fail(self, job: Job, reason: str) -> None:
        self._finish(job, ArchiveRow(job.identity, job.url, f"failed:{reason}"))

    def _existing(self, job: Job, capture: wayback.Capture, status: str, **kw: Any) -> None:
        self._finish(
            job,
            ArchiveRow(
                job.identity,
                job.url,
                status,
                archive_url=wayback.snapshot_url(
                    self.settings.base, capture.timestamp, capture.original
                ),
                archived_at=wayback.iso_of_ts(capture.timestamp),
                **kw,
            ),
        )

    # the queue --------------------------------------------------------------------------------

    def _enqueue(
        self, slot: str, make: Callable[[], scrapy.Request], *, front: bool = False
    ) -> None:
        endpoint = self.endpoints[slot]
        if front:
            endpoint.queue.appendleft(make)
        else:
            endpoint.queue.append(make)
        self._pump()

    def _pump(self) -> None:
        if self._over_budget() or self.crawler.engine is None:
            return
        now = time.monotonic()
        for endpoint in self.endpoints.values():
            if endpoint.busy or not endpoint.queue:
                continue
            if endpoint.paused_until > now:
                if endpoint.timer is None:
                    endpoint.timer = call_later(endpoint.paused_until - now, self._wake, endpoint)
                continue
            endpoint.busy = True
            self.crawler.engine.crawl(endpoint.queue.popleft()())

    def _wake(self, endpoint: Endpoint) -> None:
        endpoint.timer = None
        self._pump()

    def _done(self, slot: str) -> None:
        self.endpoints[slot].busy = False

    def _pause(self, slot: str, seconds: float, why: str) -> None:
        endpoint = self.endpoints[slot]
        endpoint.paused_until = max(endpoint.paused_until, time.monotonic() + seconds)
        logger.warning("archive: %s; %s rests for %.0fs", why, slot, seconds)

    def _later(self, seconds: float, func: Callable[[], None]) -> None:
        timer: CallLaterResult | None = None

        def run() -> None:
            if timer is not None:
                self.timers.discard(timer)
            func()

        timer = call_later(seconds, run)
        self.timers.add(timer)

    def _request(
        self,
        url: str,
        slot: str,
        job: Job,
        callback: Callable[[Response], None],
        *,
        method: str = "GET",
        formdata: dict[str, str] | None = None,
        auth: bool = False,
        redirect: bool = False,
    ) -> scrapy.Request:
        headers: dict[str, str] = {"Accept": "application/json"} if slot != CDX_SLOT else {}
        if auth and self._auth is not None:
            headers["Authorization"] = self._auth
        meta = {
            "download_slot": slot,
            "download_timeout": self.settings.timeout,
            "dont_retry": True,
            "dont_redirect": not redirect,
            "handle_httpstatus_all": True,
            "linkhealth_archive": job.identity,
        }
        common: dict[str, Any] = {
            "callback": callback,
            "errback": self._errback(job, slot),
            "headers": headers,
            "meta": meta,
            "dont_filter": True,
            "priority": 100,
        }
        if formdata is not None:
            return scrapy.FormRequest(url, formdata=formdata, **common)
        return scrapy.Request(url, method=method, **common)

    def _errback(self, job: Job, slot: str) -> Callable[[Failure], None]:
        def failed(failure: Failure) -> None:
            self._done(slot)
            reason = type(failure.value).__name__ if failure.value else "unknown"
            if slot == SAVE_SLOT and job.job_id == "" and job.submitted:
                self._confirm(job)  # the classic save times out even when it worked
            else:
                self._fail(job, f"{slot}-{reason}")
            self._pump()

        return failed

    def _answer_429(self, response: Response, slot: str, floor: float = 0.0) -> float:
        retry_after = parse_retry_after(response.headers.get(b"Retry-After")) or 0.0
        return max(self.settings.pause, retry_after, floor)

    # lookups ----------------------------------------------------------------------------------

    def _lookup(self, job: Job) -> None:
        base = self.settings.base
        if job.kind == "dead":
            url = wayback.cdx_url(base, job.url, to=job.failed_since, limit=-CANDIDATES)
        else:
            url = wayback.cdx_url(base, job.url, limit=-1)

        def make() -> scrapy.Request:
            return self._request(url, CDX_SLOT, job, lambda r: self._on_cdx(job, r))

        self._enqueue(CDX_SLOT, make)

    def _on_cdx(self, job: Job, response: Response) -> None:
        self._done(CDX_SLOT)
        try:
            if response.status == 429:
                self._pause(CDX_SLOT, self._answer_429(response, CDX_SLOT), "CDX answered 429")
                self._lookup_again(job)
                return
            if response.status != 200:
                self._fail(job, f"cdx-http-{response.status}")
                return
            try:
                captures = wayback.parse_cdx(response.body)
            except wayback.CDXError:
                self._fail(job, "cdx-bad-answer")
                return
            captures = wayback.without_credentials(captures, self.config.rules)
            self._decide(job, captures)
        finally:
            self._pump()

    def _lookup_again(self, job: Job) -> None:
        self._lookup(job)
        # put it back first in line: the endpoint rests, the order stays
        queue = self.endpoints[CDX_SLOT].queue
        queue.appendleft(queue.pop())

    def _decide(self, job: Job, captures: list[wayback.Capture]) -> None:
        now = self.config.now
        latest = captures[-1] if captures else None
        if job.kind == "dead":
            job.candidates = list(reversed(captures))
            self._next_candidate(job)
            return
        if latest is not None and archive_store.is_fresh(
            wayback.iso_of_ts(latest.timestamp), now, self.settings.max_age_days
        ):
            self._existing(job, latest, archive_store.EXISTING)
            return
        wants_capture = job.kind == "alive" or self.settings.capture_blocked
        if wants_capture and self.capturing:
            job.stale = latest
            job.verify = job.kind != "alive"
            self._capture(job)
            return
        if wants_capture and self.capture_stopped:
            job.stale = latest
            self._keep_stale(job, self.capture_stopped)
            return
        if latest is not None:
            self._existing(job, latest, archive_store.EXISTING)
        else:
            self._finish(job, ArchiveRow(job.identity, job.url, archive_store.NONE))

    # rescues ----------------------------------------------------------------------------------

    def _next_candidate(self, job: Job) -> None:
        if not job.candidates:
            self._finish(
                job,
                ArchiveRow(
                    job.identity,
                    job.url,
                    archive_store.NONE,
                    detail="no snapshot from before the failure passes the verdict rules",
                ),
            )
            return
        capture = job.candidates.pop(0)
        self._fetch_snapshot(
            job, capture, lambda alive, title: self._rescued(job, capture, alive, title)
        )

    def _rescued(self, job: Job, capture: wayback.Capture, alive: bool, title: str | None) -> None:
        if alive:
            self._existing(job, capture, archive_store.RESCUED, title=title)
        else:
            self._next_candidate(job)

    def _fetch_snapshot(
        self,
        job: Job,
        capture: wayback.Capture,
        then: Callable[[bool, str | None], None],
    ) -> None:
        """Fetch a snapshot as archived and judge it like a live page."""
        url = wayback.snapshot_url(
            self.settings.base, capture.timestamp, capture.original, raw=True
        )

        def on_page(response: Response) -> None:
            self._done(CDX_SLOT)
            try:
                if response.status == 429:
                    self._pause(CDX_SLOT, self._answer_429(response, CDX_SLOT), "replay 429")
                    job.candidates.insert(0, capture)
                    self._enqueue(CDX_SLOT, make, front=True)
                    return
                headers = {
                    k.decode("latin-1").lower(): v[0].decode("latin-1")
                    for k, v in response.headers.items()
                    if v
                }
                fetched = Fetched(
                    url=job.url,
                    final_url=job.url,
                    status=response.status,
                    headers=headers,
                    body=response.body,
                )
                verdict = judge(fetched, self.config.rules)
                then(verdict.status == ALIVE, verdict.title)
            finally:
                self._pump()

        def make() -> scrapy.Request:
            return self._request(url, CDX_SLOT, job, on_page, redirect=True)

        self._enqueue(CDX_SLOT, make)

    # captures ---------------------------------------------------------------------------------

    def _capture(self, job: Job) -> None:
        if not self.capturing:
            self._keep_stale(job, "captures off for this run")
            return
        base = self.settings.base
        if self._auth is not None:
            form = wayback.spn2_form(job.url, int(self.settings.max_age_days * 86400))

            def make() -> scrapy.Request:
                self._sending(job)
                return self._request(
                    f"{base}/save",
                    SAVE_SLOT,
                    job,
                    lambda r: self._on_spn2(job, r),
                    formdata=form,
                    auth=True,
                )
        else:

            def make() -> scrapy.Request:
                self._sending(job)
                return self._request(
                    f"{base}/save/{job.url}", SAVE_SLOT, job, lambda r: self._on_classic(job, r)
                )

        self.waiting[job.identity] = job
        self._enqueue(SAVE_SLOT, make)

    def _sending(self, job: Job) -> None:
        self.waiting.pop(job.identity, None)
        # a little earlier than now: the archive's clock and ours need not agree
        job.submitted = wayback.ts_of(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2))

    def _keep_stale(self, job: Job, why: str) -> None:
        if job.stale is not None:
            self._existing(job, job.stale, archive_store.EXISTING, detail=why)
        else:
            self._fail(job, why.replace(" ", "-"))

    def _stop_capturing(self, why: str, reason: str) -> None:
        """The keys were refused or the daily cap is reached: no capture for the rest of the run."""
        if self.capturing:
            logger.error("archive: %s: no more captures in this run", why)
        self.capturing = False
        self.capture_stopped = reason
        self.endpoints[SAVE_SLOT].queue.clear()
        for job in list(self.waiting.values()):
            self._keep_stale(job, reason)
        self.waiting.clear()

    def _on_spn2(self, job: Job, response: Response) -> None:
        self._done(SAVE_SLOT)
        try:
            data = wayback.parse_json(response.body)
            ext = str(data.get("status_ext") or "")
            if response.status == 401:
                self._stop_capturing("the Wayback keys were refused (401)", "unauthorized")
                self._fail(job, "unauthorized")
                return
            if ext == wayback.DAILY_LIMIT:
                self._stop_capturing(
                    "the daily capture limit is reached", "too-many-daily-captures"
                )
                self._fail(job, "too-many-daily-captures")
                return
            if response.status == 429 or ext == wayback.SESSION_LIMIT:
                why = "session limit" if ext == wayback.SESSION_LIMIT else "SPN2 answered 429"
                self._pause(SAVE_SLOT, self._answer_429(response, SAVE_SLOT), why)
                self._capture(job)
                queue = self.endpoints[SAVE_SLOT].queue
                queue.appendleft(queue.pop())
                return
            job_id = str(data.get("job_id") or "")
            if response.status != 200 or not job_id:
                self._fail(job, ext.removeprefix("error:") or f"save-http-{response.status}")
                return
            job.job_id = job_id
            job.poll_started = time.monotonic()
            self._later(self.settings.poll_interval, lambda: self._poll(job))
        finally:
            self._pump()

    def _poll(self, job: Job) -> None:
        url = f"{self.settings.base}/save/status/{job.job_id}"

        def make() -> scrapy.Request:
            return self._request(
                url, STATUS_SLOT, job, lambda r: self._on_status(job, r), auth=True
            )

        self._enqueue(STATUS_SLOT, make)

    def _on_status(self, job: Job, response: Response) -> None:
        self._done(STATUS_SLOT)
        try:
            if response.status == 429:
                self._pause(STATUS_SLOT, self._answer_429(response, STATUS_SLOT), "status 429")
                self._poll(job)
                return
            data = wayback.parse_json(response.body)
            status = str(data.get("status") or "")
            if status == "success" and data.get("timestamp"):
                capture = wayback.Capture(
                    str(data["timestamp"]), str(data.get("original_url") or job.url)
                )
                self._captured(job, capture)
                return
            if status == "error":
                ext = str(data.get("status_ext") or "error:unknown")
                if ext == wayback.DAILY_LIMIT:
                    self._stop_capturing(
                        "the daily capture limit is reached", "too-many-daily-captures"
                    )
                elif ext == wayback.SESSION_LIMIT:
                    self._pause(SAVE_SLOT, self.settings.pause, "session limit")
                self._keep_stale(job, f"capture-{ext.removeprefix('error:')}")
                return
            if time.monotonic() - job.poll_started > self.settings.poll_max:
                self._confirm(job)
                return
            self._later(self.settings.poll_interval, lambda: self._poll(job))
        finally:
            self._pump()

    def _captured(self, job: Job, capture: wayback.Capture) -> None:
        if not job.verify:
            self._existing(job, capture, archive_store.CAPTURED)
            return

        def checked(alive: bool, title: str | None) -> None:
            if alive:
                self._existing(job, capture, archive_store.CAPTURED, title=title)
            else:
                self._fail(job, "capture-not-alive")

        self._fetch_snapshot(job, capture, checked)

    def _on_classic(self, job: Job, response: Response) -> None:
        self._done(SAVE_SLOT)
        try:
            if response.status == 429:
                pause = self._answer_429(response, SAVE_SLOT, floor=CLASSIC_BLOCK)
                self._pause(SAVE_SLOT, pause, "the classic save answered 429")
                self._keep_stale(job, "save-429")
                return
            # 2xx/3xx, 509, 52x: whatever it says, only the index confirms a capture
            self._confirm(job)
        finally:
            self._pump()

    def _confirm(self, job: Job) -> None:
        """Ask the CDX index for a capture made since the request was sent."""
        url = wayback.cdx_url(self.settings.base, job.url, since=job.submitted, limit=-1)

        def on_cdx(response: Response) -> None:
            self._done(CDX_SLOT)
            try:
                if response.status == 429:
                    self._pause(CDX_SLOT, self._answer_429(response, CDX_SLOT), "CDX 429")
                    self._enqueue(CDX_SLOT, make, front=True)
                    return
                try:
                    captures = wayback.parse_cdx(response.body) if response.status == 200 else []
                except wayback.CDXError:
                    captures = []
                if captures:
                    self._captured(job, captures[-1])
                else:
                    self._keep_stale(job, "capture-unconfirmed")
            finally:
                self._pump()

        def make() -> scrapy.Request:
            return self._request(url, CDX_SLOT, job, on_cdx)

        self._enqueue(CDX_SLOT, make)
