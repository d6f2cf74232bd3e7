"""The end of a run in three lines (crawler/run/ending.py): the reason for a status 1 is the
first problem, and only a crawl that merely stopped is told to run again."""

from __future__ import annotations

from pathlib import Path

from crawler.run.ending import Ending, closing_lines

REPORTS = Path("reports")


def _end(**kwargs: object) -> list[str]:
    base: dict[str, object] = {
        "run_id": 2,
        "reason": "shutdown",
        "seconds": 3.2,
        "counts": {"alive": 3, "dead": 1},
        "exit_code": 1,
        "report_dir": REPORTS,
    }
    return closing_lines(Ending(**{**base, **kwargs}))


def test_a_stopped_crawl_says_what_was_not_checked_and_to_run_again() -> None:
    lines = _end(
        problem="the crawl stopped before its end (shutdown)", not_checked=5, resumable=True
    )
    assert lines[0] == "linkhealth: run 2 shutdown: 4 links (3 alive, 1 dead) in 3s"
    assert lines[-1] == (
        "report: reports/report.html; exit 1: could not complete: the crawl stopped before its "
        "end (shutdown); 5 not checked: run again to resume"
    )


def test_a_failure_is_told_as_it_is_not_as_a_reason_to_run_again() -> None:
    problem = "state file s.sqlite: database or disk is full: the crawl stops"
    lines = _end(problem=problem, not_checked=5, resumable=False)
    assert lines[-1].endswith(f"; exit 1: could not complete: {problem}")


def test_reports_not_written_say_so_and_how_to_rebuild_them() -> None:
    lines = _end(reason="finished", reports=False)
    assert lines[-1] == (
        "report: not written; exit 1: could not complete: the reports failed: "
        "`linkhealth report` rebuilds them from the state file"
    )


def test_a_completed_run_and_one_with_findings() -> None:
    assert _end(reason="finished", exit_code=0)[-1].endswith(
        "exit 0: the run completed (dead links are findings, not failures)"
    )
    assert _end(reason="finished", exit_code=3, fail_on=("dead",))[-1].endswith(
        "exit 3: 1 dead links, a status in LINKHEALTH_FAIL_ON=dead"
    )
