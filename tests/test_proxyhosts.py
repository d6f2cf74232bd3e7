"""LINKHEALTH_PROXY_HOSTS routes chosen hosts through a proxy of their own."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.base.registry import ConfigError, proxy_hosts
from crawler.middlewares.proxyhosts import ProxyHostsMiddleware
from tests.component_crawl import crawl, run_case
from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb


def test_parse():
    assert proxy_hosts(
        "LINKHEALTH_PROXY_HOSTS", "zhihu.com=http://p:1, mp.weixin.qq.com=https://q:2\n"
    ) == [
        ("zhihu.com", "http://p:1"),
        ("mp.weixin.qq.com", "https://q:2"),
    ]
    with pytest.raises(ConfigError) as info:
        proxy_hosts("LINKHEALTH_PROXY_HOSTS", "zhihu.com=socks5://user:secret@p:1")
    assert "secret" not in str(info.value)


@pytest.mark.e2e
def test_only_the_chosen_hosts_go_through_the_proxy(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        direct = web.url("direct.test", "/page")
        (seeds / "list.md").write_text(
            f"- <http://routed.test/page>\n- <http://sub.routed.test/x>\n- <{direct}>\n",
            encoding="utf-8",
        )
        result = run_crawl(
            seeds,
            tmp_path,
            env=env,
            settings={
                "LINKHEALTH_PROXY_HOSTS": f"routed.test={web.proxy_url}",
                "LINKHEALTH_CANARY_URLS": web.url("canary.test", "/"),
                "TWISTED_DNS_RESOLVER": "tests.fakeweb.resolver.FakeHostnameResolver",
                # the fake resolver puts every name on loopback, which links may not reach
                "LINKHEALTH_ALLOW_NETWORKS": "127.0.0.0/8",
            },
        )
        via_proxy = {r["url"]: r["via_proxy"] for r in web.requests() if r["method"] == "GET"}
    assert result.returncode == 0, result.stderr[-2000:]
    rows = result.by_url()
    assert rows["http://routed.test/page"]["status"] == "alive"
    assert rows["http://sub.routed.test/x"]["status"] == "alive"
    assert rows[direct]["status"] == "alive"
    # the routed hosts came to the fake web as a proxy, the other one as its origin server
    assert via_proxy == {
        "http://routed.test/page": True,
        "http://sub.routed.test/x": True,
        direct: False,
        web.url("canary.test", "/"): False,
    }


@pytest.mark.e2e
def test_a_redirect_from_a_routed_host_to_another_goes_the_usual_way(tmp_path):
    """Scrapy copies meta['proxy'] to a redirect: the route is chosen again for the new host."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        direct = web.url("direct.test", "/landing")
        back = web.url("routed.test", "/back")
        web.write_scenario(
            {
                "urls": {
                    "http://routed.test/hop": {"shape": "redirect", "location": direct},
                    direct: {"shape": "redirect", "location": back},
                }
            }
        )
        (seeds / "list.md").write_text("- <http://routed.test/hop>\n", encoding="utf-8")
        result = run_crawl(
            seeds,
            tmp_path,
            env=env,
            settings={
                "LINKHEALTH_PROXY_HOSTS": f"routed.test={web.proxy_url}",
                "LINKHEALTH_CANARY_URLS": "",
                "TWISTED_DNS_RESOLVER": "tests.fakeweb.resolver.FakeHostnameResolver",
                # the fake resolver puts every name on loopback, which links may not reach
                "LINKHEALTH_ALLOW_NETWORKS": "127.0.0.0/8",
            },
        )
        via_proxy = [(r["url"], r["via_proxy"]) for r in web.requests() if r["method"] == "GET"]
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.by_url()["http://routed.test/hop"]["status"] == "alive"
    # routed, then the other host directly, then back to the routed host through its proxy
    assert via_proxy == [("http://routed.test/hop", True), (direct, False), (back, True)]


# ------------------------------------------------------------------ in a crawl of its own


async def case(requests: list[dict[str, Any]], routes: str) -> dict[str, Any]:
    settings = {
        "DOWNLOADER_MIDDLEWARES": {"crawler.middlewares.proxyhosts.ProxyHostsMiddleware": 740},
        "LINKHEALTH_PROXY_HOSTS": routes,
    }
    return await crawl(settings, requests)


def test_in_a_crawl_the_chosen_hosts_go_through_their_proxy(tmp_path):
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        direct = f"{web.proxy_url}/direct"  # the fake web as an origin server
        routed = web.proxy_url.replace("http://", "http://user:pass@")
        out = run_case(
            case,
            env=env,
            requests=[
                {"url": "http://routed.test/page"},
                {"url": "http://sub.routed.test/x"},
                {"url": direct},
            ],
            routes=f"routed.test={routed}",
        )
        sent = {
            r["url"]: (r["via_proxy"], r["headers"].get("proxy-authorization"))
            for r in web.requests()
        }
    assert sorted((s["url"], s["status"]) for s in out["seen"]) == sorted(
        [("http://routed.test/page", 200), ("http://sub.routed.test/x", 200), (direct, 200)]
    )
    basic = "Basic " + base64.b64encode(b"user:pass").decode()
    assert sent == {
        "http://routed.test/page": (True, basic),
        "http://sub.routed.test/x": (True, basic),
        direct: (False, None),
    }


def test_off_without_routes():
    with pytest.raises(NotConfigured):
        ProxyHostsMiddleware.from_crawler(get_crawler(settings_dict={"LINKHEALTH_PROXY_HOSTS": ""}))
