"""Reports from the store: links.csv, occurrences.csv, report.html, summary.md, run.json,
links.json, links.sarif (and the crawl's fixes.md), each staged next to its target and renamed
onto it once all are made."""

from __future__ import annotations

import ctypes
import gc
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler import __version__
from crawler.base.verdicts import STATUSES
from crawler.report.attention import RANKS, LinkState, next_steps
from crawler.report.charts import run_status_counts
from crawler.report.columns import LINK_COLUMNS, OCCURRENCE_COLUMNS
from crawler.report.csvtext import csv_blocks
from crawler.report.html import html_chunks
from crawler.report.jsondoc import json_chunks
from crawler.report.sarif import sarif_chunks
from crawler.report.tables import (
    DRIFTED,
    ReportData,
    banner_for,
    count,
    link_blocks,
    link_frames,
    links_at,
    occurrence_frames,
    report_data,
    safe_href,
    unrecognized,
)
from crawler.store.conditions import equals, one_of
from crawler.store.db import Store
from crawler.store.history import Policy

if TYPE_CHECKING:
    from crawler.archive.progress import ArchiveCounts


class NoRunError(RuntimeError):
    """The store holds no run to report on."""


def _stage(path: Path, chunks: Iterable[str]) -> Path:
    """Write next to the target, to be renamed onto it: a reader never sees half a report."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            for chunk in chunks:
                fh.write(chunk)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


_MD_ESCAPES = str.maketrans({**{ch: "\\" + ch for ch in "\\`*_{}[]<>|"}, "\n": " "})


def _md_escape(text: object) -> str:
    value = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return value.translate(_MD_ESCAPES)


_REPORTED_CHANGES = (
    "newly-failing",
    "newly-confirmed-dead",
    "recovered",
    "drifted",
    "title-changed",
)


def _md_link(title: Any, link_text: Any, url: Any) -> str:
    text = title or link_text or url
    if safe_href(url):
        return f"[{_md_escape(text)[:80]}](<{url}>)"
    return _md_escape(url)


#: the columns of a link the summary lists
_SUMMARY_COLUMNS = ("change", "status", "reason", "title", "link_text", "url", "sources")
#: and what its reason and next step are made from (``attention.LinkState``'s columns)
_LISTED_COLUMNS = (*_SUMMARY_COLUMNS, "reason_text", *LinkState._fields)
_FINE = ("alive", "skipped", "ignored")
#: links of a degraded run that were not checked: said once, not listed
_OFFLINE = equals("reason", "offline")
_NOT_ALIVE = ~one_of("status", _FINE) & ~_OFFLINE


def summary_chunks(data: ReportData) -> Iterator[str]:
    """summary.md, in pieces: the lines of the links it lists are made a block at a time."""
    status_counts = dict(data.status_counts)
    lines = [f"# Link health — run {data.run_id}", ""]
    if banner := banner_for(data):
        lines += [f"> **{banner}**", ""]
    yield from _lines(lines)
    yield from _changed_lines(data)
    lines = ["| status | links |", "| --- | ---: |"]
    lines += [f"| {s} | {int(status_counts.get(s, 0))} |" for s in STATUSES]
    lines += [f"| **total** | **{data.n_links}** |", ""]
    if (archive := data.archive) is not None and archive.planned:
        lines += [_archive_words(archive), ""]
    offline = count(data, _OFFLINE)
    if offline:
        lines += [
            f"Nothing could be checked for {offline} links: the runner had no usable network "
            "(they are `error`/`offline`, not listed here; run again on a working network).",
            "",
        ]
    problems = count(data, _NOT_ALIVE)
    if not problems:
        lines.append("Every checked link is alive." if not offline else "")
    else:
        lines += [
            f"## Not alive ({problems}): what needs attention first",
            "",
            "| status | why | link | next step | source |",
            "| --- | --- | --- | --- | --- |",
        ]
    yield from _lines(lines)
    for attention in range(len(RANKS)):  # in the reports' order, a rank at a time
        where = _NOT_ALIVE & equals("attention", attention)
        for block in link_blocks(data, _LISTED_COLUMNS, where, blank=True):
            yield from _lines(_listed_line(row, data.policy) for row in block)
    yield from _drifted_lines(data)
    yield from _lines(_unrecognized_lines(data))


def _archive_words(archive: ArchiveCounts) -> str:
    """The run's archive work in words (summary.md)."""
    said = f"Archive: {archive.done} of {archive.planned} links done"
    if archive.carried_over:
        said += f", {archive.carried_over} pending (the next run does them)"
    elif archive.pending:
        said += f", {len(archive.pending)} still at work"
    return said + "."


def _listed_line(row: tuple[Any, ...], policy: Policy) -> str:
    """A not-alive link in summary.md (``_LISTED_COLUMNS``)."""
    _change, status, reason, title, link_text, url, sources, reason_text = row[:8]
    state = LinkState(*row[8:])
    link = LinkState(
        state.status,
        state.reason,
        state.confirmed_dead is True,
        int(state.fail_streak or 0),
        str(state.first_failed_at),
        safe_href(state.archive_url) or "",
        str(state.archive_status),
    )
    steps = next_steps(link, policy)
    said = "; ".join(
        f"[{_md_escape(s.text)}](<{s.href}>)" if s.href.startswith("http") else _md_escape(s.text)
        for s in steps
    )
    why = f"{reason}: {reason_text}" if reason_text else str(reason)
    return (
        f"| {status} | {_md_escape(why)} | {_md_link(title, link_text, url)} | {said} | "
        f"{_md_escape(sources)} |"
    )


def _lines(lines: Iterable[str]) -> Iterator[str]:
    """Lines as text: each ends with a newline."""
    lines = list(lines)
    if lines:
        yield "\n".join(lines) + "\n"


def _changed_lines(data: ReportData) -> Iterator[str]:
    """What changed since the last run, in the order pandas' ``sort_values("change")`` gave
    it: numpy's quicksort of the changes, ties unstable (so made the same way here, from the
    changes alone; the rows are then read one by one in that order)."""
    shared: dict[str, str] = {}  # one string per kind of change
    kinds: list[str] = []
    positions: list[int] = []
    index = 0
    for block in link_blocks(data, ("change",)):
        for (kind,) in block:
            if kind in _REPORTED_CHANGES:
                kinds.append(shared.setdefault(kind, kind))
                positions.append(index)
            index += 1
    if not kinds:
        return
    import numpy as np  # noqa: PLC0415 (comes with pandas, imported only for the reports)

    order = np.array(kinds, dtype=object).argsort(kind="quicksort")
    del kinds
    yield from _lines(
        [
            f"## What changed since the last run ({len(positions)})",
            "",
            "| change | status | link | source |",
            "| --- | --- | --- | --- |",
        ]
    )
    for block in links_at(data, _SUMMARY_COLUMNS, [positions[j] for j in order.tolist()]):
        yield from _lines(
            f"| {change} | {status} | {_md_link(title, link_text, url)} | {_md_escape(sources)} |"
            for change, status, _reason, title, link_text, url, sources in block
        )
    yield "\n"


def _drifted_lines(data: ReportData) -> Iterator[str]:
    """Links that now show something else (docs/drift.md): a section of its own."""
    n = count(data, DRIFTED)
    if not n:
        return
    yield from _lines(
        [
            "",
            f"## Links that now show something else ({n})",
            "",
            "Alive, but the page no longer matches what was linked; `linkhealth fix` proposes "
            "the snapshot from before, when there is one.",
            "",
            "| link | what changed | snapshot from before | source |",
            "| --- | --- | --- | --- |",
        ]
    )
    names = ("title", "link_text", "url", "drift", "drift_snapshot", "sources")
    for block in link_blocks(data, names, DRIFTED, blank=True):
        yield from _lines(
            f"| {_md_link(title, link_text, url)} | {_md_escape(drift)} | "
            f"{_md_link('snapshot', '', snapshot) if snapshot else ''} | {_md_escape(sources)} |"
            for title, link_text, url, drift, snapshot, sources in block
        )


def _unrecognized_lines(data: ReportData) -> list[str]:
    """The wordings and titles of the pages we could not read, grouped (to teach the rules)."""
    groups = unrecognized(data)
    if not groups:
        return []
    lines = [
        "",
        f"## Pages we could not read ({sum(g.count for g in groups)})",
        "",
        "What they said, to add to a rules file (see `linkhealth rules explain --help`); "
        "`weak signal`: pages judged alive only because nothing matched on a page with almost "
        "no text (worth a look).",
        "",
        "| said in | wording or title | links | example |",
        "| --- | --- | ---: | --- |",
    ]
    lines += [
        f"| {g.kind} | {_md_escape(g.text) or '(nothing)'} | {g.count} | "
        f"{_md_link('', '', g.example_url)} |"
        for g in groups
    ]
    return lines


def render_run(data: ReportData) -> str:
    """run.json: the run's state and counts, for scripts (the workflow's rolling issue)."""
    run = data.run
    counts = {s: int(n) for s, n in data.status_counts if s}
    archive = data.archive
    kept = (
        {"planned": archive.planned, "done": archive.done, "pending": archive.waiting}
        if archive
        else _archive_of(run)
    )
    document = {
        "run_id": data.run_id,
        "state": run.get("state", "running"),
        "degraded_reason": run.get("degraded_reason"),
        "started_at": run.get("started_at"),
        "finished_at": run.get("finished_at"),
        "counts": counts,
        "links": data.n_links,
        "changes": {c: int(n) for c, n in data.change_counts if c},
        "drifted": count(data, DRIFTED),
        "archive": kept,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _archive_of(run: dict[str, object]) -> dict[str, int] | None:
    """The archive counts a finished run kept in its stats (None: it did not archive)."""
    try:
        stats = json.loads(str(run.get("stats") or "{}"))
        return {
            "planned": int(stats["linkhealth/archive/planned"]),
            "done": int(stats["linkhealth/archive/done"]),
            "pending": int(stats.get("linkhealth/archive/pending", 0)),
        }
    except (ValueError, TypeError, KeyError):
        return None


def give_back_freed_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``; elsewhere,
    nothing). A crawl frees the bodies of the pages it read, but glibc keeps the space for
    later: the reports, which import pandas and matplotlib (~70 MB), would come on top of it.
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own symbols: libc's among them
    except (OSError, AttributeError, TypeError):
        return
    trim(0)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the reports are built: each block allocates
    thousands of rows and tuples (no cycles among them), and collections would walk them all
    again. Collection resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_reports(
    store: Store,
    directory: Path,
    *,
    run_id: int | None = None,
    policy: Policy | None = None,
    archive: ArchiveCounts | None = None,
    fixes: Callable[[Path], Iterable[str]] | None = None,
) -> list[Path]:
    """Write every report for a run (default: the latest) and return their paths.

    ``archive``: the run's archive work so far (run.json; the links it holds as pending get
    blank archive columns). ``fixes``: the text of ``fixes.md``, made from links.csv as staged.
    """
    run_id = run_id or store.latest_run_id(with_checks=False)
    if run_id is None:
        raise NoRunError(f"the state file {store.path} holds no run yet: run the crawl first")
    give_back_freed_memory()
    with _gc_paused(), report_data(store, run_id, policy, archive) as data:
        directory.mkdir(parents=True, exist_ok=True)
        renderers: dict[str, Callable[[], Iterable[str]]] = {
            "links.csv": lambda: csv_blocks(link_frames(data), LINK_COLUMNS),
            "occurrences.csv": lambda: csv_blocks(occurrence_frames(data), OCCURRENCE_COLUMNS),
            "report.html": lambda: html_chunks(data, trend=run_status_counts(store, run_id)),
            "summary.md": lambda: summary_chunks(data),
            "run.json": lambda: [render_run(data)],
            "links.json": lambda: json_chunks(data, render_run(data)),
            "links.sarif": lambda: sarif_chunks(data, __version__),
        }
        # each report goes to a file next to its target as soon as it is made (one in memory
        # at a time); all of them replace the old ones once every one is made
        staged: list[tuple[Path, Path]] = []
        try:
            for name, render in renderers.items():
                path = directory / name
                staged.append((_stage(path, render()), path))
            if fixes is not None:
                links_csv = next(tmp for tmp, path in staged if path.name == "links.csv")
                path = directory / "fixes.md"
                staged.append((_stage(path, fixes(links_csv)), path))
        except BaseException:
            for tmp, _path in staged:
                tmp.unlink(missing_ok=True)
            raise
    # run.json last: once it says a state, every other file is at least as new
    for tmp, path in sorted(staged, key=lambda item: item[1].name == "run.json"):
        tmp.replace(path)
    return [path for _tmp, path in staged]
