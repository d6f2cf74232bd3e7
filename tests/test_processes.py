"""LINKHEALTH_PROCESSES: child processes fetch the links, the parent records them (fake web)."""

from __future__ import annotations

import csv
import itertools
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from crawler.fetch.hostslots import FileHostSlots
from crawler.run.sharding import (
    LINKS_PER_PROCESS,
    auto_processes,
    given_settings,
    registrable_domain,
    shard,
)
from tests.conftest import ROOT, CrawlResult, crawl_command, run_crawl
from tests.fakeweb import FakeWeb
from tests.test_crawl_e2e import EXPECTED

pytestmark = pytest.mark.e2e
NOW = "2026-03-01T08:00:00Z"


def _seeds(tmp_path: Path, urls: list[str], name: str = "seeds") -> Path:
    seeds = tmp_path / name
    seeds.mkdir()
    (seeds / "list.md").write_text("\n".join(f"- <{u}>" for u in urls) + "\n", encoding="utf-8")
    return seeds


def _children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return "zombie" not in state


def _wait_for_children(proc: subprocess.Popen[bytes], n: int, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = [p for p in _children_of(proc.pid) if _alive(p)]
        if len(children) >= n:
            return children
        assert proc.poll() is None, "the crawl ended before its children started"
        time.sleep(0.1)
    raise AssertionError(f"{n} child processes did not start")


# pure parts ---------------------------------------------------------------------------------


def test_a_registrable_domain_goes_to_one_shard_and_the_shards_are_balanced():
    hosts = {"a.example.com": 3, "b.example.com": 3, "example.com": 3, "x.example.co.uk": 3}
    hosts["y.test"] = 3
    group_of, sizes = shard(hosts, 3)
    assert sorted(sizes) == [3, 3, 9]
    assert len({group_of[h] for h in ("a.example.com", "b.example.com", "example.com")}) == 1
    assert sorted(set(group_of.values())) == [0, 1, 2]  # three domains, one group each
    assert sizes[group_of["example.com"]] == 9
    assert registrable_domain("x.example.co.uk") == "example.co.uk"
    # no empty group; the groups are numbered from 0
    assert shard({"a.test": 5}, 8) == ({"a.test": 0}, [5])
    # the largest domain first, each in the group with the fewest links so far
    assert shard({"big.test": 10, "mid.test": 6, "s1.test": 3, "s2.test": 2}, 2) == (
        {"big.test": 0, "mid.test": 1, "s1.test": 1, "s2.test": 1},
        [10, 11],
    )


def test_the_settings_of_a_command_line_are_read_as_given():
    argv = ["crawl", "seeds", "-a", "seeds=x", "-s", "A=1", '--set=B={"k": 2}', "-sC=3"]
    argv += ["-L", "INFO", "--set", "D=a=b"]
    assert given_settings(argv) == {"A": "1", "B": '{"k": 2}', "C": "3", "D": "a=b"}


def test_file_host_slots_hold_the_limit_across_holders_and_a_killed_holder_frees_its_slot(tmp_path):
    mine, theirs = (FileHostSlots(tmp_path, limit=2, delay=0) for _ in range(2))
    first, _ = mine.take("a.test")
    second, _ = theirs.take("a.test")
    assert first is not None
    assert second is not None
    assert theirs.take("a.test") == (None, 0.0)
    assert mine.take("b.test")[0] is not None  # another host has its own slots
    # a process holding a slot is killed: the kernel gives the slot back
    code = (
        "import time; from pathlib import Path; from crawler.fetch.hostslots import FileHostSlots;"
        f"fd,_ = FileHostSlots(Path({str(tmp_path)!r}), limit=2, delay=0).take('c.test');"
        "print(fd is not None, flush=True); time.sleep(60)"
    )
    with subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "True"
        assert mine.take("c.test")[0] is not None
        assert mine.take("c.test") == (None, 0.0)
        holder.kill()
    assert mine.take("c.test")[0] is not None


def test_file_host_slots_space_the_starts_by_the_delay(tmp_path):
    locks = FileHostSlots(tmp_path, limit=4, delay=30)
    fd, wait = locks.take("a.test")
    assert fd is not None
    assert wait == 0
    fd2, wait2 = FileHostSlots(tmp_path, limit=4, delay=30).take("a.test")
    assert fd2 is None
    assert 25 < wait2 <= 30  # the 30 s turn, less the time between the two takes


# the crawl ----------------------------------------------------------------------------------


def test_auto_is_the_usable_cpus_and_at_most_one_process_per_2000_links():
    assert LINKS_PER_PROCESS == 2000
    assert auto_processes(10_000, 2) == 2
    assert auto_processes(10_000, 8) == 5
    assert auto_processes(3_999, 8) == 1
    assert auto_processes(4_000, 8) == 2
    assert auto_processes(100_000, 4) == 4
    assert auto_processes(4_000, 1) == 1
    assert auto_processes(0, 4) == 1


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs 2 usable CPUs")
@pytest.mark.parametrize("cpus", [1, 2])
def test_by_default_a_run_of_4000_links_takes_a_process_per_usable_cpu(tmp_path, cpus):
    """No LINKHEALTH_PROCESSES given: 4,000 links on 2 usable CPUs go to 2 child processes, on
    1 usable CPU (the affinity mask narrowed, as taskset or a container does) to one process."""
    urls = [f"http://site{i % 80}.test/page?n={i}" for i in range(4000)]
    allowed = set(sorted(os.sched_getaffinity(0))[:cpus])
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        args, env = crawl_command(
            _seeds(tmp_path, urls),
            tmp_path,
            env=web.env(),
            settings={"CONCURRENT_REQUESTS": "160", "LINKHEALTH_CANARY_URLS": ""},
        )
        proc = subprocess.run(
            args,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
            check=False,
            preexec_fn=lambda: os.sched_setaffinity(0, allowed),
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert ("4000 links to fetch in 2 child processes" in proc.stderr) == (cpus == 2)
    assert ("child process" in proc.stderr) == (cpus == 2)
    with (tmp_path / "reports" / "links.csv").open(encoding="utf-8") as f:
        assert sum(1 for row in csv.DictReader(f) if row["status"] == "alive") == 4000


def test_links_of_one_registrable_domain_stay_in_one_process(tmp_path):
    """Sharded by registrable domain, one domain is one group: no child would share the work,
    so the run fetches in its own process (not in one child beside an idle parent)."""
    urls = [f"http://one.test/page?n={i}" for i in range(6)]
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        result = run_crawl(
            _seeds(tmp_path, urls), tmp_path, env=web.env(), settings={"LINKHEALTH_PROCESSES": "2"}
        )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "every link to fetch is of one registrable domain: one process" in result.stderr
    assert "child process" not in result.stderr
    assert [row["status"] for row in result.links()] == ["alive"] * 6


def test_verdicts_and_titles_are_those_of_one_process(tmp_path):
    fixture = ROOT / "tests" / "data" / "e2e"
    results: dict[int, CrawlResult] = {}
    for n in (1, 3):
        work = tmp_path / f"p{n}"
        shutil.copytree(fixture, work / "seeds")
        (work / "ignore.toml").write_text(
            '[[ignore]]\npattern = "https://ignored.test/*"\nreason = "known"\n',
            encoding="utf-8",
        )
        with FakeWeb(workdir=work / "fakeweb") as web:
            results[n] = run_crawl(
                work / "seeds",
                work,
                env=web.env(),
                settings={
                    "DOWNLOAD_TIMEOUT": "2",
                    "LINKHEALTH_NOW": NOW,
                    "LINKHEALTH_PROCESSES": str(n),
                },
            )
    one, three = results[1], results[3]
    assert one.returncode == 0, one.stderr[-3000:]
    assert three.returncode == 0, three.stderr[-3000:]
    assert "in 3 child processes" in three.stderr
    assert "child process" not in one.stderr
    assert {row["url"] for row in one.links()} == set(EXPECTED)  # every link of the fixture
    assert three.links() == one.links()
    assert three.occurrences() == one.occurrences()


def _crawl(
    tmp_path: Path,
    urls: list[str],
    processes: int,
    scenario: dict[str, Any] | None = None,
    **settings: str,
) -> tuple[CrawlResult, list[dict[str, Any]]]:
    """Crawl ``urls`` at the fake web in ``processes`` children: the result and the requests
    the web received."""
    with FakeWeb(scenario=scenario, workdir=tmp_path / "fakeweb") as web:
        result = run_crawl(
            _seeds(tmp_path, urls),
            tmp_path,
            env=web.env(),
            settings={"LINKHEALTH_PROCESSES": str(processes), **settings},
        )
        requests = web.requests()
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"in {processes} child processes" in result.stderr
    return result, requests


def _crawl_with_redirects_into_a(
    tmp_path: Path, path: str, n: int, **settings: str
) -> tuple[CrawlResult, list[dict[str, Any]], int]:
    """a.test's links (``path``) go to one child, b.test's to the other; b.test's redirect to
    a.test, so both children fetch a.test: the result, a.test's requests, the most in flight."""
    a_links = [f"http://a.test/{path}?n={i}" for i in range(n)]
    b_links = [f"http://b.test/r{i}" for i in range(n)]
    scenario = {
        "urls": {
            f"http://b.test/r{i}": {"shape": "redirect", "location": f"http://a.test/{path}?b={i}"}
            for i in range(n)
        }
    }
    result, requests = _crawl(
        tmp_path, a_links + b_links, 2, scenario, CONCURRENT_REQUESTS_PER_DOMAIN="2", **settings
    )
    requests = [r for r in requests if r["host"] == "a.test"]
    peak = max(int(r["inflight_host"]) for r in requests)
    assert len(requests) == 2 * n
    assert {row["status"] for row in result.links()} == {"alive"}
    return result, requests, peak


def test_the_per_host_limit_holds_across_processes_and_a_redirect_into_another_shard(tmp_path):
    _, _, peak = _crawl_with_redirects_into_a(tmp_path, "slow/1", 8)
    assert peak == 2


def test_the_download_delay_holds_across_processes_and_a_redirect_into_another_shard(tmp_path):
    """The requests to a.test, from both children, start at least the delay apart (less 0.1 s:
    a request's start is logged when it reaches the web)."""
    _, requests, _ = _crawl_with_redirects_into_a(tmp_path, "page/1", 4, DOWNLOAD_DELAY="1")
    starts = sorted(float(r["t"]) for r in requests)
    assert min(b - a for a, b in itertools.pairwise(starts)) > 0.9


def _most_in_flight(requests: list[dict[str, object]]) -> int:
    """The most requests in flight at once at the web, every host together."""
    events = sorted(
        [(float(str(r["t"])), 1) for r in requests]
        + [(float(str(r["t_end"])), -1) for r in requests]
    )  # (at the same moment an end comes before a start)
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def test_concurrent_requests_stays_the_run_total(tmp_path):
    urls = [f"http://site{i % 4}.test/slow/1?n={i}" for i in range(16)]
    _, requests = _crawl(
        tmp_path,
        urls,
        2,
        CONCURRENT_REQUESTS="4",
        CONCURRENT_REQUESTS_PER_DOMAIN="8",
        LINKHEALTH_CANARY_URLS="",
    )
    requests = [r for r in requests if str(r["host"]).startswith("site")]
    assert len(requests) == 16
    assert _most_in_flight(requests) == 4


def test_settings_environment_seeds_now_and_rules_reach_every_child(tmp_path):
    """Started from a directory without a `seeds` folder (a child without `-a seeds` stops at
    its start), with the rules file named by an environment variable and the rest by -s."""
    urls = [f"http://site{i}.test/status/410" for i in range(6)]
    seeds = _seeds(tmp_path, urls, "lists")
    rules = tmp_path / "rules.toml"
    rules.write_text('[statuses]\n"410" = "blocked"\n', encoding="utf-8")
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        args, env = crawl_command(
            seeds,
            tmp_path,
            env={**web.env(), "LINKHEALTH_RULES": str(rules)},
            settings={
                "LINKHEALTH_NOW": NOW,
                "LINKHEALTH_PROCESSES": "3",
                "USER_AGENT": "procs-test-agent/1",
                "DEFAULT_REQUEST_HEADERS": '{"X-Probe": "yes"}',  # a dictionary setting
            },
        )
        env["SCRAPY_SETTINGS_MODULE"] = "crawler.settings"
        proc = subprocess.run(
            args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False
        )
        sent = [r["headers"] for r in web.requests() if "site" in r["host"]]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "in 3 child processes" in proc.stderr
    with (tmp_path / "reports" / "links.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {(r["status"], r["reason"]) for r in rows} == {("blocked", "http-410")}
    assert len(rows) == 6
    assert {h.get("user-agent") for h in sent} == {"procs-test-agent/1"}
    assert {h.get("x-probe") for h in sent} == {"yes"}
    db = sqlite3.connect(tmp_path / "state.sqlite")
    try:
        checked = {at for (at,) in db.execute("SELECT checked_at FROM checks")}
    finally:
        db.close()
    assert checked == {NOW}


def test_the_canaries_are_fetched_once_and_the_run_has_one_timestamp(tmp_path):
    urls = [f"http://site{i}.test/page" for i in range(6)]
    result, requests = _crawl(tmp_path, urls, 3, LINKHEALTH_CANARY_URLS="http://canary.test/")
    assert len([r for r in requests if r["host"] == "canary.test"]) == 1
    # without LINKHEALTH_NOW, every child stamps its verdicts with the parent's timestamp
    db = sqlite3.connect(result.state)
    try:
        started = {at for (at,) in db.execute("SELECT started_at FROM runs")}
        checked = {at for (at,) in db.execute("SELECT checked_at FROM checks")}
    finally:
        db.close()
    assert checked == started


def test_more_than_one_process_with_redis_is_a_configuration_error(tmp_path):
    result = run_crawl(
        _seeds(tmp_path, ["http://a.test/"]),
        tmp_path,
        settings={"LINKHEALTH_REDIS_URL": "redis://127.0.0.1:1/0", "LINKHEALTH_PROCESSES": "2"},
    )
    assert result.returncode == 2, result.stderr[-3000:]
    assert "configuration error: LINKHEALTH_PROCESSES" in result.stderr


def _recorded(state: Path) -> set[str]:
    db = sqlite3.connect(state)
    try:
        return {i for (i,) in db.execute("SELECT identity FROM checks WHERE run_id=1")}
    except sqlite3.OperationalError:  # not made yet
        return set()
    finally:
        db.close()


def _wait_until(ready, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_children_leave_within_5_seconds_of_their_parent_killed(tmp_path):
    urls = [f"http://fast{i}.test/page/{i}" for i in range(4)]
    urls += [f"http://slow{i}.test/slow/60?n={i}" for i in range(2)]
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        args, env = crawl_command(
            _seeds(tmp_path, urls),
            tmp_path,
            env=web.env(),
            settings={"LINKHEALTH_PROCESSES": "2", "DOWNLOAD_TIMEOUT": "120"},
        )
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        children: list[int] = []
        try:
            children = _wait_for_children(proc, 2)
            _wait_until(lambda: len(_recorded(tmp_path / "state.sqlite")) == 4)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            time.sleep(5)
            alive = [p for p in children if _alive(p)]
        finally:
            for pid in children:
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
    assert len(children) == 2
    assert alive == []


def test_a_child_killed_makes_the_run_exit_1_and_the_next_start_completes_it(tmp_path):
    """Each child has 3 fast links and a slow one (sharded by domain, in name order); once the
    fast ones are recorded, a child is killed while its slow link is in flight."""
    fast = [f"http://fast{i}.test/page/{i}" for i in range(6)]
    slow = [f"http://slow{i}.test/slow/6?n={i}" for i in range(2)]
    seeds = _seeds(tmp_path, fast + slow)
    state = tmp_path / "state.sqlite"
    settings = {"LINKHEALTH_PROCESSES": "2", "DOWNLOAD_TIMEOUT": "60", "LINKHEALTH_NOW": NOW}
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        args, env = crawl_command(seeds, tmp_path, env=web.env(), settings=settings)
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        children = _wait_for_children(proc, 2)
        _wait_until(lambda: len(_recorded(state)) == 6)
        os.kill(children[0], signal.SIGKILL)
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 1, stderr[-3000:]
        assert "exited with -9" in stderr
        first = _recorded(state)
        # the other child's slow link is recorded, the killed child's is not
        assert len(first) == 7
        before = len(web.requests())
        again = run_crawl(seeds, tmp_path, env=web.env(), settings=settings)
        refetched = [
            r["url"] for r in web.requests()[before:] if r["host"].startswith(("fast", "slow"))
        ]
    assert again.returncode == 0, again.stderr[-3000:]
    assert "continuing run 1" in again.stderr
    db = sqlite3.connect(state)
    try:
        runs = list(db.execute("SELECT id, state FROM runs"))
        checks = list(db.execute("SELECT identity, status FROM checks"))
    finally:
        db.close()
    assert runs == [(1, "finished")]
    assert len(checks) == 8
    assert {status for _, status in checks} == {"alive"}
    assert len(refetched) == 1  # only the link without a verdict
    assert refetched[0].startswith("http://slow")
