"""The reports' CSV columns, each declared once: its name, its type and what it means.

links.csv and occurrences.csv have exactly these columns, in this order: a contract that the
user's tooling (and scripts/rolling_issue.py) reads by name. crawler/report/tables.py builds
the tables by these names; the reference tables of docs/outputs.md and docs/history.md are made
from these declarations (scripts/reference.py), and tests/test_docs.py checks that they say the
same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: what a column holds, as written in the CSV: ``time`` is ISO 8601 UTC
#: (``2026-11-30T22:12:12Z``); every type but ``integer`` and ``True/False`` may be empty
ColumnType = Literal["text", "integer", "integer or empty", "True/False", "time"]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    #: for a reader of the CSV, in Markdown (docs/outputs.md shows it as written)
    meaning: str


#: a link from the pages of docs/ (where the tables stand)
_ARCHIVING = "[Archiving](archiving.md)"

#: what the history of checks adds to links.csv (docs/history.md)
HISTORY: tuple[Column, ...] = (
    Column("first_seen", "time", "when the link first appeared in the seeds"),
    Column("last_alive_at", "time", "the last check that found it alive"),
    Column("first_failed_at", "time", "the first check of the current run of failures"),
    Column(
        "fail_streak",
        "integer",
        "failing checks in a row (`dead` and `error` count; `alive` resets; `blocked`, "
        "`skipped`, `ignored` and checks of degraded runs are neutral)",
    ),
    Column(
        "confirmed_dead",
        "True/False",
        "`True` after `LINKHEALTH_CONFIRM_CHECKS` failing checks spanning at least "
        "`LINKHEALTH_CONFIRM_DAYS` days (how Wikipedia's dead-link bot avoids false alarms), "
        "and only while the latest counted check is `dead`: a confirmed link now `blocked`, "
        "`error` or `alive` is neither listed as dead in the rolling issue nor rewritten by "
        "`linkhealth fix`",
    ),
    Column(
        "change",
        "text",
        "against the previous run: `new`, `newly-failing`, `newly-confirmed-dead`, "
        "`recovered`, `drifted` (it now shows something else: see `drift`), `title-changed` "
        "(a hijacked domain, a login wall, a replaced article), or empty",
    ),
    Column(
        "drift",
        "text",
        "a live page that no longer shows what was linked: what changed, compared with what "
        '(`title "X" (first seen 2026-01-02) → "Y"`, `link text "X" → "Y"`, '
        '`title "X" (Wayback 2024-05-01) → "Y" on other.example`); see '
        "[Content drift](drift.md)",
    ),
    Column(
        "drift_snapshot",
        "text",
        "for a drifted link: its Wayback snapshot from before it entered the lists (what "
        "`linkhealth fix` proposes), if there is one",
    ),
)

#: links.csv, one row per canonical link (docs/outputs.md), then its :data:`HISTORY`
LINKS: tuple[Column, ...] = (
    Column(
        "url",
        "text",
        "the clean URL (credentials and trackers removed) — what to keep in your list; for a "
        "relative link, its path from the seeds root",
    ),
    Column(
        "status",
        "text",
        "the verdict: `alive`, `dead`, `blocked`, `error`, `skipped`, `ignored` (empty: not "
        "checked yet, in a run that was interrupted)",
    ),
    Column(
        "reason",
        "text",
        "the reason code (see [Verdicts and reasons](verdicts.md#every-reason-code))",
    ),
    Column("http_status", "integer or empty", "the last HTTP status seen, if any"),
    Column("final_url", "text", "where redirects ended (cleaned the same way)"),
    Column("title", "text", "the page title (alive pages)"),
    Column(
        "link_text",
        "text",
        "the distinct link texts, joined by ` | ` (at most 100 and 20,000 characters, then "
        "`… N more`)",
    ),
    Column(
        "sources",
        "text",
        "every `file:line` where the link stands (file relative to the seeds root), joined by "
        "`; ` (at most 100 and 20,000 characters, then `… N more`: `occurrences.csv` has "
        "every one)",
    ),
    Column("occurrences", "integer", "how many times the link appears"),
    Column("checked_at", "time", "when the verdict was made (the run's timestamp)"),
    Column("archive_url", "text", f"a Wayback Machine snapshot (see {_ARCHIVING})"),
    Column("archived_at", "time", "the snapshot's timestamp"),
    Column(
        "archive_status",
        "text",
        "`captured`, `existing`, `rescued`, `none`, `failed:<reason>`, `skipped`, `pending` "
        "(the run's time budget ended before its archive work: the next run does it; a "
        f"snapshot known from before stays) (see {_ARCHIVING}); empty, like `archive_url` and "
        "`archived_at`, in the reports written "
        "before the archive is done, for the links whose archive work in this run is still "
        "pending (the end's reports fill them)",
    ),
    Column("domain", "text", "the host name"),
    Column("reason_text", "text", "the reason in words"),
    Column("detail", "text", "a short detail: the marker that matched, the exception's kind"),
    Column("moved_to", "text", "for a moved WeChat account: the article's new link"),
    *HISTORY,
)

#: occurrences.csv, one row per place a link stands, in the seeds' order (docs/outputs.md)
OCCURRENCES: tuple[Column, ...] = (
    Column("file", "text", "the seed file, relative to the seeds root"),
    Column("line", "integer", "the line the link stands on (from 1)"),
    Column("url", "text", "the link's clean URL (as in links.csv)"),
    Column("link_text", "text", "the link's text there"),
    Column("status", "text", "the link's verdict (as in links.csv)"),
)

#: the column names, in order (what the CSV writer takes)
LINK_COLUMNS = [column.name for column in LINKS]
OCCURRENCE_COLUMNS = [column.name for column in OCCURRENCES]
