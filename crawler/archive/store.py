"""The archive's own table in the crawl's SQLite file: one row per link, one transaction each."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from crawler.urls import has_masked_values

SCHEMA = """
CREATE TABLE IF NOT EXISTS archives (
    identity TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    archive_url TEXT,
    archived_at TEXT,
    archive_status TEXT NOT NULL,
    title TEXT,
    detail TEXT NOT NULL DEFAULT '',
    checked_at TEXT NOT NULL,
    run_id INTEGER
)
"""

CAPTURED = "captured"
EXISTING = "existing"
RESCUED = "rescued"
NONE = "none"
SKIPPED = "skipped"
FRESH_STATUSES = (CAPTURED, EXISTING)


@dataclass(frozen=True, slots=True)
class ArchiveRow:
    identity: str
    url: str
    archive_status: str
    archive_url: str | None = None
    archived_at: str | None = None  # ISO 8601 UTC, the capture's own time
    title: str | None = None
    detail: str = ""


def ensure_schema(db: sqlite3.Connection) -> None:
    db.execute(SCHEMA)


def record(db: sqlite3.Connection, row: ArchiveRow, *, checked_at: str, run_id: int) -> None:
    """Write one result in its own transaction; a failure keeps the last known snapshot."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(
            """INSERT INTO archives
                   (identity, url, archive_url, archived_at, archive_status, title, detail,
                    checked_at, run_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(identity) DO UPDATE SET
                   url = excluded.url,
                   archive_url = COALESCE(excluded.archive_url, archives.archive_url),
                   archived_at = COALESCE(excluded.archived_at, archives.archived_at),
                   archive_status = excluded.archive_status,
                   title = COALESCE(excluded.title, archives.title),
                   detail = excluded.detail,
                   checked_at = excluded.checked_at,
                   run_id = excluded.run_id""",
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


def known(db: sqlite3.Connection, identity: str) -> tuple[str, str | None] | None:
    """(archive_status, archived_at) stored for ``identity``."""
    row = db.execute(
        "SELECT archive_status, archived_at FROM archives WHERE identity = ?", (identity,)
    ).fetchone()
    return (str(row[0]), row[1]) if row else None


def archivable_url(db: sqlite3.Connection, identity: str) -> str | None:
    """The clean URL of a fetched http(s) link, from the crawl's links table; None otherwise
    (a relative path, another scheme, a link this store does not have, or a link that needs a
    credential-like value: the archive's index is public, so such a link is never sent)."""
    row = db.execute("SELECT url, fetch_url FROM links WHERE identity = ?", (identity,)).fetchone()
    if row is None or not row[1] or not str(row[0]).startswith(("http://", "https://")):
        return None
    if has_masked_values(str(row[0])):
        return None
    return str(row[0])


def is_fresh(archived_at: str | None, now: dt.datetime, max_age_days: float) -> bool:
    if not archived_at:
        return False
    when = dt.datetime.fromisoformat(archived_at.replace("Z", "+00:00"))
    return now - when <= dt.timedelta(days=max_age_days)


def first_failure(db: sqlite3.Connection, identity: str) -> str | None:
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
