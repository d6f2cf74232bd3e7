"""A link list cannot reach inside the runner (issue 22), end to end through the fake web.

Behind the proxy variables (the proxy resolves names): a host written as a loopback, private,
link-local… address in any spelling, and a redirect from a public host to one, are ``skipped``
(``private-address``), never requested and never sent to the Wayback Machine. Without a proxy
(names resolved through the fake web's resolver, which puts every name on loopback): a name is
checked on the address its connection reached, on every hop, and ``LINKHEALTH_ALLOW_NETWORKS``
lets a user check an intranet on purpose. And ``http://[::1]:PORT/`` is fetched (it came out
``dead/dns``: Scrapy's default resolver knows IPv4 only).
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb
from tests.test_archive import FAST_ARCHIVE, KEYS

pytestmark = pytest.mark.e2e

#: the ways of writing a loopback (or otherwise internal) address the issue names, and more
SPELLINGS = (
    "127.0.0.1",
    "2130706433",
    "0x7f000001",
    "127.1",
    "0177.0.0.1",
    "0.0.0.0",
    "[::ffff:127.0.0.1]",
    "[::1]",
    "[64:ff9b::7f00:1]",
    "169.254.169.254",
    "10.1.2.3",
    "100.64.0.1",
)
RESOLVER = {"TWISTED_DNS_RESOLVER": "tests.fakeweb.resolver.FakeHostnameResolver"}


def _seeds(tmp: Path, urls: list[str]) -> Path:
    seeds = tmp / "seeds"
    seeds.mkdir(exist_ok=True)
    (seeds / "list.md").write_text("".join(f"- [link]({u})\n" for u in urls), encoding="utf-8")
    return seeds


def test_every_spelling_and_a_redirect_inside_are_skipped_never_fetched_nor_archived(
    tmp_path: Path,
) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        inside = [f"http://{host}:{web.port}/internal-{i}" for i, host in enumerate(SPELLINGS)]
        hop = "http://public.test/hop"
        web.write_scenario(
            {
                "urls": {
                    hop: {"shape": "redirect", "location": f"http://127.0.0.1:{web.port}/internal"}
                },
                "wayback": {"keys": {"ACC": "SEC"}, "snapshots": {}},
            }
        )
        alive = "http://alive.test/page"
        env = web.env()
        env.update(KEYS)
        result = run_crawl(
            _seeds(tmp_path, [*inside, hop, alive]),
            tmp_path,
            env=env,
            settings={**FAST_ARCHIVE, "LINKHEALTH_PROCESSES": "1"},
            timeout=120,
        )
        sent = web.requests()
    assert result.returncode == 0, result.stderr[-3000:]
    rows = result.by_url()
    for url in [*inside, hop]:
        row = rows[url]
        assert (row["status"], row["reason"]) == ("skipped", "private-address"), row
        assert row["title"] == row["final_url"] == row["http_status"] == "", row
        assert row["archive_status"] == "skipped", row
    assert rows[inside[1]]["detail"] == "127.0.0.1 (loopback)"
    assert rows[inside[6]]["detail"] == "::ffff:7f00:1, which carries 127.0.0.1 (loopback)"
    assert rows[inside[9]]["detail"] == "169.254.169.254 (link-local)"
    assert rows[hop]["detail"] == "redirected to: 127.0.0.1 (loopback)"
    assert rows[alive]["status"] == "alive"
    # the hop was asked, the internal pages never were
    assert [r["url"] for r in sent if "public.test" in r.get("url", "")] == [hop]
    assert not [r for r in sent if "internal" in r.get("url", "")]
    # archive work was planned for the alive link (whether the loaded machine's fake Wayback
    # answered in time or not), and the archive was asked about none of the others
    assert rows[alive]["archive_status"] != "skipped", rows[alive]
    wayback = json.dumps([r for r in sent if "archive.org" in str(r.get("host", ""))])
    assert "internal" not in wayback
    assert "public.test" not in wayback


def test_a_name_is_checked_where_it_connects_on_every_hop_and_an_intranet_can_be_allowed(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    with FakeWeb(workdir=tmp_path / "web") as web:
        allowed = web.url("wiki.intranet.test", "/page")
        hop = web.url("wiki.intranet.test", "/hop")
        inside = web.url("other.test", "/internal")
        secure = f"https://secure.test:{web.port}/internal"  # refused before any TLS
        web.write_scenario(
            {"urls": {hop: {"shape": "redirect", "location": web.url("admin.test", "/internal")}}}
        )
        result = run_crawl(
            _seeds(tmp_path, [allowed, hop, inside, secure]),
            tmp_path,
            env=env,
            settings={
                **RESOLVER,
                "LINKHEALTH_CANARY_URLS": "",
                "LINKHEALTH_PROCESSES": "1",
                "LINKHEALTH_ALLOW_NETWORKS": "intranet.test",
            },
        )
        sent = [r["url"] for r in web.requests()]
    assert result.returncode == 0, result.stderr[-3000:]
    rows = result.by_url()
    assert rows[allowed]["status"] == "alive"
    for url in (hop, inside, secure):
        assert (rows[url]["status"], rows[url]["reason"]) == ("skipped", "private-address")
    assert rows[inside]["detail"] == "other.test is at 127.0.0.1 (loopback)"
    assert rows[secure]["detail"] == "secure.test is at 127.0.0.1 (loopback)"
    assert rows[hop]["detail"] == "redirected to: admin.test is at 127.0.0.1 (loopback)"
    assert rows[hop]["final_url"] == ""
    assert sorted(sent) == sorted([allowed, hop])  # connected, refused before any request


def test_a_name_inside_with_nothing_listening_is_skipped_never_tried(tmp_path: Path) -> None:
    """A name whose every address is inside is refused before a connection is even tried: a
    closed port there is ``private-address`` too, not ``error/connection-refused`` (which would
    tell an open port from a closed one, and hand the URL to the archive)."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with FakeWeb(workdir=tmp_path / "web") as web:
        closed = f"http://closed.test:{closed_port}/internal"
        allowed = web.url("wiki.intranet.test", "/page")
        result = run_crawl(
            _seeds(tmp_path, [closed, allowed]),
            tmp_path,
            env=env,
            settings={
                **RESOLVER,
                **FAST_ARCHIVE,
                "LINKHEALTH_PROCESSES": "1",
                "LINKHEALTH_ALLOW_NETWORKS": "intranet.test",
            },
            timeout=120,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = result.by_url()
    row = rows[closed]
    assert (row["status"], row["reason"]) == ("skipped", "private-address"), row
    assert row["detail"] == "closed.test is at 127.0.0.1 (loopback)"
    assert row["archive_status"] == "skipped"  # no archive work for it
    assert rows[allowed]["status"] == "alive"
    assert rows[allowed]["archive_status"] != "skipped"  # the archive was on


def test_an_ipv6_literal_is_fetched_not_dead_dns(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    with FakeWeb(workdir=tmp_path / "web", bind="::1") as web:
        url = f"http://[::1]:{web.port}/page"
        result = run_crawl(
            _seeds(tmp_path, [url]),
            tmp_path,
            env=env,
            settings={
                "LINKHEALTH_CANARY_URLS": "",
                "LINKHEALTH_PROCESSES": "1",
                "LINKHEALTH_ALLOW_NETWORKS": "::1",
            },
        )
        sent = [r["url"] for r in web.requests()]
    assert result.returncode == 0, result.stderr[-3000:]
    row = result.by_url()[url]
    assert (row["status"], row["reason"], row["title"]) == ("alive", "ok", "Page ::1/page"), row
    assert sent == [url]


def test_a_canary_inside_is_held_to_the_same_rule(tmp_path: Path) -> None:
    """The canaries are configuration, but what they reach is checked like a link: one that
    resolves inside answers nothing (the run is degraded, saying why) unless it is allowed."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    with FakeWeb(workdir=tmp_path / "web") as web:
        settings = {**RESOLVER, "LINKHEALTH_CANARY_URLS": web.url("canary.test", "/")}
        seeds = _seeds(tmp_path, ["https://example.com/never-fetched"])
        refused = run_crawl(seeds, tmp_path / "refused", env=env, settings=settings)
        allowed = run_crawl(
            seeds,
            tmp_path / "allowed",
            env={**env, "FAKEWEB_NXDOMAIN": "example.com"},
            settings={**settings, "LINKHEALTH_ALLOW_NETWORKS": "canary.test"},
        )
        asked = [r["url"] for r in web.requests()]
    assert refused.returncode == 4, refused.stderr[-3000:]
    assert "canary hosts answered (private-address)" in refused.stderr
    assert allowed.returncode == 0, allowed.stderr[-3000:]
    assert asked == [web.url("canary.test", "/")]  # the allowed run's canary, once


def test_a_name_with_only_an_ipv6_address_is_checked_on_it(tmp_path: Path) -> None:
    """Through the fake resolver (``FAKEWEB_ADDRESSES``): names whose only address is ``::1``;
    the one allowed is fetched, the other is refused on the IPv6 address it reached."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["FAKEWEB_ADDRESSES"] = "v6only.test=::1,v6inside.test=::1"
    with FakeWeb(workdir=tmp_path / "web", bind="::1") as web:
        allowed = web.url("v6only.test", "/page")
        inside = web.url("v6inside.test", "/internal")
        result = run_crawl(
            _seeds(tmp_path, [allowed, inside]),
            tmp_path,
            env=env,
            settings={
                **RESOLVER,
                "LINKHEALTH_CANARY_URLS": "",
                "LINKHEALTH_PROCESSES": "1",
                "LINKHEALTH_ALLOW_NETWORKS": "v6only.test",
            },
        )
        sent = [r["url"] for r in web.requests()]
    assert result.returncode == 0, result.stderr[-3000:]
    rows = result.by_url()
    assert (rows[allowed]["status"], rows[allowed]["title"]) == ("alive", "Page v6only.test/page")
    assert (rows[inside]["status"], rows[inside]["detail"]) == (
        "skipped",
        "v6inside.test is at ::1 (loopback)",
    )
    assert sent == [allowed]


def test_an_archive_address_inside_is_held_to_the_same_rule(tmp_path: Path) -> None:
    """The Wayback Machine's address is configuration; an inside one is refused unless allowed."""
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario({"wayback": {"keys": {"ACC": "SEC"}, "snapshots": {}}})
        env = web.env()
        env.update(KEYS)
        settings = {
            **FAST_ARCHIVE,
            "LINKHEALTH_PROCESSES": "1",
            "LINKHEALTH_ARCHIVE_BASE": f"http://127.0.0.1:{web.port}",
        }
        result = run_crawl(
            _seeds(tmp_path, ["http://alive.test/page"]), tmp_path, env=env, settings=settings
        )
        asked = [r["url"] for r in web.requests()]
    assert result.returncode == 0, result.stderr[-3000:]
    row = result.by_url()["http://alive.test/page"]
    assert row["status"] == "alive"
    assert row["archive_status"].startswith("failed:"), row
    assert "PrivateAddressError" in row["archive_status"], row
    assert asked == ["http://alive.test/page"]  # nothing reached the archive
