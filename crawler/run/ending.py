"""The end of a run on the console, in three lines (pure: no Scrapy).

What happened (the counts), what the archive did and what waits for the next run, and where
the report is with the reason for the exit status::

    linkhealth: run 3 finished: 50 links (40 alive, 5 dead, 5 blocked) in 12s
    archive: 30 of 40 links done, 10 pending (the next run does them)
    report: reports/report.html; exit 3: 5 dead links, a status in LINKHEALTH_FAIL_ON=dead
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from crawler.base.verdicts import STATUSES


@dataclass(frozen=True, slots=True)
class Ending:
    """How a run ended, as the run knows it."""

    run_id: int
    #: Scrapy's close reason (``finished``, ``shutdown``…) or ours (``degraded``…)
    reason: str
    seconds: float
    #: status → links with it in this run
    counts: Mapping[str, int]
    exit_code: int
    report_dir: Path
    #: links planned, done and carried over by the archive (None: archiving off)
    archive: tuple[int, int, int] | None = None
    #: links of the run with no verdict (a stopped run)
    not_checked: int = 0
    fail_on: Collection[str] = ()
    #: why the network was unusable (a degraded run)
    degraded: str | None = None
    #: the reports were written
    reports: bool = True
    #: why the run could not complete (the first problem), if it could not
    problem: str | None = None
    #: the crawl only stopped early: running again resumes it
    resumable: bool = False


def closing_lines(end: Ending) -> list[str]:
    """The three closing lines of a run."""
    counts = end.counts
    listed = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts.get(s))
    first = (
        f"linkhealth: run {end.run_id} {end.reason}: {sum(counts.values())} links "
        f"({listed or 'none checked'}) in {end.seconds:.0f}s"
    )
    report = end.report_dir / "report.html"
    where = f"report: {report}" if end.reports else "report: not written"
    return [first, _archive_line(end), f"{where}; exit {end.exit_code}: {_why(end)}"]


def _archive_line(end: Ending) -> str:
    if end.degraded:
        return "archive: nothing asked (a degraded run)"
    if end.archive is None:
        return "archive: off"
    planned, done, pending = end.archive
    if not planned:
        return "archive: nothing to do (every snapshot is fresh, or nothing to archive)"
    line = f"archive: {done} of {planned} links done"
    if pending:
        line += f", {pending} pending (the next run does them)"
    return line


def _why(end: Ending) -> str:
    """The reason for the exit status, in words."""
    code = end.exit_code
    if code == 0:
        return "the run completed (dead links are findings, not failures)"
    if code == 3:
        named = sorted(end.fail_on, key=STATUSES.index)
        found = [f"{end.counts[s]} {s}" for s in named if end.counts.get(s)]
        listed = ",".join(named)
        return f"{', '.join(found)} links, a status in LINKHEALTH_FAIL_ON={listed}"
    if code == 4:
        return f"a degraded run, nothing counted: {end.degraded}"
    said = f"could not complete: {end.problem}" if end.problem else "could not complete"
    if not end.reports and not end.problem:
        said += ": the reports failed: `linkhealth report` rebuilds them from the state file"
    if end.resumable:
        said += f"; {end.not_checked} not checked: run again to resume"
    return said
