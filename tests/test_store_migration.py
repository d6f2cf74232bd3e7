"""The state file follows the code and the rules: numbered migrations, re-keying, VACUUM."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.base.rules import load_rules
from crawler.cli import main
from crawler.store.db import SCHEMA_VERSION, CheckRow, LinkRow, OccurrenceRow, Store, StoreError
from crawler.store.history import Check, Policy, summarize
from tests.conftest import ROOT

#: written by `scrapy crawl seeds` at d6d554a (tests/data/make_state_d6d554a.py): three weekly
#: runs over a WeChat article whose link carried a session-like and an unknown parameter, a
#: page whose link carried an access token (also written as a link text), a 404 and a removed
#: article rescued from the archive
FIXTURE = ROOT / "tests" / "data" / "state-d6d554a.sqlite"
LEAKS = (b"LEAKWXSESSION000001", b"LEAKUNKNOWN0000002", b"LEAKGENTOKEN000003")
RULES = load_rules()


@pytest.fixture
def old_state(tmp_path: Path) -> Path:
    path = tmp_path / "state.sqlite"
    shutil.copy(FIXTURE, path)
    return path


def rows(path: Path, query: str) -> list[tuple[object, ...]]:
    db = sqlite3.connect(path)
    try:
        return list(db.execute(query))
    finally:
        db.close()


def file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    for extra in (Path(f"{path}-wal"), Path(f"{path}-journal")):
        if extra.exists():
            data += extra.read_bytes()
    return data


def test_the_fixture_holds_what_the_old_rules_let_through() -> None:
    data = FIXTURE.read_bytes()
    assert all(leak in data for leak in LEAKS)
    assert rows(FIXTURE, "SELECT value FROM meta WHERE key='schema_version'") == [("1",)]


def test_a_state_file_of_d6d554a_opens_with_its_history_and_without_the_dropped_values(
    old_state: Path,
) -> None:
    before_checks = rows(old_state, "SELECT run_id, status, reason FROM checks ORDER BY 1, 2, 3")
    before_runs = rows(old_state, "SELECT id, started_at, finished_at, state FROM runs")
    Store(old_state, RULES).close()

    data = file_bytes(old_state)
    for leak in LEAKS:
        assert leak not in data, leak
    assert rows(old_state, "SELECT value FROM meta WHERE key='schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]
    # every verdict and run kept
    assert rows(old_state, "SELECT run_id, status, reason FROM checks ORDER BY 1, 2, 3") == (
        before_checks
    )
    assert rows(old_state, "SELECT id, started_at, finished_at, state FROM runs") == before_runs
    links = dict(rows(old_state, "SELECT identity, url FROM links"))
    token = next(url for url in links.values() if "access_token" in str(url))
    assert str(token).endswith("/page?q=1&access_token=REDACTED")
    wx = "https://mp.weixin.qq.com/s?__biz=MzFIXA==&mid=11&idx=1&sn=live0fx"
    assert links[wx] == wx + "&chksm=cc01"
    # re-keyed: the token link's identity changed, its three checks followed it
    identity = next(i for i, url in links.items() if url == token)
    assert rows(old_state, f"SELECT COUNT(*) FROM checks WHERE identity='{identity}'") == [(3,)]
    # the history still confirms the 404 (three dead checks over eight days)
    dead = next(i for i, url in links.items() if str(url).endswith("/status/404"))
    history = summarize(
        [
            Check(int(r), str(at), str(s))
            for r, at, s in rows(
                old_state,
                f"SELECT run_id, checked_at, status FROM checks WHERE identity='{dead}' "
                "ORDER BY run_id",
            )
        ],
        Policy(checks=3, days=3),
    )
    assert history.confirmed_dead
    # the rescued snapshot stays; snapshots stored under a URL holding a dropped value go
    archives = dict(rows(old_state, "SELECT url, archive_status FROM archives"))
    assert archives["https://mp.weixin.qq.com/s?__biz=MzFIXB==&mid=12&idx=1&sn=removed0fx"] == (
        "rescued"
    )
    assert "captured" not in archives.values()
    # opening again changes nothing (the rules digest matches)
    assert Store(old_state, RULES).follow_rules(RULES) is None


def test_links_that_are_one_link_under_the_new_rules_are_merged(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = Store(path)  # no rules: written as an older linkhealth would have
    a = "https://x.test/p?q=1&my_token=AAAAAAAAAAAA"
    b = "https://x.test/p?q=1&my_token=BBBBBBBBBBBB"
    for run, now in ((1, "2026-01-01T00:00:00Z"), (2, "2026-01-08T00:00:00Z")):
        assert store.begin_run(now, "seeds").id == run
        store.record_links(
            run,
            now,
            [LinkRow(a, a, a, "x.test"), LinkRow(b, b, b, "x.test")],
            [OccurrenceRow(a, "l.md", 1, "a", "bare"), OccurrenceRow(b, "l.md", 2, "b", "bare")],
        )
        store.record_checks(run, [CheckRow("dead", "http-404", identity=a, checked_at=now)])
        if run == 2:
            store.record_checks(run, [CheckRow("alive", "ok", identity=b, checked_at=now)])
        store.finish_run(run, now)
    store.close()

    Store(path, RULES).close()
    merged = "https://x.test/p?my_token=REDACTED&q=1"
    assert rows(path, "SELECT identity FROM links") == [(merged,)]
    assert rows(path, "SELECT first_seen FROM links") == [("2026-01-01T00:00:00Z",)]
    # one check per run; in run 2 both were checked, one of them is kept
    assert [r[0] for r in rows(path, "SELECT run_id FROM checks ORDER BY run_id")] == [1, 2]
    assert rows(
        path, "SELECT COUNT(*) FROM occurrences WHERE identity=?".replace("?", f"'{merged}'")
    ) == [(4,)]
    assert b"AAAAAAAAAAAA" not in file_bytes(path)
    assert b"BBBBBBBBBBBB" not in file_bytes(path)


def test_a_state_file_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="schema version 99"):
        Store(path)
    assert main(["report", "--state", str(path), "--out", str(tmp_path / "r")]) == 2
    env = dict(os.environ, PYTHONPATH=str(ROOT), LINKHEALTH_STATE_DB=str(path))
    seeds = tmp_path / "seeds.md"
    seeds.write_text("- http://never.test/\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={seeds}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "schema version 99" in proc.stderr


def test_values_of_deleted_rows_do_not_linger_in_free_pages(tmp_path: Path) -> None:
    # 400 links that are one link under the rules: 399 rows deleted, their pages freed; the
    # file is vacuumed, so no value stays behind in a free page
    path = tmp_path / "state.sqlite"
    store = Store(path)
    now = "2026-01-01T00:00:00Z"
    store.begin_run(now, "seeds")
    urls = [f"https://x.test/p?session_key=V{n:011d}XYZ" for n in range(400)]
    store.record_links(
        1,
        now,
        [LinkRow(u, u, u, "x.test") for u in urls],
        [OccurrenceRow(u, "l.md", n + 1, u, "bare") for n, u in enumerate(urls)],
    )
    store.record_checks(
        1, [CheckRow("alive", "ok", final_url=u, identity=u, checked_at=now) for u in urls]
    )
    store.close()
    assert b"XYZ" in file_bytes(path)
    Store(path, RULES).close()
    assert rows(path, "SELECT COUNT(*) FROM links") == [(1,)]
    assert b"XYZ" not in file_bytes(path)
