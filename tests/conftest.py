"""Shared fixtures: the fake web in a subprocess, and a runner for the real `scrapy crawl seeds`."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, get_args

import pytest

from crawler.report.columns import LINKS, OCCURRENCES, Column, ColumnType
from tests.fakeweb import FakeWeb

if TYPE_CHECKING:
    from crawler.run.run import Run

ROOT = Path(__file__).resolve().parent.parent

#: settings every test crawl uses: short timeouts, no politeness pauses (the fake web is local)
FAST = {
    "DOWNLOAD_TIMEOUT": "4",
    "DOWNLOAD_DELAY": "0",
    "RETRY_TIMES": "1",
    "LINKHEALTH_RETRY_BACKOFF": "0.05",
    "LINKHEALTH_RETRY_AFTER_MAX": "3",
    "CONCURRENT_REQUESTS": "64",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOGSTATS_INTERVAL": "5",
    # archiving has its own tests (tests/test_archive*.py), which turn it on
    "LINKHEALTH_ARCHIVE_ENABLED": "false",
}


#: what a value of each declared column type looks like in the CSV (crawler/report/columns.py)
TYPE_PATTERNS: dict[ColumnType, re.Pattern[str]] = {
    "text": re.compile(r".*", re.S),
    "integer": re.compile(r"0|[1-9][0-9]*"),
    "integer or empty": re.compile(r"(0|[1-9][0-9]*)?"),
    "True/False": re.compile(r"True|False"),
    "time": re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?"),
}
assert set(TYPE_PATTERNS) == set(get_args(ColumnType))


def type_mismatches(rows: list[dict[str, str]], declared: tuple[Column, ...]) -> list[str]:
    """Each value of ``rows`` that is not of its column's declared type, with its column."""
    return [
        f"{column.name} ({column.type}): {row[column.name]!r}"
        for row in rows
        for column in declared
        if not TYPE_PATTERNS[column.type].fullmatch(row[column.name])
    ]


@dataclass
class CrawlResult:
    returncode: int
    stdout: str
    stderr: str
    reports: Path
    state: Path

    def links(self) -> list[dict[str, str]]:
        with (self.reports / "links.csv").open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    def by_url(self) -> dict[str, dict[str, str]]:
        return {row["url"]: row for row in self.links()}

    def occurrences(self) -> list[dict[str, str]]:
        with (self.reports / "occurrences.csv").open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    def type_mismatches(self) -> list[str]:
        """The values of links.csv and occurrences.csv not of their column's declared type."""
        return type_mismatches(self.links(), LINKS) + type_mismatches(
            self.occurrences(), OCCURRENCES
        )


def write_seeds(tmp: Path, text: str) -> Path:
    """A seed folder in ``tmp`` with one list, ``list.md``, holding ``text``."""
    seeds = tmp / "seeds"
    seeds.mkdir()
    (seeds / "list.md").write_text(text, encoding="utf-8")
    return seeds


def run_on(tmp: Path, seed_text: str, **settings: str) -> Run:
    """A run with no crawler (the run imports no Scrapy) on a real store, over one seed file
    holding ``seed_text``; the state file, reports and ignore list in ``tmp`` too."""
    from crawler.run.config import load_config  # noqa: PLC0415
    from crawler.run.run import Run  # noqa: PLC0415

    values = {
        "LINKHEALTH_SEEDS": str(write_seeds(tmp, seed_text)),
        "LINKHEALTH_STATE_DB": str(tmp / "state.sqlite"),
        "LINKHEALTH_REPORT_DIR": str(tmp / "reports"),
        "LINKHEALTH_IGNORE_FILE": str(tmp / "ignore.toml"),
        "LINKHEALTH_CANARY_URLS": "",
        "LINKHEALTH_NOW": "2026-12-07T00:00:00Z",
        **settings,
    }
    return Run.open(load_config(values.get))


def crawl_command(
    seeds: Path,
    workdir: Path,
    *,
    env: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The argv and environment of `scrapy crawl seeds` run from the repo root, state and
    reports in workdir (for a test that watches the crawl as it runs)."""
    full_env = dict(env if env is not None else os.environ)
    full_env.setdefault("LINKHEALTH_STATE_DB", str(workdir / "state.sqlite"))
    full_env.setdefault("LINKHEALTH_REPORT_DIR", str(workdir / "reports"))
    full_env.setdefault("LINKHEALTH_IGNORE_FILE", str(workdir / "ignore.toml"))
    full_env["PYTHONPATH"] = str(ROOT)
    args = [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={seeds}"]
    for name, value in {**FAST, **(settings or {})}.items():
        args += ["-s", f"{name}={value}"]
    return args, full_env


def run_crawl(
    seeds: Path,
    workdir: Path,
    *,
    env: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    timeout: float = 240,
) -> CrawlResult:
    """`scrapy crawl seeds` in a subprocess, from the repo root, state and reports in workdir."""
    args, full_env = crawl_command(seeds, workdir, env=env, settings=settings)
    proc = subprocess.run(
        args, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout, check=False
    )
    reports = workdir / "reports"
    return CrawlResult(proc.returncode, proc.stdout, proc.stderr, reports, workdir / "state.sqlite")


@pytest.fixture
def fakeweb(tmp_path: Path) -> Iterator[FakeWeb]:
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        yield web


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment outside the repository, with linkhealth installed from a
    wheel built from this tree (`pip wheel`, then `pip install --no-deps`; its dependencies
    come from the machine through --system-site-packages). Its folder."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    names = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    # what the build reads: the project's metadata and the package (not the tests' data)
    for name in filter(None, names.split("\0")):
        if (name in ("pyproject.toml", "README.md") or name.startswith("crawler/")) and (
            ROOT / name
        ).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def run(*args: str) -> None:
        proc = subprocess.run(
            args, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    pip = (sys.executable, "-m", "pip")
    run(*pip, "wheel", "--no-deps", "-q", "-w", str(root / "dist"), str(src))
    venv = root / "venv"
    # no pip of its own (bootstrapping one takes seconds): this interpreter's pip installs into it
    run(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv))
    (wheel,) = (root / "dist").glob("linkhealth-*.whl")
    run(*pip, "--python", str(venv / "bin" / "python"), "install", "-q", "--no-deps", str(wheel))
    return venv
