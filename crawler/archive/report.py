"""The archive's columns for ``links.csv``: join them on ``identity``."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

ARCHIVE_COLUMNS = ["archive_url", "archived_at", "archive_status", "archive_title"]

#: ``archive_url, archived_at, archive_status, archive_title`` of one link
ArchiveRecord = tuple[str, str, str, str]

#: what a link the archive never worked on shows
NO_ARCHIVE: ArchiveRecord = ("", "", "skipped", "")


def _has_table(db: sqlite3.Connection) -> bool:
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'archives'"
    ).fetchone()
    return exists is not None


def archive_records(db: sqlite3.Connection) -> dict[str, ArchiveRecord]:
    """identity → ``(archive_url, archived_at, archive_status, archive_title)``, missing
    texts as ``""``: what :func:`archive_columns` holds, without pandas (a link with no row
    shows :data:`NO_ARCHIVE`)."""
    if not _has_table(db):
        return {}
    rows = db.execute(
        "SELECT identity, archive_url, archived_at, archive_status, title FROM archives"
    )
    return {
        identity: (
            url or "",
            archived_at or "",
            "skipped" if status is None else status,
            title or "",
        )
        for identity, url, archived_at, status, title in rows
    }


def archive_columns(db: sqlite3.Connection) -> pd.DataFrame:
    """``archive_url, archived_at, archive_status, archive_title`` indexed by identity.

    ``archive_status`` is one of captured, existing, rescued, none, failed:<reason> (a link the
    archive never worked on has no row: show it as skipped or blank). ``archive_title`` is the
    snapshot's title (rescues): use it where the live title is missing.
    """
    import pandas as pd  # noqa: PLC0415 (pandas costs tens of MB: only for the reports)

    if not _has_table(db):
        empty = pd.DataFrame(columns=ARCHIVE_COLUMNS, dtype=str)
        empty.index.name = "identity"
        return empty
    frame = pd.read_sql_query(
        "SELECT identity, archive_url, archived_at, archive_status, title AS archive_title "
        "FROM archives",
        db,
    )
    frame = frame.set_index("identity")
    for column in ("archive_url", "archived_at", "archive_title"):
        frame[column] = frame[column].fillna("")
    return frame[ARCHIVE_COLUMNS]
