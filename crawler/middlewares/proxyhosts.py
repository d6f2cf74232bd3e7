"""Route chosen hosts through a proxy of their own (``LINKHEALTH_PROXY_HOSTS``).

Platforms often refuse data-centre addresses (a GitHub-hosted runner): send just those hosts
through a proxy elsewhere, e.g. ``zhihu.com=http://user:pass@proxy.example:8080
mp.weixin.qq.com=http://proxy.example:8080``. A host matches itself and its subdomains; the
rest keeps the standard ``http_proxy``/``https_proxy`` handling.
"""

from __future__ import annotations

from typing import Self
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.registry import value
from crawler.rules import host_matches


class ProxyHostsError(ValueError):
    pass


def parse_proxy_hosts(text: str) -> list[tuple[str, str]]:
    """``host=proxy`` pairs separated by spaces, commas or new lines."""
    pairs = []
    for item in text.replace(",", " ").split():
        host, sep, proxy = item.partition("=")
        if not sep or not host or not proxy.startswith(("http://", "https://")):
            shown = item.split("@")[-1]  # never echo a proxy password
            raise ProxyHostsError(
                f"LINKHEALTH_PROXY_HOSTS: expected host=http://proxy:port, got {shown!r}"
            )
        pairs.append((host.lower(), proxy))
    return pairs


class ProxyHostsMiddleware:
    def __init__(self, routes: list[tuple[str, str]]) -> None:
        self.routes = routes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        text = str(value(crawler.settings.get, "LINKHEALTH_PROXY_HOSTS"))
        if not str(text).strip():
            raise NotConfigured("LINKHEALTH_PROXY_HOSTS is empty")
        return cls(parse_proxy_hosts(str(text)))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if "proxy" in request.meta:
            return
        host = (urlsplit(request.url).hostname or "").lower()
        for pattern, proxy in self.routes:
            if host_matches(pattern, host):
                request.meta["proxy"] = proxy
                return
