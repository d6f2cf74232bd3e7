"""The archive's columns for ``links.csv`` by link identity (joined in crawler/report/tables.py)."""

from __future__ import annotations

import sqlite3

#: ``archive_url, archived_at, archive_status, archive_title`` of one link
ArchiveRecord = tuple[str, str, str, str]

#: what a link the archive never worked on shows
NO_ARCHIVE: ArchiveRecord = ("", "", "skipped", "")
#: what a link shows while its archive work in this run is not done (reports written early)
PENDING: ArchiveRecord = ("", "", "", "")

#: the columns of the ``archives`` table :func:`archive_record` takes, in its order
ARCHIVE_COLUMNS = ("archive_url", "archived_at", "archive_status", "title")


def has_archives(db: sqlite3.Connection) -> bool:
    """Whether the store has the archive's table (a file the archive never opened has not)."""
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'archives'"
    ).fetchone()
    return exists is not None


def archive_record(
    url: str | None, archived_at: str | None, status: str | None, title: str | None
) -> ArchiveRecord:
    """One ``archives`` row (:data:`ARCHIVE_COLUMNS`) as ``(archive_url, archived_at,
    archive_status, archive_title)``, missing texts as ``""`` (a link with no row shows
    :data:`NO_ARCHIVE`).

    ``archive_status`` is one of captured, existing, rescued, none, failed:<reason>.
    ``archive_title`` is the snapshot's title (rescues): used where the live title is missing.
    """
    return (url or "", archived_at or "", "skipped" if status is None else status, title or "")
