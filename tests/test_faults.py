"""Fault injection: a run that cannot do its job says so, with its exit status and one line.

Each case is the real `scrapy crawl seeds` against the fake web, with a real fault: a read-only
or full file system (a small tmpfs mounted for the test: root only, skipped elsewhere), a page
of the state file overwritten, signals, another writer, a report directory that cannot hold the
reports. The exit status is "could not complete" (1) unless the run proved otherwise; a problem
found before anything is fetched is a one-line exit 2.
"""

from __future__ import annotations

import contextlib
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.store.db import Store
from tests.conftest import ROOT, crawl_command, run_crawl
from tests.fakeweb import FakeWeb

pytestmark = pytest.mark.e2e


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` for the test (root only)."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)


def _seeds(tmp_path: Path, urls: list[str], name: str = "list.md") -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    (seeds / name).write_text("".join(f"- <{u}>\n" for u in urls), encoding="utf-8")
    return seeds


def _last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


# the state file --------------------------------------------------------------------------------


def test_a_read_only_state_file_is_refused_before_anything_is_fetched(tmp_path, fakeweb):
    seeds = _seeds(tmp_path, ["http://alive.test/a"])
    with tmpfs(tmp_path / "ro", "1m") as ro:
        state = ro / "state.sqlite"
        Store(state).close()
        _remount_read_only(ro)
        result = run_crawl(
            seeds, tmp_path, env={**fakeweb.env(), "LINKHEALTH_STATE_DB": str(state)}
        )
    assert result.returncode == 2, result.stderr[-2000:]
    assert _last_line(result.stderr) == (
        f"linkhealth: state file: state file {state}: cannot be written (Read-only file system)"
    )
    assert fakeweb.requests() == []


def test_a_full_disk_mid_crawl_stops_the_run_and_exits_1(tmp_path, fakeweb):
    urls = [f"http://full{i % 3}.test/x{i}" for i in range(150)]
    seeds = _seeds(tmp_path, urls)
    # room for the run's links, not for its verdicts (each commit adds pages to the WAL)
    with tmpfs(tmp_path / "small", "320k") as small:
        state = small / "state.sqlite"
        env = {**fakeweb.env(), "LINKHEALTH_STATE_DB": str(state)}
        result = run_crawl(seeds, tmp_path, env=env, settings={"LINKHEALTH_PROCESSES": "1"})
        again = run_crawl(seeds, tmp_path, env=env, settings={"LINKHEALTH_PROCESSES": "1"})
    for run in (result, again):
        assert run.returncode == 1, run.stderr[-3000:]
        last = _last_line(run.stderr)
        assert f"could not complete: state file {state}: database or disk is full: " in last
    # the first run filled the disk with its verdicts, mid-crawl
    assert _last_line(result.stderr).endswith("verdicts can no longer be recorded, the crawl stops")
    # the crawl stopped sending once the store refused: not every link was fetched
    assert len({r["url"] for r in fakeweb.requests()}) < len(urls)


def test_a_damaged_page_in_the_state_file_is_refused(tmp_path, fakeweb):
    urls = [f"http://alive.test/p{i}" for i in range(300)]
    seeds = _seeds(tmp_path, urls)
    first = run_crawl(seeds, tmp_path, env=fakeweb.env(), settings={"LINKHEALTH_PROCESSES": "1"})
    assert first.returncode == 0, first.stderr[-2000:]
    db = sqlite3.connect(first.state)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()
    with first.state.open("r+b") as fh:  # one page in the middle, overwritten
        fh.seek(page_size * (pages // 2) + 16)
        fh.write(b"\xa5" * (page_size - 32))
    sent = len(fakeweb.requests())
    result = run_crawl(seeds, tmp_path, env=fakeweb.env())
    assert result.returncode == 2, result.stderr[-2000:]
    last = _last_line(result.stderr)
    assert last.startswith(f"linkhealth: state file: state file {first.state} is damaged (")
    assert last.endswith(
        "restore it from the link-health-state branch, or move it away to start afresh"
    )
    assert len(fakeweb.requests()) == sent


def test_a_directory_in_place_of_the_state_file_is_one_line(tmp_path, fakeweb):
    seeds = _seeds(tmp_path, ["http://alive.test/a"])
    (tmp_path / "state.sqlite").mkdir()
    result = run_crawl(seeds, tmp_path, env=fakeweb.env())
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1] == (
        f"linkhealth: state file: state file {tmp_path / 'state.sqlite'} is a directory"
    )
    assert "Traceback" not in result.stderr


def _start(seeds: Path, workdir: Path, env: dict[str, str], **settings: str) -> subprocess.Popen:
    args, full_env = crawl_command(seeds, workdir, env=env, settings=settings)
    return subprocess.Popen(
        args, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _answered(web: FakeWeb, host: str) -> list[dict]:
    """The requests to ``host`` the fake web has answered (it logs each once answered)."""
    return [r for r in web.requests() if r["host"] == host]


def _wait_for_requests(web: FakeWeb, host: str, n: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while len(_answered(web, host)) < n:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "the crawl sent nothing"
        time.sleep(0.05)


def test_two_crawls_on_one_state_file_one_writer_at_a_time(tmp_path, fakeweb):
    seeds = _seeds(tmp_path, [f"http://slow.test/slow/1?n={i}" for i in range(8)])
    first = _start(seeds, tmp_path, fakeweb.env(), CONCURRENT_REQUESTS_PER_DOMAIN="1")
    try:
        _wait_for_requests(fakeweb, "slow.test", 1, first)
        other = tmp_path / "other"
        other.mkdir()
        second = run_crawl(
            _seeds(other, ["http://alive.test/b"]),
            other,
            env={**fakeweb.env(), "LINKHEALTH_STATE_DB": str(tmp_path / "state.sqlite")},
        )
    finally:
        _, first_err = first.communicate(timeout=120)
    assert second.returncode == 2, second.stderr[-2000:]
    assert _last_line(second.stderr) == (
        f"linkhealth: state file: state file {tmp_path / 'state.sqlite'} is in use by another "
        "crawl (one writer at a time): wait for it to end, or give this one another "
        "LINKHEALTH_STATE_DB"
    )
    assert first.returncode == 0, first_err[-2000:]
    assert "http://alive.test/b" not in {r["url"] for r in fakeweb.requests()}


def test_a_state_file_locked_past_30_seconds_is_one_line(tmp_path, fakeweb):
    seeds = _seeds(tmp_path, ["http://alive.test/a"])
    state = tmp_path / "state.sqlite"
    Store(state).close()
    holder = sqlite3.connect(state, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program, holding the file past the timeout
    try:
        result = run_crawl(seeds, tmp_path, env=fakeweb.env())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 2, result.stderr[-2000:]
    assert _last_line(result.stderr) == (
        f"linkhealth: state file: state file {state}: another program has held it locked for "
        "more than 30 s (database is locked)"
    )
    assert fakeweb.requests() == []


# signals -----------------------------------------------------------------------------------------


def test_a_stop_stops_sending_and_says_so(tmp_path, fakeweb):
    urls = [f"http://queue.test/slow/2?n={i}" for i in range(30)]
    seeds = _seeds(tmp_path, urls)
    proc = _start(seeds, tmp_path, fakeweb.env(), CONCURRENT_REQUESTS_PER_DOMAIN="2")
    _wait_for_requests(fakeweb, "queue.test", 2, proc)  # two answered; two more on the wire
    signalled = time.time()
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    requests = _answered(fakeweb, "queue.test")
    # what was on the wire at the signal finishes; nothing queued goes out after it
    # (0.5 s: the request the downloader started just as the signal came)
    assert [r["url"] for r in requests if r["t"] > signalled + 0.5] == []
    assert len(requests) <= 4
    assert proc.returncode == 1, stderr[-3000:]
    assert "stopping: " in stderr
    assert "queued requests were not sent" in stderr
    assert re.search(
        r"; exit 1: could not complete: the crawl stopped before its end \(shutdown\); "
        r"\d+ not checked: run again to resume$",
        _last_line(stderr),
    )
    db = sqlite3.connect(tmp_path / "state.sqlite")
    try:
        checked = db.execute("SELECT COUNT(*) FROM checks").fetchone()[0]
        state = db.execute("SELECT state FROM runs").fetchone()[0]
    finally:
        db.close()
    assert checked <= 4  # the links never sent keep no verdict: the next start checks them
    assert state == "running"


def test_a_forced_stop_exits_1(tmp_path, fakeweb):
    urls = [f"http://forced.test/slow/3?n={i}" for i in range(10)]
    seeds = _seeds(tmp_path, urls)
    proc = _start(seeds, tmp_path, fakeweb.env(), CONCURRENT_REQUESTS_PER_DOMAIN="2")
    _wait_for_requests(fakeweb, "forced.test", 2, proc)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)  # the second: a forced, unclean stop
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, stderr[-3000:]
    # Whether the close path still ran before the forced stop ended the process depends on
    # timing; either way the status is 1 and the last line says the run could not complete.
    last = _last_line(stderr)
    assert "could not complete" in last
    assert last.endswith("run again to resume")


def test_no_way_in_from_outside(tmp_path, fakeweb):
    """Scrapy's RemoteControl (Python code over local HTTP, its token in a job file that a
    forced stop leaves behind) and telnet console are not started."""
    seeds = _seeds(tmp_path, ["http://alive.test/a"])
    xdg = tmp_path / "xdg-state"
    result = run_crawl(
        seeds,
        tmp_path,
        env={**fakeweb.env(), "XDG_STATE_HOME": str(xdg)},
        settings={"LOG_LEVEL": "INFO"},  # Scrapy's component lists (quiet by default)
    )
    assert result.returncode == 0, result.stderr[-2000:]
    enabled = result.stderr.split("Enabled extensions:", 1)[1].split("]", 1)[0]
    assert "RemoteControl" not in enabled
    assert "Telnet" not in enabled
    assert not xdg.exists()  # no job file, nor its directory


# the run's timestamp, the seeds ----------------------------------------------------------------


def test_a_timestamp_out_of_range_is_refused(tmp_path, fakeweb):
    seeds = _seeds(tmp_path, ["http://alive.test/a"])
    result = run_crawl(
        seeds, tmp_path, env=fakeweb.env(), settings={"LINKHEALTH_NOW": "9999-12-31T23:59:59Z"}
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert _last_line(result.stderr) == (
        "linkhealth: configuration error: LINKHEALTH_NOW: '9999-12-31T23:59:59Z' is out of "
        "range (a year from 1970 to 9000)"
    )


def test_seeds_stay_inside_their_directory_and_bounded(tmp_path, fakeweb):
    seeds = _seeds(tmp_path, ["http://alive.test/inside"])
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private.md").write_text("- <http://alive.test/private>\n", encoding="utf-8")
    (seeds / "zero.md").symlink_to("/dev/zero")
    (seeds / "private.md").symlink_to(outside / "private.md")
    (seeds / "again.md").symlink_to(seeds / "list.md")  # inside the tree: read
    (seeds / "big.md").write_bytes(b"- <http://alive.test/big>\n" + b"x" * (5 * 1024 * 1024))
    result = run_crawl(seeds, tmp_path, env=fakeweb.env())
    assert result.returncode == 0, result.stderr[-3000:]
    assert set(result.by_url()) == {"http://alive.test/inside"}
    assert int(result.by_url()["http://alive.test/inside"]["occurrences"]) == 2
    assert "zero.md is a symlink that leads outside the seeds directory, skipped" in result.stderr
    assert (
        "private.md is a symlink that leads outside the seeds directory, skipped" in result.stderr
    )
    assert "big.md is larger than 4 MiB (the most read of one seed file), skipped" in result.stderr
    sent = {r["url"] for r in fakeweb.requests() if r["host"] == "alive.test"}
    assert sent == {"http://alive.test/inside"}


@pytest.mark.parametrize("content", [None, b"\x00\x01binary\x00" * 100])
def test_seeds_without_links_are_an_error_not_a_green_run(tmp_path, fakeweb, content):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    if content is not None:
        (seeds / "blob.md").write_bytes(content)
    result = run_crawl(seeds, tmp_path, env=fakeweb.env())
    assert result.returncode == 2, result.stderr[-2000:]
    assert _last_line(result.stderr) == (
        f"linkhealth: seeds: no links in {seeds} (no seed file with a link in it): nothing to check"
    )
    assert "Every checked link is alive" not in result.stderr
    assert not (tmp_path / "reports" / "summary.md").exists()


def test_a_seed_path_to_a_device_is_no_links(tmp_path, fakeweb):
    result = run_crawl(Path("/dev/zero"), tmp_path, env=fakeweb.env())
    assert result.returncode == 2, result.stderr[-2000:]
    assert "zero is not a regular file, skipped" in result.stderr


# the reports -----------------------------------------------------------------------------------


def test_a_file_in_place_of_the_report_directory_is_refused_at_start(tmp_path, fakeweb):
    seeds = _seeds(tmp_path, ["http://alive.test/a"])
    (tmp_path / "reports").write_text("not a directory")
    result = run_crawl(seeds, tmp_path, env=fakeweb.env())
    assert result.returncode == 2, result.stderr[-2000:]
    assert _last_line(result.stderr) == (
        f"linkhealth: configuration error: LINKHEALTH_REPORT_DIR: {tmp_path / 'reports'} "
        "cannot hold the reports (File exists)"
    )
    assert fakeweb.requests() == []


def test_an_unwritable_report_directory_is_refused_at_start(tmp_path, fakeweb):
    seeds = _seeds(tmp_path, ["http://alive.test/a"])
    with tmpfs(tmp_path / "ro", "1m") as ro:
        _remount_read_only(ro)
        result = run_crawl(seeds, tmp_path, env={**fakeweb.env(), "LINKHEALTH_REPORT_DIR": str(ro)})
    assert result.returncode == 2, result.stderr[-2000:]
    assert _last_line(result.stderr) == (
        f"linkhealth: configuration error: LINKHEALTH_REPORT_DIR: {ro} cannot hold the "
        "reports (Read-only file system)"
    )
    assert fakeweb.requests() == []


def test_reports_that_cannot_be_written_at_the_end_exit_1_and_say_where_not(tmp_path, fakeweb):
    seeds = _seeds(tmp_path, [f"http://alive.test/r{i}" for i in range(20)])
    with tmpfs(tmp_path / "tiny", "16k") as tiny:  # takes a probe file, not report.html
        result = run_crawl(
            seeds, tmp_path, env={**fakeweb.env(), "LINKHEALTH_REPORT_DIR": str(tiny)}
        )
    assert result.returncode == 1, result.stderr[-3000:]
    last = _last_line(result.stderr)
    assert "reports in" not in last
    assert f"could not complete: writing the reports to {tiny} failed (OSError: " in last
    assert "No space left on device" in last
    assert last.endswith("`linkhealth report` rebuilds them from the state file")


# a link standing 10,000 times ------------------------------------------------------------------


def test_a_link_standing_ten_thousand_times_keeps_the_reports(tmp_path, fakeweb):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    many = "".join(f"- [{i}](http://alive.test/many) line {i}\n" for i in range(12_000))
    (seeds / "a-rather-long-file-name-for-a-reading-list.md").write_text(many, encoding="utf-8")
    result = run_crawl(seeds, tmp_path, env=fakeweb.env())
    assert result.returncode == 0, result.stderr[-3000:]
    assert "field larger than field limit" not in result.stderr
    row = result.by_url()["http://alive.test/many"]  # Python's csv, its default field limit
    assert row["occurrences"] == "12000"
    assert row["sources"].endswith("; … 11900 more")
    assert row["sources"].count(";") == 100
    assert row["link_text"].endswith(" | … 11900 more")
    assert len(result.occurrences()) == 12_000  # every occurrence is still there
    assert (result.reports / "fixes.md").is_file()
