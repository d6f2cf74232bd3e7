"""The link-health benchmark: our ``scrapy crawl seeds`` against lychee on a loopback web.

Serves a loopback web (100 hosts ``127.1.X.Y``, injected latency, ~124 KB pages, a few 2.5 MB
pages, 10% 404s) from nginx (``nginx.py``; Debian's nginx and its echo module), or from
``server.py`` in Python processes when nginx is missing (the output says which served), writes
a seed file of N links and runs the checkers on it with the same politeness (per-host
concurrency 4, no per-host interval). Prints, per tool, the median over several runs of: wall
seconds, CPU seconds (user+sys of the tool's whole process tree), CPU per URL, peak RSS
(summed over the tree, sampled every 0.1 s; see ``measure.py``), and the verdict counts (alive
/ 404 / other), next to the physical limit (links per host / per-host concurrency × latency).
``--peers`` adds LinkChecker. Optionally: our crawl on 100,000 links and the pure stages.

    python benchmarks/run.py                       # defaults: 10,000 links, 100 hosts, 3 runs
    python benchmarks/run.py --peers --runs 1      # also LinkChecker
    python benchmarks/run.py --only ours -s DOWNLOAD_HANDLERS='{"http": "…"}'
    python benchmarks/run.py --stages              # seed parsing, canonicalization, reports
    python benchmarks/run.py --rss-100k            # our crawl on 100,000 links (peak RSS)
    python benchmarks/run.py --only ours --floor   # Scrapy alone on the same web (its floor)

Never a timed test: a script that prints figures.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import importlib.metadata
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from benchmarks import nginx as nginx_web  # noqa: E402
from benchmarks.measure import Usage, run_tree, tree_cpu  # noqa: E402
from benchmarks.server import host_address  # noqa: E402
from crawler.links.dedupe import build_links  # noqa: E402
from crawler.report import write_reports  # noqa: E402
from crawler.run.config import DEFAULTS, load_config  # noqa: E402
from crawler.seeds import scan_seeds  # noqa: E402
from crawler.store.db import CheckRow, LinkRow, OccurrenceRow, Store  # noqa: E402

PORT = 8000
PER_HOST = 4
#: LinkChecker's options beside --threads. It has no per-host concurrency: its per-host limit
#: is a rate (maxrequestspersecond, default 10: a random 0.1-0.6 s between two requests to one
#: host), left at its default. --check-extern: the http links of a local file are "external".
LINKCHECKER_OPTIONS = [
    "--check-extern",
    "--no-robots",  # neither lychee nor our crawl reads robots.txt
    "--recursion-level=1",  # the file and its links, nothing found in the pages
    "--timeout=20",  # as our DOWNLOAD_TIMEOUT and lychee's --timeout
    "--no-status",
    "--verbose",  # every URL in the output, so the alive ones can be counted
    "--output=csv",
]


@dataclass
class Result:
    tool: str
    usage: Usage
    counts: Counter[str] = field(default_factory=Counter)
    titles: int = -1
    server_cpu: float = 0.0

    @property
    def wall(self) -> float:
        return self.usage.wall

    @property
    def cpu(self) -> float:
        return self.usage.cpu

    @property
    def rss_mb(self) -> float:
        return self.usage.rss_mb


# ------------------------------------------------------------------------------------------
# Inputs, tools and the web they check
# ------------------------------------------------------------------------------------------


def seed_urls(links: int, hosts: int, port: int) -> list[str]:
    """Links spread round-robin over the hosts: ``http://127.1.0.7:8000/page/1234``."""
    return [f"http://{host_address(i % hosts)}:{port}/page/{i}" for i in range(links)]


def write_seeds(path: Path, urls: list[str]) -> Path:
    path.write_text("# Benchmark links\n\n" + "".join(f"- {u}\n" for u in urls), encoding="utf-8")
    return path


def write_html(path: Path, urls: list[str]) -> Path:
    """The same links as an HTML list (LinkChecker finds no bare URLs in Markdown)."""
    items = "".join(f'<li><a href="{u}">{u}</a></li>\n' for u in urls)
    path.write_text(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Benchmark links</title>'
        f"</head>\n<body><h1>Benchmark links</h1><ul>\n{items}</ul></body></html>\n",
        encoding="utf-8",
    )
    return path


def tool(name: str) -> str:
    """A tool installed beside this Python (not through a shim that would be measured too)."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name) or name


@dataclass
class Web:
    name: str  # what serves, as printed
    pids: list[int]
    total_cpu: float = 0.0  # set once stopped

    def cpu(self) -> float:
        return sum(tree_cpu(pid) for pid in self.pids)


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


@contextlib.contextmanager
def serve_web(args: argparse.Namespace, root: Path, pages: int) -> Iterator[Web]:
    """nginx when installed (``--server auto``), else the Python server; says which."""
    reason = ""
    if args.server != "python":
        try:
            found = nginx_web.find()
        except nginx_web.Unavailable as e:
            if args.server == "nginx":
                raise SystemExit(str(e)) from None
            reason = f" (nginx not used: {e})"
        else:
            site = {"hosts": args.hosts, "port": PORT, "latency": args.latency, "pages": pages}
            with nginx_web.serve(root / "web", nginx=found, **site) as running:
                web = Web(f"nginx {found.version}, echo module, 1 worker", [running.pid])
                yield web
            web.total_cpu = running.cpu
            return
    procs = spawn_server(args)
    web = Web(
        f"Python benchmarks/server.py, {args.server_procs} processes{reason}",
        [p.pid for p in procs],
    )
    try:
        yield web
    finally:
        web.total_cpu = stop_server(procs)


def measured(cmd: list[str], env: dict[str, str], out: Path, err: Path | None = None) -> Usage:
    with out.open("w") as stdout, (err or out).open("a" if err is None else "w") as stderr:
        return run_tree(
            cmd,
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.STDOUT if err is None else stderr,
        )


def ours_cmd(seeds: Path, work: Path, args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    settings = {
        "LINKHEALTH_ARCHIVE_ENABLED": "false",
        "LINKHEALTH_CANARY_URLS": "",
        "LINKHEALTH_STATE_DB": str(work / "state.sqlite"),
        "LINKHEALTH_REPORT_DIR": str(work / "reports"),
        "LINKHEALTH_IGNORE_FILE": "",
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(PER_HOST),
        "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS": str(PER_HOST * args.hosts),
        "LOG_LEVEL": "INFO",
    }
    for item in args.set:
        name, _, value = item.partition("=")
        settings[name] = value
    cmd = [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={seeds}"]
    for name, value in settings.items():
        cmd += ["-s", f"{name}={value}"]
    env = dict(os.environ)
    if args.settings_module:
        env["SCRAPY_SETTINGS_MODULE"] = args.settings_module
        env["PYTHONPATH"] = str(REPO)
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


def run_ours(seeds: Path, work: Path, args: argparse.Namespace) -> Result:
    cmd, env = ours_cmd(seeds, work, args)
    usage = measured(cmd, env, work / "crawl.log")
    counts, titles = ours_counts(work / "state.sqlite")
    return Result("ours", usage, counts, titles)


#: the --floor lines: (name, the links' path, Scrapy's download handler or None for Twisted's)
FLOORS = (
    ("floor", "page", None),
    ("floor-404", "none", None),
    ("floor-aiohttp", "page", "scrapy.core.downloader.handlers._aiohttp.AiohttpDownloadHandler"),
)


def run_floor(name: str, seeds: Path, work: Path, args: argparse.Namespace) -> Result:
    """Scrapy alone on the same links (``floor_spider.py``): what any Scrapy crawl pays."""
    _, path, handler = next(f for f in FLOORS if f[0] == name)
    if path != "page":  # the same hosts, a path nginx answers 404 to after the latency
        urls = [u.replace("/page/", f"/{path}/") for u in seed_urls(args.links, args.hosts, PORT)]
        seeds = write_seeds(work / "seeds.md", urls)
    out = work / "statuses.json"
    settings = {
        "CONCURRENT_REQUESTS": str(PER_HOST * args.hosts),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(PER_HOST),
        "DOWNLOAD_DELAY": "0",
        "DOWNLOAD_TIMEOUT": "20",
    }
    if handler:
        settings["DOWNLOAD_HANDLERS"] = json.dumps({"http": handler, "https": handler})
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(HERE / "floor_spider.py")]
    cmd += ["-a", f"seeds={seeds}", "-a", f"out={out}"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    usage = measured(cmd, dict(os.environ), work / "floor.log")
    statuses = json.loads(out.read_text()) if out.exists() else {}
    counts: Counter[str] = Counter()
    for status, n in statuses.items():
        counts[_bucket(status == "200", int(status))] += n
    return Result(name, usage, counts)


def lychee_cmd(seeds: Path, out: Path, args: argparse.Namespace) -> list[str]:
    return [
        tool("lychee"),
        "--no-progress",
        "--format=json",
        f"--output={out}",
        f"--host-concurrency={PER_HOST}",
        "--host-request-interval=0s",
        f"--max-concurrency={PER_HOST * args.hosts}",
        "--max-retries=2",  # as our RETRY_TIMES
        "--timeout=20",
        "--cache=false",
        # Private and loopback addresses are checked unless excluded (--exclude-private,
        # --exclude-loopback, -E): none of those is given, and --include-… is not needed.
        str(seeds),
    ]


def run_lychee(seeds: Path, work: Path, args: argparse.Namespace) -> Result:
    out = work / "lychee.json"
    usage = measured(lychee_cmd(seeds, out, args), dict(os.environ), work / "lychee.log")
    data = json.loads(out.read_text())
    counts: Counter[str] = Counter()
    counts["alive"] = int(data.get("successful", 0))
    for entries in (data.get("error_map") or data.get("fail_map") or {}).values():
        for entry in entries:
            code = (entry.get("status") or {}).get("code")
            counts[_bucket(False, code)] += 1
    return Result("lychee", usage, counts)


def linkchecker_cmd(html: Path, args: argparse.Namespace) -> list[str]:
    threads = f"--threads={args.linkchecker_threads}"
    return [tool("linkchecker"), *LINKCHECKER_OPTIONS, threads, str(html)]


def linkchecker_counts(out: Path) -> Counter[str]:
    """Verdicts of the http URLs in LinkChecker's CSV output (``;``-separated, ``#`` comments)."""
    lines = [x for x in out.read_text(encoding="utf-8").splitlines() if not x.startswith("#")]
    counts: Counter[str] = Counter()
    for row in csv.DictReader(lines, delimiter=";"):
        if not (row.get("url") or "").startswith("http"):
            continue  # the HTML file itself
        if row.get("valid") == "True":
            counts["alive"] += 1
        else:
            counts["404" if (row.get("result") or "").startswith("404") else "other"] += 1
    return counts


def run_linkchecker(html: Path, work: Path, args: argparse.Namespace) -> Result:
    out = work / "linkchecker.csv"
    usage = measured(linkchecker_cmd(html, args), dict(os.environ), out, work / "linkchecker.log")
    return Result("linkchecker", usage, linkchecker_counts(out))


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
                        "dead" if dead else "alive",
                        "http-404" if dead else "ok",
                        http_status=404 if dead else 200,
                        title=None if dead else f"Benchmark page {i}",
                        identity=x.identity,
                        checked_at=config.now_iso,
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


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    return "?"


def _version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, check=False, capture_output=True, text=True)
    except OSError:
        return "not installed"
    return (out.stdout or out.stderr).strip().splitlines()[0]


def machine() -> dict[str, str]:
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": _cpu_model(),
        "kernel": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "scrapy": importlib.metadata.version("scrapy"),
        "lychee": _version([tool("lychee"), "--version"]),
        "linkchecker": _version([tool("linkchecker"), "--version"]),
    }


def summarize(results: list[Result], links: int) -> list[dict[str, object]]:
    table = []
    for name in dict.fromkeys(r.tool for r in results):
        rs = [r for r in results if r.tool == name]
        counts = rs[len(rs) // 2].counts
        cpu = statistics.median(r.cpu for r in rs)
        table.append(
            {
                "tool": name,
                "runs": len(rs),
                "wall": statistics.median(r.wall for r in rs),
                "cpu": cpu,
                "cpu_ms_per_url": cpu / links * 1000,
                "rss_mb": statistics.median(r.rss_mb for r in rs),
                "root_maxrss_mb": statistics.median(r.usage.root_maxrss_mb for r in rs),
                "processes": max(r.usage.processes for r in rs),
                "server_cpu": statistics.median(r.server_cpu for r in rs),
                "alive": counts["alive"],
                "404": counts["404"],
                "other": counts["other"],
                "titles": rs[0].titles,
                "walls": [round(r.wall, 2) for r in rs],
                "cpus": [round(r.cpu, 2) for r in rs],
                "rss": [round(r.rss_mb) for r in rs],
                "exit": [r.usage.returncode for r in rs],
                "agree": all(r.counts == rs[0].counts for r in rs),
            }
        )
    return table


def print_table(table: list[dict[str, object]], limit: float) -> None:
    print(f"\nphysical limit: {limit:.1f} s")
    head = (
        f"{'tool':<14} {'wall s':>7} {'CPU s':>6} {'ms/URL':>7} {'RSS MB':>7} "
        f"{'alive':>6} {'404':>5} {'other':>5} {'titles':>6} {'web CPU':>7}  runs (wall)"
    )
    print(head)
    print("-" * len(head))
    for row in table:
        titles = row["titles"] if row["titles"] != -1 else "-"
        print(
            f"{row['tool']:<14} {row['wall']:>7.1f} {row['cpu']:>6.1f} "
            f"{row['cpu_ms_per_url']:>7.2f} {row['rss_mb']:>7.0f} {row['alive']:>6} "
            f"{row['404']:>5} {row['other']:>5} {titles!s:>6} {row['server_cpu']:>7.1f}  "
            f"{row['walls']}"
        )
    lychee = next((r for r in table if r["tool"] == "lychee"), None)
    if lychee:
        for row in table:
            if row is not lychee:
                print(
                    f"{row['tool']} / lychee: wall x{row['wall'] / lychee['wall']:.2f}, "  # type: ignore[operator]
                    f"CPU x{row['cpu'] / lychee['cpu']:.2f}, "  # type: ignore[operator]
                    f"RSS x{row['rss_mb'] / lychee['rss_mb']:.2f}"  # type: ignore[operator]
                )


def _peaks(usage: Usage) -> str:
    """Each process's own peak RSS, when there are several."""
    if len(usage.process_peaks_mb) < 2:
        return ""
    return "; each: " + ", ".join(f"{mb:.0f}" for mb in usage.process_peaks_mb) + " MB"


def run_one(
    name: str, i: int, inputs: dict[str, Path], root: Path, web: Web, args: argparse.Namespace
) -> Result:
    work = root / f"run{i}-{name}"
    work.mkdir()
    before = web.cpu()
    if name == "ours":
        r = run_ours(inputs["md"], work, args)
    elif name == "lychee":
        r = run_lychee(inputs["md"], work, args)
    elif name.startswith("floor"):
        r = run_floor(name, inputs["md"], work, args)
    else:
        r = run_linkchecker(inputs["html"], work, args)
    r.server_cpu = web.cpu() - before
    print(
        f"  run {i + 1} {r.tool}: {r.wall:.2f} s wall, {r.cpu:.2f} s CPU, {r.rss_mb:.0f} MB "
        f"(own ru_maxrss {r.usage.root_maxrss_mb:.0f} MB, {r.usage.processes} processes"
        f"{_peaks(r.usage)}), "
        f"exit {r.usage.returncode}, {dict(r.counts)}"
        + (f", {r.titles} titles" if r.titles >= 0 else "")
        + f"; web CPU {r.server_cpu:.2f} s",
        flush=True,
    )
    return r


def run_100k(root: Path, web: Web, args: argparse.Namespace) -> dict[str, float]:
    """Our crawl on 100,000 links: the figure is the peak RSS."""
    n = 100_000
    work = root / "ours-100k"
    work.mkdir()
    seeds = write_seeds(work / "seeds.md", seed_urls(n, args.hosts, PORT))
    before = web.cpu()
    r = run_ours(seeds, work, args)
    server_cpu = web.cpu() - before
    limit = n / args.hosts / PER_HOST * args.latency
    print(
        f"\n100k links: {r.wall:.1f} s wall (limit {limit:.1f}), "
        f"{r.cpu:.1f} s CPU, peak RSS {r.rss_mb:.0f} MB (own ru_maxrss "
        f"{r.usage.root_maxrss_mb:.0f} MB{_peaks(r.usage)}), {dict(r.counts)}, {r.titles} titles; "
        f"web CPU {server_cpu:.1f} s",
        flush=True,
    )
    return {
        "wall": r.wall,
        "cpu": r.cpu,
        "rss_mb": r.rss_mb,
        "root_maxrss_mb": r.usage.root_maxrss_mb,
        "process_peaks_mb": r.usage.process_peaks_mb,
    }


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
    parser.add_argument(
        "--peers", action="store_true", help="also LinkChecker (pip install linkchecker)"
    )
    parser.add_argument(
        "--linkchecker-threads", type=int, default=100, help="LinkChecker --threads"
    )
    parser.add_argument(
        "--server",
        choices=["auto", "nginx", "python"],
        default="auto",
        help="what serves the pages: nginx if installed (auto), else benchmarks/server.py",
    )
    parser.add_argument("--server-procs", type=int, default=2, help="Python server processes")
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
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also: Scrapy alone (benchmarks/floor_spider.py: no component, an empty callback) "
        "on the same links, on 404s, and with Scrapy's aiohttp handler",
    )
    parser.add_argument("--rss-100k", action="store_true", help="also: our crawl on 100,000 links")
    parser.add_argument("--stages", action="store_true", help="also: time the pure stages")
    parser.add_argument("--stage-sizes", default="10000,30000,100000")
    parser.add_argument("--no-crawl", action="store_true", help="skip the crawl comparison")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    # A SIGTERM ends the run through the finally blocks: the web stopped, the work removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    info = machine()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    load = os.getloadavg()
    print(
        f"links {args.links}, hosts {args.hosts}, latency {args.latency}s, per-host concurrency "
        f"{PER_HOST}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    output: dict[str, object] = {
        "machine": info,
        "date": dt.date.today().isoformat(),
        "load_start": load,
        "lychee_cmd": lychee_cmd(Path("SEEDS.md"), Path("OUT.json"), args)[1:],
        "linkchecker_cmd": linkchecker_cmd(Path("SEEDS.html"), args)[1:] if args.peers else None,
    }
    limit = args.links / args.hosts / PER_HOST * args.latency
    root = Path(tempfile.mkdtemp(prefix="linkhealth-bench-"))
    root.chmod(0o755)  # LinkChecker run as root reads its input as "nobody"
    try:
        crawl = not args.no_crawl or args.rss_100k
        pages = max(args.links, 100_000 if args.rss_100k else 0)
        with serve_web(args, root, pages) if crawl else contextlib.nullcontext() as web:
            if web is not None:
                print(f"web: {web.name}", flush=True)
                output["server"] = web.name
            if not args.no_crawl:
                assert web is not None
                urls = seed_urls(args.links, args.hosts, PORT)
                inputs = {
                    "md": write_seeds(root / "seeds.md", urls),
                    "html": write_html(root / "seeds.html", urls),
                }
                names = ["ours", "lychee"] if args.only == "both" else [args.only]
                names += ["linkchecker"] if args.peers else []
                names += [f[0] for f in FLOORS] if args.floor else []
                results: list[Result] = []
                for i in range(args.runs):
                    order = names[::-1] if i % 2 else names  # neither always goes first
                    results += [run_one(name, i, inputs, root, web, args) for name in order]
                table = summarize(results, args.links)
                print_table(table, limit)
                output.update(limit=limit, table=table)
            if args.rss_100k:
                assert web is not None
                output["ours_100k"] = run_100k(root, web, args)
        if web is not None:
            print(f"web CPU over the whole benchmark: {web.total_cpu:.1f} s ({web.name})")
            output["server_cpu"] = web.total_cpu
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
        load = os.getloadavg()
        print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        output["load_end"] = load
        if args.json:
            args.json.write_text(json.dumps(output, indent=2, default=str))
    finally:
        if args.keep:
            print(f"work directory: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
