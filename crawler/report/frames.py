"""The report's tables, as pandas DataFrames built from the store alone."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace

import pandas as pd

from crawler.archive.report import archive_columns
from crawler.history import Check, Policy, summarize
from crawler.reasons import describe

#: links.csv columns, in order: a contract the user's tooling reads (README, "Outputs").
LINK_COLUMNS = [
    "url",
    "status",
    "reason",
    "http_status",
    "final_url",
    "title",
    "link_text",
    "sources",
    "occurrences",
    "checked_at",
    "archive_url",
    "archived_at",
    "archive_status",
    "domain",
    "reason_text",
    "detail",
    "moved_to",
    "first_seen",
    "last_alive_at",
    "first_failed_at",
    "fail_streak",
    "confirmed_dead",
    "change",
]
HISTORY_COLUMNS = LINK_COLUMNS[LINK_COLUMNS.index("first_seen") :]
OCCURRENCE_COLUMNS = ["file", "line", "url", "link_text", "status"]


@dataclass
class ReportData:
    run_id: int
    run: dict[str, object]
    links: pd.DataFrame
    occurrences: pd.DataFrame
    runs: pd.DataFrame = field(default_factory=pd.DataFrame)


def _occurrences(db: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    return pd.read_sql_query(
        "SELECT o.seq, o.identity, o.file, o.line, o.link_text, l.url, l.host "
        "FROM occurrences o JOIN links l ON l.identity = o.identity "
        "WHERE o.run_id = ? ORDER BY o.seq",
        db,
        params=(run_id,),
    )


def _latest_checks(db: sqlite3.Connection, run_id: int) -> pd.DataFrame:
    """This run's check of each link, else the link's latest earlier check."""
    return pd.read_sql_query(
        "SELECT c.* FROM checks c JOIN ("
        "  SELECT identity, MAX(run_id) AS run_id FROM checks WHERE run_id <= ? GROUP BY identity"
        ") last ON last.identity = c.identity AND last.run_id = c.run_id "
        "WHERE c.identity IN (SELECT identity FROM occurrences WHERE run_id = ?)",
        db,
        params=(run_id, run_id),
    )


def _history(db: sqlite3.Connection, run_id: int, policy: Policy) -> pd.DataFrame:
    rows = db.execute(
        "SELECT c.identity, c.run_id, c.checked_at, c.status, c.title, c.counted, l.first_seen "
        "FROM checks c JOIN links l ON l.identity = c.identity "
        "WHERE c.run_id <= ? AND c.identity IN "
        "(SELECT identity FROM occurrences WHERE run_id = ?) ORDER BY c.identity, c.run_id",
        (run_id, run_id),
    )
    records: dict[str, dict[str, object]] = {}
    current: str | None = None
    checks: list[Check] = []
    first_seen: str | None = None

    def flush() -> None:
        if current is not None:
            history = summarize(checks, policy, first_seen)
            if checks[-1].run_id != run_id:  # not checked in this run: nothing changed in it
                history = replace(history, change="")
            records[current] = _asdict(history)

    for identity, rid, checked_at, status, title, counted, seen in rows:
        if identity != current:
            flush()
            current, checks, first_seen = identity, [], seen
        checks.append(Check(rid, checked_at, status, title, bool(counted)))
    flush()
    frame = pd.DataFrame.from_dict(records, orient="index", columns=HISTORY_COLUMNS)
    frame.index.name = "identity"
    return frame


def _asdict(history: object) -> dict[str, object]:
    return {name: getattr(history, name) for name in HISTORY_COLUMNS}


def _join_unique(values: pd.Series, sep: str) -> str:
    seen: dict[str, None] = {}
    for value in values:
        if isinstance(value, str) and value.strip():
            seen.setdefault(value.strip(), None)
    return sep.join(seen)


def _describe(reason: str) -> str:
    return describe(reason) if reason else "not checked yet"


def build_report_data(
    db: sqlite3.Connection, run_id: int, policy: Policy | None = None
) -> ReportData:
    occ = _occurrences(db, run_id)
    checks = _latest_checks(db, run_id).set_index("identity")
    occ["source"] = occ["file"] + ":" + occ["line"].astype(str)
    grouped = occ.groupby("identity", sort=False)
    links = pd.DataFrame(
        {
            "url": grouped["url"].first(),
            "domain": grouped["host"].first(),
            "link_text": grouped["link_text"].agg(lambda s: _join_unique(s, " | ")),
            "sources": grouped["source"].agg("; ".join),
            "occurrences": grouped.size(),
        }
    )
    links = links.join(checks, how="left").join(_history(db, run_id, policy or Policy()))
    links["status"] = links["status"].fillna("")
    links["reason"] = links["reason"].fillna("")
    links["reason_text"] = links["reason"].map(_describe)
    links["http_status"] = links["http_status"].astype("Int64")
    links["fail_streak"] = links["fail_streak"].fillna(0).astype(int)
    links["confirmed_dead"] = links["confirmed_dead"].fillna(False).astype(bool)
    links["change"] = links["change"].fillna("")
    links = links.join(archive_columns(db), how="left")
    for column in ("archive_url", "archived_at", "archive_title"):
        links[column] = links[column].fillna("")
    links["archive_status"] = links["archive_status"].fillna("skipped")  # never worked on
    no_title = links["title"].isna() | (links["title"] == "")
    links["title"] = links["title"].where(~no_title, links["archive_title"].replace("", pd.NA))
    links = links.reset_index()
    links = links[["identity", *LINK_COLUMNS]]
    status_by_identity = links.set_index("identity")["status"]
    occ["status"] = occ["identity"].map(status_by_identity).fillna("")
    run_row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
    names = [d[0] for d in db.execute("SELECT * FROM runs LIMIT 0").description]
    run = dict(zip(names, run_row, strict=True)) if run_row else {"id": run_id}
    runs = pd.read_sql_query("SELECT * FROM runs ORDER BY id", db)
    return ReportData(run_id, run, links, occ[OCCURRENCE_COLUMNS], runs)


def counts(frame: pd.DataFrame, by: str, statuses: list[str]) -> pd.DataFrame:
    """A table of link counts: one row per value of ``by``, one column per status, a total."""
    if frame.empty:
        return pd.DataFrame(columns=[by, *statuses, "total"])
    table = pd.crosstab(frame[by], frame["status"])
    for status in statuses:
        if status not in table:
            table[status] = 0
    table = table[statuses]
    table["total"] = table.sum(axis=1)
    return table.sort_values("total", ascending=False).reset_index()


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
    if not data.run.get("finished_at"):
        return "This run did not finish: links without a verdict are shown as unchecked."
    return None
