"""report.html: one self-contained page (Jinja2 with autoescape; no external resource).

The charts are Matplotlib SVG inlined in the page (:mod:`crawler.report.charts`); the table of
links is built in the browser from a JSON block (``<script type="application/json">``, with
``<``, ``>`` and ``&`` escaped) and written with ``textContent`` only, so no title or URL is
ever parsed as markup.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from crawler.report import charts
from crawler.report.frames import ReportData, banner_for, blank_missing, safe_href
from crawler.verdict import STATUSES

_ENV = Environment(
    loader=PackageLoader("crawler.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
)

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
]
CHANGE_LABELS = {
    "newly-failing": "newly failing",
    "newly-confirmed-dead": "newly confirmed dead",
    "recovered": "recovered",
    "title-changed": "title changed",
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


def _files_by_url(data: ReportData) -> dict[str, list[str]]:
    occ = data.occurrences
    if occ.empty:
        return {}
    return {
        str(url): sorted({str(f) for f in files})
        for url, files in occ.groupby("url", sort=False)["file"]
    }


def _rows(links: pd.DataFrame, files: dict[str, list[str]]) -> list[list[Any]]:
    rows = []
    for row in links.to_dict("records"):
        record = {
            **row,
            "href": 1 if safe_href(row["url"]) else 0,
            "archive_href": safe_href(row["archive_url"]) or "",
            "http_status": row["http_status"] if row["http_status"] != "" else None,
            "confirmed_dead": 1 if row["confirmed_dead"] is True else 0,
            "files": files.get(str(row["url"]), []),
        }
        rows.append([record[name] if record[name] is not None else "" for name in ROW_FIELDS])
    return rows


def _changes(links: pd.DataFrame) -> tuple[list[tuple[str, str, int]], list[dict[str, Any]]]:
    changed = links[links["change"] != ""]
    counts = changed["change"].value_counts()
    summary = [
        (kind, label, int(counts.get(kind, 0)))
        for kind, label in CHANGE_LABELS.items()
        if counts.get(kind, 0)
    ]
    summary += [(str(k), str(k), int(v)) for k, v in counts.items() if k not in CHANGE_LABELS]
    order = {kind: i for i, kind in enumerate(CHANGE_LABELS)}
    notable = changed[changed["change"] != "new"].copy()
    notable["_order"] = notable["change"].map(order).fillna(len(order))
    items = [
        {
            "change": row["change"],
            "label": CHANGE_LABELS.get(row["change"], row["change"]),
            "status": row["status"] or "unchecked",
            "text": row["title"] or row["link_text"] or row["url"],
            "url": row["url"],
            "href": safe_href(row["url"]),
        }
        for row in notable.sort_values("_order", kind="stable").head(10).to_dict("records")
    ]
    return summary, items


def render_html(data: ReportData, trend: pd.DataFrame | None = None) -> str:
    """The page. ``trend`` is :func:`crawler.report.charts.run_status_counts` (links per run
    and status); without it the trend shows this run alone."""
    links = blank_missing(data.links)
    total = len(links)
    status_counts = links["status"].replace("", "unchecked").value_counts().to_dict()
    archived = int((links["archive_url"].astype(str).str.strip() != "").sum())
    if trend is None or trend.empty:
        trend = (
            pd.DataFrame([{s: int(status_counts.get(s, 0)) for s in STATUSES}], index=[data.run_id])
            if total
            else pd.DataFrame(columns=list(STATUSES))
        )
    occ = data.occurrences.drop_duplicates(["file", "url"])
    chart_list = []
    if total:
        chart_list = [
            charts.Chart("status", "Links by status", charts.status_chart(links)),
            charts.Chart(
                "trend",
                "Trend over runs",
                charts.trend_chart(trend),
                "Links checked in each run, by status.",
            ),
            charts.Chart(
                "file",
                "By seed file",
                charts.file_chart(blank_missing(occ)),
                "Links per seed file (a link in two files counts in both).",
            ),
            charts.Chart(
                "domain",
                "Top domains",
                charts.domain_chart(links),
                "Many blocked links on one platform mean it could not be checked, "
                "not that its links are broken.",
            ),
        ]
    change_summary, changed_items = _changes(links)
    domains = links.loc[links["domain"] != "", "domain"].value_counts()
    payload = {
        "fields": ROW_FIELDS,
        "statuses": [*STATUSES, "unchecked"],
        "rows": _rows(links, _files_by_url(data)),
    }
    return _ENV.get_template("report.html.j2").render(
        run=data.run,
        n_runs=len(data.runs),
        duration=format_duration(data.run.get("started_at"), data.run.get("finished_at")),
        statuses=STATUSES,
        segments=[*STATUSES, "unchecked"],
        status_counts=status_counts,
        total=total,
        archived=archived,
        archived_share=(archived / total) if total else 0.0,
        n_occurrences=len(data.occurrences),
        banner=banner_for(data),
        charts=chart_list,
        change_summary=change_summary,
        changed_items=changed_items,
        n_changed=int((links["change"] != "").sum()),
        started=format_time(data.run.get("started_at")),
        finished=format_time(data.run.get("finished_at")),
        has_history=len(data.runs) > 1,
        domains=list(domains.index),
        files=sorted({str(f) for f in data.occurrences["file"]}),
        change_labels=CHANGE_LABELS,
        data_json=script_json(payload),
    )
