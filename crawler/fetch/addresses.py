"""Which addresses a link may reach: not the runner's own networks (pure).

A link list is written by others (a pull request adds a line), so a link must not make the
runner fetch its loopback, private, link-local or otherwise non-public addresses and publish
what it read there. :class:`AddressPolicy` says why an address is refused (``None``: it may be
reached), for a host as written in a URL (every IPv4 spelling a browser or ``inet_aton``
accepts: ``2130706433``, ``0x7f000001``, ``127.1``, ``0177.0.0.1``; IPv6 literals, IPv4
addresses embedded in IPv6 ones) and for the address a connection actually reached (after the
name was resolved). ``LINKHEALTH_ALLOW_NETWORKS`` names the networks and host names a user
checks on purpose (an intranet).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from crawler.base.rules import host_matches

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: the reason code of a link refused by the policy (verdict ``skipped``)
REASON = "private-address"

_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NUMBER_RE = {16: re.compile(r"[0-9a-f]*"), 10: re.compile(r"[0-9]+"), 8: re.compile(r"[0-7]+")}


class PrivateAddressError(Exception):
    """A request refused by the policy; the message names the address and why."""


def _ipv4_number(part: str) -> int | None:
    """One part of an IPv4 host as the WHATWG URL standard reads it (hex, octal, decimal)."""
    radix = 10
    if part[:2].lower() == "0x":
        radix, part = 16, part[2:]
    elif len(part) > 1 and part.startswith("0"):
        radix, part = 8, part[1:]
    if not part:
        return 0
    return int(part, radix) if _NUMBER_RE[radix].fullmatch(part.lower()) else None


def ipv4_host(host: str) -> ipaddress.IPv4Address | None:
    """The address an IPv4 host stands for, in any spelling the WHATWG URL standard (and
    ``inet_aton``) accepts: ``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.1``, a
    trailing dot; ``None`` for a host name."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not parts or len(parts) > 4 or not all(parts):
        return None
    numbers = [_ipv4_number(part) for part in parts]
    if any(n is None for n in numbers):
        return None
    *head, last = [n for n in numbers if n is not None]
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    return ipaddress.IPv4Address(last + sum(n << (8 * (3 - i)) for i, n in enumerate(head)))


def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host is written as (IPv6 with or without brackets, any IPv4
    spelling); ``None`` for a host name."""
    text = host.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text.replace("%25", "%"))
        except ValueError:
            return None
    return ipv4_host(text)


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries: mapped (``::ffff:a.b.c.d``), compatible
    (``::a.b.c.d``), 6to4, Teredo (its server and client) and NAT64 (``64:ff9b::/96``)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        server, client = address.teredo
        return client if _why(client) else server
    packed = int(address)
    if any(address in net for net in _NAT64) or 1 < packed < 2**32:
        return ipaddress.IPv4Address(packed & 0xFFFFFFFF)
    return None


def _why(address: IPAddress) -> str | None:
    """What kind of non-public address it is, or ``None`` for a public one."""
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("shared (carrier-grade NAT)", address in _SHARED),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not globally reachable", not address.is_global),
    )
    return next((kind for kind, hit in checks if hit), None)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Refuse every non-public address but the allowed networks and host names."""

    allow_networks: tuple[Network, ...] = ()
    allow_names: tuple[str, ...] = ()

    def _allowed(self, address: IPAddress) -> bool:
        return any(address.version == net.version and address in net for net in self.allow_networks)

    def refuses_address(self, address: IPAddress, host: str = "") -> str | None:
        """Why a connection to ``address`` (for ``host``) is refused, or ``None``."""
        name = host.lower().rstrip(".")
        if name and any(host_matches(allowed, name) for allowed in self.allow_names):
            return None
        if self._allowed(address):
            return None
        inner = embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
        where = f"{name} is at {address}" if name and literal_address(name) is None else address
        if inner is not None and self._allowed(inner):
            return None
        if inner is not None and (kind := _why(inner)):
            return f"{where}, which carries {inner} ({kind})"
        if kind := _why(address):
            return f"{where} ({kind})"
        return None

    def refuses_host(self, host: str) -> str | None:
        """Why a URL's host (an address in any spelling) is refused; ``None`` for a host name
        (its address is checked once connected) or an allowed address."""
        address = literal_address(host)
        if address is None:
            return None
        return self.refuses_address(address, host)

    def check(self, address: str, host: str = "") -> None:
        """Raise :class:`PrivateAddressError` for an address string the policy refuses."""
        try:
            parsed = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return
        if why := self.refuses_address(parsed, host):
            raise PrivateAddressError(why)


def policy_from(allowed: tuple[tuple[Network, ...], tuple[str, ...]] | str) -> AddressPolicy:
    """The policy of a ``LINKHEALTH_ALLOW_NETWORKS`` value (``""``: nothing allowed)."""
    if isinstance(allowed, str):
        return AddressPolicy()
    networks, names = allowed
    return AddressPolicy(networks, names)
