"""The report's tables: each link's row of the reports, made a block of links at a time.

The store reads the run's links a block at a time (:mod:`crawler.store.report_tables`); this
module makes each link's row of the reports of them (its latest check, its history, its
archive record, its place in the order), which the store keeps in a temporary table and reads
back a block at a time, counting and grouping there: memory stays flat in the number of links.
pandas writes the CSV blocks; it is imported only then, so a crawl pays for it (tens of MB)
only when it writes the reports.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.report.archive_columns import NO_ARCHIVE, PENDING, ArchiveRecord, archive_record
from crawler.report.attention import rank
from crawler.report.columns import LINK_COLUMNS, LINKS, OCCURRENCES, Column
from crawler.store.conditions import Where, contains, equals, filled, one_of
from crawler.store.db import Store
from crawler.store.history import Check, Policy, summarize
from crawler.store.report_tables import (
    LinkBlock,
    ReportTables,
    Rows,
    report_tables,
)
from crawler.verdict.judge import WEAK_SIGNAL
from crawler.verdict.reasons import describe

if TYPE_CHECKING:
    import pandas as pd

    from crawler.archive.progress import ArchiveCounts

#: a row of ``temp.report_links`` after its position: the link's identity, its columns, then
#: its place in the reports' order (:func:`crawler.report.attention.rank`)
_ROW = ("identity", *LINK_COLUMNS, "attention")
_AT = {name: i for i, name in enumerate(_ROW)}


@dataclass(frozen=True)
class ReportData:
    """A run's report tables, in the store's temporary tables while the reports are written
    (:func:`report_data`); the functions below read them."""

    tables: ReportTables
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


@contextmanager
def report_data(
    store: Store,
    run_id: int,
    policy: Policy | None = None,
    archive: ArchiveCounts | None = None,
) -> Iterator[ReportData]:
    """The run's tables, for the time of the ``with`` block (one state of the store, nothing
    written to it); ``archive``: its archive work so far (the links still waiting for it get
    blank archive columns: what the store holds for them is about to change)."""
    policy = policy or Policy()
    builder = _Builder(run_id, policy, archive.pending if archive else ())
    with report_tables(store, run_id, _ROW, builder.rows) as tables:
        yield ReportData(
            tables,
            run_id,
            tables.run(),
            n_links=tables.count(),
            n_occurrences=tables.n_occurrences(),
            n_runs=tables.n_runs(),
            status_counts=tables.value_counts("status"),
            change_counts=tables.value_counts("change"),
            archive=archive,
            policy=policy,
        )


#: a link never checked: its latest check (checked_at … moved_to) and its history
_UNCHECKED = (None, "", "", None, None, None, None, None)
_NEVER = (None, None, None, 0, False, "", "", "")


@dataclass
class _Builder:
    """Makes each link's row of the reports, a block of links at a time."""

    run_id: int
    policy: Policy
    #: the links whose archive work is not done yet (blank archive columns)
    pending: Collection[str]
    #: reason → its text
    described: dict[str, str] = field(default_factory=dict)

    def rows(self, block: LinkBlock) -> Rows:
        """The rows of a block of links: for ``temp.report_links`` (position, then ``_ROW``)
        and for ``temp.report_files``."""
        run_id, links = self.run_id, block.links
        first = links[0][0] if links else 1
        texts: list[dict[str, None]] = [{} for _ in links]  # the distinct link texts
        sources: list[list[str]] = [[] for _ in links]
        files: list[dict[str, int]] = [{} for _ in links]  # file → the first seq there
        for pos, seq, file, line, text in block.occurrences:
            sources[pos - first].append(f"{file}:{line}")
            files[pos - first].setdefault(file, seq)
            if isinstance(text, str) and (stripped := text.strip()):
                texts[pos - first].setdefault(stripped, None)
        checks: list[list[tuple[Any, ...]]] = [[] for _ in links]
        for row in block.checks:
            checks[row[0] - first].append(row)
        found: list[ArchiveRecord | None] = [None] * len(links)
        for pos, *columns in block.archives:
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
    data: ReportData, names: Sequence[str], where: Where | None = None, *, blank: bool = False
) -> Iterator[list[tuple[Any, ...]]]:
    """The links' ``names`` columns, in the links' order, a block of rows at a time (``where``:
    which links; ``blank``: missing values as ""); ``confirmed_dead`` as True/False."""
    flag = names.index("confirmed_dead") if "confirmed_dead" in names else -1
    for rows in data.tables.blocks(names, where, blank=blank):
        if flag >= 0:
            yield [(*row[:flag], bool(row[flag]), *row[flag + 1 :]) for row in rows]
        else:
            yield rows


def first_links(
    data: ReportData,
    names: Sequence[str],
    where: Where,
    *,
    limit: int,
    ranked: tuple[str, Sequence[Any]] | None = None,
) -> list[tuple[Any, ...]]:
    """The ``names`` columns of the first ``limit`` links meeting ``where`` (``ranked``:
    ``(column, values)``, the links with the first value first...)."""
    return data.tables.first(names, where, limit=limit, ranked=ranked)


def links_at(
    data: ReportData, names: Sequence[str], positions: Sequence[int]
) -> Iterator[list[tuple[Any, ...]]]:
    """The ``names`` columns of the links at ``positions`` (from 0, in the links' order), in
    the order given, a block of rows at a time, missing values as ""."""
    return data.tables.at(names, positions)


def links_with_occurrences(
    data: ReportData, names: Sequence[str], where: Where | None = None
) -> Iterator[list[tuple[tuple[Any, ...], list[tuple[str, int, str]]]]]:
    """The links' ``names`` columns (missing values as None), each with its occurrences
    ``(file, line, link text)`` in the seeds' order, a block of links at a time."""
    return data.tables.with_occurrences(names, where)


def link_frames(data: ReportData) -> Iterator[pd.DataFrame]:
    """links.csv's rows (``columns.LINKS``), a DataFrame per block."""
    for rows in link_blocks(data, LINK_COLUMNS):
        yield _frame(rows, LINKS)


def occurrence_frames(data: ReportData) -> Iterator[pd.DataFrame]:
    """occurrences.csv's rows (``columns.OCCURRENCES``) in the seeds' order, a DataFrame per
    block."""
    for rows in data.tables.occurrence_blocks():
        yield _frame(rows, OCCURRENCES)


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


def value_counts(data: ReportData, name: str, where: Where | None = None) -> list[tuple[Any, int]]:
    """``(value, links)`` of one column, as pandas' ``value_counts`` gives them: most first,
    ties in the order they first appear; missing values left out."""
    return data.tables.value_counts(name, where)


#: the links that now show something else (their ``drift``)
DRIFTED = filled("drift")


def count(data: ReportData, where: Where) -> int:
    """Links meeting ``where``."""
    return data.tables.count(where)


def segment_counts(data: ReportData, by: str) -> dict[tuple[str, str], int]:
    """Links per ``by`` value and status (missing status = unchecked), for the charts: ``by``
    is ``domain`` (links with one) or ``file`` (a link counted once per seed file it is in,
    with the status of its first occurrence there, as ``drop_duplicates(["file", "url"])``)."""
    return data.tables.segment_counts(by)


def seed_files(data: ReportData) -> list[str]:
    """The seed files the run's links are in, sorted."""
    return data.tables.seed_files()


def files_of(data: ReportData, span: tuple[int, int]) -> list[list[str]]:
    """For the links at positions ``span`` (as :func:`link_blocks` counts them, from 0): the
    seed files each one's URL appears in, sorted (two links of one URL: the files of both)."""
    return data.tables.files_of(span)


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
_WEAK = equals("status", "alive") & contains("detail", WEAK_SIGNAL)
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
    where = one_of("reason", UNREADABLE_REASONS) | _WEAK
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
