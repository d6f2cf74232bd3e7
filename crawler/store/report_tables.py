"""The reports' reads: a run's links in temporary tables of the store's connection, built and
read back a block of links at a time.

The run's links, in the order they first appear (by occurrence ``seq``), are read
:data:`BLOCK` links at a time — their row, their occurrences in the run, their checks up to it,
their archive record (:class:`LinkBlock`) — and the report's rows made of them are written to
``temp.report_links`` (in SQLite's temporary file, not memory), the seed files of each link to
``temp.report_files``. The reports read them back a block at a time and count and group in
SQL: memory stays flat in the number of links. Which links a read takes is a
:class:`~crawler.store.conditions.Where`: the reports never write SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from crawler.store.conditions import Where
from crawler.store.db import Store, rows_of
from crawler.store.schema import ARCHIVES

#: links (or occurrences) built, read and written at a time: the reports' memory is a few
#: blocks, whatever the number of links
BLOCK = 5000

#: the temporary tables (dropped when the reports are written)
_ORDER = "temp.report_order"  # pos (the link's rank by first occurrence) → identity
_LINKS = "temp.report_links"  # pos → the report's row of the link
_FILES = "temp.report_files"  # a link's URL, a seed file it is in, its first seq there, status


@dataclass(frozen=True, slots=True)
class LinkBlock:
    """A block of the run's links, as the store holds them (``pos`` counts from 1)."""

    #: ``(pos, identity, url, host, first_seen, reference_url)``, by position
    links: list[tuple[Any, ...]]
    #: ``(pos, seq, file, line, link_text)``, by position and seq
    occurrences: list[tuple[Any, ...]]
    #: ``(pos, run_id, checked_at, status, reason, http_status, final_url, title, detail,
    #: moved_to, counted, drift)`` up to the run, by position and run (oldest first)
    checks: list[tuple[Any, ...]]
    #: ``(pos, archive_url, archived_at, archive_status, title)`` (:data:`ARCHIVE_COLUMNS`)
    archives: list[tuple[Any, ...]]


#: the columns of the ``archives`` table a :class:`LinkBlock` gives, in its order
ARCHIVE_COLUMNS = ("archive_url", "archived_at", "archive_status", "title")
#: a block of links (positions after the first parameter, up to the second): their row in
#: ``links``, their occurrences in the run, their checks up to it (oldest first), their
#: archive record; the block's links drive each join (CROSS JOIN fixes the order)
_LINKS_SQL = (
    f"SELECT r.pos, r.identity, l.url, l.host, l.first_seen, l.reference_url FROM {_ORDER} r "  # noqa: S608
    "CROSS JOIN links l ON l.identity = r.identity "
    "WHERE r.pos > ? AND r.pos <= ? ORDER BY r.pos"
)
_OCCURRENCES_SQL = (
    f"SELECT r.pos, o.seq, o.file, o.line, o.link_text FROM {_ORDER} r "  # noqa: S608
    "CROSS JOIN occurrences o INDEXED BY occurrences_identity "
    "ON o.run_id = ? AND o.identity = r.identity "
    "WHERE r.pos > ? AND r.pos <= ? ORDER BY r.pos, o.seq"
)
_CHECKS_SQL = (
    "SELECT r.pos, c.run_id, c.checked_at, c.status, c.reason, c.http_status, "  # noqa: S608
    f"c.final_url, c.title, c.detail, c.moved_to, c.counted, c.drift FROM {_ORDER} r "
    "CROSS JOIN checks c INDEXED BY checks_identity "
    "ON c.identity = r.identity AND c.run_id <= ? "
    "WHERE r.pos > ? AND r.pos <= ? ORDER BY r.pos, c.run_id"
)
_ARCHIVES_SQL = (
    f"SELECT r.pos, {', '.join(f'a.{c}' for c in ARCHIVE_COLUMNS)} FROM {_ORDER} r "  # noqa: S608
    "CROSS JOIN archives a ON a.identity = r.identity WHERE r.pos > ? AND r.pos <= ?"
)

#: the rows of a block of links for ``temp.report_links`` (position, then the columns) and
#: for ``temp.report_files`` (url, file, first seq there, status)
Rows = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


@contextmanager
def report_tables(
    store: Store, run_id: int, columns: Sequence[str], rows: Callable[[LinkBlock], Rows]
) -> Iterator[ReportTables]:
    """The run's report tables, for the time of the ``with`` block: ``columns`` are those of a
    link's row, ``rows`` makes the rows of a block of links.

    Everything is read in one read transaction (one state of the store), unless the
    connection is in a transaction already; rolling it back at the end drops the temporary
    tables (nothing else is written), whatever happened.
    """
    db = store.db
    own = not db.in_transaction
    if own:
        db.execute("BEGIN")
    tables = ReportTables(store, run_id, tuple(columns))
    try:
        tables._drop()
        tables._build(rows)
        yield tables
    finally:
        if not own:
            tables._drop()
        elif db.in_transaction:
            db.execute("ROLLBACK")


class ReportTables:
    """A run's report tables in the store's temporary tables (:func:`report_tables`)."""

    def __init__(self, store: Store, run_id: int, columns: tuple[str, ...]) -> None:
        self._db = store.db
        self.run_id = run_id
        self.columns = columns
        self._known = frozenset(("pos", *columns))

    def _drop(self) -> None:
        for table in (_FILES, _LINKS, _ORDER):
            self._db.execute(f"DROP TABLE IF EXISTS {table}")

    def _build(self, make: Callable[[LinkBlock], Rows]) -> None:
        """Fill ``temp.report_order``, then ``temp.report_links`` and ``temp.report_files``, a
        block of links at a time."""
        db = self._db
        db.execute(f"CREATE TABLE {_ORDER} (pos INTEGER PRIMARY KEY, identity UNIQUE)")
        db.execute(
            f"INSERT INTO {_ORDER}(identity) SELECT o.identity FROM occurrences o "  # noqa: S608
            "JOIN links l ON l.identity = o.identity WHERE o.run_id = ? "
            "GROUP BY o.identity ORDER BY MIN(o.seq)",
            (self.run_id,),
        )
        # no column affinity: every value comes back as the Python value it went in as
        db.execute(f"CREATE TABLE {_LINKS} (pos INTEGER PRIMARY KEY, {', '.join(self.columns)})")
        db.execute(f"CREATE TABLE {_FILES} (url, file, seq, status)")
        marks = ", ".join("?" * (len(self.columns) + 1))
        insert = f"INSERT INTO {_LINKS} VALUES ({marks})"  # noqa: S608 (constants)
        insert_files = f"INSERT INTO {_FILES} VALUES (?, ?, ?, ?)"  # noqa: S608 (constants)
        archives = ARCHIVES.exists(db)
        n = self._one(f"SELECT COUNT(*) FROM {_ORDER}")  # noqa: S608 (constants)
        for start in range(0, n, BLOCK):
            links, files = make(self._block((start, start + BLOCK), archives=archives))
            db.executemany(insert, links)
            db.executemany(insert_files, files)
        db.execute(f"CREATE INDEX {_FILES}_url ON {_FILES.split('.')[1]} (url, file, seq, status)")

    def _block(self, span: tuple[int, int], *, archives: bool) -> LinkBlock:
        return LinkBlock(
            self._rows(_LINKS_SQL, span),
            self._rows(_OCCURRENCES_SQL, (self.run_id, *span)),
            self._rows(_CHECKS_SQL, (self.run_id, *span)),
            self._rows(_ARCHIVES_SQL, span) if archives else [],
        )

    def _rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return rows_of(self._db, query, params).fetchall()

    def _one(self, query: str, params: Sequence[Any] = ()) -> Any:
        row = rows_of(self._db, query, params).fetchone()
        return row[0] if row else None

    def _names(self, names: Collection[str]) -> Collection[str]:
        """Column names of the report's table, or ValueError (they are written into SQL)."""
        unknown = set(names) - self._known
        if unknown:
            raise ValueError(f"not a column of the report's table: {sorted(unknown)}")
        return names

    def _where(self, where: Where | None, word: str = "AND") -> tuple[str, tuple[Any, ...]]:
        if where is None:
            return "", ()
        self._names(where.names)
        return f"{word} ({where.sql})", where.params

    def _select(self, names: Sequence[str], *, blank: bool) -> str:
        self._names(names)
        return ", ".join(f"IFNULL({name}, '')" if blank else name for name in names)

    # the run -----------------------------------------------------------------------------------

    def run(self) -> dict[str, object]:
        """The run's row in ``runs``, by column name."""
        cursor = rows_of(self._db, "SELECT * FROM runs WHERE id = ?", (self.run_id,))
        row = cursor.fetchone()
        if row is None:
            return {"id": self.run_id}
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def n_occurrences(self) -> int:
        """The occurrences of the run's links in the run."""
        return int(
            self._one(
                f"SELECT COUNT(*) FROM occurrences o JOIN {_ORDER} r "  # noqa: S608 (constants)
                "ON r.identity = o.identity WHERE o.run_id = ?",
                (self.run_id,),
            )
        )

    def n_runs(self) -> int:
        """The runs in the store."""
        return int(self._one("SELECT COUNT(*) FROM runs"))

    # the links -------------------------------------------------------------------------------

    def blocks(
        self, names: Sequence[str], where: Where | None = None, *, blank: bool = False
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The links' ``names`` columns, in the links' order, :data:`BLOCK` rows at a time
        (``blank``: missing values as "")."""
        for rows in self._pages(names, where, blank=blank):
            yield [row[1:] for row in rows]

    def _pages(
        self, names: Sequence[str], where: Where | None, *, blank: bool
    ) -> Iterator[list[tuple[Any, ...]]]:
        """``(pos, *names)`` of the links meeting ``where``, in order, :data:`BLOCK` at a time."""
        condition, params = self._where(where)
        query = (
            f"SELECT pos, {self._select(names, blank=blank)} FROM {_LINKS} "  # noqa: S608
            f"WHERE pos > ? {condition} ORDER BY pos LIMIT ?"
        )
        after = 0
        while rows := self._rows(query, (after, *params, BLOCK)):
            after = rows[-1][0]
            yield rows

    def first(
        self,
        names: Sequence[str],
        where: Where,
        *,
        limit: int,
        ranked: tuple[str, Sequence[Any]] | None = None,
    ) -> list[tuple[Any, ...]]:
        """The ``names`` columns of the first ``limit`` links meeting ``where``, in the links'
        order; ``ranked``: ``(column, values)``, those with the first value first, then the
        next... (other values after them)."""
        condition, params = self._where(where, "")
        order, ranks = "pos", ()
        if ranked is not None:
            column, values = ranked
            self._names((column,))
            cases = " ".join("WHEN ? THEN " + str(i) for i in range(len(values)))
            order, ranks = f"CASE {column} {cases} ELSE {len(values)} END, pos", tuple(values)
        query = (
            f"SELECT {self._select(names, blank=False)} FROM {_LINKS} "  # noqa: S608 (checked)
            f"WHERE {condition} ORDER BY {order} LIMIT ?"
        )
        return self._rows(query, (*params, *ranks, limit))

    def at(self, names: Sequence[str], positions: Sequence[int]) -> Iterator[list[tuple[Any, ...]]]:
        """The ``names`` columns of the links at ``positions`` (from 0, in the links' order), in
        the order given, :data:`BLOCK` rows at a time, missing values as ""."""
        query = f"SELECT {self._select(names, blank=True)} FROM {_LINKS} WHERE pos = ?"  # noqa: S608
        for start in range(0, len(positions), BLOCK):
            yield [
                rows_of(self._db, query, (position + 1,)).fetchone()
                for position in positions[start : start + BLOCK]
            ]

    def with_occurrences(
        self, names: Sequence[str], where: Where | None = None
    ) -> Iterator[list[tuple[tuple[Any, ...], list[tuple[str, int, str]]]]]:
        """The links' ``names`` columns (missing values as None), each with its occurrences
        ``(file, line, link text)`` in the seeds' order, :data:`BLOCK` links at a time."""
        for rows in self._pages(names, where, blank=False):
            found: dict[int, list[tuple[str, int, str]]] = {row[0]: [] for row in rows}
            span = (rows[0][0] - 1, rows[-1][0])
            for pos, _seq, file, line, text in self._rows(_OCCURRENCES_SQL, (self.run_id, *span)):
                if pos in found:
                    found[pos].append((file, line, text or ""))
            yield [(row[1:], found[row[0]]) for row in rows]

    def occurrence_blocks(self) -> Iterator[list[tuple[Any, ...]]]:
        """Every occurrence of the run's links in the seeds' order, ``(file, line, url,
        link_text, status)`` with the link's ``url`` and ``status`` columns, a block at a
        time."""
        query = (
            "SELECT o.seq, o.file, o.line, k.url, o.link_text, k.status "  # noqa: S608 (constants)
            f"FROM occurrences o CROSS JOIN {_ORDER} r ON r.identity = o.identity "
            f"CROSS JOIN {_LINKS} k ON k.pos = r.pos "
            "WHERE o.run_id = ? AND o.seq > ? ORDER BY o.seq LIMIT ?"
        )
        after = -1
        while rows := self._rows(query, (self.run_id, after, BLOCK)):
            after = rows[-1][0]
            yield [row[1:] for row in rows]

    # counts ------------------------------------------------------------------------------------

    def count(self, where: Where | None = None) -> int:
        """Links meeting ``where`` (all of them without)."""
        condition, params = self._where(where, "WHERE")
        return int(self._one(f"SELECT COUNT(*) FROM {_LINKS} {condition}", params))  # noqa: S608

    def value_counts(self, name: str, where: Where | None = None) -> list[tuple[Any, int]]:
        """``(value, links)`` of one column, as pandas' ``value_counts`` gives them: most first,
        ties in the order they first appear; missing values left out."""
        condition, params = self._where(where)
        self._names((name,))
        rows = self._rows(
            f"SELECT {name}, COUNT(*) FROM {_LINKS} WHERE {name} IS NOT NULL "  # noqa: S608
            f"{condition} GROUP BY {name} ORDER BY MIN(pos)",
            params,
        )
        return sorted(rows, key=_count_descending)  # stable: ties keep their first appearance

    def segment_counts(self, by: str) -> dict[tuple[str, str], int]:
        """Links per ``by`` value and status (missing status = unchecked): ``by`` is
        ``domain`` (links with one) or ``file`` (a link counted once per seed file it is in,
        with the status of its first occurrence there)."""
        segment = "CASE status WHEN '' THEN 'unchecked' ELSE status END"
        if by == "domain":
            query = (
                f"SELECT domain, {segment}, COUNT(*) FROM {_LINKS} "  # noqa: S608 (constants)
                "WHERE domain != '' GROUP BY 1, 2"
            )
        else:
            query = (
                f"SELECT file, {segment}, COUNT(*) FROM ("  # noqa: S608 (constants)
                f"SELECT file, url, status, MIN(seq) FROM {_FILES} GROUP BY url, file"
                ") GROUP BY 1, 2"
            )
        return {(str(label), str(status)): n for label, status, n in self._rows(query)}

    def seed_files(self) -> list[str]:
        """The seed files the run's links are in, sorted."""
        rows = self._rows(f"SELECT DISTINCT file FROM {_FILES}")  # noqa: S608 (constants)
        return sorted({str(file) for (file,) in rows})

    def files_of(self, span: tuple[int, int]) -> list[list[str]]:
        """For the links at positions ``span`` (from 0, after the first, up to the second): the
        seed files each one's URL appears in, sorted (two links of one URL: the files of
        both)."""
        query = (
            f"SELECT DISTINCT b.pos, f.file FROM {_LINKS} b "  # noqa: S608 (constants)
            f"CROSS JOIN {_FILES} f ON f.url = b.url "
            "WHERE b.pos > ? AND b.pos <= ? ORDER BY b.pos, f.file"
        )
        first = span[0] + 1
        files: list[list[str]] = [[] for _ in range(span[1] - span[0])]
        for pos, file in self._rows(query, span):
            files[pos - first].append(str(file))
        shared: dict[tuple[str, ...], list[str]] = {}  # one list for links in the same files
        return [shared.setdefault(tuple(names), names) for names in files]


def _count_descending(row: tuple[Any, int]) -> int:
    return -row[1]


def run_status_counts(store: Store, upto: int | None = None) -> list[tuple[int, str, int]]:
    """``(run id, status, links)`` checked per run and status, from the ``checks`` table."""
    query = "SELECT run_id, status, COUNT(*) AS n FROM checks NOT INDEXED"  # a scan: cheapest
    params: tuple[int, ...] = ()
    if upto is not None:
        query += " WHERE run_id <= ?"
        params = (upto,)
    return rows_of(store.db, query + " GROUP BY run_id, status", params).fetchall()
