"""A crawl killed with SIGKILL half-way, then run again: every link checked once, nothing lost."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import FAST, ROOT, run_crawl
from tests.fakeweb import FakeWeb

pytestmark = pytest.mark.e2e


def _rows(state):
    db = sqlite3.connect(state)
    try:
        return db.execute("SELECT run_id, identity, checked_at, status FROM checks").fetchall()
    finally:
        db.close()


def test_sigkill_then_resume(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    urls = [f"http://slow{i % 4}.test/slow/1?n={i}" for i in range(48)]
    (seeds / "list.md").write_text("\n".join(f"- <{u}>" for u in urls) + "\n", encoding="utf-8")
    state = tmp_path / "state.sqlite"
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        env = {
            **web.env(),
            "LINKHEALTH_STATE_DB": str(state),
            "LINKHEALTH_REPORT_DIR": str(tmp_path / "reports"),
            "LINKHEALTH_IGNORE_FILE": str(tmp_path / "none.toml"),
            "PYTHONPATH": str(ROOT),
        }
        args = [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={seeds}"]
        for name, value in {**FAST, "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}.items():
            args += ["-s", f"{name}={value}"]
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if state.exists() and len(_rows(state)) >= 4:
                    break
            except sqlite3.OperationalError:  # the crawl is creating the file's tables
                pass
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        before = _rows(state)
        assert 4 <= len(before) < len(urls), "the kill should land half-way"

        result = run_crawl(seeds, tmp_path, env=web.env(), settings={"LOG_LEVEL": "INFO"})
        fetched = [r["url"] for r in web.requests() if "/slow/1" in r["url"]]

    assert result.returncode == 0, result.stderr[-2000:]
    assert "continuing run 1" in result.stderr
    after = _rows(state)
    assert len(after) == len(urls)
    assert {r[0] for r in after} == {1}
    assert set(before) <= set(after), "a verdict of the first start was lost or rewritten"
    assert len({r[1] for r in after}) == len(after)
    assert len(result.links()) == len(urls)
    # each link fetched at most once more than the links the kill interrupted
    assert len(fetched) <= len(urls) + 4
    db = sqlite3.connect(state)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    finally:
        db.close()
