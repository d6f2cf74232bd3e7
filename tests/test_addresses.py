"""The address policy (crawler/fetch/addresses.py): every spelling of a non-public address is
refused."""

from __future__ import annotations

import ipaddress
import re
import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.base.registry import ConfigError, networks_and_names
from crawler.fetch.addresses import (
    AddressPolicy,
    PrivateAddressError,
    ipv4_host,
    literal_address,
    policy_from,
)
from crawler.verdict.errors import verdict_for_exception

POLICY = AddressPolicy()


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"),  # WHATWG: an empty hex number is 0
        ("0.0.0.0", "0.0.0.0"),
        ("00000000000000000000127.0.0.1", "87.0.0.1"),  # octal 127 is 87: still a spelling
        ("10.0.65535", "10.0.255.255"),
        ("169.254.43518", "169.254.169.254"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("::1", "::1"),
        ("[0:0:0:0:0:0:0:1]", "::1"),
    ],
)
def test_every_spelling_is_read_as_its_address(host: str, address: str) -> None:
    assert literal_address(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize(
    "host",
    ["example.com", "1.2.3.4.5", "256.0.0.1", "0xg", "127.0.0.1x", "08.0.0.1", "a.1", "1..2", ""],
)
def test_host_names_and_invalid_numbers_are_not_addresses(host: str) -> None:
    # "a.1" and "1..2" end in a number: a browser refuses the URL; nothing is an address here
    assert literal_address(host) is None


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_the_whatwg_parser_agrees_with_inet_aton_on_every_address(number: int) -> None:
    """Decimal, hex, octal and shortened spellings of one address: inet_aton reads the same."""
    dotted = str(ipaddress.IPv4Address(number))
    a, b, c, d = (int(x) for x in dotted.split("."))
    for spelling in (
        str(number),
        hex(number),
        f"{a}.{(b << 16) | (c << 8) | d}",
        f"{a}.{b}.{(c << 8) | d}",
        f"0{a:o}.0x{b:x}.{c}.0{d:o}",
    ):
        expected = socket.inet_ntoa(socket.inet_aton(spelling))
        assert str(ipv4_host(spelling)) == expected == dotted, spelling


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("2130706433", "loopback"),
        ("0x7f000001", "loopback"),
        ("127.1", "loopback"),
        ("0177.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "private"),  # documentation (TEST-NET-1): not global
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("ff02::1", "multicast"),
        ("[::ffff:127.0.0.1]", "carries 127.0.0.1 (loopback)"),
        ("::ffff:a9fe:a9fe", "carries 169.254.169.254 (link-local)"),
        ("::127.0.0.1", "carries 127.0.0.1 (loopback)"),
        ("2002:7f00:1::", "carries 127.0.0.1 (loopback)"),  # 6to4
        ("64:ff9b::10.0.0.1", "carries 10.0.0.1 (private)"),  # NAT64
        ("64:ff9b::7f00:1", "carries 127.0.0.1 (loopback)"),
    ],
)
def test_non_public_addresses_are_refused_with_why(host: str, kind: str) -> None:
    why = POLICY.refuses_host(host)
    assert why is not None
    assert kind in why, why
    with pytest.raises(PrivateAddressError, match=re.escape(kind)):
        POLICY.check(str(literal_address(host)))


@pytest.mark.parametrize("host", ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "example.com"])
def test_public_addresses_and_names_pass(host: str) -> None:
    assert POLICY.refuses_host(host) is None


def test_a_name_is_checked_on_the_address_it_reached() -> None:
    with pytest.raises(PrivateAddressError, match=r"intranet\.test is at 127\.0\.0\.1 \(loopback"):
        POLICY.check("127.0.0.1", "intranet.test")
    POLICY.check("8.8.8.8", "dns.test")  # public: nothing raised


def test_allowed_networks_and_names() -> None:
    networks, names = networks_and_names("X", "10.0.0.0/8, ::1 intranet.example,127.0.0.1")
    policy = policy_from((networks, names))
    assert policy.refuses_host("10.9.8.7") is None
    assert policy.refuses_host("0x0a090807") is None  # 10.9.8.7 in any spelling
    assert policy.refuses_host("[::1]") is None
    assert policy.refuses_host("127.1") is None
    assert policy.refuses_host("192.168.0.1") is not None
    assert policy.refuses_host("[::ffff:192.168.0.1]") is not None
    assert policy.refuses_host("[::ffff:10.0.0.1]") is None  # it carries an allowed address
    assert policy.refuses_address(ipaddress.ip_address("192.168.0.1"), "intranet.example") is None
    assert policy.refuses_address(ipaddress.ip_address("192.168.0.1"), "a.intranet.example") is None
    assert policy.refuses_address(ipaddress.ip_address("192.168.0.1"), "other.example") is not None
    assert policy_from("").refuses_host("127.0.0.1") is not None


@pytest.mark.parametrize("raw", ["10.0.0.0/33", "http://x", "a b/c", "10.0.0.0/8,@@"])
def test_a_bad_allow_list_is_a_configuration_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="LINKHEALTH_ALLOW_NETWORKS"):
        networks_and_names("LINKHEALTH_ALLOW_NETWORKS", raw)


def test_a_refused_request_is_skipped_with_its_reason() -> None:
    try:
        try:
            POLICY.check("169.254.169.254")
        except PrivateAddressError as exc:
            raise RuntimeError("wrapped by the downloader") from exc
    except RuntimeError as wrapped:
        verdict = verdict_for_exception(wrapped)
    assert (verdict.status, verdict.reason) == ("skipped", "private-address")
    assert verdict.detail == "169.254.169.254 (link-local)"
