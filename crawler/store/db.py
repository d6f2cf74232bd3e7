"""The state of every link across runs, in one embedded SQLite file (stdlib ``sqlite3``).

* ``runs`` — one row per crawl; a run killed half-way is continued by the next start.
* ``links`` — one row per canonical URL (identity), never a raw seed URL.
* ``occurrences`` — where each link stands in the seeds, per run.
* ``checks`` — one verdict per link per run (written as results arrive, one transaction each,
  so a crawl killed half-way keeps every verdict it had), with its content drift, if any.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.base.rules import Rules
from crawler.store import archive as archive_store
from crawler.store import rekey

logger = logging.getLogger(__name__)

#: the schema this code writes; a file of a newer one is refused (see ``_MIGRATIONS``)
SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    seeds TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'running',
    degraded_reason TEXT,
    stats TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS links (
    identity TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    fetch_url TEXT,
    host TEXT NOT NULL DEFAULT '',
    first_seen TEXT NOT NULL,
    reference_title TEXT,
    reference_at TEXT,
    reference_url TEXT,
    reference_sought TEXT
);
CREATE TABLE IF NOT EXISTS occurrences (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    seq INTEGER NOT NULL,
    identity TEXT NOT NULL REFERENCES links(identity),
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    link_text TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX IF NOT EXISTS occurrences_identity ON occurrences(run_id, identity);
CREATE TABLE IF NOT EXISTS checks (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    identity TEXT NOT NULL REFERENCES links(identity),
    checked_at TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    http_status INTEGER,
    final_url TEXT,
    title TEXT,
    detail TEXT NOT NULL DEFAULT '',
    moved_to TEXT,
    counted INTEGER NOT NULL DEFAULT 1,
    drift TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, identity)
);
CREATE INDEX IF NOT EXISTS checks_identity ON checks(identity, run_id);
"""


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    started_at: str
    resumed: bool


@dataclass(frozen=True, slots=True)
class LinkRow:
    identity: str
    url: str
    fetch_url: str | None
    host: str


@dataclass(frozen=True, slots=True)
class OccurrenceRow:
    identity: str
    file: str
    line: int
    link_text: str
    kind: str


@dataclass(frozen=True, slots=True)
class CheckRow:
    identity: str
    checked_at: str
    status: str
    reason: str
    http_status: int | None = None
    final_url: str | None = None
    title: str | None = None
    detail: str = ""
    moved_to: str | None = None
    #: counts toward confirmation (false in a degraded, offline run)
    counted: bool = True
    #: what the page shows instead of what was linked (docs/drift.md), if it drifted
    drift: str = ""


@dataclass(frozen=True, slots=True)
class DriftEvidence:
    """What the store knows of what a link was (docs/drift.md)."""

    #: the link's host and its title in its Wayback snapshot from before it entered the lists
    host: str
    snapshot_title: str | None
    snapshot_at: str | None
    #: the title first recorded for it (an earlier run's check, alive and not drifted)
    first_title: str | None
    first_title_at: str | None
    #: its link texts in the run
    link_texts: tuple[str, ...]


#: what the SQLite file raises when it refuses a read or a write (a full disk, a damaged page…)
DatabaseError = sqlite3.Error


class StoreError(RuntimeError):
    """The state file cannot be used."""


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


class Store:
    """One SQLite file; safe to reopen after a crash (WAL journal).

    Opening it brings an older file to :data:`SCHEMA_VERSION` (numbered steps, one transaction
    each) and, given ``rules``, re-keys the links whose identity or clean URL the rules changed
    (:mod:`crawler.store.rekey`).
    """

    def __init__(self, path: str | Path, rules: Rules | None = None) -> None:
        self.path = Path(path)
        try:
            check_version(self.path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            if rules is not None:
                self.follow_rules(rules)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"state file {self.path}: {exc}") from exc
        self.db.row_factory = sqlite3.Row

    def _migrate(self) -> None:
        with self.transaction() as db:
            fresh = not db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
            ).fetchone()
            for statement in _SCHEMA.split(";"):
                if statement.strip():
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
            raise StoreError(f"state file {self.path}: schema version {version} is newer")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction() as db:
                _MIGRATIONS[target](db)
                db.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                    (str(target),),
                )
            logger.info("state file %s: migrated to schema version %d", self.path, target)

    def follow_rules(self, rules: Rules) -> rekey.Rekeyed | None:
        """Re-key the links if the rules changed since the file last followed them; then
        VACUUM, so values the rules now drop are gone from the file (not only unreferenced)."""
        digest = rekey.rules_digest(rules)
        row = self.db.execute("SELECT value FROM meta WHERE key='rules_digest'").fetchone()
        if row is not None and row[0] == digest:
            return None
        empty = not self.db.execute("SELECT 1 FROM links LIMIT 1").fetchone()
        self.db.execute("PRAGMA secure_delete=ON")
        with self.transaction() as db:
            done = None if empty else rekey.follow_rules(db, rules)
            db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('rules_digest', ?)", (digest,)
            )
        if done is not None:
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            logger.info(
                "state file %s follows the current rules: %d links re-keyed or rewritten "
                "(%d merged), %d texts rewritten, %d snapshots dropped",
                self.path,
                done.links,
                done.merged,
                done.texts,
                done.snapshots_dropped,
            )
        return done

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # runs -------------------------------------------------------------------------------------

    def begin_run(self, now: str, seeds: str, *, resume: bool = True) -> Run:
        """Continue the last run if it never finished (and ``resume``), else start a new one."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT id, started_at, state FROM runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
            if resume and row is not None and row[2] == "running":
                return Run(int(row[0]), str(row[1]), resumed=True)
            cursor = db.execute("INSERT INTO runs(started_at, seeds) VALUES (?, ?)", (now, seeds))
            return Run(int(cursor.lastrowid or 0), now, resumed=False)

    def finish_run(
        self,
        run_id: int,
        finished_at: str,
        *,
        state: str = "finished",
        degraded_reason: str | None = None,
        stats: dict[str, Any] | None = None,
    ) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at=?, state=?, degraded_reason=?, stats=? WHERE id=?",
                (finished_at, state, degraded_reason, json.dumps(stats or {}, default=str), run_id),
            )

    def run(self, run_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM runs WHERE id=?", (run_id,)
        ).fetchone()
        return row

    def latest_run_id(self, *, with_checks: bool = True) -> int | None:
        query = "SELECT MAX(run_id) FROM checks" if with_checks else "SELECT MAX(id) FROM runs"
        value = self.db.execute(query).fetchone()[0]
        return int(value) if value is not None else None

    # links and occurrences ----------------------------------------------------------------

    def record_links(
        self,
        run_id: int,
        now: str,
        links: Iterable[LinkRow],
        occurrences: Iterable[OccurrenceRow],
    ) -> None:
        """The links of this run and where they stand (replacing what a killed start wrote)."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO links(identity, url, fetch_url, host, first_seen) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(identity) DO UPDATE SET "
                "url=excluded.url, fetch_url=excluded.fetch_url, host=excluded.host",
                ((x.identity, x.url, x.fetch_url, x.host, now) for x in links),
            )
            db.execute("DELETE FROM occurrences WHERE run_id=?", (run_id,))
            db.executemany(
                "INSERT INTO occurrences(run_id, seq, identity, file, line, link_text, kind) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (run_id, seq, o.identity, o.file, o.line, o.link_text, o.kind)
                    for seq, o in enumerate(occurrences)
                ),
            )

    def status_counts(self, run_id: int) -> dict[str, int]:
        """How many of the run's checks have each status."""
        rows = self.db.execute(
            "SELECT status, COUNT(*) FROM checks WHERE run_id=? GROUP BY status", (run_id,)
        )
        return {str(status): int(n) for status, n in rows}

    def run_identities(self, run_id: int) -> set[str]:
        """The identities of the run's links (from its occurrences)."""
        rows = self.db.execute(
            "SELECT DISTINCT identity FROM occurrences WHERE run_id=?", (run_id,)
        )
        return {str(r[0]) for r in rows}

    def page_seen(self, run_id: int, identity: str) -> tuple[str, str | None, str | None] | None:
        """The status, title and final URL of the link's check in the run, if it has one."""
        row = self.db.execute(
            "SELECT status, title, final_url FROM checks WHERE run_id=? AND identity=?",
            (run_id, identity),
        ).fetchone()
        return None if row is None else (str(row[0]), row[1], row[2])

    def unchecked_identities(self, run_id: int) -> list[str]:
        """The run's links (from its occurrences) that have no verdict in it yet, sorted."""
        return [
            str(r[0])
            for r in self.db.execute(
                "SELECT DISTINCT o.identity FROM occurrences o WHERE o.run_id=? AND NOT EXISTS "
                "(SELECT 1 FROM checks c WHERE c.identity=o.identity AND c.run_id=o.run_id) "
                "ORDER BY o.identity",
                (run_id,),
            )
        ]

    def checked_identities(self, run_id: int) -> set[str]:
        return {
            str(r[0])
            for r in self.db.execute("SELECT identity FROM checks WHERE run_id=?", (run_id,))
        }

    # the links to fetch ------------------------------------------------------------------------

    def queue_fetches(self, links: Iterable[tuple[str, str, str]]) -> int:
        """Keep the run's links to fetch, ``(identity, fetch_url, host)`` in their order, in a
        temporary table of this connection (SQLite's temporary file, not memory: a crawl of
        100,000 links would hold tens of MB of them); returns how many."""
        self.db.execute("DROP TABLE IF EXISTS temp.fetch_queue")
        self.db.execute(
            "CREATE TABLE temp.fetch_queue (pos INTEGER PRIMARY KEY, identity, fetch_url, host)"
        )
        self.db.execute(
            "BEGIN"
        )  # one transaction of the temporary table: the main one is untouched
        try:
            cursor = self.db.executemany(
                "INSERT INTO temp.fetch_queue(identity, fetch_url, host) VALUES (?, ?, ?)", links
            )
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return max(cursor.rowcount, 0)

    def queued_fetches(self, after: int, limit: int) -> list[tuple[int, str, str, str]]:
        """The next ``limit`` links of :meth:`queue_fetches` after position ``after`` (the first
        is 1): ``(position, identity, fetch_url, host)``."""
        cursor = self.db.cursor()
        cursor.row_factory = None
        rows: list[tuple[int, str, str, str]] = cursor.execute(
            "SELECT pos, identity, fetch_url, host FROM temp.fetch_queue WHERE pos > ? "
            "ORDER BY pos LIMIT ?",
            (after, limit),
        ).fetchall()
        return rows

    def queued_hosts(self) -> dict[str, int]:
        """How many of the links of :meth:`queue_fetches` each host has."""
        rows = self.db.execute("SELECT host, count(*) FROM temp.fetch_queue GROUP BY host")
        return {str(host): int(n) for host, n in rows}

    # checks -----------------------------------------------------------------------------------

    def record_check(self, run_id: int, check: CheckRow) -> None:
        """One verdict; a repeat for the same (run, link) replaces it, never duplicates it."""
        self.record_checks(run_id, (check,))

    def record_checks(self, run_id: int, checks: Sequence[CheckRow]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO checks(run_id, identity, checked_at, status, reason, http_status, "
                "final_url, title, detail, moved_to, counted, drift) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(run_id, identity) DO UPDATE SET checked_at=excluded.checked_at, "
                "status=excluded.status, reason=excluded.reason, "
                "http_status=excluded.http_status, final_url=excluded.final_url, "
                "title=excluded.title, detail=excluded.detail, moved_to=excluded.moved_to, "
                "counted=excluded.counted, drift=excluded.drift",
                [
                    (
                        run_id,
                        c.identity,
                        c.checked_at,
                        c.status,
                        c.reason,
                        c.http_status,
                        c.final_url,
                        c.title,
                        c.detail,
                        c.moved_to,
                        int(c.counted),
                        c.drift,
                    )
                    for c in checks
                ],
            )

    # content drift -------------------------------------------------------------------------

    def drift_evidence(self, identity: str, run_id: int) -> DriftEvidence | None:
        """What the store knows of what the link was (None: a link it does not have)."""
        row = self.db.execute(
            "SELECT l.host, l.reference_title, l.reference_at, f.title, f.checked_at, "
            "(SELECT json_group_array(DISTINCT o.link_text) FROM occurrences o "
            "WHERE o.run_id=? AND o.identity=l.identity AND o.link_text!='') "
            "FROM links l LEFT JOIN (SELECT title, checked_at FROM checks "
            "INDEXED BY checks_identity WHERE identity=? AND run_id<? AND status='alive' "
            "AND counted=1 AND drift='' AND title IS NOT NULL AND title!='' "
            "ORDER BY run_id LIMIT 1) f WHERE l.identity=?",
            (run_id, identity, run_id, identity),
        ).fetchone()
        if row is None:
            return None
        host, snapshot_title, snapshot_at, first_title, first_title_at, texts = row
        return DriftEvidence(
            host=str(host),
            snapshot_title=snapshot_title,
            snapshot_at=snapshot_at,
            first_title=first_title,
            first_title_at=first_title_at,
            link_texts=tuple(str(t) for t in json.loads(texts or "[]")),
        )

    def set_drift(self, run_id: int, identity: str, drift: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE checks SET drift=? WHERE run_id=? AND identity=?", (drift, run_id, identity)
            )

    def record_reference(
        self, identity: str, sought_at: str, snapshot: tuple[str, str, str] | None
    ) -> None:
        """The link's reference snapshot was looked for at ``sought_at``: ``(title, time,
        address)`` of the one found, or None (none from before the link entered the lists)."""
        title, at, url = snapshot or (None, None, None)
        with self.transaction() as db:
            db.execute(
                "UPDATE links SET reference_sought=?, reference_title=COALESCE(?, "
                "reference_title), reference_at=COALESCE(?, reference_at), "
                "reference_url=COALESCE(?, reference_url) WHERE identity=?",
                (sought_at, title, at, url, identity),
            )

    def degrade_run(self, run_id: int, network_reasons: Iterable[str], detail: str) -> None:
        """A run without usable network: its network failures become ``error``/``offline`` and
        none of its checks counts toward confirmation."""
        reasons = sorted(network_reasons)
        marks = ",".join("?" * len(reasons))
        with self.transaction() as db:
            db.execute(
                f"UPDATE checks SET status='error', reason='offline', detail=? "  # noqa: S608
                f"WHERE run_id=? AND reason IN ({marks})",
                (detail, run_id, *reasons),
            )
            db.execute("UPDATE checks SET counted=0 WHERE run_id=?", (run_id,))

    def archive_pending(self, run_id: int, identities: Iterable[str], checked_at: str) -> None:
        """The archive work of these links did not happen in the run (its time budget ended
        first): their archive status is ``pending`` (a snapshot known from before is kept),
        and the next run does the work."""
        with self.transaction() as db:
            archive_store.ensure_schema(db)
            archive_store.mark_pending(db, identities, checked_at=checked_at, run_id=run_id)
