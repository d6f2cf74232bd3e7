"""The state of every link across runs, in one embedded SQLite file (stdlib ``sqlite3``).

* ``runs`` — one row per crawl; a run killed half-way is continued by the next start.
* ``links`` — one row per canonical URL (identity), never a raw seed URL.
* ``occurrences`` — where each link stands in the seeds, per run.
* ``checks`` — one verdict per link per run (written as results arrive, one transaction each,
  so a crawl killed half-way keeps every verdict it had), with its content drift, if any.

The tables are declared in :mod:`crawler.store.schema`, older files migrated by
:mod:`crawler.store.migrations`, the file claimed by :mod:`crawler.store.statefile`; the
reports read it through :mod:`crawler.store.report_tables`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.base.rules import Rules
from crawler.store import archive as archive_store
from crawler.store import rekey
from crawler.store.migrations import migrate
from crawler.store.schema import (
    CHECK_COLUMNS,
    CHECKS,
    LINKS,
    OCCURRENCES,
    SCHEMA_VERSION,
    CheckRow,
    LinkRow,
    OccurrenceRow,
    row_values,
)
from crawler.store.statefile import BUSY_TIMEOUT, StoreError, check_version, claim

__all__ = [
    "SCHEMA_VERSION",
    "CheckRow",
    "DatabaseError",
    "DriftEvidence",
    "LinkRow",
    "OccurrenceRow",
    "Run",
    "Store",
    "StoreError",
    "claim",
    "rows_of",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Run:
    id: int
    started_at: str
    resumed: bool


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


def rows_of(db: sqlite3.Connection, query: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
    """The query's rows as plain tuples, whatever the connection's row factory."""
    cursor = db.cursor()
    cursor.row_factory = None
    return cursor.execute(query, params)


#: a link's columns from the seeds (a link seen before keeps its first_seen)
_LINK_COLUMNS = tuple(f.name for f in dataclasses.fields(LinkRow))
_RECORD_LINK = LINKS.insert(
    (*_LINK_COLUMNS, "first_seen"), key=("identity",), update=_LINK_COLUMNS[1:]
)
_OCCURRENCE_COLUMNS = tuple(f.name for f in dataclasses.fields(OccurrenceRow))
_RECORD_OCCURRENCE = OCCURRENCES.insert(("run_id", "seq", *_OCCURRENCE_COLUMNS))
#: a repeat for the same (run, link) replaces the check
_RECORD_CHECK = CHECKS.insert(("run_id", *CHECK_COLUMNS), key=("run_id", "identity"))


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
            migrate(self.path, self.transaction)
            if rules is not None:
                self.follow_rules(rules)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"state file {self.path}: {exc}") from exc
        self.db.row_factory = sqlite3.Row

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
            db.executemany(_RECORD_LINK, ((*row_values(x, _LINK_COLUMNS), now) for x in links))
            db.execute("DELETE FROM occurrences WHERE run_id=?", (run_id,))
            db.executemany(
                _RECORD_OCCURRENCE,
                (
                    (run_id, seq, *row_values(o, _OCCURRENCE_COLUMNS))
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
        db = self.db
        db.execute("DROP TABLE IF EXISTS temp.fetch_queue")
        db.execute(
            "CREATE TABLE temp.fetch_queue (pos INTEGER PRIMARY KEY, identity, fetch_url, host)"
        )
        db.execute("BEGIN")  # one transaction of the temporary table: the main one is untouched
        try:
            insert = "INSERT INTO temp.fetch_queue(identity, fetch_url, host) VALUES (?, ?, ?)"
            cursor = db.executemany(insert, links)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return max(cursor.rowcount, 0)

    def queued_fetches(self, after: int, limit: int) -> list[tuple[int, str, str, str]]:
        """The next ``limit`` links of :meth:`queue_fetches` after position ``after`` (the first
        is 1): ``(position, identity, fetch_url, host)``."""
        query = "SELECT pos, identity, fetch_url, host FROM temp.fetch_queue WHERE pos > ? "
        rows: list[tuple[int, str, str, str]] = rows_of(
            self.db, query + "ORDER BY pos LIMIT ?", (after, limit)
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
            db.executemany(_RECORD_CHECK, [(run_id, *row_values(c, CHECK_COLUMNS)) for c in checks])

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
            self.ensure_archive_schema()
            archive_store.mark_pending(db, identities, checked_at=checked_at, run_id=run_id)

    # the archive's table -------------------------------------------------------------------

    def ensure_archive_schema(self) -> None:
        """The archive's table, made if the file has none yet."""
        archive_store.ensure_schema(self.db)

    def archive_link_state(self, identity: str) -> archive_store.LinkState | None:
        """What the store knows of a link, for the archive (None: a link it does not have)."""
        return archive_store.link_state(self.db, identity)

    def record_archive(
        self, row: archive_store.ArchiveRow, *, checked_at: str, run_id: int
    ) -> None:
        """One archive result, in its own transaction (a failure keeps the last snapshot)."""
        archive_store.record(self.db, row, checked_at=checked_at, run_id=run_id)
