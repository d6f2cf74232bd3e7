"""Which links the archive works on, and what their lookup leads to: plain decisions on plain
data (no Scrapy, no I/O), the table of docs/archiving.md.

:func:`plan` turns a verdict into a :class:`Job` (a lookup before a capture, a rescue, or a
lookup only), or into nothing; :func:`after_lookup` reads the lookup's captures into the
:class:`Next` step. The requests themselves are :mod:`crawler.archive.steps`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crawler.archive import wayback
from crawler.base.urls import has_masked_values
from crawler.base.verdicts import ALIVE, BLOCKED, DEAD, ERROR
from crawler.store.archive import FRESH_STATUSES, RESCUED, LinkState, is_fresh

#: a live page: looked up, captured when no snapshot is fresh
CAPTURE = "capture"
#: a dead link: its snapshots from before the failure are tried, newest first
RESCUE = "rescue"
#: a blocked page or an error: looked up (captured only with LINKHEALTH_ARCHIVE_CAPTURE_BLOCKED)
LOOKUP = "lookup"
#: a live page with a fresh snapshot whose reference snapshot is due: only that is looked for
REFERENCE = "reference"

#: what a lookup leads to (see :class:`Next`)
TRY_SNAPSHOTS = "try-snapshots"
USE_SNAPSHOT = "use-snapshot"
CAPTURE_NOW = "capture-now"
KEEP_OLD = "keep-old"
NOTHING = "nothing"


@dataclass(frozen=True, slots=True)
class Job:
    """The archive work of one link."""

    identity: str
    url: str  # canonical clean URL: the only form ever sent to the archive
    kind: str  # CAPTURE | RESCUE | LOOKUP
    failed_since: str | None = None  # RESCUE: 14-digit timestamp, snapshots up to it
    #: a live page: its reference snapshot (docs/drift.md) is looked for, the newest
    #: up to this 14-digit timestamp (when it first appeared in the lists)
    reference_before: str | None = None


@dataclass(frozen=True, slots=True)
class Next:
    """What a lookup leads to."""

    action: str  # TRY_SNAPSHOTS | USE_SNAPSHOT | CAPTURE_NOW | KEEP_OLD | NOTHING
    #: TRY_SNAPSHOTS: the candidates, newest first; otherwise the newest snapshot, if any
    snapshots: tuple[wayback.Capture, ...] = ()
    verify: bool = False  # CAPTURE_NOW: it counts only if it passes the verdict rules
    why: str = ""  # KEEP_OLD: why no capture is made

    @property
    def latest(self) -> wayback.Capture | None:
        return self.snapshots[0] if self.snapshots else None


def archivable_url(state: LinkState | None) -> str | None:
    """The URL to ask the archive about: a fetched http(s) link; never one that needs a
    credential-like value (the archive's index is public, so such a link is never sent)."""
    if state is None or not state.fetch_url:
        return None
    if not state.url.startswith(("http://", "https://")) or has_masked_values(state.url):
        return None
    return state.url


def plan(
    identity: str,
    status: str,
    checked_at: str,
    state: LinkState | None,
    *,
    now: dt.datetime,
    max_age_days: float,
) -> Job | None:
    """The archive work a verdict calls for, given what the state file knows (None: none)."""
    url = archivable_url(state)
    if url is None or state is None:
        return None
    fresh = state.archive_status in FRESH_STATUSES and is_fresh(
        state.archived_at, now, max_age_days
    )
    if status == ALIVE:
        due = wayback.ts_of_iso(state.reference_due) if state.reference_due else None
        if fresh:
            return Job(identity, url, REFERENCE, reference_before=due) if due else None
        return Job(identity, url, CAPTURE, reference_before=due)
    if status == DEAD:
        if state.archive_status == RESCUED:
            return None  # a snapshot from before the failure does not change
        since = wayback.ts_of_iso(state.failing_since or checked_at)
        return Job(identity, url, RESCUE, failed_since=since)
    if status in (BLOCKED, ERROR):
        return None if fresh else Job(identity, url, LOOKUP)
    return None


def after_lookup(
    job: Job,
    captures: list[wayback.Capture],
    *,
    now: dt.datetime,
    max_age_days: float,
    capture_blocked: bool,
    capturing: bool,
    capture_stopped: str | None,
) -> Next:
    """The step after a lookup found ``captures`` (oldest first). ``capturing``: captures can
    be made in this run; ``capture_stopped``: why they ended, if they did."""
    if job.kind == RESCUE:
        return Next(TRY_SNAPSHOTS, tuple(reversed(captures)))
    latest = (captures[-1],) if captures else ()
    if latest and is_fresh(wayback.iso_of_ts(latest[0].timestamp), now, max_age_days):
        return Next(USE_SNAPSHOT, latest)
    wants_capture = job.kind == CAPTURE or capture_blocked
    if wants_capture and capturing:
        return Next(CAPTURE_NOW, latest, verify=job.kind != CAPTURE)
    if wants_capture and capture_stopped:
        return Next(KEEP_OLD, latest, why=capture_stopped)
    return Next(USE_SNAPSHOT, latest) if latest else Next(NOTHING)
