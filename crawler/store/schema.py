"""The state file's tables, each declared once: the ``CREATE TABLE`` statements and the
columns the writes name are made from these declarations.

A column is a :class:`Column` (its name and SQL type); the columns a row type carries are made
from the row's dataclass fields (:func:`columns_of`: ``str`` is ``TEXT NOT NULL``, ``str |
None`` is ``TEXT``, a default is the column's ``DEFAULT``; a field's ``sql`` metadata says it
otherwise). A check's columns are the :class:`~crawler.base.verdicts.Verdict`'s fields (but
:data:`NOT_STORED`): :class:`CheckRow` is a verdict with its link and time, so a new verdict
field is a new column by itself (a new migration brings older files to it).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crawler.base.verdicts import Verdict

#: the schema this code writes; a file of a newer one is refused (crawler/store/migrations.py)
SCHEMA_VERSION = 3


def _sql(text: str) -> Mapping[str, str]:
    """A field's column type and constraints, when its Python type does not say them."""
    return {"sql": text}


@dataclass(frozen=True, slots=True)
class LinkRow:
    """A link as the run's seeds give it (a row of ``links``)."""

    identity: str = field(metadata=_sql("TEXT PRIMARY KEY"))
    url: str
    fetch_url: str | None
    host: str = field(metadata=_sql("TEXT NOT NULL DEFAULT ''"))


@dataclass(frozen=True, slots=True)
class OccurrenceRow:
    """Where a link stands in the run's seeds (a row of ``occurrences``)."""

    identity: str = field(metadata=_sql("TEXT NOT NULL REFERENCES links(identity)"))
    file: str
    line: int
    link_text: str = field(metadata=_sql("TEXT NOT NULL DEFAULT ''"))
    kind: str = field(metadata=_sql("TEXT NOT NULL DEFAULT ''"))


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRow(Verdict):
    """A link's verdict in a run (a row of ``checks``): the verdict's fields, then these."""

    identity: str = field(metadata=_sql("TEXT NOT NULL REFERENCES links(identity)"))
    checked_at: str
    #: counts toward confirmation (false in a degraded, offline run)
    counted: bool = True
    #: what the page shows instead of what was linked (docs/drift.md), if it drifted
    drift: str = ""

    @classmethod
    def of(
        cls, verdict: Verdict, *, identity: str, checked_at: str, counted: bool = True
    ) -> CheckRow:
        """The check of ``verdict``."""
        given = {f.name: getattr(verdict, f.name) for f in dataclasses.fields(Verdict)}
        return cls(**given, identity=identity, checked_at=checked_at, counted=counted)


#: the verdict's fields a check does not keep (``rule``: for ``linkhealth rules explain``)
NOT_STORED = frozenset({"rule"})


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    #: its type and constraints, as ``CREATE TABLE`` writes them
    sql: str


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    #: table constraints (``PRIMARY KEY (run_id, seq)``)
    constraints: tuple[str, ...] = ()
    #: ``(name, columns)`` of each index
    indexes: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def ddl(self) -> list[str]:
        """The statements that make the table and its indexes (when missing)."""
        lines = [f"{c.name} {c.sql}" for c in self.columns] + list(self.constraints)
        body = ",\n    ".join(lines)
        return [
            f"CREATE TABLE IF NOT EXISTS {self.name} (\n    {body}\n)",
            *(
                f"CREATE INDEX IF NOT EXISTS {name} ON {self.name}({', '.join(on)})"
                for name, on in self.indexes
            ),
        ]

    def insert(
        self,
        names: Sequence[str],
        *,
        key: Sequence[str] = (),
        update: Sequence[str] | None = None,
        keep: str = "",
    ) -> str:
        """``INSERT`` of these columns; given ``key``, a row already there gets the new values
        of ``update`` (default: all but the key's; ``keep``: the SQL of ``ON CONFLICT``'s
        ``SET``, instead)."""
        unknown = set(names) - set(self.names)
        if unknown:
            raise ValueError(f"not a column of {self.name}: {sorted(unknown)}")
        sql = (
            f"INSERT INTO {self.name}({', '.join(names)}) "  # noqa: S608 (declared names)
            f"VALUES ({', '.join('?' * len(names))})"
        )
        if key:
            updated = [n for n in names if n not in key] if update is None else update
            keep = keep or ", ".join(f"{n}=excluded.{n}" for n in updated)
            sql += f" ON CONFLICT({', '.join(key)}) DO UPDATE SET {keep}"
        return sql

    def exists(self, db: sqlite3.Connection) -> bool:
        """Whether the file has the table (a file the archive never opened has no archives)."""
        found = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (self.name,)
        ).fetchone()
        return found is not None


#: a field's Python type (as written) → its column's type
_TYPES = {
    "str": "TEXT NOT NULL",
    "str | None": "TEXT",
    "int": "INTEGER NOT NULL",
    "int | None": "INTEGER",
    "bool": "INTEGER NOT NULL",
}


def _default(value: Any) -> str:
    if value is dataclasses.MISSING or value is None:
        return ""
    if isinstance(value, bool | int):
        return f" DEFAULT {int(value)}"
    return " DEFAULT '{}'".format(str(value).replace("'", "''"))


def columns_of(row: type[Any], names: Sequence[str] | None = None) -> tuple[Column, ...]:
    """The columns of a row type's fields (``names``: those, in that order)."""
    found = {f.name: f for f in dataclasses.fields(row)}
    return tuple(_column(found[name]) for name in (names if names is not None else found))


def _column(given: dataclasses.Field[Any]) -> Column:
    sql = given.metadata.get("sql") or _TYPES[str(given.type)] + _default(given.default)
    return Column(given.name, sql)


def row_values(row: Any, names: Sequence[str]) -> tuple[Any, ...]:
    """A row's values of these columns, in that order."""
    return tuple(getattr(row, name) for name in names)


META = Table("meta", (Column("key", "TEXT PRIMARY KEY"), Column("value", "TEXT NOT NULL")))
RUNS = Table(
    "runs",
    (
        Column("id", "INTEGER PRIMARY KEY"),
        Column("started_at", "TEXT NOT NULL"),
        Column("finished_at", "TEXT"),
        Column("seeds", "TEXT NOT NULL DEFAULT ''"),
        Column("state", "TEXT NOT NULL DEFAULT 'running'"),
        Column("degraded_reason", "TEXT"),
        Column("stats", "TEXT NOT NULL DEFAULT '{}'"),
    ),
)
LINKS = Table(
    "links",
    (
        *columns_of(LinkRow),
        Column("first_seen", "TEXT NOT NULL"),
        # the link's reference snapshot (docs/drift.md): its title, time and address, and
        # when it was looked for
        *(Column(f"reference_{n}", "TEXT") for n in ("title", "at", "url", "sought")),
    ),
)
OCCURRENCES = Table(
    "occurrences",
    (
        Column("run_id", "INTEGER NOT NULL REFERENCES runs(id)"),
        Column("seq", "INTEGER NOT NULL"),
        *columns_of(OccurrenceRow),
    ),
    constraints=("PRIMARY KEY (run_id, seq)",),
    indexes=(("occurrences_identity", ("run_id", "identity")),),
)
#: the columns of a check, in the table's order
CHECK_COLUMNS = (
    "identity",
    "checked_at",
    *(f.name for f in dataclasses.fields(Verdict) if f.name not in NOT_STORED),
    "counted",
    "drift",
)
CHECKS = Table(
    "checks",
    (
        Column("run_id", "INTEGER NOT NULL REFERENCES runs(id)"),
        *columns_of(CheckRow, CHECK_COLUMNS),
    ),
    constraints=("PRIMARY KEY (run_id, identity)",),
    indexes=(("checks_identity", ("identity", "run_id")),),
)
#: the archive's own table (crawler/store/archive.py): one row per link
ARCHIVES = Table(
    "archives",
    (
        Column("identity", "TEXT PRIMARY KEY"),
        Column("url", "TEXT NOT NULL"),
        Column("archive_url", "TEXT"),
        Column("archived_at", "TEXT"),
        Column("archive_status", "TEXT NOT NULL"),
        Column("title", "TEXT"),
        Column("detail", "TEXT NOT NULL DEFAULT ''"),
        Column("checked_at", "TEXT NOT NULL"),
        Column("run_id", "INTEGER"),
    ),
)
#: the crawl's tables, in the order they are made (the archive's is made with them, and by
#: the archive when it first opens an older file)
TABLES = (META, RUNS, LINKS, OCCURRENCES, CHECKS)
