"""The README's quick start, executed as written: a virtual environment, the crawl on the
repository's lists, the same on one's own folder, and the report where the README says.

It runs in a copy of the repository (``pip install -e .`` writes its metadata into the source
tree) against the fake web. Offline, the one change to the commands: the environment is made
with ``--system-site-packages``, so the dependencies installed system-wide (by
``scripts/test.sh``) are found there, and pip's main index is a closed port on loopback: the
build's own requirement (setuptools) comes from the machine's pip configuration (a local index
or ``find-links``), as for the rest of ``scripts/test.sh``'s install. The system's own install
is left as it is (pip does not uninstall outside the environment)."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fakeweb import FakeWeb
from tests.test_docs import QUICK_START

pytestmark = pytest.mark.e2e

#: fast but faithful: no per-host delay, archiving off (it has its own tests)
FAST_ENV = {
    "DOWNLOAD_DELAY": "0",
    "DOWNLOAD_TIMEOUT": "4",
    "RETRY_TIMES": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LINKHEALTH_ARCHIVE_ENABLED": "false",
    "LINKHEALTH_CANARY_URLS": "",
}


def _copy_of_the_repository(to: Path) -> Path:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        source, target = ROOT / name, to / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    return to


def test_the_quick_start_runs_as_written(tmp_path: Path) -> None:
    repo = _copy_of_the_repository(tmp_path / "repo")
    mine = tmp_path / "my lists"
    mine.mkdir()
    install_and_crawl, own_lists = QUICK_START
    offline = install_and_crawl.replace(
        "python3 -m venv .venv", "python3 -m venv --system-site-packages .venv", 1
    )
    assert offline != install_and_crawl
    own = own_lists.replace("path/to/your/lists", shlex.quote(str(mine)))
    script = f"set -e\n{offline}\nmv reports first-reports\n{own}\n"
    with FakeWeb(workdir=tmp_path / "web") as web:
        (mine / "reading.md").write_text(
            f"- [alive]({web.url('alive.test', '/x')})\n"
            f"- [gone]({web.url('plain.test', '/status/404')})\n",
            encoding="utf-8",
        )
        env = {
            **web.env(),
            **FAST_ENV,
            "PIP_INDEX_URL": "http://127.0.0.1:9/simple",  # nothing listens: never the internet
            "PIP_RETRIES": "0",
            "no_proxy": "127.0.0.1",
        }
        for name in ("LINKHEALTH_SEEDS", "LINKHEALTH_STATE_DB", "LINKHEALTH_REPORT_DIR"):
            env.pop(name, None)
        proc = subprocess.run(
            ["bash", "-c", script],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (repo / ".venv" / "bin" / "activate").is_file()
    # the environment, the state and the reports stay out of git's way
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    ignored = subprocess.run(
        [
            "git",
            "check-ignore",
            ".venv/bin/activate",
            "state/linkhealth.sqlite",
            "reports/run.json",
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ignored.stdout.split() == [
        ".venv/bin/activate",
        "state/linkhealth.sqlite",
        "reports/run.json",
    ]
    # the repository's lists: the report where the README says
    first = (repo / "first-reports" / "report.html").read_text(encoding="utf-8")
    assert "Link health" in first
    # one's own folder: its two links, the result in reports/report.html
    links = (repo / "reports" / "links.csv").read_text(encoding="utf-8")
    assert web.url("plain.test", "/status/404") in links
    assert "report: reports/report.html; exit 0" in proc.stderr
