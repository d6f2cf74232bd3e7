"""The distributed profile: `linkhealth push`, several `scrapy crawl seeds` workers on one Redis,
`linkhealth merge` — against a real redis-server on loopback and the fake web."""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from crawler.distributed.frontier import LEASE, RECORD, Keys, message
from crawler.distributed.hostslots import RedisHostSlots
from crawler.run.config import parse_now
from tests.conftest import FAST, ROOT, CrawlResult, crawl_command, run_crawl, write_seeds
from tests.fakeweb import FakeWeb

# one xdist process runs the module (its fixtures are costly): `pytest -n 2 --dist loadgroup`
pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.xdist_group("redis")]

REDIS_SERVER = "/usr/bin/redis-server"
HOSTS = 20
LINKS = 2000
#: the workers' per-host limit: below what three workers reach on the slow pages without the
#: global limit (each would send PER_DOMAIN at once)
PER_DOMAIN = 2
# path → share of the links; the slow ones make requests to one host overlap
MODES = [
    ("/page/{n}", 55),
    ("/slow/0.3?n={n}", 20),
    ("/status/404?n={n}", 12),
    ("/status/410?n={n}", 3),
    ("/redirect-perm?n={n}", 5),
    ("/html-title/T{n}", 5),
]


# -------------------------------------------------------------------------------- fixtures


@dataclass
class RedisServer:
    url: str
    proc: subprocess.Popen[bytes]

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if not Path(REDIS_SERVER).exists():
        pytest.skip(f"{REDIS_SERVER} is missing: scripts/install_test_deps.sh installs it")
    workdir = tmp_path_factory.mktemp("redis")
    port = _free_port()
    proc = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(f"redis://127.0.0.1:{port}/0", proc)
    deadline = time.monotonic() + 10
    while True:
        try:
            server.client().ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.05)
    yield server
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _generate() -> str:
    rng = random.Random(9)
    paths = [p for p, weight in MODES for _ in range(weight)]
    lines = ["# Two thousand links", ""]
    for n in range(LINKS):
        url = f"http://h{n % HOSTS}.test{rng.choice(paths).format(n=n)}"
        lines.append(f"- [link {n}]({url})")
    lines += ["", "- [a note](notes.md)", "- mailto:someone@example.com", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, FakeWeb]]:
    work = tmp_path_factory.mktemp("distributed")
    seeds = work / "seeds"
    seeds.mkdir()
    (seeds / "big.md").write_text(_generate(), encoding="utf-8")
    (seeds / "notes.md").write_text("notes\n", encoding="utf-8")
    with FakeWeb(workdir=work / "fakeweb") as web:
        yield seeds, web


@pytest.fixture(scope="module")
def single(world: tuple[Path, FakeWeb], tmp_path_factory: pytest.TempPathFactory) -> CrawlResult:
    """The one-machine run on the same seeds: the reference reports."""
    seeds, web = world
    work = tmp_path_factory.mktemp("single")
    started = time.monotonic()
    result = run_crawl(seeds, work, env=web.env(), settings={"LINKHEALTH_FAIL_ON": "dead"})
    print(f"single-process run: {time.monotonic() - started:.1f}s")
    assert result.returncode == 3, result.stderr[-3000:]  # the seeds hold dead links
    return result


# -------------------------------------------------------------------------------- helpers


@dataclass
class Distributed:
    seeds: Path
    web: FakeWeb
    redis: RedisServer
    work: Path
    prefix: str

    @property
    def state(self) -> Path:
        return self.work / "coordinator.sqlite"

    @property
    def reports(self) -> Path:
        return self.work / "reports"

    def env(self) -> dict[str, str]:
        env = self.web.env()
        env["PYTHONPATH"] = str(ROOT)
        env["LINKHEALTH_IGNORE_FILE"] = str(self.work / "ignore.toml")
        env["LINKHEALTH_REDIS_PREFIX"] = self.prefix
        env.pop("LINKHEALTH_REDIS_URL", None)
        return env

    def cli(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "crawler.cli", *args, "--redis", self.redis.url],
            cwd=ROOT,
            env={**self.env(), **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def push(self) -> None:
        proc = self.cli("push", "--seeds", str(self.seeds), "--state", str(self.state))
        assert proc.returncode == 0, proc.stderr[-3000:]

    def merge(self, **env: str) -> subprocess.CompletedProcess[str]:
        return self.cli("merge", "--state", str(self.state), "--out", str(self.reports), **env)

    def worker(self, n: int, **settings: str) -> subprocess.Popen[str]:
        env = self.env()
        env["LINKHEALTH_STATE_DB"] = str(self.work / f"worker{n}.sqlite")
        env["LINKHEALTH_REPORT_DIR"] = str(self.work / f"worker{n}-reports")
        args = [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={self.seeds}"]
        merged = {
            **FAST,
            "LINKHEALTH_REDIS_URL": self.redis.url,
            "LINKHEALTH_REDIS_LEASE": "4",
            "LINKHEALTH_REDIS_HOST_TTL": "3",
            "LINKHEALTH_REDIS_POLL": "0.2",
            "CONCURRENT_REQUESTS_PER_DOMAIN": str(PER_DOMAIN),
            # each worker its own scrapy-redis queue: a request stays with the worker that leased it
            "SCHEDULER_QUEUE_KEY": f"{self.prefix}worker{n}:requests",
            # the fake web's log tells the workers apart
            "USER_AGENT": f"linkhealth-test worker{n}",
            # Scrapy's stats dump (quiet by default), which the tests read
            "LOG_LEVEL": "INFO",
            **settings,
        }
        for name, value in merged.items():
            args += ["-s", f"{name}={value}"]
        with (self.work / f"worker{n}.log").open("w", encoding="utf-8") as log:
            return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log, text=True)

    def log(self, n: int) -> str:
        return (self.work / f"worker{n}.log").read_text(encoding="utf-8")

    def links_csv(self) -> list[dict[str, str]]:
        with (self.reports / "links.csv").open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    def results(self) -> int:
        client = self.redis.client()
        run_id = int(client.hget(f"{self.prefix}run", "run_id") or 0)
        return int(client.hlen(f"{self.prefix}{run_id}:results"))


def _setup(
    world: tuple[Path, FakeWeb], redis_server: RedisServer, tmp_path: Path, prefix: str
) -> Distributed:
    seeds, web = world
    web.clear_log()
    return Distributed(seeds, web, redis_server, tmp_path, prefix)


def _wait(workers: list[subprocess.Popen[str]], d: Distributed, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    for n, proc in enumerate(workers):
        try:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for p in workers:
                p.kill()
            pytest.fail(f"worker {n} did not finish:\n{d.log(n)[-3000:]}")


def _fetch_urls(state: Path) -> set[str]:
    with sqlite3.connect(state) as db:
        return {
            str(url)
            for (url,) in db.execute(
                "SELECT fetch_url FROM links WHERE fetch_url IS NOT NULL AND fetch_url != ''"
            )
        }


def _fetched_by(web: FakeWeb) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in web.requests():
        agent = str(r["headers"].get("user-agent", ""))
        out.setdefault(r["url"], set()).add(agent.rsplit(" ", 1)[-1])
    return out


def _one_check_per_link(state: Path) -> int:
    with sqlite3.connect(state) as db:
        (run_id,) = db.execute("SELECT MAX(id) FROM runs").fetchone()
        (state_name,) = db.execute("SELECT state FROM runs WHERE id=?", (run_id,)).fetchone()
        assert state_name == "finished"
        links = {
            i for (i,) in db.execute("SELECT identity FROM occurrences WHERE run_id=?", (run_id,))
        }
        checks = Counter(
            i for (i,) in db.execute("SELECT identity FROM checks WHERE run_id=?", (run_id,))
        )
        not_checked = db.execute(
            "SELECT COUNT(*) FROM checks WHERE run_id=? AND reason='not-checked'", (run_id,)
        ).fetchone()[0]
    assert set(checks) == links
    assert set(checks.values()) == {1}
    assert not_checked == 0
    return len(links)


def _assert_same_report(merged: list[dict[str, str]], single: list[dict[str, str]]) -> None:
    def rows(table: list[dict[str, str]]) -> list[tuple[str, str, str]]:
        return sorted((r["url"], r["status"], r["reason"]) for r in table)

    assert rows(merged) == rows(single)


def _assert_polite(web: FakeWeb) -> None:
    peaks = [web.max_inflight(f"h{n}.test") for n in range(HOSTS)]
    assert max(peaks) == PER_DOMAIN, peaks


# -------------------------------------------------------------------------------- tests


def test_lease_expiry_requeues_and_a_repeat_verdict_changes_nothing(
    redis_server: RedisServer,
) -> None:
    client = redis_server.client()
    keys = Keys("unit:")
    client.delete(*keys.lease_keys(1))
    lease = client.register_script(LEASE)
    record = client.register_script(RECORD)
    msgs = {f"id{i}": message(1, f"id{i}", f"http://a.test/{i}", "a.test") for i in range(3)}
    client.rpush(keys.pending(1), *msgs.values())
    for identity, msg in msgs.items():
        client.hset(keys.msgs(1), identity, msg)
    reply = lease(keys=keys.lease_keys(1), args=[200, 2])
    assert [json.loads(m)["identity"] for m in reply[3:]] == ["id0", "id1"]
    assert reply[1:3] == [1, 2]
    assert record(keys=[keys.leased(1), keys.results(1)], args=["id0", '{"v": 1}']) == 1
    assert record(keys=[keys.leased(1), keys.results(1)], args=["id0", '{"v": 2}']) == 0
    assert client.hget(keys.results(1), "id0") == b'{"v": 1}'
    time.sleep(0.3)  # id1's lease expires: it is handed out again, id0 (answered) is not
    reply = lease(keys=keys.lease_keys(1), args=[200, 5])
    assert reply[0] == 1
    assert sorted(json.loads(m)["identity"] for m in reply[3:]) == ["id1", "id2"]


def test_three_workers_check_every_link_once_politely(
    world: tuple[Path, FakeWeb],
    redis_server: RedisServer,
    single: CrawlResult,
    tmp_path: Path,
) -> None:
    d = _setup(world, redis_server, tmp_path, "lhtest:")
    started = time.monotonic()
    d.push()
    workers = [d.worker(n, LINKHEALTH_ARCHIVE_ENABLED="true") for n in range(3)]
    _wait(workers, d)
    crawled = time.monotonic() - started
    for n, proc in enumerate(workers):
        assert proc.returncode == 0, d.log(n)[-3000:]
        # archiving is not done in the distributed profile, and a worker says so
        assert "ArchiveExtension'>: the distributed profile does not archive" in d.log(n)
    assert not [r for r in d.web.requests() if "archive.org" in str(r.get("host", ""))]
    # merge ends the run like the one-machine run: LINKHEALTH_FAIL_ON, fixes.md
    merge = d.merge(LINKHEALTH_FAIL_ON="dead")
    assert merge.returncode == 3, merge.stderr[-3000:]
    fixes = (d.reports / "fixes.md").read_text(encoding="utf-8")
    assert fixes == (single.reports / "fixes.md").read_text(encoding="utf-8")
    assert "moved permanently" in fixes  # the permanent redirects of the seeds
    print(f"push + 3 workers: {crawled:.1f}s; merge {time.monotonic() - started - crawled:.1f}s")
    # the run lasted from the push to the merge (it said 0 s before)
    run = json.loads((d.reports / "run.json").read_text(encoding="utf-8"))
    lasted = parse_now(run["finished_at"]) - parse_now(run["started_at"])
    # (run.json has whole seconds, and `crawled` includes starting the push command)
    assert lasted.total_seconds() >= crawled / 2, (run, crawled)
    assert _one_check_per_link(d.state) == len(single.links())
    _assert_same_report(d.links_csv(), single.links())
    _assert_polite(d.web)
    # each link fetched by one worker only (a worker may send a URL again, a retry or a
    # redirect back: that is not a second lease)
    fetched_by = _fetched_by(d.web)
    wanted = _fetch_urls(d.state)
    assert wanted <= set(fetched_by)
    assert {u: w for u, w in fetched_by.items() if u in wanted and len(w) != 1} == {}
    # the work was shared
    shares = [int(_stat(d.log(n), "recorded")) for n in range(3)]
    assert sum(shares) == len(wanted)
    assert all(s > 0 for s in shares), shares  # how the leases split among workers varies


def test_a_worker_killed_half_way_still_yields_a_complete_report(
    world: tuple[Path, FakeWeb],
    redis_server: RedisServer,
    single: CrawlResult,
    tmp_path: Path,
) -> None:
    d = _setup(world, redis_server, tmp_path, "lhkill:")
    started = time.monotonic()
    d.push()
    workers = [d.worker(n) for n in range(3)]
    deadline = time.monotonic() + 90
    while d.results() < LINKS // 3:
        assert time.monotonic() < deadline, d.log(0)[-3000:]
        assert all(p.poll() is None for p in workers), "a worker ended early"
        time.sleep(0.05)
    workers[0].send_signal(signal.SIGKILL)
    workers[0].wait()
    early = d.merge()  # the dead worker's leases are still out: not done yet
    assert early.returncode == 1, early.stderr
    assert "not done" in early.stderr
    _wait(workers[1:], d)
    for n, proc in enumerate(workers[1:], start=1):
        assert proc.returncode == 0, d.log(n)[-3000:]
    merge = d.merge()
    assert merge.returncode == 0, merge.stderr[-3000:]
    print(f"kill run: {time.monotonic() - started:.1f}s")
    assert "re-queued" in d.log(1) + d.log(2)
    # links fetched by two workers: only those the killed worker had leased
    fetched_by = _fetched_by(d.web)
    wanted = _fetch_urls(d.state)
    assert wanted <= set(fetched_by)
    twice = {u: w for u, w in fetched_by.items() if u in wanted and len(w) != 1}
    assert all("worker0" in w for w in twice.values()), twice
    print(f"re-fetched after the kill: {len(twice)} links")
    assert _one_check_per_link(d.state) == len(single.links())
    _assert_same_report(d.links_csv(), single.links())
    _assert_polite(d.web)


def _slow_links(d: Distributed, count: int, hosts: int, seconds: float) -> Path:
    """Seeds of ``count`` slow pages over ``hosts`` hosts: every worker has a request to each
    host waiting at any moment."""
    seeds = d.work / "slow-seeds"
    seeds.mkdir()
    lines = [f"- <http://slow{n % hosts}.test/slow/{seconds}?n={n}>" for n in range(count)]
    (seeds / "slow.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return seeds


def _run_three(d: Distributed, *, requests: int, **settings: str) -> None:
    d.push()
    # a worker takes 2 links at a time and leases no more than it can send (``requests``): the
    # three share the work
    workers = [
        d.worker(n, LINKHEALTH_REDIS_BATCH="2", CONCURRENT_REQUESTS=str(requests), **settings)
        for n in range(3)
    ]
    _wait(workers, d)
    for n, proc in enumerate(workers):
        assert proc.returncode == 0, d.log(n)[-3000:]
    merge = d.merge()
    assert merge.returncode == 0, merge.stderr[-3000:]
    shares = [int(_stat(d.log(n), "recorded")) for n in range(3)]
    assert all(s > 0 for s in shares), shares  # how the leases split among workers varies


def test_redis_host_slots_hold_the_limit_and_a_dead_holders_token_expires(
    redis_server: RedisServer,
) -> None:
    """The Redis backend of the host slots (crawler/fetch/hostslots.py): the limit across holders,
    and the slot of a worker that stopped extending its token comes back after the TTL."""
    mine = RedisHostSlots(redis_server.url, prefix="lhslots:", limit=2, delay=0, ttl=30)
    dying = RedisHostSlots(redis_server.url, prefix="lhslots:", limit=2, delay=0, ttl=0.3)
    try:
        first, _ = mine.take("a.test")
        second, _ = dying.take("a.test")
        assert first is not None
        assert second is not None
        assert mine.take("a.test") == (None, 0.0)
        assert mine.take("b.test")[0] is not None  # another host has its own slots
        mine.give_back(first)
        again, _ = mine.take("a.test")
        assert again is not None  # a slot given back is free at once
        dying._stop.set()  # a killed worker: its token is no longer extended
        time.sleep(0.6)
        assert mine.take("a.test")[0] is not None
    finally:
        mine.close()
        dying.close()


def test_redis_host_slots_space_the_starts_by_the_delay(redis_server: RedisServer) -> None:
    one, other = (
        RedisHostSlots(redis_server.url, prefix="lhturn:", limit=4, delay=30, ttl=30)
        for _ in range(2)
    )
    try:
        held, wait = one.take("a.test")
        assert held is not None
        assert wait == 0
        refused, wait2 = other.take("a.test")
        assert refused is None
        assert 25 < wait2 <= 30
    finally:
        one.close()
        other.close()


def test_the_per_host_limit_holds_across_workers(
    world: tuple[Path, FakeWeb], redis_server: RedisServer, tmp_path: Path
) -> None:
    """Three workers, each allowed 2 requests per host, on slow pages of 4 hosts: 6 in flight
    on a host without the global limit; exactly 2 with it."""
    d = _setup(world, redis_server, tmp_path, "lhlimit:")
    d.seeds = _slow_links(d, 120, 4, 0.5)
    _run_three(d, requests=8)
    peaks = {f"slow{n}.test": d.web.max_inflight(f"slow{n}.test") for n in range(4)}
    assert peaks == dict.fromkeys(peaks, PER_DOMAIN)


def test_the_download_delay_holds_across_workers(
    world: tuple[Path, FakeWeb], redis_server: RedisServer, tmp_path: Path
) -> None:
    """With DOWNLOAD_DELAY=1, requests to one host start a second apart whichever worker sends
    them (0.5 s: the margin for the trip from the worker to the fake web)."""
    d = _setup(world, redis_server, tmp_path, "lhdelay:")
    d.seeds = _slow_links(d, 24, 3, 0.1)
    _run_three(d, requests=2, DOWNLOAD_DELAY="1")
    for n in range(3):
        starts = sorted(r["t"] for r in d.web.requests() if r["host"] == f"slow{n}.test")
        assert len(starts) == 8
        gaps = [b - a for a, b in itertools.pairwise(starts)]
        assert min(gaps) >= 0.5, gaps


def _stat(log: str, name: str) -> str:
    marker = f"'linkhealth/distributed/{name}': "
    tail = log.rsplit(marker, 1)[1]
    return tail.split(",", 1)[0].split("}", 1)[0].strip()


def _merge_alone(url: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`linkhealth merge` against ``url``, with no state file."""
    return subprocess.run(
        [
            *(sys.executable, "-m", "crawler.cli", "merge", "--redis", url),
            *("--state", str(tmp_path / "s.sqlite"), "--out", str(tmp_path / "r")),
        ],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT), **env),
        capture_output=True,
        text=True,
        check=False,
    )


def test_merge_without_a_run_says_so(redis_server: RedisServer, tmp_path: Path) -> None:
    proc = _merge_alone(redis_server.url, tmp_path, LINKHEALTH_REDIS_PREFIX="nothing-here:")
    assert proc.returncode == 2
    assert "linkhealth push" in proc.stderr


def test_a_worker_without_a_pushed_run_says_so_and_fails(
    world: tuple[Path, FakeWeb], redis_server: RedisServer, tmp_path: Path
) -> None:
    d = _setup(world, redis_server, tmp_path, "never-pushed:")
    proc = d.worker(0)
    _wait([proc], d, timeout=60)
    assert proc.returncode == 2
    assert "run `linkhealth push` first" in d.log(0)


def test_a_bad_distributed_setting_stops_the_worker_naming_it(
    world: tuple[Path, FakeWeb], redis_server: RedisServer, tmp_path: Path
) -> None:
    d = _setup(world, redis_server, tmp_path, "bad-setting:")
    proc = d.worker(0, LINKHEALTH_REDIS_LEASE="soon")
    _wait([proc], d, timeout=60)
    assert proc.returncode == 2  # the configuration error, before the crawler starts
    assert "configuration error: LINKHEALTH_REDIS_LEASE: expected a number" in d.log(0)


def test_an_unreachable_redis_is_named_without_its_password(tmp_path: Path) -> None:
    proc = _merge_alone("redis://:s3cret-pw@127.0.0.1:1/0", tmp_path)
    assert proc.returncode == 2
    assert "cannot reach Redis at redis://:***@127.0.0.1:1/0" in proc.stderr
    assert "s3cret-pw" not in proc.stderr + proc.stdout


def test_merge_records_the_drift_of_a_page_that_changed_hands(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    # a blog post linked by its title, whose domain now shows someone else's page
    post = "http://lisi-notes.test/posts/attention"
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "list.md").write_text(f"- [注意力机制详解]({post})\n", encoding="utf-8")
    casino = "Buy Cheap Watches Online - Best Replica Deals"
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        web.write_scenario({"urls": {post: {"shape": "live", "title": casino}}})
        d = Distributed(seeds, web, redis_server, tmp_path, "drift:")
        d.push()
        _wait([d.worker(0)], d)
        merged = d.merge()
    assert merged.returncode == 0, merged.stderr[-3000:]
    (row,) = d.links_csv()
    assert (row["status"], row["drift"]) == ("alive", f'link text "注意力机制详解" → "{casino}"')


def test_a_worker_without_the_redis_extra_is_told_what_to_install(tmp_path: Path) -> None:
    """Without redis-py installed (here: a module of that name that cannot be imported, ahead of
    the real one on the path), a worker exits 2 naming the extra, before any crawl."""
    shim = tmp_path / "shim" / "redis"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError(\"No module named 'redis'\")\n")
    seeds = write_seeds(tmp_path, "- <https://a.example/1>\n")
    args, env = crawl_command(
        seeds, tmp_path, settings={"LINKHEALTH_REDIS_URL": "redis://127.0.0.1:1/0"}
    )
    env["PYTHONPATH"] = f"{shim.parent}{os.pathsep}{env['PYTHONPATH']}"
    proc = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines()[-1] == (
        "linkhealth: configuration error: LINKHEALTH_LINK_SOURCE: "
        "'crawler.distributed.worker.RedisSource' cannot be imported: No module named 'redis' "
        "(LINKHEALTH_REDIS_URL is set: the distributed profile needs the redis extra, "
        "pip install 'linkhealth[redis]')"
    )
    assert "Traceback" not in proc.stderr
