"""Refuse requests to addresses that are not public (see :mod:`crawler.fetch.addresses`).

A URL whose host is an address in any spelling (``127.1``, ``2130706433``, ``[::ffff:10.0.0.1]``)
is refused here, before anything is sent, on the first request and on every redirect hop (a
redirect is a new request through the downloader middlewares), behind a proxy too. A host name
is checked once its connection is made, on the address it reached
(:mod:`crawler.downloadhandlers.keepalive`); behind a proxy the proxy resolves names.
"""

from __future__ import annotations

from typing import Self
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler

from crawler.base.registry import value
from crawler.fetch.addresses import AddressPolicy, PrivateAddressError, policy_from


class PrivateAddressMiddleware:
    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(policy_from(value(crawler.settings.get, "LINKHEALTH_ALLOW_NETWORKS")))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        host = urlsplit(request.url).hostname or ""
        if why := self.policy.refuses_host(host):
            raise PrivateAddressError(why)
