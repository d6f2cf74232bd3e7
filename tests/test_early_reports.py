"""Answers before the archive is done, and progress on long runs: the real crawl, watched as it
runs, against the fake web and its slow Wayback Machine."""

from __future__ import annotations

import csv
import json
import os
import pty
import re
import select
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.cli import main
from tests.conftest import ROOT, crawl_command
from tests.fakeweb import FakeWeb
from tests.test_archive import FAST_ARCHIVE, KEYS, scenario, write_seeds
from tests.test_rolling_issue import FakeGh

pytestmark = pytest.mark.e2e

#: each Wayback answer takes this long: the archive work of six links (nine lookups and
#: snapshot fetches, one at a time, and captures) lasts several seconds after the verdicts
SLOW_WAYBACK = 1.0
#: the slowest link's answer: progress lines while links are still being checked
SLOW_PAGE = 3
LINKS = 6
PROGRESS = re.compile(
    r"progress: (\d+) of (\d+) links checked \((\d+)%\), archive work (\d+) of (\d+) done; (.*)"
)
BAR = re.compile(r"\r\x1b\[K\[[#-]+\] +\d+% \d+/\d+ links")


@dataclass
class Watched:
    returncode: int
    stderr: str
    reports: Path
    state: Path
    #: the reports as they stood when run.json first said ``running``
    early: Path | None
    #: the crawl was still running once that copy was made
    running_after_copy: bool


def _read_run(reports: Path) -> dict[str, Any] | None:
    try:
        document: dict[str, Any] = json.loads((reports / "run.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return document


def _links(reports: Path) -> list[dict[str, str]]:
    with (reports / "links.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def watch_crawl(tmp: Path, web: FakeWeb, settings: dict[str, str]) -> Watched:
    """Run the crawl, stderr a pipe; copy the reports the moment run.json says ``running``."""
    env = web.env()
    env.update(KEYS)
    args, env = crawl_command(tmp / "seeds", tmp, env=env, settings=settings)
    reports, early = tmp / "reports", tmp / "early"
    copied = running_after_copy = False
    chunks: list[bytes] = []
    with subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,  # bytes: text mode would turn a bar's \r into \n
    ) as proc:
        reader = threading.Thread(target=lambda: chunks.extend(proc.stderr or ()), daemon=True)
        reader.start()
        deadline = time.monotonic() + 180
        while proc.poll() is None and time.monotonic() < deadline:
            run = _read_run(reports)
            if not copied and run is not None and run["state"] == "running":
                # every report is renamed into place before run.json, the last one
                shutil.copytree(reports, early)
                copied = True
                running_after_copy = proc.poll() is None
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        reader.join(10)
    return Watched(
        proc.returncode,
        b"".join(chunks).decode("utf-8", "replace"),
        reports,
        tmp / "state.sqlite",
        early if copied else None,
        running_after_copy,
    )


@pytest.fixture(scope="module")
def archiving_run(tmp_path_factory: pytest.TempPathFactory) -> Watched:
    tmp = tmp_path_factory.mktemp("early")
    with FakeWeb(workdir=tmp / "web") as web:
        web.write_scenario(scenario(web, keys={"ACC": "SEC"}, slow_seconds=SLOW_WAYBACK))
        write_seeds(tmp, web, [f"- [slow]({web.url('alive.test', f'/slow/{SLOW_PAGE}')})"])
        settings = {
            **FAST_ARCHIVE,
            "LINKHEALTH_ARCHIVE_TIME_BUDGET": "120",
            "LOGSTATS_INTERVAL": "0.5",
            "LOG_LEVEL": "INFO",
        }
        return watch_crawl(tmp, web, settings)


def test_reports_come_before_the_archive_is_done(archiving_run: Watched) -> None:
    result = archiving_run
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.early is not None, "run.json never said running while the crawl ran"
    assert result.running_after_copy
    early = _read_run(result.early)
    assert early is not None
    assert early["finished_at"] is None
    planned, done = early["archive"]["planned"], early["archive"]["done"]
    assert planned > done
    # every link has its verdict; the archive columns of the links still waiting are blank
    rows = _links(result.early)
    assert len(rows) == early["links"] == LINKS
    assert all(row["status"] for row in rows), rows
    waiting = [row for row in rows if not row["archive_status"]]
    assert len(waiting) == planned - done
    assert all(not row["archive_url"] and not row["archived_at"] for row in waiting)
    for name in ("occurrences.csv", "report.html", "summary.md", "fixes.md"):
        assert (result.early / name).is_file(), name
    assert "the archive is still at work" in (result.early / "summary.md").read_text("utf-8")

    final = _read_run(result.reports)
    assert final is not None
    assert final["state"] == "finished"
    assert final["archive"] == {"planned": planned, "done": planned, "pending": 0}
    assert all(row["archive_status"] for row in _links(result.reports))
    # staged files were renamed onto their targets: none is left behind
    assert sorted(p.name for p in result.reports.iterdir() if p.name.startswith(".")) == []


def test_linkhealth_report_keeps_the_archive_counts(archiving_run: Watched, tmp_path: Path) -> None:
    """Rebuilt from the state file alone, run.json has the run's final archive counts."""
    assert main(["report", "--state", str(archiving_run.state), "--out", str(tmp_path)]) == 0
    rebuilt, final = _read_run(tmp_path), _read_run(archiving_run.reports)
    assert rebuilt is not None
    assert final is not None
    assert rebuilt["archive"] == final["archive"] == {"planned": LINKS, "done": LINKS, "pending": 0}


def test_the_rolling_issue_leaves_a_running_run_alone(
    archiving_run: Watched, tmp_path: Path
) -> None:
    """The crawl's own early reports list a dead link, yet the rolling issue does nothing."""
    assert archiving_run.early is not None
    assert any(row["status"] == "dead" for row in _links(archiving_run.early))
    gh = FakeGh(tmp_path)
    proc = gh.run(archiving_run.early)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "run state is running" in proc.stdout
    assert gh.calls() == [], "no gh call at all"


def test_progress_lines_count_links_and_archive_work(archiving_run: Watched) -> None:
    lines = [m.groups() for m in PROGRESS.finditer(archiving_run.stderr)]
    # at least: how many progress lines a run writes depends on how long it takes
    assert len(lines) >= 3, archiving_run.stderr[-3000:]
    counts = [tuple(int(n) for n in groups[:5]) for groups in lines]
    for checked, total, share, archived, planned in counts:
        assert total == LINKS
        assert share == 100 * checked // total
        assert archived <= planned
    assert [c[0] for c in counts] == sorted(c[0] for c in counts)
    assert [c[3] for c in counts] == sorted(c[3] for c in counts)
    assert any(c[0] < LINKS for c in counts), "a line while the slow link is being checked"
    # while the archive works on, after the verdicts: the time left at the current rates
    archiving = [g for c, g in zip(counts, lines, strict=True) if c[0] == LINKS and c[3] < c[4]]
    assert any(
        re.fullmatch(r"about (\d+s|\d+m \d\ds) left at the current rates", g[5]) for g in archiving
    )
    final = str(LINKS)
    assert lines[-1] == (final, final, "100", final, final, "run over")


def test_no_bar_when_stderr_is_a_pipe(archiving_run: Watched) -> None:
    assert "\r" not in archiving_run.stderr
    assert "[#" not in archiving_run.stderr
    assert "[-" not in archiving_run.stderr


def test_a_bar_is_redrawn_on_a_terminal(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        seeds = tmp_path / "seeds"
        seeds.mkdir()
        lines = [f"- {web.url('alive.test', f'/slow/3?n={i}')}" for i in range(4)]
        (seeds / "list.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        args, env = crawl_command(seeds, tmp_path, env=web.env(), settings={"LOG_LEVEL": "INFO"})
        primary, secondary = pty.openpty()
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=secondary,
        )
        os.close(secondary)
        out = b""
        try:
            while True:
                ready, _, _ = select.select([primary], [], [], 60)
                if not ready:
                    break
                try:
                    chunk = os.read(primary, 65536)
                except OSError:  # EIO: the crawl closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
        finally:
            os.close(primary)
            proc.wait(60)
    text = out.decode("utf-8", "replace")
    assert proc.returncode == 0, text[-3000:]
    drawn = BAR.findall(text)
    # at least: how often the bar is drawn depends on how long the run takes
    assert len(drawn) >= 2, text[-3000:]
    assert all(d.endswith("/4 links") for d in drawn), drawn
    # the bar's line is cleared before each log record: none is written on after a bar
    assert not re.search(r"\[[#-]+\][^\r\n]*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[", text)
