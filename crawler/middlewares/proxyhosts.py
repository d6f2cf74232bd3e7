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


class ProxyHostsMiddleware:
    def __init__(self, routes: list[tuple[str, str]]) -> None:
        self.routes = routes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        routes = value(crawler.settings.get, "LINKHEALTH_PROXY_HOSTS")
        if not routes:
            raise NotConfigured  # no message: Scrapy warns of none for an option off
        return cls(list(routes))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        if "proxy" in request.meta:
            return
        host = (urlsplit(request.url).hostname or "").lower()
        for pattern, proxy in self.routes:
            if host_matches(pattern, host):
                request.meta["proxy"] = proxy
                return
