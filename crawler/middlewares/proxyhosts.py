"""Route chosen hosts through a proxy of their own (``LINKHEALTH_PROXY_HOSTS``).

Platforms often refuse data-centre addresses (a GitHub-hosted runner): send just those hosts
through a proxy elsewhere, e.g. ``zhihu.com=http://user:pass@proxy.example:8080
mp.weixin.qq.com=http://proxy.example:8080``. A host matches itself and its subdomains; the
rest keeps the standard ``http_proxy``/``https_proxy`` handling. A redirect is routed by where
it goes: Scrapy copies ``meta['proxy']`` (and the proxy's credentials) to the redirected
request, so a route this middleware chose is dropped from it and chosen again.
"""

from __future__ import annotations

from typing import Self
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.base.registry import value
from crawler.base.rules import host_matches

#: the proxy this middleware chose for a request (a redirect inherits it with the meta)
META_ROUTE = "linkhealth_proxy_route"


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
        route = request.meta.pop(META_ROUTE, None)
        if route is not None and request.meta.get("proxy") == route:
            # a redirect of a routed request: its host decides anew, the usual way otherwise
            del request.meta["proxy"]
            request.meta.pop("_auth_proxy", None)
            request.headers.pop(b"Proxy-Authorization", None)
        if "proxy" in request.meta:
            return
        host = (urlsplit(request.url).hostname or "").lower()
        for pattern, proxy in self.routes:
            if host_matches(pattern, host):
                request.meta["proxy"] = proxy
                request.meta[META_ROUTE] = proxy
                return
