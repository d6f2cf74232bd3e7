"""The state file before it is opened: its schema version, one writer at a time, and whether
it can be written and is whole (:func:`claim`)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path

from crawler.store.schema import SCHEMA_VERSION


class StoreError(RuntimeError):
    """The state file cannot be used."""


def schema_version(path: str | Path) -> int | None:
    """The schema version of an existing state file (None: no file, or not a state file yet)."""
    if not Path(path).is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=30)
        try:
            row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        if "no such table" in str(exc):
            return None
        raise StoreError(f"state file {path}: {exc}") from exc
    return int(row[0]) if row else None


def check_version(path: str | Path) -> None:
    """Refuse a state file written by a newer linkhealth (its schema is unknown here)."""
    version = schema_version(path)
    if version is not None and version > SCHEMA_VERSION:
        raise StoreError(
            f"state file {path}: schema version {version} was written by a newer linkhealth; "
            f"this one reads up to {SCHEMA_VERSION} (upgrade linkhealth, or use another file)"
        )


#: seconds a write waits for another connection's transaction before it fails
BUSY_TIMEOUT = 30


def claim(path: str | Path) -> int:
    """Make the state file this process's to write, before the crawl starts, or say why not.

    One writer at a time: an exclusive ``flock`` on the file, held by the returned descriptor
    (close it, or end the process, to let go). Before any link is read it also proves the file
    can be written (a read-only file or file system, a directory in its place), is not held in
    a transaction by another program for more than :data:`BUSY_TIMEOUT` seconds, and is whole
    (``PRAGMA quick_check``: a damaged page would make every write of the run fail). Each
    problem is a :class:`StoreError` that names the file.
    """
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"state file {path} is a directory")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise StoreError(f"state file {path}: cannot be written ({exc.strerror or exc})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"state file {path} is in use by another crawl (one writer at a time): wait "
                "for it to end, or give this one another LINKHEALTH_STATE_DB"
            ) from None
        check_version(path)
        _check_writable(path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_writable(path: Path) -> None:
    """A write transaction can begin on ``path`` and its pages are whole."""
    db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT)
    try:
        db.execute("BEGIN IMMEDIATE")
        problems = [str(r[0]) for r in db.execute("PRAGMA quick_check(3)")]
        db.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreError(
                f"state file {path}: another program has held it locked for more than "
                f"{BUSY_TIMEOUT} s ({exc})"
            ) from None
        raise StoreError(f"state file {path}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        problems = [str(exc)]
    finally:
        db.close()
    if problems != ["ok"]:
        raise StoreError(
            f"state file {path} is damaged ({' '.join('; '.join(problems).split())[:200]}): "
            "restore it from "
            "the link-health-state branch, or move it away to start afresh"
        )
