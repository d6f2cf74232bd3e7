"""Bring an older state file to :data:`~crawler.store.schema.SCHEMA_VERSION`: one numbered
step per version, each in its own transaction. A step is history: it says what its version
added, in that version's words (not the current declarations)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from crawler.store import archive as archive_store
from crawler.store.schema import SCHEMA_VERSION, TABLES
from crawler.store.statefile import StoreError

logger = logging.getLogger(__name__)


def _migrate_to_2(db: sqlite3.Connection) -> None:
    """2: the archive's table belongs to the schema; the links are re-keyed through the rules
    (an empty rules digest: the next open with rules follows them)."""
    archive_store.ensure_schema(db)
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('rules_digest', '')")


def _migrate_to_3(db: sqlite3.Connection) -> None:
    """3: content drift: each check's ``drift``, each link's reference snapshot (its title, time
    and address, and when it was looked for)."""
    _add_columns(db, "checks", {"drift": "TEXT NOT NULL DEFAULT ''"})
    _add_columns(
        db,
        "links",
        dict.fromkeys(
            ("reference_title", "reference_at", "reference_url", "reference_sought"), "TEXT"
        ),
    )


def _add_columns(db: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    have = {str(row[1]) for row in db.execute(f"PRAGMA table_info({table})")}
    for name, kind in columns.items():
        if name not in have:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


#: version -> the step that brings a file of the version before it there (one transaction each)
_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    2: _migrate_to_2,
    3: _migrate_to_3,
}


#: a write transaction on the file (``Store.transaction``)
Transaction = Callable[[], AbstractContextManager[sqlite3.Connection]]


def migrate(path: Path, transaction: Transaction) -> None:
    """Make the tables of a new file, or bring an older one to :data:`SCHEMA_VERSION`."""
    with transaction() as db:
        fresh = not db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        for table in TABLES:
            for statement in table.ddl():
                db.execute(statement)
        if fresh:
            archive_store.ensure_schema(db)
            db.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
            return
        row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        version = int(row[0]) if row else 1
    if version > SCHEMA_VERSION:  # written by another process since check_version
        raise StoreError(f"state file {path}: schema version {version} is newer")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with transaction() as db:
            _MIGRATIONS[target](db)
            db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(target),),
            )
        logger.info("state file %s: migrated to schema version %d", path, target)
