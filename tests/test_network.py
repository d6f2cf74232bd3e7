"""Never condemn links because the runner itself is offline (issue: degraded runs)."""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

import pytest

from crawler.fetch.network import NetworkPolicy, NetworkWatch, canaries_verdict
from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb

RESOLVER = {"TWISTED_DNS_RESOLVER": "tests.fakeweb.resolver.FakeHostnameResolver"}


def test_one_unresolvable_host_among_many_is_not_an_outage():
    watch = NetworkWatch(NetworkPolicy(host_share=0.8, min_hosts=5))
    for i in range(9):
        watch.saw(f"h{i}.test", "ok", answered=True)
    watch.saw("dead.test", "dns", answered=False)
    assert watch.verdict() is None


def test_most_hosts_unreachable_is_an_outage():
    watch = NetworkWatch(NetworkPolicy(host_share=0.8, min_hosts=5))
    for i in range(9):
        watch.saw(f"h{i}.test", "dns", answered=False)
    watch.saw("ok.test", "ok", answered=True)
    assert "9 of 10 hosts" in (watch.verdict() or "")


def test_a_host_that_answered_once_is_not_unreachable_and_few_hosts_are_not_judged():
    watch = NetworkWatch(NetworkPolicy(host_share=0.5, min_hosts=3))
    watch.saw("a.test", "ok", answered=True)
    watch.saw("a.test", "timeout", answered=False)
    watch.saw("b.test", "dns", answered=False)
    assert watch.verdict() is None
    assert NetworkWatch(NetworkPolicy(min_hosts=5)).verdict() is None


def test_canaries():
    assert canaries_verdict({"https://a/": "dns", "https://b/": None}) is None
    assert "none of the 2 canary hosts" in (canaries_verdict({"a": "dns", "b": "timeout"}) or "")
    assert canaries_verdict({}) is None


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seeds(tmp_path: Path, urls: list[str]) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "list.md").write_text(
        "\n".join(f"- [link {i}]({u})" for i, u in enumerate(urls)) + "\n", encoding="utf-8"
    )
    return seeds


def _checks(state: Path) -> list[tuple[str, str, int]]:
    db = sqlite3.connect(state)
    try:
        return list(db.execute("SELECT status, reason, counted FROM checks ORDER BY run_id"))
    finally:
        db.close()


@pytest.mark.e2e
def test_broken_proxy_makes_a_degraded_run_that_counts_nothing(tmp_path):
    seeds = _seeds(tmp_path, [f"https://site{i}.example/page" for i in range(8)] + ["#top"])
    port = _closed_port()
    env = dict(os.environ)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env[name] = f"http://127.0.0.1:{port}"
    result = run_crawl(seeds, tmp_path, env=env)
    assert result.returncode == 4, result.stderr[-2000:]
    assert "degraded run" in result.stderr
    assert "none of the 4 canary hosts answered" in result.stderr
    rows = result.links()
    assert {r["status"] for r in rows if r["url"].startswith("https")} == {"error"}
    assert {r["reason"] for r in rows if r["url"].startswith("https")} == {"offline"}
    assert not any(r["status"] == "dead" for r in rows)
    assert all(counted == 0 for _, _, counted in _checks(result.state))
    html = (result.reports / "report.html").read_text(encoding="utf-8")
    summary = (result.reports / "summary.md").read_text(encoding="utf-8")
    assert "Degraded run" in html
    assert "Degraded run" in summary


@pytest.mark.e2e
@pytest.mark.parametrize("processes", [1, 3])
def test_every_name_failing_without_canaries_is_judged_by_the_host_share(tmp_path, processes):
    """With child processes too: the parent judges the share over every child's fetches."""
    urls = [f"http://site{i}.test:8/page" for i in range(7)]
    env = {**os.environ, "FAKEWEB_NXDOMAIN": "*"}
    result = run_crawl(
        _seeds(tmp_path, urls),
        tmp_path,
        env=env,
        settings={
            **RESOLVER,
            "LINKHEALTH_CANARY_URLS": "",
            "LINKHEALTH_PROCESSES": str(processes),
        },
    )
    assert result.returncode == 4, result.stderr[-2000:]
    assert ("in 3 child processes" in result.stderr) == (processes == 3)
    assert "7 of 7 hosts" in result.stderr
    assert {(r["status"], r["reason"]) for r in result.links()} == {("error", "offline")}


@pytest.mark.e2e
def test_one_unresolvable_host_on_a_healthy_run_is_dead_dns(tmp_path):
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        urls = [web.url(f"alive{i}.test", f"/p{i}") for i in range(6)]
        urls.append(web.url("gone.test", "/page"))
        env = {**os.environ, "FAKEWEB_NXDOMAIN": "gone.test"}
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env.pop(name, None)
        result = run_crawl(
            _seeds(tmp_path, urls),
            tmp_path,
            env=env,
            settings={
                **RESOLVER,
                "LINKHEALTH_CANARY_URLS": web.url("canary.test", "/"),
                # the fake resolver puts every name on loopback, which links may not reach
                "LINKHEALTH_ALLOW_NETWORKS": "127.0.0.0/8",
            },
        )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = result.by_url()
    assert (rows[urls[-1]]["status"], rows[urls[-1]]["reason"]) == ("dead", "dns")
    assert all(rows[u]["status"] == "alive" for u in urls[:-1])
    assert "Degraded" not in (result.reports / "summary.md").read_text(encoding="utf-8")


@pytest.mark.e2e
def test_an_offline_run_leaves_the_history_untouched(tmp_path):
    seeds = _seeds(tmp_path, ["http://flaky.test/status/404"])
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        first = run_crawl(seeds, tmp_path, env=web.env(), settings={"LINKHEALTH_NOW": "2026-01-01"})
    assert first.links()[0]["fail_streak"] == "1"
    env = dict(os.environ)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env[name] = f"http://127.0.0.1:{_closed_port()}"
    second = run_crawl(seeds, tmp_path, env=env, settings={"LINKHEALTH_NOW": "2026-01-08"})
    assert second.returncode == 4
    row = second.links()[0]
    assert (row["status"], row["fail_streak"], row["change"]) == ("error", "1", "")
    assert row["confirmed_dead"] == "False"
