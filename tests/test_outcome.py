"""The run's exit status is proven, never assumed: the run (no Scrapy) on a real store and seed
file, its links handed out and their verdicts recorded as the link source does (no fetch)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from crawler.base.verdicts import Verdict
from crawler.items import LinkCheck
from crawler.run.run import Run
from tests.conftest import run_on


def _run(tmp: Path, **settings: str) -> Run:
    return run_on(tmp, "- <https://a.example/1>\n", **settings)


def _check_every_link(run: Run) -> None:
    assert run.begin() is not None
    for link in run.queued():
        assert run.record(LinkCheck(link.identity, run.now_iso, Verdict("alive", "ok", 200)))


def test_a_run_that_finished_and_wrote_its_reports_is_0(tmp_path):
    run = _run(tmp_path)
    assert run.outcome.exit_code == 1  # until proven
    _check_every_link(run)
    assert run.outcome.exit_code == 1  # every verdict recorded: still not proven
    line = run.end("finished", stats={})
    assert (run.outcome.exit_code, run.outcome.problem) == (0, None)
    assert line.startswith("linkhealth: run 1 finished: 1 links (1 alive) in ")
    assert (tmp_path / "reports" / "run.json").is_file()


def test_a_failure_in_the_close_path_leaves_it_at_1(tmp_path):
    run = _run(tmp_path)
    _check_every_link(run)
    # the end of time: the run's end cannot be computed (a failure nobody foresaw)
    run.config = replace(run.config, now=dt.datetime.max.replace(tzinfo=dt.UTC))
    line = run.end("finished", stats={})
    assert run.outcome.exit_code == 1
    assert line == (
        "linkhealth: could not complete: finishing the run failed: OverflowError: "
        "date value out of range"
    )
    assert run.outcome.problem == (
        "finishing the run failed: OverflowError: date value out of range"
    )


def test_a_closed_store_stops_recording_and_keeps_it_at_1(tmp_path):
    run = _run(tmp_path)
    assert run.begin() is not None
    for link in run.queued():
        run.store.db.execute("PRAGMA query_only=ON")  # the file refuses writes now
        # refused: the caller (the link source) stops the crawl
        assert not run.record(LinkCheck(link.identity, run.now_iso, Verdict("alive", "ok", 200)))
    run.end("finished", stats={})
    assert run.outcome.exit_code == 1
    assert run.outcome.problem == (
        f"state file {tmp_path / 'state.sqlite'}: attempt to write a readonly database: "
        "verdicts can no longer be recorded, the crawl stops"
    )
