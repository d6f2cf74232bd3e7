"""report.html: one self-contained page (Jinja2 with autoescape; no external resource).

The charts are Matplotlib SVG inlined in the page (:mod:`crawler.report.charts`); the table of
links is built in the browser from a JSON block (``<script type="application/json">``, with
``<``, ``>`` and ``&`` escaped) and written with ``textContent`` only, so no title or URL is
ever parsed as markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from crawler.base.verdicts import STATUSES
from crawler.report import charts
from crawler.report.attention import LinkState, next_steps
from crawler.report.tables import (
    DRIFTED,
    ReportData,
    banner_for,
    blank,
    count,
    files_of,
    first_links,
    link_blocks,
    safe_href,
    seed_files,
    segment_counts,
    unrecognized,
    value_counts,
)
from crawler.store.archive import PENDING
from crawler.store.conditions import equals, one_of
from crawler.store.history import Policy

if TYPE_CHECKING:
    import jinja2
    import pandas as pd


@cache
def _template() -> jinja2.Template:
    from jinja2 import Environment, PackageLoader, select_autoescape  # noqa: PLC0415 (only for the page)

    env = Environment(
        loader=PackageLoader("crawler.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    return env.get_template("report.html.j2")


#: the fields of each row in the page's JSON, in order (the page's script reads them by name)
ROW_FIELDS = [
    "status",
    "reason",
    "reason_text",
    "http_status",
    "title",
    "url",
    "href",
    "domain",
    "sources",
    "link_text",
    "archive_href",
    "archived_at",
    "change",
    "confirmed_dead",
    "files",
    "detail",
    "archive_status",
    "attention",
    "next",
]
CHANGE_LABELS = {
    "newly-failing": "newly failing",
    "newly-confirmed-dead": "newly confirmed dead",
    "recovered": "recovered",
    "title-changed": "title changed",
    "drifted": "now shows something else",
    "new": "new",
}


def script_json(value: object) -> Markup:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, no ``<!--``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # noqa: S704 (escaped above for the script context)


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def format_duration(started: object, finished: object) -> str:
    start, end = _parse_time(started), _parse_time(finished)
    if start is None or end is None:
        return ""
    try:
        seconds = int((end - start).total_seconds())
    except TypeError:  # one aware, one naive
        return ""
    if seconds < 0:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


def format_time(value: object) -> str:
    """``2026-11-22 06:00 UTC`` (the stored ISO text when it does not parse)."""
    parsed = _parse_time(value)
    if parsed is None:
        return "" if value is None else str(value)
    if parsed.utcoffset() is not None:
        parsed = parsed.astimezone(UTC)
        return parsed.strftime("%Y-%m-%d %H:%M UTC")
    return parsed.strftime("%Y-%m-%d %H:%M")


#: the columns of a link the page reads: the row fields, but those made from others, and
#: what the next steps are made from
_MADE = {"href": "", "archive_href": "archive_url", "files": "", "next": ""}
_PAGE_COLUMNS = tuple(
    dict.fromkeys(
        [
            *(_MADE.get(name, name) for name in ROW_FIELDS if _MADE.get(name, name)),
            *(name for name in LinkState._fields if name != "archive_url"),
        ]
    )
)


def _rows(
    block: list[tuple[Any, ...]], files: list[list[str]], policy: Policy
) -> list[tuple[Any, ...]]:
    """The page's rows (``ROW_FIELDS``), from a block of links (``_PAGE_COLUMNS``, missing
    values as "") and the seed files of each."""
    columns = dict(zip(_PAGE_COLUMNS, zip(*block, strict=True), strict=True))
    url = columns["url"]
    archive_href = [safe_href(a) or "" for a in columns["archive_url"]]
    made = {
        "href": [1 if safe_href(u) else 0 for u in url],
        "archive_href": archive_href,
        "confirmed_dead": [1 if c is True else 0 for c in columns["confirmed_dead"]],
        "files": files,
        "next": [
            [list(step) for step in next_steps(link_state(row, href), policy)]
            for row, href in zip(block, archive_href, strict=True)
        ],
    }
    fields = (made[name] if name in made else columns[name] for name in ROW_FIELDS)
    return list(zip(*fields, strict=True))  # JSON arrays, as lists would be


_STATE_AT = [_PAGE_COLUMNS.index(name) for name in LinkState._fields if name != "archive_url"]


def link_state(row: tuple[Any, ...], archive_href: str) -> LinkState:
    """A page row's columns (``_PAGE_COLUMNS``) as the next steps read them."""
    status, reason, confirmed, streak, failed_at, archive_status = (row[i] for i in _STATE_AT)
    return LinkState(
        str(status),
        str(reason),
        confirmed is True,
        int(streak or 0),
        str(failed_at),
        archive_href,
        str(archive_status),
    )


#: the changes the page lists first, and in which order (another kind after these)
_CHANGE_ORDER = ("change", tuple(CHANGE_LABELS))


def _changes(data: ReportData) -> tuple[list[tuple[str, str, int]], list[dict[str, Any]]]:
    found = [(kind, n) for kind, n in data.change_counts if kind != ""]
    counts = dict(found)
    summary = [
        (kind, label, int(counts.get(kind, 0)))
        for kind, label in CHANGE_LABELS.items()
        if counts.get(kind, 0)
    ]
    summary += [(str(k), str(k), int(n)) for k, n in found if k not in CHANGE_LABELS]
    notable = first_links(
        data,
        ("change", "status", "title", "link_text", "url"),
        ~one_of("change", ("", "new")),
        limit=10,
        ranked=_CHANGE_ORDER,
    )
    items = [
        {
            "change": change,
            "label": CHANGE_LABELS.get(change, change),
            "status": status or "unchecked",
            "text": title or link_text or url,
            "url": url,
            "href": safe_href(url),
        }
        for change, status, title, link_text, url in (map(blank, row) for row in notable)
    ]
    return summary, items


#: the drifted links the page lists (the table shows them all)
DRIFTED_LISTED = 100


def _drifted(data: ReportData) -> dict[str, Any]:
    """The section "Links that now show something else" (``drifted.html.j2``)."""
    rows = first_links(
        data,
        ("title", "drift", "url", "drift_snapshot"),
        DRIFTED,
        limit=DRIFTED_LISTED,
    )
    return {
        "n_drifted": count(data, DRIFTED),
        "drifted": [
            (title, drift, url, safe_href(url), safe_href(snapshot))
            for title, drift, url, snapshot in (map(blank, row) for row in rows)
        ],
    }


#: where the data block goes in the rendered page (streamed in there by html_chunks)
_DATA_MARK = "\x00linkhealth-report-data\x00"


def _data_json_chunks(data: ReportData) -> Iterator[str]:
    """``script_json({"fields": …, "statuses": …, "rows": rows})`` for every link, in pieces:
    the rows are made and encoded a block at a time (JSON and its escapes are the same)."""
    head = str(script_json({"fields": ROW_FIELDS, "statuses": [*STATUSES, "unchecked"]}))
    yield head[:-1] + ',"rows":['
    start = 0
    for block in link_blocks(data, _PAGE_COLUMNS, blank=True):
        files = files_of(data, (start, start + len(block)))
        rows = str(script_json(_rows(block, files, data.policy)))[1:-1]
        yield rows if start == 0 else "," + rows
        start += len(block)
    yield "]}"


def _charts(
    data: ReportData, status_counts: dict[str, int], trend: pd.DataFrame | None
) -> list[charts.Chart]:
    """The page's charts (a run with links): by status, over runs, by seed file, by domain."""
    import pandas as pd  # noqa: PLC0415 (pandas costs tens of MB: only when reports are built)

    if trend is None or trend.empty:
        trend = pd.DataFrame(
            [{s: int(status_counts.get(s, 0)) for s in STATUSES}], index=[data.run_id]
        )
    return [
        charts.Chart("status", "Links by status", charts.status_chart(status_counts)),
        charts.Chart(
            "trend",
            "Trend over runs",
            charts.trend_chart(trend),
            "Links checked in each run, by status.",
        ),
        charts.Chart(
            "file",
            "By seed file",
            charts.file_chart(segment_counts(data, "file")),
            "Links per seed file (a link in two files counts in both).",
        ),
        charts.Chart(
            "domain",
            "Top domains",
            charts.domain_chart(segment_counts(data, "domain")),
            "Many blocked links on one platform mean it could not be checked, "
            "not that its links are broken.",
        ),
    ]


def html_chunks(data: ReportData, trend: pd.DataFrame | None = None) -> Iterator[str]:
    """The page, in pieces to write one after the other (the page of 100,000 links is tens of
    MB: it is never held whole). ``trend`` is :func:`crawler.report.charts.run_status_counts`
    (links per run and status); without it the trend shows this run alone."""
    total = data.n_links
    status_counts = {"unchecked" if s == "" else s: n for s, n in data.status_counts}
    archived = sum(
        1
        for block in link_blocks(data, ("archive_url",), ~equals("archive_url", ""))
        for (url,) in block
        if str(url).strip() != ""
    )
    chart_list = _charts(data, status_counts, trend) if total else []
    change_summary, changed_items = _changes(data)
    page = _template().generate(
        run=data.run,
        n_runs=data.n_runs,
        duration=format_duration(data.run.get("started_at"), data.run.get("finished_at")),
        statuses=STATUSES,
        segments=[*STATUSES, "unchecked"],
        status_counts=status_counts,
        total=total,
        archived=archived,
        archive_pending=count(data, equals("archive_status", PENDING)),
        archived_share=(archived / total) if total else 0.0,
        n_occurrences=data.n_occurrences,
        banner=banner_for(data),
        banner_alarm=data.run.get("state") == "degraded",
        charts=chart_list,
        change_summary=change_summary,
        changed_items=changed_items,
        n_changed=count(data, ~equals("change", "")),
        started=format_time(data.run.get("started_at")),
        finished=format_time(data.run.get("finished_at")),
        has_history=data.n_runs > 1,
        domains=[domain for domain, _n in value_counts(data, "domain", ~equals("domain", ""))],
        files=seed_files(data),
        change_labels=CHANGE_LABELS,
        unrecognized=[
            (g.kind, g.text, g.count, g.example_url, safe_href(g.example_url))
            for g in unrecognized(data)
        ],
        data_json=Markup(_DATA_MARK),  # noqa: S704 (a constant)
        **_drifted(data),
    )
    for chunk in page:
        if _DATA_MARK in chunk:
            before, after = str(chunk).split(_DATA_MARK)
            yield before
            yield from _data_json_chunks(data)
            yield after
        else:
            yield str(chunk)
