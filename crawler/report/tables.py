"""The report's tables, built in the store a block of links at a time.

The run's links, in the order they first appear (by occurrence ``seq``), are built
:data:`BLOCK` links at a time — their occurrences, their checks across runs, their archive
record, read from the store for that block alone — and written to a temporary table of the
store's connection (``temp.report_links``, in SQLite's temporary file). The reports read that
table back a block at a time and count and group in SQL: memory stays flat in the number of
links. pandas writes the CSV blocks; it is imported only then, so a crawl pays for it (tens of
MB) only when it writes the reports.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.report.archive_columns import (
    ARCHIVE_COLUMNS,
    NO_ARCHIVE,
    PENDING,
    ArchiveRecord,
    archive_record,
    has_archives,
)
from crawler.report.attention import rank
from crawler.report.columns import LINK_COLUMNS, LINKS, OCCURRENCES, Column
from crawler.store.history import Check, Policy, summarize
from crawler.verdict.judge import WEAK_SIGNAL
from crawler.verdict.reasons import describe

if TYPE_CHECKING:
    import pandas as pd

    from crawler.archive.progress import ArchiveCounts

#: links (or occurrences) built, read and written at a time: the reports' memory is a few
#: blocks, whatever the number of links
BLOCK = 5000

#: a row of ``temp.report_links`` after its position: the link's identity, its columns, then
#: its place in the reports' order (:func:`crawler.report.attention.rank`)
_ROW = ("identity", *LINK_COLUMNS, "attention")
_AT = {name: i for i, name in enumerate(_ROW)}
#: the temporary tables (dropped when the reports are written)
_ORDER = "temp.report_order"  # pos (the link's rank by first occurrence) → identity
_LINKS = "temp.report_links"  # pos → the link's row of links.csv (``_ROW``)
_FILES = "temp.report_files"  # a link's URL, a seed file it is in, its first seq there, status


@dataclass(frozen=True)
class ReportData:
    """A run's report tables, in the store's temporary tables while the reports are written
    (:func:`report_data`); the functions below read them."""

    db: sqlite3.Connection
    run_id: int
    run: dict[str, object]
    #: the run's links and their occurrences
    n_links: int
    n_occurrences: int
    #: the runs in the store
    n_runs: int
    #: ``(value, links)`` of the status and change columns, as :func:`value_counts` gives them
    status_counts: list[tuple[str, int]]
    change_counts: list[tuple[str, int]]
    #: the run's archive work so far, when the crawl gave it
    archive: ArchiveCounts | None = None
    #: when a failing link is confirmed dead
    policy: Policy = field(default_factory=Policy)


#: the most items (file:line places, link texts) one cell of links.csv lists, and its most
#: characters: a link standing 10,000 times must not make a field no CSV reader takes (Python's
#: refuses fields past 131,072 characters); occurrences.csv keeps every occurrence
MOST_LISTED = 100
MOST_LISTED_CHARS = 20_000


def listed(items: list[str], sep: str) -> str:
    """``items`` joined by ``sep``, cut at :data:`MOST_LISTED` items or
    :data:`MOST_LISTED_CHARS` characters, then ``… N more``."""
    shown = 0
    size = 0
    for item in items[:MOST_LISTED]:
        size += len(item) + len(sep)
        if size > MOST_LISTED_CHARS:
            break
        shown += 1
    text = sep.join(items[:shown])
    if shown < len(items):
        text += f"{sep if shown else ''}… {len(items) - shown} more"
    return text


def _tuples(db: sqlite3.Connection, query: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
    """The query's rows as plain tuples, whatever the connection's row factory."""
    cursor = db.cursor()
    cursor.row_factory = None
    return cursor.execute(query, params)


def _one(db: sqlite3.Connection, query: str, params: Sequence[Any] = ()) -> Any:
    row = _tuples(db, query, params).fetchone()
    return row[0] if row else None


@contextmanager
def report_data(
    db: sqlite3.Connection,
    run_id: int,
    policy: Policy | None = None,
    archive: ArchiveCounts | None = None,
) -> Iterator[ReportData]:
    """The run's tables, for the time of the ``with`` block; ``archive``: its archive work so
    far (the links still waiting for it get blank archive columns: what the store holds for
    them is about to change).

    Everything is read in one read transaction (one state of the store), unless the
    connection is in a transaction already; rolling it back at the end drops the temporary
    tables (nothing else is written), whatever happened.
    """
    own = not db.in_transaction
    if own:
        db.execute("BEGIN")
    try:
        _drop(db)
        _build(db, run_id, policy or Policy(), archive)
        names = [d[0] for d in _tuples(db, "SELECT * FROM runs LIMIT 0").description]
        row = _tuples(db, "SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        yield ReportData(
            db,
            run_id,
            dict(zip(names, row, strict=True)) if row else {"id": run_id},
            n_links=_one(db, f"SELECT COUNT(*) FROM {_LINKS}"),  # noqa: S608 (constants)
            n_occurrences=_one(
                db,
                f"SELECT COUNT(*) FROM occurrences o JOIN {_ORDER} r "  # noqa: S608 (constants)
                "ON r.identity = o.identity WHERE o.run_id = ?",
                (run_id,),
            ),
            n_runs=_one(db, "SELECT COUNT(*) FROM runs"),
            status_counts=_value_counts(db, "status"),
            change_counts=_value_counts(db, "change"),
            archive=archive,
            policy=policy or Policy(),
        )
    finally:
        if not own:
            _drop(db)
        elif db.in_transaction:
            db.execute("ROLLBACK")


def _drop(db: sqlite3.Connection) -> None:
    for table in (_FILES, _LINKS, _ORDER):
        db.execute(f"DROP TABLE IF EXISTS {table}")


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
#: a link never checked: its latest check (checked_at … moved_to) and its history
_UNCHECKED = (None, "", "", None, None, None, None, None)
_NEVER = (None, None, None, 0, False, "", "", "")


def _build(
    db: sqlite3.Connection, run_id: int, policy: Policy, archive: ArchiveCounts | None
) -> None:
    """Fill ``temp.report_order``, then ``temp.report_links`` and ``temp.report_files``, a
    block of links at a time."""
    db.execute(f"CREATE TABLE {_ORDER} (pos INTEGER PRIMARY KEY, identity UNIQUE)")
    db.execute(
        f"INSERT INTO {_ORDER}(identity) SELECT o.identity FROM occurrences o "  # noqa: S608
        "JOIN links l ON l.identity = o.identity WHERE o.run_id = ? "
        "GROUP BY o.identity ORDER BY MIN(o.seq)",
        (run_id,),
    )
    # no column affinity: every value comes back as the Python value it went in as
    db.execute(f"CREATE TABLE {_LINKS} (pos INTEGER PRIMARY KEY, {', '.join(_ROW)})")
    db.execute(f"CREATE TABLE {_FILES} (url, file, seq, status)")
    insert = f"INSERT INTO {_LINKS} VALUES ({', '.join('?' * (len(_ROW) + 1))})"  # noqa: S608
    insert_files = f"INSERT INTO {_FILES} VALUES (?, ?, ?, ?)"  # noqa: S608 (constants)
    builder = _Builder(db, run_id, policy, has_archives(db), archive.pending if archive else ())
    n = _one(db, f"SELECT COUNT(*) FROM {_ORDER}")  # noqa: S608 (constants)
    for start in range(0, n, BLOCK):
        rows, files = builder.rows((start, start + BLOCK))
        db.executemany(insert, rows)
        db.executemany(insert_files, files)
    db.execute(f"CREATE INDEX {_FILES}_url ON {_FILES.split('.')[1]} (url, file, seq, status)")


@dataclass
class _Builder:
    """Makes the rows of ``temp.report_links``, a block of links at a time."""

    db: sqlite3.Connection
    run_id: int
    policy: Policy
    #: whether the store has the archive's table
    archives: bool
    #: the links whose archive work is not done yet (blank archive columns)
    pending: Collection[str]
    #: reason → its text
    described: dict[str, str] = field(default_factory=dict)

    def rows(self, span: tuple[int, int]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The rows of the links at positions ``span`` (after the first, up to the second):
        for ``temp.report_links`` (position, then ``_ROW``) and for ``temp.report_files``."""
        db, run_id, first = self.db, self.run_id, span[0] + 1
        links = _tuples(db, _LINKS_SQL, span).fetchall()
        texts: list[dict[str, None]] = [{} for _ in links]  # the distinct link texts
        sources: list[list[str]] = [[] for _ in links]
        files: list[dict[str, int]] = [{} for _ in links]  # file → the first seq there
        for pos, seq, file, line, text in _tuples(db, _OCCURRENCES_SQL, (run_id, *span)):
            sources[pos - first].append(f"{file}:{line}")
            files[pos - first].setdefault(file, seq)
            if isinstance(text, str) and (stripped := text.strip()):
                texts[pos - first].setdefault(stripped, None)
        checks: list[list[tuple[Any, ...]]] = [[] for _ in links]
        for row in _tuples(db, _CHECKS_SQL, (run_id, *span)):
            checks[row[0] - first].append(row)
        found: list[ArchiveRecord | None] = [None] * len(links)
        if self.archives:
            for pos, *columns in _tuples(db, _ARCHIVES_SQL, span):
                found[pos - first] = archive_record(*columns)
        rows = []
        in_files = []
        for k, (pos, identity, url, host, first_seen, reference_url) in enumerate(links):
            latest, history = _latest(checks[k], run_id, self.policy, first_seen, reference_url)
            checked_at, status, reason, http_status, final_url, title, detail, moved_to = latest
            archive_url, archived_at, archive_status, archive_title = (
                PENDING if identity in self.pending else found[k] or NO_ARCHIVE
            )
            if title is None or title == "":  # no live title: the snapshot's, if any
                title = archive_title or None
            if reason not in self.described:
                self.described[reason] = _describe(reason)
            row = (  # pos, then _ROW (but the rank)
                pos,
                identity,
                url,
                status,
                reason,
                http_status,
                final_url,
                title,
                listed(list(texts[k]), " | "),
                listed(sources[k], "; "),
                len(sources[k]),
                checked_at,
                archive_url,
                archived_at,
                archive_status,
                host,
                self.described[reason],
                detail,
                moved_to,
                *history,
            )
            drift = row[1 + _AT["drift"]] if "drift" in _AT else ""
            attention = rank(status, row[1 + _AT["confirmed_dead"]], row[1 + _AT["change"]], drift)
            rows.append((*row, attention))
            in_files += [(url, file, seq, status) for file, seq in files[k].items()]
        return rows, in_files


def _latest(
    rows: list[tuple[Any, ...]],
    run_id: int,
    policy: Policy,
    first_seen: str | None,
    reference_url: str | None,
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """A link's latest check up to the run (checked_at … moved_to) and its history
    (``columns.HISTORY``), from its checks oldest first (one per run)."""
    if not rows:
        return _UNCHECKED, _NEVER
    checks = [Check(r[1], r[2], r[3], r[7], bool(r[10]), r[11] or "") for r in rows]
    summary = summarize(checks, policy, first_seen)
    _pos, last_run, checked_at, status, reason, http_status, *rest = rows[-1]
    final_url, title, detail, moved_to, _counted, drift = rest
    return (checked_at, status, reason, http_status, final_url, title, detail, moved_to), (
        summary.first_seen,
        summary.last_alive_at,
        summary.first_failed_at,
        summary.fail_streak,
        summary.confirmed_dead,
        # not checked in this run: nothing changed in it
        summary.change if last_run == run_id else "",
        drift or "",
        (reference_url or "") if drift else "",
    )


def _describe(reason: str) -> str:
    return describe(reason) if reason else "not checked yet"


# reading the tables back ----------------------------------------------------------------------


def link_blocks(
    data: ReportData, names: Sequence[str], where: str = "", *, blank: bool = False
) -> Iterator[list[tuple[Any, ...]]]:
    """The links' ``names`` columns, in the links' order, :data:`BLOCK` rows at a time
    (``where``: an SQL condition on them; ``blank``: missing values as ""); ``confirmed_dead``
    as True/False."""
    condition = f"AND ({where})" if where else ""
    query = (
        f"SELECT pos, {_columns(names, blank=blank)} FROM {_LINKS} "  # noqa: S608 (our names)
        f"WHERE pos > ? {condition} ORDER BY pos LIMIT ?"
    )
    flag = names.index("confirmed_dead") + 1 if "confirmed_dead" in names else 0
    after = 0
    while rows := _tuples(data.db, query, (after, BLOCK)).fetchall():
        after = rows[-1][0]
        if flag:
            yield [(*row[1:flag], bool(row[flag]), *row[flag + 1 :]) for row in rows]
        else:
            yield [row[1:] for row in rows]


def _columns(names: Sequence[str], *, blank: bool) -> str:
    return ", ".join(f"IFNULL({name}, '')" if blank else name for name in names)


def first_links(
    data: ReportData, names: Sequence[str], where: str, *, order: str, limit: int
) -> list[tuple[Any, ...]]:
    """The ``names`` columns of the first ``limit`` links meeting ``where`` in ``order`` (SQL)."""
    query = (
        f"SELECT {', '.join(names)} FROM {_LINKS} WHERE {where} "  # noqa: S608 (our names)
        f"ORDER BY {order} LIMIT ?"
    )
    return _tuples(data.db, query, (limit,)).fetchall()


def links_at(
    data: ReportData, names: Sequence[str], positions: Sequence[int]
) -> Iterator[list[tuple[Any, ...]]]:
    """The ``names`` columns of the links at ``positions`` (from 0, in the links' order), in
    the order given, :data:`BLOCK` rows at a time, missing values as ""."""
    query = f"SELECT {_columns(names, blank=True)} FROM {_LINKS} WHERE pos = ?"  # noqa: S608
    for start in range(0, len(positions), BLOCK):
        yield [
            _tuples(data.db, query, (position + 1,)).fetchone()
            for position in positions[start : start + BLOCK]
        ]


def links_with_occurrences(
    data: ReportData, names: Sequence[str], where: str = ""
) -> Iterator[list[tuple[tuple[Any, ...], list[tuple[str, int, str]]]]]:
    """The links' ``names`` columns (as :func:`link_blocks` gives them, missing values as
    None), each with its occurrences ``(file, line, link text)`` in the seeds' order,
    :data:`BLOCK` links at a time."""
    condition = f"AND ({where})" if where else ""
    query = (
        f"SELECT pos, {', '.join(names)} FROM {_LINKS} "  # noqa: S608 (our names)
        f"WHERE pos > ? {condition} ORDER BY pos LIMIT ?"
    )
    after = 0
    while rows := _tuples(data.db, query, (after, BLOCK)).fetchall():
        found: dict[int, list[tuple[str, int, str]]] = {row[0]: [] for row in rows}
        span = (rows[0][0] - 1, rows[-1][0])
        for pos, _seq, file, line, text in _tuples(data.db, _OCCURRENCES_SQL, (data.run_id, *span)):
            if pos in found:
                found[pos].append((file, line, text or ""))
        after = rows[-1][0]
        yield [(row[1:], found[row[0]]) for row in rows]


def link_frames(data: ReportData) -> Iterator[pd.DataFrame]:
    """links.csv's rows (``columns.LINKS``), a DataFrame per block."""
    for rows in link_blocks(data, LINK_COLUMNS):
        yield _frame(rows, LINKS)


def occurrence_frames(data: ReportData) -> Iterator[pd.DataFrame]:
    """occurrences.csv's rows (``columns.OCCURRENCES``) in the seeds' order, a DataFrame per
    block."""
    query = (
        "SELECT o.seq, o.file, o.line, k.url, o.link_text, k.status "  # noqa: S608 (constants)
        f"FROM occurrences o CROSS JOIN {_ORDER} r ON r.identity = o.identity "
        f"CROSS JOIN {_LINKS} k ON k.pos = r.pos "
        "WHERE o.run_id = ? AND o.seq > ? ORDER BY o.seq LIMIT ?"
    )
    after = -1
    while rows := _tuples(data.db, query, (data.run_id, after, BLOCK)).fetchall():
        after = rows[-1][0]
        yield _frame([row[1:] for row in rows], OCCURRENCES)


def _frame(rows: list[tuple[Any, ...]], declared: tuple[Column, ...]) -> pd.DataFrame:
    """The declared columns, from rows in their order; an integer column that may be empty as
    pandas' nullable integers (written ``404`` or empty, never ``404.0``)."""
    import pandas as pd  # noqa: PLC0415 (pandas costs tens of MB: only when reports are built)

    columns = list(zip(*rows, strict=True)) if rows else [() for _ in declared]
    data = {
        column.name: pd.array(list(values), dtype="Int64")
        if column.type == "integer or empty"
        else list(values)
        for column, values in zip(declared, columns, strict=True)
    }
    return pd.DataFrame(data, columns=[column.name for column in declared])


def value_counts(data: ReportData, name: str, where: str = "") -> list[tuple[Any, int]]:
    """``(value, links)`` of one column, as pandas' ``value_counts`` gives them: most first,
    ties in the order they first appear; missing values left out."""
    return _value_counts(data.db, name, where)


def _value_counts(db: sqlite3.Connection, name: str, where: str = "") -> list[tuple[Any, int]]:
    condition = f"AND ({where})" if where else ""
    rows = _tuples(
        db,
        f"SELECT {name}, COUNT(*) FROM {_LINKS} WHERE {name} IS NOT NULL "  # noqa: S608
        f"{condition} GROUP BY {name} ORDER BY MIN(pos)",
    ).fetchall()
    return sorted(rows, key=_count_descending)  # stable: ties keep their first appearance


def _count_descending(row: tuple[Any, int]) -> int:
    return -row[1]


def drift_condition() -> str:
    """The SQL condition of the links that now show something else (their ``drift``)."""
    return "drift IS NOT NULL AND drift != ''"


def count(data: ReportData, where: str) -> int:
    """Links whose columns meet an SQL condition."""
    return int(_one(data.db, f"SELECT COUNT(*) FROM {_LINKS} WHERE {where}"))  # noqa: S608


def segment_counts(data: ReportData, by: str) -> dict[tuple[str, str], int]:
    """Links per ``by`` value and status (missing status = unchecked), for the charts: ``by``
    is ``domain`` (links with one) or ``file`` (a link counted once per seed file it is in,
    with the status of its first occurrence there, as ``drop_duplicates(["file", "url"])``)."""
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
    return {(str(label), str(status)): n for label, status, n in _tuples(data.db, query)}


def seed_files(data: ReportData) -> list[str]:
    """The seed files the run's links are in, sorted."""
    rows = _tuples(data.db, f"SELECT DISTINCT file FROM {_FILES}")  # noqa: S608 (constants)
    return sorted({str(file) for (file,) in rows})


def files_of(data: ReportData, span: tuple[int, int]) -> list[list[str]]:
    """For the links at positions ``span`` (as :func:`link_blocks` counts them, from 0): the
    seed files each one's URL appears in, sorted (two links of one URL: the files of both)."""
    query = (
        f"SELECT DISTINCT b.pos, f.file FROM {_LINKS} b "  # noqa: S608 (constants)
        f"CROSS JOIN {_FILES} f ON f.url = b.url "
        "WHERE b.pos > ? AND b.pos <= ? ORDER BY b.pos, f.file"
    )
    first = span[0] + 1
    files: list[list[str]] = [[] for _ in range(span[1] - span[0])]
    for pos, file in _tuples(data.db, query, span):
        files[pos - first].append(str(file))
    shared: dict[tuple[str, ...], list[str]] = {}  # one list for links in the same files
    return [shared.setdefault(tuple(names), names) for names in files]


_SAFE_SCHEMES = ("http://", "https://")


def safe_href(url: object) -> str | None:
    """Only http(s) links become clickable; anything else (javascript:…) stays text."""
    return url if isinstance(url, str) and url.lower().startswith(_SAFE_SCHEMES) else None


def blank(value: Any) -> Any:
    """A missing value as an empty string, for templates and text."""
    return "" if value is None else value


def banner_for(data: ReportData) -> str | None:
    if data.run.get("state") == "degraded":
        return f"Degraded run: {data.run.get('degraded_reason') or 'the network was unusable'}."
    if data.archive is not None and data.archive.pending:
        return (
            "Every link has its verdict; the archive is still at work: the archive columns of "
            f"{len(data.archive.pending)} links are filled when the run ends."
        )
    if not data.run.get("finished_at"):
        return "This run did not finish: links without a verdict are shown as unchecked."
    return None


#: the reasons of a page we could not read: their wordings and titles are listed for learning
UNREADABLE_REASONS = ("unrecognized-page", "truncated-page")
#: ... and the pages judged alive only on a weak signal (``detail`` says so: see the verdicts)
_WEAK = f"(status = 'alive' AND detail LIKE '%{WEAK_SIGNAL}%')"
_MESSAGE_PREFIX = "message: "


@dataclass(frozen=True, slots=True)
class Unrecognized:
    """Pages nobody taught us, grouped by what they said: a message wording or a title."""

    kind: str  # "message", "title", "nothing" or "weak signal" (alive on a weak signal)
    text: str
    count: int
    example_url: str


def unrecognized(data: ReportData) -> list[Unrecognized]:
    """The wordings and titles of the pages we could not read, most frequent first.

    Add a wording to a rules file (docs/rules.md) and check it with ``linkhealth rules
    explain``: the next run judges those pages by it.
    """
    groups: dict[tuple[str, str], list[Any]] = {}  # key → [count, first url]
    reasons = ", ".join(f"'{reason}'" for reason in UNREADABLE_REASONS)
    where = f"reason IN ({reasons}) OR {_WEAK}"
    for block in link_blocks(data, ("detail", "title", "url", "status"), where):
        for detail, title, url, status in block:
            said = str(detail or "").split("; ", 1)[0]
            if status == "alive":
                key = ("weak signal", str(title or "").strip())
            elif said.startswith(_MESSAGE_PREFIX):
                key = ("message", said.removeprefix(_MESSAGE_PREFIX))
            elif str(title or "").strip():
                key = ("title", str(title).strip())
            else:
                key = ("nothing", "")
            group = groups.setdefault(key, [0, str(blank(url))])
            group[0] += 1
    found = [Unrecognized(kind, text, n, url) for (kind, text), (n, url) in groups.items()]
    return sorted(found, key=lambda g: (-g.count, g.kind, g.text))
