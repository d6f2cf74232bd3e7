"""The report's tables, as pandas DataFrames built from the store alone.

The rows are gathered in plain Python (one pass over the run's occurrences, one over its checks,
both in SQL order) and become DataFrames once, at the end. pandas is imported only then, so a
crawl pays for it (tens of MB) only when it writes the reports.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.archive.report import NO_ARCHIVE, PENDING, archive_records
from crawler.history import Check, Policy, summarize
from crawler.reasons import describe
from crawler.report.columns import LINKS, OCCURRENCES, Column

if TYPE_CHECKING:
    import pandas as pd

    from crawler.archive.progress import ArchiveCounts

#: a link's latest check, as :func:`_checks` gives it (checked_at … moved_to)
_LATEST = (
    "checked_at",
    "status",
    "reason",
    "http_status",
    "final_url",
    "title",
    "detail",
    "moved_to",
)
#: a link's history, as :func:`_checks` gives it (the columns of ``columns.HISTORY``)
_HISTORY = (
    "first_seen",
    "last_alive_at",
    "first_failed_at",
    "fail_streak",
    "confirmed_dead",
    "change",
)


def _empty_frame() -> pd.DataFrame:
    import pandas as pd  # noqa: PLC0415 (pandas costs tens of MB: only when reports are built)

    return pd.DataFrame()


@dataclass
class ReportData:
    run_id: int
    run: dict[str, object]
    links: pd.DataFrame
    occurrences: pd.DataFrame
    runs: pd.DataFrame = field(default_factory=_empty_frame)
    #: the run's archive work so far, when the crawl gave it
    archive: ArchiveCounts | None = None


def _tuples(db: sqlite3.Connection, query: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
    """The query's rows as plain tuples, whatever the connection's row factory."""
    cursor = db.cursor()
    cursor.row_factory = None
    return cursor.execute(query, params)


class _Links:
    """The run's links in the order they first appear (by occurrence ``seq``), as columns."""

    def __init__(self, db: sqlite3.Connection, run_id: int) -> None:
        self.position: dict[str, int] = {}
        self.identity: list[str] = []
        self.url: list[Any] = []
        self.domain: list[Any] = []
        self.first_seen: list[str | None] = []
        self.texts: list[dict[str, None] | None] = []  # the distinct link texts, if any
        self.shared: dict[Any, Any] = {}
        self.sources: list[list[str]] = []
        # the occurrences, in order: their link's position and their own columns
        self.occ_link: list[int] = []
        self.occ_file: list[Any] = []
        self.occ_line: list[Any] = []
        self.occ_url: list[Any] = []
        self.occ_text: list[Any] = []
        rows = _tuples(
            db,
            "SELECT o.seq, o.identity, o.file, o.line, o.link_text, l.url, l.host, l.first_seen "
            "FROM occurrences o JOIN links l ON l.identity = o.identity "
            "WHERE o.run_id = ? ORDER BY o.seq",
            (run_id,),
        )
        position, texts, sources = self.position, self.texts, self.sources
        occ_link, occ_file, occ_line = self.occ_link, self.occ_file, self.occ_line
        occ_url, occ_text = self.occ_url, self.occ_text
        shared = self.shared = {}  # one copy of each repeated text (files, hosts, times)
        for _seq, identity, raw_file, line, text, url, host, first_seen in rows:
            file = shared.setdefault(raw_file, raw_file)
            k = position.get(identity)
            if k is None:
                k = position[identity] = len(self.identity)
                self.identity.append(identity)
                self.url.append(url)
                self.domain.append(shared.setdefault(host, host))
                self.first_seen.append(shared.setdefault(first_seen, first_seen))
                texts.append(None)
                sources.append([])
            sources[k].append(f"{file}:{line}")
            if isinstance(text, str) and (stripped := text.strip()):
                found = texts[k]
                if found is None:
                    texts[k] = {stripped: None}
                else:
                    found.setdefault(stripped, None)
            occ_link.append(k)
            occ_file.append(file)
            occ_line.append(line)
            occ_url.append(url)
            occ_text.append(text)


#: a link's check, as read below: run_id, checked_at, status, reason, http_status, final_url,
#: title, detail, moved_to, counted
_CHECK_SQL = (
    "SELECT identity, run_id, checked_at, status, reason, http_status, final_url, title, "
    "detail, moved_to, counted FROM checks NOT INDEXED WHERE run_id <= ?"
)  # one pass over the table: much cheaper than a lookup per link by either index


def _checks(
    db: sqlite3.Connection, run_id: int, policy: Policy, links: _Links
) -> tuple[list[tuple[Any, ...] | None], list[tuple[Any, ...] | None]]:
    """Per link (by position): its latest check up to this run (the ``_LATEST`` fields), and
    its history (the ``_HISTORY`` fields); None for a link never checked."""
    position = links.position
    shared = links.shared
    found: list[Any] = [None] * len(position)  # a link's row, or its rows when it has several
    for row in _tuples(db, _CHECK_SQL, (run_id,)):
        k = position.get(row[0])
        if k is None:
            continue  # a link this run does not have
        before = found[k]
        if before is None:
            found[k] = row
        elif type(before) is list:
            before.append(row)
        else:
            found[k] = [before, row]
    latest: list[tuple[Any, ...] | None] = [None] * len(position)
    history: list[tuple[Any, ...] | None] = [None] * len(position)
    for k, found_rows in enumerate(found):
        if found_rows is None:
            continue
        found[k] = None
        # oldest first (one row per link and run)
        rows = sorted(found_rows, key=_run_id) if type(found_rows) is list else [found_rows]
        checks = [Check(r[1], r[2], r[3], r[7], bool(r[10])) for r in rows]
        summary = summarize(checks, policy, links.first_seen[k])
        _identity, last_run, checked_at, status, reason, http_status, *rest = rows[-1]
        final_url, title, detail, moved_to, _counted = rest
        latest[k] = (  # the _LATEST fields
            shared.setdefault(checked_at, checked_at),
            shared.setdefault(status, status),
            shared.setdefault(reason, reason),
            shared.setdefault(http_status, http_status),
            final_url,
            title,
            shared.setdefault(detail, detail),
            moved_to,
        )
        history[k] = (  # the _HISTORY fields
            summary.first_seen,
            summary.last_alive_at,
            summary.first_failed_at,
            summary.fail_streak,
            summary.confirmed_dead,
            # not checked in this run: nothing changed in it
            summary.change if last_run == run_id else "",
        )
    return latest, history


def _run_id(row: tuple[Any, ...]) -> Any:
    return row[1]


def build_report_data(
    db: sqlite3.Connection,
    run_id: int,
    policy: Policy | None = None,
    archive: ArchiveCounts | None = None,
) -> ReportData:
    """The run's tables; ``archive``: its archive work so far (the links still waiting for it
    get blank archive columns: what the store holds for them is about to change)."""
    import pandas as pd  # noqa: PLC0415 (pandas costs tens of MB: only when reports are built)

    links = _Links(db, run_id)
    latest, history = _checks(db, run_id, policy or Policy(), links)
    n = len(links.identity)
    columns: dict[str, Any] = {
        "identity": links.identity,
        "url": links.url,
        "link_text": [" | ".join(texts) if texts else "" for texts in links.texts],
        "sources": ["; ".join(sources) for sources in links.sources],
        "occurrences": [len(sources) for sources in links.sources],
        "domain": links.domain,
    }
    unchecked = (None, "", "", None, None, None, None, None)
    checks = [check or unchecked for check in latest]
    columns.update(zip(_LATEST, _transpose(checks, len(_LATEST)), strict=True))
    del checks, latest
    never = (None, None, None, 0, False, "")
    histories = [h or never for h in history]
    columns.update(zip(_HISTORY, _transpose(histories, len(_HISTORY)), strict=True))
    del histories, history
    archives = archive_records(db)
    for identity in archive.pending if archive else ():
        archives[identity] = PENDING
    if archives:
        found = [archives.get(identity, NO_ARCHIVE) for identity in links.identity]
        archive_url, archived_at, archive_status, archive_title = _transpose(found, 4)
    else:
        archive_url = archived_at = archive_title = [""] * n
        archive_status = ["skipped"] * n
    columns["archive_url"], columns["archived_at"] = archive_url, archived_at
    columns["archive_status"] = archive_status
    # no live title: the snapshot's, if any
    columns["title"] = [
        title if title is not None and title != "" else (fallback or None)
        for title, fallback in zip(columns["title"], archive_title, strict=True)
    ]
    described: dict[str, str] = {}
    for reason in set(columns["reason"]):
        described[reason] = _describe(reason)
    columns["reason_text"] = [described[reason] for reason in columns["reason"]]
    status = columns["status"]
    frame = _frame(columns, LINKS, leading=("identity",))
    del columns
    occ = _frame(
        {
            "file": links.occ_file,
            "line": links.occ_line,
            "url": links.occ_url,
            "link_text": links.occ_text,
            "status": [status[k] for k in links.occ_link],
        },
        OCCURRENCES,
    )
    run_row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
    names_ = [d[0] for d in db.execute("SELECT * FROM runs LIMIT 0").description]
    run = dict(zip(names_, run_row, strict=True)) if run_row else {"id": run_id}
    runs = pd.read_sql_query("SELECT * FROM runs ORDER BY id", db)
    return ReportData(run_id, run, frame, occ, runs, archive)


def _frame(
    values: dict[str, list[Any]], declared: tuple[Column, ...], *, leading: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The ``leading`` columns, then the declared ones in their order, from the values built
    by name; an integer column that may be empty as pandas' nullable integers (written ``404``
    or empty, never ``404.0``)."""
    import pandas as pd  # noqa: PLC0415 (pandas costs tens of MB: only when reports are built)

    types = {column.name: column.type for column in declared}
    names = [*leading, *types]
    data = {
        name: pd.array(values[name], dtype="Int64")
        if types.get(name) == "integer or empty"
        else values[name]
        for name in names
    }
    return pd.DataFrame(data, columns=names)


def _transpose(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows of ``width`` values → ``width`` columns (empty ones when there is no row)."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]


def _describe(reason: str) -> str:
    return describe(reason) if reason else "not checked yet"


def column_values(frame: pd.DataFrame, name: str) -> list[Any]:
    """One column as Python values, a missing one as ``""``: the column of
    ``blank_missing(frame).to_dict("records")``, without copying the whole frame."""
    column = frame[name]
    values: list[Any] = column.astype(object).where(column.notna(), "").tolist()
    if column.dtype == object:  # numpy scalars in an object column: as to_dict boxes them
        import numpy as np  # noqa: PLC0415 (comes with pandas, imported with it)

        if any(isinstance(v, np.generic) for v in values):
            values = [v.item() if isinstance(v, np.generic) else v for v in values]
    return values


_SAFE_SCHEMES = ("http://", "https://")


def safe_href(url: object) -> str | None:
    """Only http(s) links become clickable; anything else (javascript:…) stays text."""
    return url if isinstance(url, str) and url.lower().startswith(_SAFE_SCHEMES) else None


def blank_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as empty strings, for templates (any dtype)."""
    return frame.astype(object).where(frame.notna(), "")


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
_MESSAGE_PREFIX = "message: "


@dataclass(frozen=True, slots=True)
class Unrecognized:
    """Pages nobody taught us, grouped by what they said: a message wording or a title."""

    kind: str  # "message", "title" or "nothing"
    text: str
    count: int
    example_url: str


def unrecognized(links: pd.DataFrame) -> list[Unrecognized]:
    """The wordings and titles of the pages we could not read, most frequent first.

    Add a wording to a rules file (README, "Rules") and check it with ``linkhealth rules
    explain``: the next run judges those pages by it.
    """
    reason, detail, title, url = (
        column_values(links, name) for name in ("reason", "detail", "title", "url")
    )
    groups: dict[tuple[str, str], list[str]] = {}
    for i, why in enumerate(reason):
        if why not in UNREADABLE_REASONS:
            continue
        said = str(detail[i] or "").split("; ", 1)[0]
        if said.startswith(_MESSAGE_PREFIX):
            key = ("message", said.removeprefix(_MESSAGE_PREFIX))
        elif str(title[i] or "").strip():
            key = ("title", str(title[i]).strip())
        else:
            key = ("nothing", "")
        groups.setdefault(key, []).append(str(url[i]))
    found = [Unrecognized(kind, text, len(urls), urls[0]) for (kind, text), urls in groups.items()]
    return sorted(found, key=lambda g: (-g.count, g.kind, g.text))
