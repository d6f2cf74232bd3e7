"""Scrapy's HTTP/1.1 handler with connections kept alive, safely after a stopped download.

The head reader stops most downloads early (``StopDownload``), and Scrapy then closes the
connection with ``loseConnection()``. When the rest of the response had already arrived in the
same read, Twisted's parser still finishes it and hands the closing connection back to the pool
in the same tick; the next request to that host is written to it, flushed, and then sent again
on a new connection when the close lands: the site sees the request twice (measured at the fake
web: 305 requests for 200 links). The pool here never takes back a connection that is closing,
so connections can stay open between requests (no ``Connection: close``): no new TCP (and TLS)
handshake per link.

The pool also holds the address policy (:mod:`crawler.fetch.addresses`) on every direct connection,
twice. Before connecting, the host's name is resolved (the reactor's resolver, whatever it is;
Scrapy's caches, so the endpoint's own look-up costs nothing): when every address it has is
refused, no connection is even tried (a closed port inside says nothing either), and the request
fails with :class:`~crawler.fetch.addresses.PrivateAddressError`. Then the address a connection
reached is checked when it is made, before anything is written to it (a name with addresses
inside and out, or one that changed between the two look-ups); a refused one is closed and its
request fails the same way. Connections to a proxy are not checked (the proxy is configuration,
not a link; the URLs sent through it are checked by :mod:`crawler.middlewares.addresses`).
"""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IAddress, IHostResolution, IResolutionReceiver
from twisted.internet.protocol import Factory, Protocol
from twisted.web.client import HTTPConnectionPool
from zope.interface import implementer

from crawler.base.registry import value
from crawler.fetch.addresses import AddressPolicy, PrivateAddressError, policy_from

#: the first item of a pool key of a direct connection (Scrapy's keys: ``(scheme, host, port,
#: bind address)``; through a proxy ``(b"http-proxy", …)``, a CONNECT tunnel adds the proxy's
#: host, port and credentials)
_DIRECT_SCHEMES = (b"http", b"https")
_DIRECT_KEY_LENGTH = 4


class _CheckedFactory(Factory):
    """A connection's protocol factory that first checks the address it reached."""

    noisy = False

    def __init__(self, inner: Any, policy: AddressPolicy, host: str) -> None:
        self.inner = inner
        self.policy = policy
        self.host = host

    def buildProtocol(self, addr: IAddress | None) -> Protocol | None:
        # raises PrivateAddressError: the endpoint fails the connection with it, nothing sent
        self.policy.check(getattr(addr, "host", ""), self.host)
        protocol: Protocol | None = self.inner.buildProtocol(addr)
        return protocol


@implementer(IResolutionReceiver)
class _Addresses:
    """The addresses a name resolves to, as a Deferred."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.done: Deferred[list[str]] = Deferred()

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        pass

    def addressResolved(self, address: IAddress) -> None:
        self.found.append(str(getattr(address, "host", "")))

    def resolutionComplete(self) -> None:
        self.done.callback(self.found)


class ClosingAwarePool(HTTPConnectionPool):
    """A connection pool that drops connections already closing instead of reusing them, and
    checks the address of each direct connection it makes."""

    policy = AddressPolicy()

    def _newConnection(self, key: Any, endpoint: Any) -> Any:
        if not (key[0] in _DIRECT_SCHEMES and len(key) == _DIRECT_KEY_LENGTH):
            return super()._newConnection(key, endpoint)

        def quiescent(protocol: Any) -> None:
            self._putConnection(key, protocol)

        inner = self._factory(quiescent, repr(endpoint))  # type: ignore[no-untyped-call]
        host = key[1].decode("ascii", "replace") if isinstance(key[1], bytes) else str(key[1])

        def connect(addresses: list[str]) -> Any:
            if not addresses:  # as the endpoint says it (asking again could wait as long again)
                raise DNSLookupError(f"no results for hostname lookup: {host}")
            refused = []
            for address in addresses:
                try:
                    self.policy.check(address, host)
                except PrivateAddressError as exc:
                    refused.append(exc)
            if refused and len(refused) == len(addresses):
                raise refused[0]  # every address is inside: not even a connection is tried
            return endpoint.connect(_CheckedFactory(inner, self.policy, host))

        receiver = _Addresses()
        self._reactor.nameResolver.resolveHostName(receiver, host)
        return receiver.done.addCallback(connect)

    def _putConnection(self, key: Any, connection: Any) -> None:
        transport = connection.transport
        if transport is None or getattr(transport, "disconnecting", False):
            return
        super()._putConnection(key, connection)  # type: ignore[no-untyped-call]


def closing_aware(pool: HTTPConnectionPool) -> ClosingAwarePool:
    """The same pool settings, with closing connections dropped."""
    from twisted.internet import reactor  # noqa: PLC0415 - the reactor Scrapy installed

    safe = ClosingAwarePool(reactor, persistent=pool.persistent)  # type: ignore[no-untyped-call]
    safe.maxPersistentPerHost = pool.maxPersistentPerHost
    safe.cachedConnectionTimeout = pool.cachedConnectionTimeout
    safe.retryAutomatically = pool.retryAutomatically
    safe._factory = pool._factory
    return safe


class KeepAliveDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._pool = closing_aware(self._pool)
        self._pool.policy = policy_from(value(crawler.settings.get, "LINKHEALTH_ALLOW_NETWORKS"))
