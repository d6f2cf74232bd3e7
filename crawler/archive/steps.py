"""The Wayback Machine's steps for one link, as coroutines over the engine's download.

:meth:`Wayback.archive` looks the link up in the CDX index, then (as :mod:`~crawler.archive.planner`
decides) rescues a dead link from a snapshot that passes the verdict rules, or captures a live
page through Save Page Now 2 (submit, poll the job's status, or ask the CDX index when the job
stays pending) or the classic anonymous save, and returns the row the archive table gets. Every
request waits its turn at its endpoint (:mod:`~crawler.archive.endpoints`); a 429 rests the
endpoint and the request keeps its place in line.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import replace
from typing import Any

import scrapy

from crawler.archive import wayback
from crawler.archive.config import ArchiveSettings
from crawler.archive.endpoints import (
    Download,
    Endpoints,
    Failed,
    Unreachable,
    answered_429,
    spn2_busy,
)
from crawler.archive.planner import (
    CAPTURE_NOW,
    KEEP_OLD,
    TRY_SNAPSHOTS,
    USE_SNAPSHOT,
    Job,
    after_lookup,
)
from crawler.archive.planner import REFERENCE as REFERENCE_JOB
from crawler.archive.planner import RESCUE as RESCUE_JOB
from crawler.archive.scheduler import CDX_SLOT, SAVE_SLOT, STATUS_SLOT, Scheduler
from crawler.base.rules import Rules
from crawler.base.verdicts import ALIVE, Verdict
from crawler.store.archive import CAPTURED, EXISTING, NONE, RESCUED, ArchiveRow
from crawler.verdict.judge import judge
from crawler.verdict.responses import fetched_from

logger = logging.getLogger(__name__)

#: the classic save's documented IP block after a 429
CLASSIC_BLOCK = 300.0
#: dead links: how many snapshots before the failure are tried, newest first
CANDIDATES = 5


class NoCapture(Exception):
    """No capture is made: the link keeps the snapshot it had, if any (see ``_keep``)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Wayback:
    def __init__(
        self,
        settings: ArchiveSettings,
        scheduler: Scheduler,
        download: Download,
        *,
        auth: str | None,
        rules: Rules,
        now: dt.datetime,
    ) -> None:
        self.settings = settings
        self.scheduler = scheduler
        self.endpoints = Endpoints(settings, scheduler, download, auth)
        self.auth = auth
        self.rules = rules
        self.now = now
        self.capturing = auth is not None or settings.anonymous_save
        #: why captures ended for this run (keys refused, daily cap), if they did
        self.capture_stopped: str | None = None

    async def archive(self, job: Job) -> ArchiveRow:
        """Look the link up, then rescue or capture it: the row to record."""
        try:
            return await self._archive(job)
        except Failed as failed:
            return ArchiveRow(job.identity, job.url, f"failed:{failed.reason}")

    async def _archive(self, job: Job) -> ArchiveRow:
        captures = await self._lookup(job)
        row = await self._after(job, captures)
        if job.reference_before is None:
            return row
        return replace(row, reference_sought=True, reference=await self._reference(job, captures))

    async def _after(self, job: Job, captures: list[wayback.Capture]) -> ArchiveRow:
        if job.kind == REFERENCE_JOB:
            return ArchiveRow(job.identity, job.url, NONE)  # not recorded (only the reference)
        step = after_lookup(
            job,
            captures,
            now=self.now,
            max_age_days=self.settings.max_age_days,
            capture_blocked=self.settings.capture_blocked,
            capturing=self.capturing,
            capture_stopped=self.capture_stopped,
        )
        if step.action == TRY_SNAPSHOTS:
            return await self._rescue(job, step.snapshots)
        if step.action == USE_SNAPSHOT and step.latest is not None:
            return self._row(job, step.latest, EXISTING)
        if step.action == CAPTURE_NOW:
            return await self._capture(job, step.latest, verify=step.verify)
        if step.action == KEEP_OLD:
            return self._keep(job, step.latest, step.why)
        return ArchiveRow(job.identity, job.url, NONE)

    # results ----------------------------------------------------------------------------------

    def _row(self, job: Job, capture: wayback.Capture, status: str, **kw: Any) -> ArchiveRow:
        return ArchiveRow(
            job.identity,
            job.url,
            status,
            archive_url=wayback.snapshot_url(
                self.settings.base, capture.timestamp, capture.original
            ),
            archived_at=wayback.iso_of_ts(capture.timestamp),
            **kw,
        )

    def _keep(self, job: Job, stale: wayback.Capture | None, why: str) -> ArchiveRow:
        """No capture: the older snapshot stays (saying why), or the link has none."""
        if stale is not None:
            return self._row(job, stale, EXISTING, detail=why)
        return ArchiveRow(job.identity, job.url, f"failed:{why.replace(' ', '-')}")

    # lookups and rescues ----------------------------------------------------------------------

    async def _lookup(self, job: Job) -> list[wayback.Capture]:
        base = self.settings.base
        if job.kind == RESCUE_JOB:
            url = wayback.cdx_url(base, job.url, to=job.failed_since, limit=-CANDIDATES)
        elif job.kind == REFERENCE_JOB:
            url = wayback.cdx_url(base, job.url, to=job.reference_before, limit=-1)
        else:
            url = wayback.cdx_url(base, job.url, limit=-1)
        response = await self.endpoints.ask(
            CDX_SLOT,
            lambda: self.endpoints.request(url, CDX_SLOT, job),
            busy=answered_429("CDX answered 429"),
        )
        if response.status != 200:
            raise Failed(f"cdx-http-{response.status}")
        try:
            captures = wayback.parse_cdx(response.body)
        except wayback.CDXError:
            raise Failed("cdx-bad-answer") from None
        return wayback.without_credentials(captures, self.rules)

    async def _reference(
        self, job: Job, captures: list[wayback.Capture]
    ) -> tuple[str, str, str] | None:
        """The link's reference snapshot (docs/drift.md): the newest from before it
        first appeared in the lists, fetched as archived and judged like a live page; its
        ``(title, archived_at, snapshot URL)``, or None (none, or none alive with a title)."""
        before = job.reference_before or ""
        older = [c for c in captures if c.timestamp <= before]
        if not older and captures and job.kind not in (REFERENCE_JOB, RESCUE_JOB):
            # the lookup found the newest capture, newer than that: ask up to it (no capture
            # at all: none older either)
            older = await self._lookup(replace(job, kind=REFERENCE_JOB))
        if not older:
            return None
        capture = older[-1]
        verdict = await self._judge_snapshot(job, capture)
        if verdict.status != ALIVE or not verdict.title:
            return None
        return (
            verdict.title,
            wayback.iso_of_ts(capture.timestamp),
            wayback.snapshot_url(self.settings.base, capture.timestamp, capture.original),
        )

    async def _rescue(self, job: Job, candidates: tuple[wayback.Capture, ...]) -> ArchiveRow:
        for capture in candidates:
            verdict = await self._judge_snapshot(job, capture)
            if verdict.status == ALIVE:
                return self._row(job, capture, RESCUED, title=verdict.title)
        return ArchiveRow(
            job.identity,
            job.url,
            NONE,
            detail="no snapshot from before the failure passes the verdict rules",
        )

    async def _judge_snapshot(self, job: Job, capture: wayback.Capture) -> Verdict:
        """Fetch a snapshot as archived and judge it like a live page."""
        url = wayback.snapshot_url(
            self.settings.base, capture.timestamp, capture.original, raw=True
        )
        response = await self.endpoints.ask(
            CDX_SLOT,
            lambda: self.endpoints.request(url, CDX_SLOT, job, redirect=True),
            busy=answered_429("replay 429"),
        )
        # the snapshot answers for the link: the archive's address and redirects are not its own
        fetched = replace(fetched_from(response, job.url), final_url=job.url, redirects=())
        return judge(fetched, self.rules)

    # captures ---------------------------------------------------------------------------------

    async def _capture(
        self, job: Job, stale: wayback.Capture | None, *, verify: bool
    ) -> ArchiveRow:
        """A new snapshot; ``verify``: it counts only if it passes the verdict rules."""
        try:
            if self.auth is not None:
                capture = await self._spn2(job)
            else:
                capture = await self._classic(job)
        except NoCapture as no:
            return self._keep(job, stale, no.why)
        if not verify:
            return self._row(job, capture, CAPTURED)
        verdict = await self._judge_snapshot(job, capture)
        if verdict.status != ALIVE:
            raise Failed("capture-not-alive")
        return self._row(job, capture, CAPTURED, title=verdict.title)

    def _sending(self) -> str:
        """The capture request goes now (unless captures ended while it waited): the time
        a capture confirmed in the index must be newer than."""
        if self.capture_stopped is not None:
            raise NoCapture(self.capture_stopped)
        # a little earlier than now: the archive's clock and ours need not agree
        return wayback.ts_of(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2))

    def _stop_capturing(self, why: str, reason: str) -> None:
        """The keys were refused or the daily cap is reached: no capture for the rest of the run."""
        if self.capturing:
            logger.error("archive: %s: no more captures in this run", why)
        self.capturing = False
        self.capture_stopped = reason
        self.scheduler.turn_away(SAVE_SLOT, lambda: NoCapture(reason))

    async def _spn2(self, job: Job) -> wayback.Capture:
        form = wayback.spn2_form(job.url, int(self.settings.max_age_days * 86400))
        submitted = ""

        def make() -> scrapy.Request:
            nonlocal submitted
            submitted = self._sending()
            return self.endpoints.request(
                f"{self.settings.base}/save", SAVE_SLOT, job, formdata=form, auth=True
            )

        try:
            response = await self.endpoints.ask(SAVE_SLOT, make, busy=spn2_busy)
        except Unreachable:
            return await self._confirm(job, submitted)  # the save may have worked all the same
        data = wayback.parse_json(response.body)
        ext = str(data.get("status_ext") or "")
        if response.status == 401:
            self._stop_capturing("the Wayback keys were refused (401)", "unauthorized")
            raise Failed("unauthorized")
        if ext == wayback.DAILY_LIMIT:
            self._stop_capturing("the daily capture limit is reached", "too-many-daily-captures")
            raise Failed("too-many-daily-captures")
        job_id = str(data.get("job_id") or "")
        if response.status != 200 or not job_id:
            raise Failed(ext.removeprefix("error:") or f"save-http-{response.status}")
        return await self._poll(job, job_id, submitted)

    async def _poll(self, job: Job, job_id: str, submitted: str) -> wayback.Capture:
        """Ask for the job's status until it ends; past the poll limit, ask the index."""
        url = f"{self.settings.base}/save/status/{job_id}"
        started = time.monotonic()
        while True:
            await self.scheduler.sleep(self.settings.poll_interval)
            response = await self.endpoints.ask(
                STATUS_SLOT,
                lambda: self.endpoints.request(url, STATUS_SLOT, job, auth=True),
                busy=answered_429("status 429"),
                back=True,
            )
            data = wayback.parse_json(response.body)
            status = str(data.get("status") or "")
            if status == "success" and data.get("timestamp"):
                return wayback.Capture(
                    str(data["timestamp"]), str(data.get("original_url") or job.url)
                )
            if status == "error":
                ext = str(data.get("status_ext") or "error:unknown")
                if ext == wayback.DAILY_LIMIT:
                    self._stop_capturing(
                        "the daily capture limit is reached", "too-many-daily-captures"
                    )
                elif ext == wayback.SESSION_LIMIT:
                    self.scheduler.pause(SAVE_SLOT, self.settings.pause, "session limit")
                raise NoCapture(f"capture-{ext.removeprefix('error:')}")
            if time.monotonic() - started > self.settings.poll_max:
                return await self._confirm(job, submitted)

    async def _classic(self, job: Job) -> wayback.Capture:
        submitted = ""

        def make() -> scrapy.Request:
            nonlocal submitted
            submitted = self._sending()
            return self.endpoints.request(f"{self.settings.base}/save/{job.url}", SAVE_SLOT, job)

        try:
            response = await self.endpoints.ask(
                SAVE_SLOT,
                make,
                busy=answered_429("the classic save answered 429"),
                retry=False,
                floor=CLASSIC_BLOCK,
            )
        except Unreachable:
            return await self._confirm(job, submitted)  # it times out even when it worked
        if response.status == 429:
            raise NoCapture("save-429")
        # 2xx/3xx, 509, 52x: whatever it says, only the index confirms a capture
        return await self._confirm(job, submitted)

    async def _confirm(self, job: Job, submitted: str) -> wayback.Capture:
        """The capture the CDX index shows since the request was sent."""
        url = wayback.cdx_url(self.settings.base, job.url, since=submitted, limit=-1)
        response = await self.endpoints.ask(
            CDX_SLOT,
            lambda: self.endpoints.request(url, CDX_SLOT, job),
            busy=answered_429("CDX 429"),
        )
        try:
            captures = wayback.parse_cdx(response.body) if response.status == 200 else []
        except wayback.CDXError:
            captures = []
        if not captures:
            raise NoCapture("capture-unconfirmed")
        return captures[-1]
