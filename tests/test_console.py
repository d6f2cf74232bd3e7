"""The console of a crawl (issue 25): our phases and progress, then the end in three lines;
Scrapy's banner, component lists and stats only with ``-v``; a stop says what was not checked;
the time left never promises past the archive's budget, and the work it did not reach is
``pending`` everywhere it is counted."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, crawl_command, run_crawl
from tests.fakeweb import FakeWeb
from tests.test_archive import FAST_ARCHIVE, scenario, write_seeds

pytestmark = pytest.mark.e2e

#: what Scrapy's own INFO log says at the start and the end of every crawl
SCRAPY_LOG = (
    "Scrapy 2.",
    "Enabled addons",
    "Enabled extensions",
    "Enabled downloader middlewares",
    "Overridden settings",
    "Spider opened",
    "Dumping Scrapy stats",
    "Spider closed",
)
QUIET = {"LINKHEALTH_CANARY_URLS": ""}


def _list(seeds: Path, web: FakeWeb) -> None:
    seeds.mkdir(parents=True, exist_ok=True)
    (seeds / "list.md").write_text(
        f"- [ok]({web.url('alive.test', '/x')})\n"
        f"- [gone]({web.url('plain.test', '/status/404')})\n"
        f"- [refused]({web.url('plain.test', '/status/403')})\n",
        encoding="utf-8",
    )


def test_the_console_tells_the_run_in_three_closing_lines(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    with FakeWeb(workdir=tmp_path / "web") as web:
        _list(seeds, web)
        result = run_crawl(
            seeds, tmp_path, env=web.env(), settings={**QUIET, "LINKHEALTH_FAIL_ON": "dead"}
        )
        args, env = crawl_command(seeds, tmp_path / "verbose", env=web.env(), settings=QUIET)
        verbose = subprocess.run(
            [*args, "-v"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    assert result.returncode == 3, result.stderr[-3000:]
    err = result.stderr
    for said in SCRAPY_LOG:
        assert said not in err, said
    # no word about an option nobody set
    assert "LINKHEALTH_PROXY_HOSTS" not in err
    assert "Disabled" not in err
    # our phases are there
    assert "3 link occurrences, 3 distinct links, 3 to fetch" in err
    reports = tmp_path / "reports"
    took = re.search(r"blocked\) in (\d+s)$", err, re.M)
    assert took is not None
    assert err.splitlines()[-3:] == [
        f"linkhealth: run 1 finished: 3 links (1 alive, 1 dead, 1 blocked) in {took[1]}",
        "archive: off",
        f"report: {reports / 'report.html'}; exit 3: 1 dead links, a status in "
        "LINKHEALTH_FAIL_ON=dead",
    ]
    # -v: Scrapy's own log as it always was
    assert verbose.returncode == 0, verbose.stderr[-3000:]
    for said in SCRAPY_LOG:
        assert said in verbose.stderr, said
    assert verbose.stderr.splitlines()[-1].endswith(
        "exit 0: the run completed (dead links are findings, not failures)"
    )


def test_a_stopped_run_says_what_was_not_checked_and_how_to_resume(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    with FakeWeb(workdir=tmp_path / "web") as web:
        links = [f"- {web.url(f'slow{i}.test', '/slow/6')}" for i in range(6)]
        (seeds / "list.md").write_text("\n".join(links) + "\n", encoding="utf-8")
        args, env = crawl_command(
            seeds,
            tmp_path,
            env=web.env(),
            settings={**QUIET, "DOWNLOAD_TIMEOUT": "60", "CONCURRENT_REQUESTS": "2"},
        )
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        before = []
        for line in proc.stderr:  # the links are handed out: the fetches are under way
            before.append(line)
            if "to fetch" in line:
                break
        time.sleep(2)
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        _out, rest = proc.communicate(timeout=120)
        err = "".join(before) + rest
    assert proc.returncode == 1, err[-3000:]
    lines = err.splitlines()
    # two links at a time: those under way when Ctrl-C came are checked, the rest are not
    first = re.fullmatch(r"linkhealth: run 1 shutdown: (\d) links \(.*\) in \d+s", lines[-3])
    assert first is not None, lines[-3:]
    checked = int(first[1])
    assert 0 < checked < 6
    assert lines[-1].endswith(
        "; exit 1: could not complete: the crawl stopped before its end (shutdown); "
        f"{6 - checked} not checked: run again to resume"
    )


def test_the_time_left_stops_at_the_archive_budget_and_the_rest_is_pending(
    tmp_path: Path,
) -> None:
    budget = 4
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario(scenario(web))
        pages = [f"- {web.url('alive.test', f'/c{i}')}" for i in range(20)]
        seeds = write_seeds(tmp_path, web, pages)
        env = web.env()
        for name in ("LINKHEALTH_WAYBACK_ACCESS_KEY", "LINKHEALTH_WAYBACK_SECRET_KEY"):
            env.pop(name, None)
        result = run_crawl(
            seeds,
            tmp_path,
            env=env,
            settings={
                **FAST_ARCHIVE,
                "LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE": "60",
                "LINKHEALTH_ARCHIVE_TIME_BUDGET": str(budget),
                "LOGSTATS_INTERVAL": "1",
            },
            timeout=120,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    err = result.stderr
    # said once at the start: no keys, so no captures, and what keys would add
    assert err.count("archive: captures are off (no Wayback keys") == 1
    assert "with keys, live pages without a fresh snapshot would be captured too" in err
    # the time left: never past the budget once the archive works (a lookup a second, 20+ left)
    lefts = re.findall(r"archive work \d+ of \d+ done; about (\d+)s left: the archive's", err)
    assert lefts, err[-3000:]
    assert all(int(s) <= budget for s in lefts), lefts
    assert not re.search(r"archive work [1-9]\d* of \d+ done; about \d+m", err)
    # the work the budget did not reach: pending, and counted in every place
    links = result.links()
    pending = [r for r in links if r["archive_status"] == "pending"]
    assert pending
    assert not [r for r in links if r["archive_status"] == "skipped" and "alive.test" in r["url"]]
    run = json.loads((result.reports / "run.json").read_text(encoding="utf-8"))
    planned, done = run["archive"]["planned"], run["archive"]["done"]
    assert run["archive"]["pending"] == len(pending) == planned - done
    closing = err.splitlines()[-2]
    assert closing == (
        f"archive: {done} of {planned} links done, {len(pending)} pending (the next run does them)"
    )
    summary = (result.reports / "summary.md").read_text(encoding="utf-8")
    assert f"Archive: {done} of {planned} links done, {len(pending)} pending" in summary
    html = (result.reports / "report.html").read_text(encoding="utf-8")
    assert f"{len(pending)} links: archive pending" in html
