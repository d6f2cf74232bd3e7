"""The archive extension end to end: the real crawl against the fake Wayback Machine."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import CrawlResult, run_crawl
from tests.fakeweb import FakeWeb

pytestmark = pytest.mark.e2e

SECRETS = ("SECRETKEY1", "SECRETUIN2", "SECRETPT3")
KEYS = {"LINKHEALTH_WAYBACK_ACCESS_KEY": "ACC", "LINKHEALTH_WAYBACK_SECRET_KEY": "SEC"}
WX_DEAD = "https://mp.weixin.qq.com/s?__biz=MzBBBB==&mid=2&idx=1&sn=removed01"
WX_LIVE = "https://mp.weixin.qq.com/s?__biz=MzAAAA==&mid=1&idx=1&sn=live01"
#: fast but still spaced: 600 lookups and 120 captures a minute at the fake
FAST_ARCHIVE = {
    "LINKHEALTH_ARCHIVE_ENABLED": "true",
    "LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE": "600",
    "LINKHEALTH_ARCHIVE_CAPTURES_PER_MINUTE": "120",
    "LINKHEALTH_ARCHIVE_POLL_INTERVAL": "0.2",
    "LINKHEALTH_ARCHIVE_PAUSE": "3",
    # no test here waits for a timeout; a machine loaded by other tests can take seconds to answer
    "LINKHEALTH_ARCHIVE_TIMEOUT": "20",
    "LINKHEALTH_ARCHIVE_TIME_BUDGET": "25",
    "LINKHEALTH_CANARY_URLS": "",
}


def recent(days: float = 1) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(time.time() - days * 86400))


def write_seeds(root: Path, web: FakeWeb, extra: list[str] | None = None) -> Path:
    seeds = root / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    lines = [
        "# list",
        "",
        f"- [new page]({web.url('alive.test', '/new')})",
        f"- [fresh page]({web.url('alive.test', '/fresh')})",
        f"- [gone]({web.url('plain.test', '/status/410')})",
        f"- [removed](<{WX_DEAD}&key=SECRETKEY1&uin=SECRETUIN2&pass_ticket=SECRETPT3>)",
        f"- refused {web.url('plain.test', '/status/403')}",
        *(extra or []),
        "",
    ]
    (seeds / "list.md").write_text("\n".join(lines), encoding="utf-8")
    return seeds


def scenario(web: FakeWeb, **wayback: Any) -> dict[str, Any]:
    snapshots = {
        web.url("alive.test", "/fresh"): [[recent(2), 200]],
        web.url("plain.test", "/status/410"): [
            ["20200101000000", 200, {"shape": "html-title", "title": "Old page"}]
        ],
        # stored under a URL with other parameters; the newer copy is a removal page
        WX_DEAD + "&chksm=zzz&scene=27": [
            ["20210101000000", 200, {"shape": "wechat-live", "title": "旧文章"}],
            ["20230101000000", 200, "wechat-removed"],
        ],
    }
    return {"wayback": {"snapshots": snapshots, **wayback}}


def wayback_requests(web: FakeWeb) -> list[dict[str, Any]]:
    return [r for r in web.requests() if "archive.org" in str(r.get("host", ""))]


def archives(result: CrawlResult) -> dict[str, dict[str, Any]]:
    db = sqlite3.connect(result.state)
    db.row_factory = sqlite3.Row
    try:
        return {row["url"]: dict(row) for row in db.execute("SELECT * FROM archives")}
    finally:
        db.close()


def crawl(
    tmp: Path, web: FakeWeb, *, keys: bool = True, settings: dict[str, str] | None = None
) -> CrawlResult:
    seeds = tmp / "seeds"
    env = web.env()
    if keys:
        env.update(KEYS)
    else:
        for name in KEYS:
            env.pop(name, None)
    return run_crawl(
        seeds,
        tmp,
        env=env,
        settings={"LOG_LEVEL": "DEBUG", **FAST_ARCHIVE, **(settings or {})},
        timeout=120,
    )


def test_first_run_captures_rescues_and_looks_up(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario(scenario(web, keys={"ACC": "SEC"}))
        write_seeds(tmp_path, web)
        result = crawl(tmp_path, web)
        assert result.returncode == 0, result.stderr[-3000:]
        rows = archives(result)
        new = rows[web.url("alive.test", "/new")]
        assert new["archive_status"] == "captured"
        assert new["archive_url"].startswith("https://web.archive.org/web/")
        assert rows[web.url("alive.test", "/fresh")]["archive_status"] == "existing"
        gone = rows[web.url("plain.test", "/status/410")]
        assert gone["archive_status"] == "rescued"
        assert "/web/20200101000000/" in gone["archive_url"]
        assert gone["title"] == "Old page"
        wx = rows[WX_DEAD]
        assert wx["archive_status"] == "rescued", wx
        assert "20210101000000" in wx["archive_url"]
        assert wx["title"] == "旧文章"
        assert rows[web.url("plain.test", "/status/403")]["archive_status"] == "none"
        assert result.type_mismatches() == []
        sent = wayback_requests(web)
        text = repr(sent) + result.stderr + result.stdout
        for secret in SECRETS:
            assert secret not in text
        assert "ACC:SEC" not in result.stderr + result.stdout
        # the keys travel only in the Authorization header of the capture API
        for r in sent:
            if "ACC:SEC" in repr(r):
                assert r["path"].startswith("/save"), r["path"]
                assert "ACC:SEC" not in r["url"] + str(r.get("body", ""))
        # the blocked page was looked up only
        saves = [r for r in sent if str(r.get("path", "")).startswith("/save")]
        assert all("403" not in str(r) for r in saves if r.get("method") == "POST")

        # second run, unchanged seeds: nothing fresh is looked up or captured again
        web.clear_log()
        again = crawl(tmp_path, web)
        assert again.returncode == 0, again.stderr[-3000:]
        paths = [str(r.get("path", "")) for r in wayback_requests(web)]
        assert not any(p.startswith("/save") for p in paths), paths
        looked_up = [
            parse_qs(urlsplit("http://x" + p).query).get("url", [""])[0]
            for p in paths
            if p.startswith("/cdx")
        ]
        # only the blocked page (no snapshot known) is looked up again
        assert len(looked_up) == 1, looked_up


@pytest.mark.parametrize("processes", [1, 2])
def test_lookup_rate_holds_and_429_stops_the_hammering(tmp_path: Path, processes: int) -> None:
    """With child processes too: they never archive, the parent archives their verdicts."""
    with FakeWeb(workdir=tmp_path / "web") as web:
        extra = [f"- {web.url('alive.test', f'/p{i}')}" for i in range(20)]
        web.write_scenario(scenario(web, cdx_429_every=10))
        write_seeds(tmp_path, web, extra)
        result = crawl(
            tmp_path,
            web,
            keys=False,
            settings={"LINKHEALTH_ARCHIVE_PAUSE": "3", "LINKHEALTH_PROCESSES": str(processes)},
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert ("in 2 child processes" in result.stderr) == (processes == 2)
        cdx = [r for r in wayback_requests(web) if str(r.get("path", "")).startswith("/cdx")]
        times = sorted(float(r["t"]) for r in cdx)
        # 600 a minute: at most 10 in any one-second window
        window = max(sum(1 for u in times if t <= u <= t + 1.0) for t in times)
        assert window <= 10, window
        per_second = Counter(int(t) for t in times)
        print("CDX requests per second at the fake:", sorted(per_second.values()))
        print("busiest one-second window:", window)
        # after the 429s (requests 12, 24, ...) the endpoint rested for the pause
        statuses = [(float(r["t"]), int(r.get("status", 0))) for r in cdx]
        statuses.sort()
        for i, (t, status) in enumerate(statuses[:-1]):
            if status == 429:
                assert statuses[i + 1][0] - t >= 2.9, statuses
        rows = archives(result)
        # the 20 pages, /new (no keys: no capture) and the blocked page: no snapshot anywhere
        assert sum(1 for r in rows.values() if r["archive_status"] == "none") == 22
        assert not any(str(r.get("path", "")).startswith("/save") for r in wayback_requests(web))
        # one process asked: every link answered once (a child asking too would double them)
        answered = Counter(str(r.get("query", "")) for r in cdx if int(r.get("status", 0)) == 200)
        assert answered, cdx[:3]
        assert max(answered.values()) == 1, answered.most_common(3)


def _pages(web: FakeWeb, n: int) -> list[str]:
    return [f"- {web.url('alive.test', f'/c{i}')}" for i in range(n)]


def _saves(web: FakeWeb) -> list[dict[str, Any]]:
    return [
        r
        for r in wayback_requests(web)
        if str(r.get("path", "")).startswith("/save") and "/status" not in str(r.get("path"))
    ]


def test_only_confirmed_captures_are_recorded(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        ok, bad, slow = (web.url("alive.test", f"/c{i}") for i in range(3))
        web.write_scenario(
            scenario(
                web,
                keys={"ACC": "SEC"},
                pending_polls=2,
                job_errors={bad: "error:soft-time-limit-exceeded", slow: "error:x"},
            )
        )
        write_seeds(tmp_path, web, _pages(web, 3))
        result = crawl(tmp_path, web)
        assert result.returncode == 0, result.stderr[-3000:]
        rows = archives(result)
        assert rows[ok]["archive_status"] == "captured"
        assert rows[bad]["archive_status"] == "failed:capture-soft-time-limit-exceeded"
        assert rows[bad]["archive_url"] is None
        polls = [r for r in wayback_requests(web) if "/save/status/" in str(r.get("path"))]
        # at least: pending, pending, then the answer; whether /new's capture is polled too
        # varies from run to run (9 and 12 polls seen)
        assert len(polls) >= 3 * 3


def test_unconfirmed_job_is_not_a_capture(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario(scenario(web, keys={"ACC": "SEC"}, pending_polls=1000))
        write_seeds(tmp_path, web)
        result = crawl(tmp_path, web, settings={"LINKHEALTH_ARCHIVE_POLL_MAX": "1"})
        assert result.returncode == 0, result.stderr[-3000:]
        row = archives(result)[web.url("alive.test", "/new")]
        assert row["archive_status"] == "failed:capture-unconfirmed"
        assert row["archived_at"] is None


def test_session_limit_rests_the_save_endpoint(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario(scenario(web, keys={"ACC": "SEC"}, session_limit=1, pending_polls=3))
        write_seeds(tmp_path, web, _pages(web, 3))
        result = crawl(tmp_path, web, settings={"LINKHEALTH_ARCHIVE_PAUSE": "2"})
        assert result.returncode == 0, result.stderr[-3000:]
        saves = sorted(_saves(web), key=lambda r: float(r["t"]))
        limited = [r for r in saves if r.get("status") == 429]
        assert limited, "the scenario should hit the session limit"
        for r in limited:
            later = [s for s in saves if float(s["t"]) > float(r["t"])]
            if later:
                assert float(later[0]["t"]) - float(r["t"]) >= 1.9
        rows = archives(result)
        assert all(
            rows[web.url("alive.test", f"/c{i}")]["archive_status"] == "captured" for i in range(3)
        )
        assert "session limit" in result.stderr


def test_daily_cap_ends_capturing_for_the_run(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario(scenario(web, keys={"ACC": "SEC"}, daily_limit=1))
        write_seeds(tmp_path, web, _pages(web, 4))
        result = crawl(tmp_path, web)
        assert result.returncode == 0, result.stderr[-3000:]
        saves = _saves(web)
        assert len(saves) == 2  # one capture, one "too many daily captures", then none
        statuses = Counter(r["archive_status"] for r in archives(result).values())
        assert statuses["captured"] == 1
        assert statuses["failed:too-many-daily-captures"] == 4
        assert "daily capture limit" in result.stderr


def test_anonymous_save_stops_at_the_first_429(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario(scenario(web, save_429=True))
        write_seeds(tmp_path, web, _pages(web, 3))
        result = crawl(
            tmp_path, web, keys=False, settings={"LINKHEALTH_ARCHIVE_ANONYMOUS_SAVE": "1"}
        )
        assert result.returncode == 0, result.stderr[-3000:]
        saves = _saves(web)
        assert len(saves) == 1
        assert saves[0]["method"] == "GET"
        assert "Authorization" not in repr(saves[0])
        assert "authorization" not in saves[0]["headers"]
        # the rest carries over (not recorded) or keeps its state; nothing counts as captured
        assert not any(r["archive_status"] == "captured" for r in archives(result).values())


def test_anonymous_save_is_confirmed_in_cdx(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario(scenario(web))
        write_seeds(tmp_path, web)
        result = crawl(
            tmp_path, web, keys=False, settings={"LINKHEALTH_ARCHIVE_ANONYMOUS_SAVE": "1"}
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert archives(result)[web.url("alive.test", "/new")]["archive_status"] == "captured"


def test_time_budget_carries_work_over(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario(scenario(web))
        write_seeds(tmp_path, web, _pages(web, 10))
        result = crawl(
            tmp_path,
            web,
            keys=False,
            settings={
                "LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE": "60",
                "LINKHEALTH_ARCHIVE_TIME_BUDGET": "3",
            },
        )
        assert result.returncode == 0, result.stderr[-3000:]
        statuses = Counter(r["archive_status"] for r in archives(result).values())
        done = sum(n for status, n in statuses.items() if status != "pending")
        # 15 links, a lookup each first, 1.01 s apart: only the turns given within the 3 s (at
        # 0, ~0, 1.01, 2.02 s: a turn is given when the last lookup ends, the downloader sends
        # it at its time) can finish; at least the first, unless the machine stalls for 3 s
        assert 1 <= done <= 4
        # the rest is recorded as pending: the next run does it
        assert statuses["pending"] == 15 - done
        assert "carry over" in result.stderr


def test_capture_of_a_blocked_page_counts_only_if_the_snapshot_passes(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario(scenario(web, keys={"ACC": "SEC"}))
        write_seeds(tmp_path, web, ["- [verify](https://mp.weixin.qq.com/s/verify01)"])
        result = crawl(tmp_path, web, settings={"LINKHEALTH_ARCHIVE_CAPTURE_BLOCKED": "1"})
        assert result.returncode == 0, result.stderr[-3000:]
        rows = archives(result)
        # the archive saw the verification page too: captured, fetched back, not counted
        assert rows["https://mp.weixin.qq.com/s/verify01"]["archive_status"] == (
            "failed:capture-not-alive"
        )
        assert rows[web.url("alive.test", "/new")]["archive_status"] == "captured"


def test_a_degraded_run_archives_nothing(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        write_seeds(tmp_path, web)
        env = web.env()
        env.update(KEYS)
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env[name] = "http://127.0.0.1:9"
        result = run_crawl(
            tmp_path / "seeds",
            tmp_path,
            env=env,
            settings={**FAST_ARCHIVE, "LINKHEALTH_CANARY_URLS": "https://www.baidu.com/"},
        )
        assert result.returncode == 4, result.stderr[-3000:]
        assert archives(result) == {}


def test_a_wechat_rescue_reads_one_accounts_captures(tmp_path: Path) -> None:
    """The CDX index keys a capture by its lower-cased URL, query sorted (``__biz`` first): the
    rescue's lookup is a prefix on the account, filtered on the article's exact ``sn``."""
    wx = "https://mp.weixin.qq.com/s"
    snapshots: dict[str, list[list[Any]]] = {
        # the article, stored under its parameters in another order and with chksm
        f"{wx}?mid=2&__biz=MzBBBB==&idx=1&sn=removed01&chksm=zzz": [
            ["20210101000000", 200, {"shape": "wechat-live", "title": "旧文章"}],
            ["20230101000000", 200, "wechat-removed"],
        ],
    }
    for i in range(3):  # the same account's other articles
        snapshots[f"{wx}?__biz=MzBBBB==&mid={10 + i}&idx=1&sn=other{i}"] = [["20220101000000", 200]]
    for account in ("MzAAAA==", "MzCCCC==", "MzDDDD==", "Mzbbbc=="):
        for i in range(4):
            snapshots[f"{wx}?__biz={account}&mid={i}&idx=1&sn=x{i}"] = [["20220101000000", 200]]
    for i in range(3):
        snapshots[f"{wx}/short{i}"] = [["20220101000000", 200]]
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario({"wayback": {"snapshots": snapshots}})
        seeds = tmp_path / "seeds"
        seeds.mkdir()
        (seeds / "list.md").write_text(f"- [removed](<{WX_DEAD}>)\n", encoding="utf-8")
        result = crawl(tmp_path, web, keys=False)
        scans = [s for s in web.state()["cdx_scans"] if "weixin" in s["url"]]
    assert result.returncode == 0, result.stderr[-3000:]
    wx_row = archives(result)[WX_DEAD]
    assert wx_row["archive_status"] == "rescued", wx_row
    assert "/web/20210101000000/" in wx_row["archive_url"]
    assert wx_row["title"] == "旧文章"
    # one lookup, which read the account's 2 + 3 captures of the 24 loaded, not the whole site
    assert [(s["match_type"], s["scanned"]) for s in scans] == [("prefix", 5)], scans
