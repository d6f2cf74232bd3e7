"""Scrapy DNS resolvers for tests: every name is 127.0.0.1, except the ones made to fail.

``FAKEWEB_ADDRESSES`` (``name=address`` pairs, comma-separated, loopback addresses only: the
tests never reach further) gives a name another address, e.g. ``v6only.test=::1`` for a host
with only an AAAA record.

Use with ``-s TWISTED_DNS_RESOLVER=tests.fakeweb.resolver.FakeResolver`` (or the deprecated
``DNS_RESOLVER`` setting, which Scrapy 2.19 still honours with a warning). Names listed in
the environment variable ``FAKEWEB_NXDOMAIN`` (comma-separated, ``*`` = every name) fail with
twisted's ``DNSLookupError``; the variable is read at each lookup.

``FakeResolver`` is an ``IResolverSimple`` like Scrapy's default ``CachingThreadedResolver``;
``FakeHostnameResolver`` is an ``IHostnameResolver`` like ``CachingHostnameResolver``.
Neither caches anything, so a test may change ``FAKEWEB_NXDOMAIN`` between lookups.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from typing import Any

from twisted.internet import defer
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import (
    IAddress,
    IHostnameResolver,
    IHostResolution,
    IResolutionReceiver,
    IResolverSimple,
)
from zope.interface import implementer

ENV = "FAKEWEB_NXDOMAIN"
ADDRESSES_ENV = "FAKEWEB_ADDRESSES"
LOOPBACK = "127.0.0.1"


def failing_names() -> set[str]:
    raw = os.environ.get(ENV, "")
    return {n.strip().lower().rstrip(".") for n in raw.split(",") if n.strip()}


def fails(name: str) -> bool:
    """True if `name` must not resolve (IP literals always resolve to themselves)."""
    if _ip(name) is not None:
        return False
    names = failing_names()
    return "*" in names or name.lower().rstrip(".") in names


def _ip(name: str) -> str | None:
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        return None


def address_for(name: str) -> str:
    pairs = (p.partition("=") for p in os.environ.get(ADDRESSES_ENV, "").split(",") if "=" in p)
    given = {n.strip().lower().rstrip("."): a.strip() for n, _, a in pairs}
    return _ip(name) or given.get(name.lower().rstrip(".")) or LOOPBACK


@implementer(IResolverSimple)
class FakeResolver:
    """IResolverSimple: ``getHostByName`` gives 127.0.0.1 or fails with DNSLookupError."""

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> FakeResolver:
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        if fails(name):
            return defer.fail(DNSLookupError(f"fakeweb: no such name {name!r}"))
        return defer.succeed(address_for(name))


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        pass


@implementer(IHostnameResolver)
class FakeHostnameResolver:
    """IHostnameResolver: reports 127.0.0.1 or no address at all (DNSLookupError upstream)."""

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> FakeHostnameResolver:
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        if not fails(hostName):
            address = address_for(hostName)
            if ":" in address:
                resolutionReceiver.addressResolved(IPv6Address("TCP", address, portNumber))
            else:
                resolutionReceiver.addressResolved(IPv4Address("TCP", address, portNumber))
        resolutionReceiver.resolutionComplete()
        return resolution
