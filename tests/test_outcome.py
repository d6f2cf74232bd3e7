"""The run's exit status is proven, never assumed: the sink on a real store and seed file, its
links handed out and their verdicts recorded as the spider and the pipeline do (no fetch)."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace
from pathlib import Path

from crawler.base.verdicts import Verdict
from crawler.items import LinkCheck
from crawler.run import QueuedLink
from crawler.run.config import load_config
from crawler.run.local import LocalSink
from crawler.store.db import Store


def _sink(tmp: Path, **settings: str) -> LocalSink:
    seeds = tmp / "seeds"
    seeds.mkdir()
    (seeds / "list.md").write_text("- <https://a.example/1>\n", encoding="utf-8")
    values = {
        "LINKHEALTH_SEEDS": str(seeds),
        "LINKHEALTH_STATE_DB": str(tmp / "state.sqlite"),
        "LINKHEALTH_REPORT_DIR": str(tmp / "reports"),
        "LINKHEALTH_IGNORE_FILE": str(tmp / "ignore.toml"),
        "LINKHEALTH_CANARY_URLS": "",
        "LINKHEALTH_NOW": "2026-12-07T00:00:00Z",
        **settings,
    }
    config = load_config(values.get)
    return LocalSink(Store(config.state_db, config.rules), config)


async def _check_every_link(sink: LocalSink) -> None:
    async for link in sink.links():
        if isinstance(link, QueuedLink):
            sink.record(LinkCheck(link.identity, sink.now_iso, Verdict("alive", "ok", 200)))


def test_a_run_that_finished_and_wrote_its_reports_is_0(tmp_path):
    sink = _sink(tmp_path)
    assert sink.outcome.exit_code == 1  # until proven
    asyncio.run(_check_every_link(sink))
    sink.close("finished")
    assert (sink.outcome.exit_code, sink.outcome.problem) == (0, None)
    assert (tmp_path / "reports" / "run.json").is_file()


def test_a_failure_in_the_close_path_leaves_it_at_1(tmp_path):
    sink = _sink(tmp_path)
    asyncio.run(_check_every_link(sink))
    # the end of time: the run's end cannot be computed (a failure nobody foresaw)
    sink.config = replace(sink.config, now=dt.datetime.max.replace(tzinfo=dt.UTC))
    sink.close("finished")
    assert sink.outcome.exit_code == 1
    assert sink.outcome.problem == (
        "finishing the run failed: OverflowError: date value out of range"
    )


def test_a_closed_store_stops_recording_and_keeps_it_at_1(tmp_path):
    sink = _sink(tmp_path)

    async def _first_then_store_gone() -> None:
        async for link in sink.links():
            if isinstance(link, QueuedLink):
                sink.store.db.execute("PRAGMA query_only=ON")  # the file refuses writes now
                sink.record(LinkCheck(link.identity, sink.now_iso, Verdict("alive", "ok", 200)))

    asyncio.run(_first_then_store_gone())
    sink.close("finished")
    assert sink.outcome.exit_code == 1
    assert sink.outcome.problem == (
        f"state file {tmp_path / 'state.sqlite'}: attempt to write a readonly database: "
        "verdicts can no longer be recorded, the crawl stops"
    )
