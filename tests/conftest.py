"""Shared fixtures: the fake web in a subprocess, and a runner for the real `scrapy crawl seeds`."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakeweb import FakeWeb

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


def run_crawl(
    seeds: Path,
    workdir: Path,
    *,
    env: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    timeout: float = 240,
) -> CrawlResult:
    """`scrapy crawl seeds` in a subprocess, from the repo root, state and reports in workdir."""
    reports = workdir / "reports"
    state = workdir / "state.sqlite"
    full_env = dict(env if env is not None else os.environ)
    full_env.setdefault("LINKHEALTH_STATE_DB", str(state))
    full_env.setdefault("LINKHEALTH_REPORT_DIR", str(reports))
    full_env.setdefault("LINKHEALTH_IGNORE_FILE", str(workdir / "ignore.toml"))
    full_env["PYTHONPATH"] = str(ROOT)
    args = [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={seeds}"]
    for name, value in {**FAST, **(settings or {})}.items():
        args += ["-s", f"{name}={value}"]
    proc = subprocess.run(
        args, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout, check=False
    )
    return CrawlResult(proc.returncode, proc.stdout, proc.stderr, reports, state)


@pytest.fixture
def fakeweb(tmp_path: Path) -> Iterator[FakeWeb]:
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        yield web
