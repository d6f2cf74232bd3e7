"""The archive's own table in the crawl's SQLite file: one row per link, one transaction each."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from crawler.store.schema import ARCHIVES

CAPTURED = "captured"
EXISTING = "existing"
RESCUED = "rescued"
NONE = "none"
SKIPPED = "skipped"
#: the run's time budget ended before the link's archive work (the next run does it)
PENDING = "pending"
FRESH_STATUSES = (CAPTURED, EXISTING)


@dataclass(frozen=True, slots=True)
class LinkState:
    """What the state file knows of one link, for the archive."""

    url: str  # the canonical clean URL
    fetch_url: str | None  # None: never fetched (a relative path, another scheme)
    archive_status: str | None = None  # the archive's last word on it, if any
    archived_at: str | None = None  # ISO 8601, the snapshot's own time
    failing_since: str | None = None  # ISO 8601, the first check of its current failing streak
    #: ISO 8601: its reference snapshot (docs/drift.md) is due, the newest up to
    #: this time (when it first appeared in the lists); None: it was looked for already
    reference_due: str | None = None


@dataclass(frozen=True, slots=True)
class ArchiveRow:
    identity: str
    url: str
    archive_status: str
    archive_url: str | None = None
    archived_at: str | None = None  # ISO 8601 UTC, the capture's own time
    title: str | None = None
    detail: str = ""
    #: the link's reference snapshot was looked for (docs/drift.md), and what was
    #: found: ``(title, archived_at, snapshot URL)``, or None
    reference_sought: bool = False
    reference: tuple[str, str, str] | None = None


def ensure_schema(db: sqlite3.Connection) -> None:
    for statement in ARCHIVES.ddl():
        db.execute(statement)


#: a result replaces the link's row, but a failure keeps the last known snapshot
_RECORD = ARCHIVES.insert(
    ARCHIVES.names,
    key=("identity",),
    keep="url = excluded.url, "
    "archive_url = COALESCE(excluded.archive_url, archives.archive_url), "
    "archived_at = COALESCE(excluded.archived_at, archives.archived_at), "
    "archive_status = excluded.archive_status, "
    "title = COALESCE(excluded.title, archives.title), "
    "detail = excluded.detail, checked_at = excluded.checked_at, run_id = excluded.run_id",
)


def record(db: sqlite3.Connection, row: ArchiveRow, *, checked_at: str, run_id: int) -> None:
    """Write one result in its own transaction; a failure keeps the last known snapshot."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(
            _RECORD,
            (
                row.identity,
                row.url,
                row.archive_url,
                row.archived_at,
                row.archive_status,
                row.title,
                row.detail,
                checked_at,
                run_id,
            ),
        )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def mark_pending(
    db: sqlite3.Connection, identities: Iterable[str], *, checked_at: str, run_id: int
) -> None:
    """These links' archive work carries over: their status becomes :data:`PENDING`, what was
    known of their snapshot stays (inside the caller's transaction)."""
    db.executemany(
        "INSERT INTO archives (identity, url, archive_status, checked_at, run_id) "
        "SELECT identity, url, ?, ?, ? FROM links WHERE identity = ? "
        "ON CONFLICT(identity) DO UPDATE SET archive_status = excluded.archive_status, "
        "checked_at = excluded.checked_at, run_id = excluded.run_id",
        [(PENDING, checked_at, run_id, identity) for identity in identities],
    )


def link_state(db: sqlite3.Connection, identity: str) -> LinkState | None:
    """What the crawl's tables and this one know of ``identity`` (None: a link they do not
    have)."""
    row = db.execute(
        "SELECT links.url, links.fetch_url, archives.archive_status, archives.archived_at, "
        "links.first_seen, links.reference_sought "
        "FROM links LEFT JOIN archives ON archives.identity = links.identity "
        "WHERE links.identity = ?",
        (identity,),
    ).fetchone()
    if row is None:
        return None
    return LinkState(
        url=str(row[0]),
        fetch_url=row[1],
        archive_status=row[2],
        archived_at=row[3],
        failing_since=_failing_since(db, identity),
        reference_due=None if row[5] else str(row[4]),
    )


def is_fresh(archived_at: str | None, now: dt.datetime, max_age_days: float) -> bool:
    if not archived_at:
        return False
    when = dt.datetime.fromisoformat(archived_at.replace("Z", "+00:00"))
    return now - when <= dt.timedelta(days=max_age_days)


def _failing_since(db: sqlite3.Connection, identity: str) -> str | None:
    """When the current failing streak began (ISO), from the crawl's own checks table."""
    rows = db.execute(
        "SELECT checked_at, status FROM checks WHERE identity = ? AND counted = 1 "
        "ORDER BY checked_at DESC",
        (identity,),
    ).fetchall()
    first: str | None = None
    for checked_at, status in rows:
        if status in ("dead", "error"):
            first = str(checked_at)
        else:
            break
    return first
