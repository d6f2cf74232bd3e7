"""The archive's columns for ``links.csv``: join them on ``identity``."""

from __future__ import annotations

import sqlite3

import pandas as pd

ARCHIVE_COLUMNS = ["archive_url", "archived_at", "archive_status", "archive_title"]


def archive_columns(db: sqlite3.Connection) -> pd.DataFrame:
    """``archive_url, archived_at, archive_status, archive_title`` indexed by identity.

    ``archive_status`` is one of captured, existing, rescued, none, failed:<reason> (a link the
    archive never worked on has no row: show it as skipped or blank). ``archive_title`` is the
    snapshot's title (rescues): use it where the live title is missing.
    """
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'archives'"
    ).fetchone()
    if not exists:
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
