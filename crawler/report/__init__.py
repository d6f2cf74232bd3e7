"""Reports from the store: links.csv, occurrences.csv, report.html, summary.md."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from crawler.history import Policy
from crawler.report.charts import run_status_counts
from crawler.report.frames import (
    ReportData,
    banner_for,
    blank_missing,
    build_report_data,
    safe_href,
)
from crawler.report.html import render_html
from crawler.store import Store
from crawler.verdict import ALIVE, STATUSES


class NoRunError(RuntimeError):
    """The store holds no run to report on."""


def _atomic_write(path: Path, text: str) -> None:
    """Write next to the target and rename: a reader never sees half a report."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    Path(tmp).replace(path)


def _md_escape(text: object) -> str:
    value = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    for ch in "\\`*_{}[]<>|":
        value = value.replace(ch, "\\" + ch)
    return value.replace("\n", " ")


_REPORTED_CHANGES = ("newly-failing", "newly-confirmed-dead", "recovered", "title-changed")


def _md_link(row: Mapping[Hashable, Any]) -> str:
    title = row["title"] or row["link_text"] or row["url"]
    if safe_href(row["url"]):
        return f"[{_md_escape(title)[:80]}](<{row['url']}>)"
    return _md_escape(row["url"])


def render_summary(data: ReportData) -> str:
    links = blank_missing(data.links)
    status_counts = links["status"].value_counts()
    lines = [f"# Link health — run {data.run_id}", ""]
    if banner := banner_for(data):
        lines += [f"> **{banner}**", ""]
    changed = links[links["change"].isin(_REPORTED_CHANGES)]
    if not changed.empty:
        lines += [f"## What changed since the last run ({len(changed)})", ""]
        lines += ["| change | status | link | source |", "| --- | --- | --- | --- |"]
        for row in changed.sort_values("change").to_dict("records"):
            lines.append(
                f"| {row['change']} | {row['status']} | {_md_link(row)} | "
                f"{_md_escape(row['sources'])} |"
            )
        lines.append("")
    lines += ["| status | links |", "| --- | ---: |"]
    lines += [f"| {s} | {int(status_counts.get(s, 0))} |" for s in STATUSES]
    lines += [f"| **total** | **{len(links)}** |", ""]
    problems = links[~links["status"].isin([ALIVE, "skipped", "ignored"])]
    if problems.empty:
        lines.append("Every checked link is alive.")
    else:
        lines += [f"## Not alive ({len(problems)})", "", "| status | reason | link | source |"]
        lines.append("| --- | --- | --- | --- |")
        for row in problems.to_dict("records"):
            lines.append(
                f"| {row['status']} | {row['reason']} | {_md_link(row)} | "
                f"{_md_escape(row['sources'])} |"
            )
    return "\n".join(lines) + "\n"


def render_run(data: ReportData) -> str:
    """run.json: the run's state and counts, for scripts (the workflow's rolling issue)."""
    run = data.run
    counts = {s: int(n) for s, n in data.links["status"].value_counts().items() if s}
    document = {
        "run_id": data.run_id,
        "state": run.get("state", "running"),
        "degraded_reason": run.get("degraded_reason"),
        "started_at": run.get("started_at"),
        "finished_at": run.get("finished_at"),
        "counts": counts,
        "links": len(data.links),
        "changes": {c: int(n) for c, n in data.links["change"].value_counts().items() if c},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_reports(
    store: Store, directory: Path, *, run_id: int | None = None, policy: Policy | None = None
) -> list[Path]:
    """Write every report for a run (default: the latest) and return their paths."""
    run_id = run_id or store.latest_run_id(with_checks=False)
    if run_id is None:
        raise NoRunError(f"the state file {store.path} holds no run yet: run the crawl first")
    data = build_report_data(store.db, run_id, policy)
    directory.mkdir(parents=True, exist_ok=True)
    outputs = {
        "links.csv": data.links.drop(columns=["identity"]).to_csv(index=False),
        "occurrences.csv": data.occurrences.to_csv(index=False),
        "report.html": render_html(data, trend=run_status_counts(store.db, run_id)),
        "summary.md": render_summary(data),
        "run.json": render_run(data),
    }
    paths = []
    for name, text in outputs.items():
        path = directory / name
        _atomic_write(path, text)
        paths.append(path)
    return paths
