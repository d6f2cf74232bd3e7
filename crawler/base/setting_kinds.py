"""The kinds of a setting's value: each parses a raw value (an environment variable, a ``-s``
option, a TOML value) or raises :class:`ConfigError` naming the setting.

A leaf module (it imports nothing of linkhealth); :mod:`crawler.base.registry` declares each
setting with one of these kinds.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A setting with a value that cannot work; the message names it."""


#: a kind parses a raw value (never None or "": those are the default) or raises ConfigError
Kind = Callable[[str, Any], Any]


def text(name: str, raw: Any) -> str:
    return str(raw)


def boolean(name: str, raw: Any) -> bool:
    """true/false, yes/no, on/off, 1/0 (as an environment variable or ``-s`` gives them)."""
    if isinstance(raw, bool):
        return raw
    lowered = str(raw).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}: expected true or false, got {raw!r}")


def number(*, positive: bool = False, whole: bool = False, at_most: float | None = None) -> Kind:
    """A finite number (never ``nan`` or ``inf``), 0 or more (``positive``: more than 0), at
    most ``at_most`` (every setting declares a sane bound: a value past it hangs or breaks the
    run rather than doing what was meant)."""

    def parse(name: str, raw: Any) -> float:
        try:
            result = float(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: expected a number, got {raw!r}") from None
        if not math.isfinite(result):
            raise ConfigError(f"{name}: expected a finite number, got {raw!r}")
        if result < 0 or (positive and result == 0):
            bound = "greater than 0" if positive else "0 or more"
            raise ConfigError(f"{name}: must be {bound}, got {raw!r}")
        if whole and result != int(result):
            raise ConfigError(f"{name}: expected a whole number, got {raw!r}")
        if at_most is not None and result > at_most:
            raise ConfigError(f"{name}: must be at most {at_most:g}, got {raw!r}")
        return result

    return parse


def http_url(name: str, raw: Any) -> str:
    value = str(raw).rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name}: expected an http(s) URL, got {raw!r}")
    return value


_REDIS_SCHEMES = ("redis", "rediss", "unix")


def redis_url(name: str, raw: Any) -> str:
    """A URL redis-py can open; the message never shows it (it may hold a password)."""
    url = str(raw)
    parts = urlsplit(url)
    problem = ""
    if parts.scheme not in _REDIS_SCHEMES:
        problem = f"the scheme must be one of {', '.join(f'{s}://' for s in _REDIS_SCHEMES)}"
    elif parts.scheme != "unix":
        try:
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            problem = "the port is not a number"
        else:
            if parts.path.strip("/") and not parts.path.strip("/").isdigit():
                problem = "the path must be a database number, e.g. /0"
    if problem:
        raise ConfigError(
            f"{name}: not a Redis URL: {problem} (the value is not shown: it may hold a password)"
        )
    return url


def proxy_hosts(name: str, raw: Any) -> list[tuple[str, str]]:
    """``host=proxy`` pairs separated by spaces, commas or new lines (a password never shown)."""
    pairs = []
    for item in str(raw).replace(",", " ").split():
        host, sep, proxy = item.partition("=")
        if not sep or not host or not proxy.startswith(("http://", "https://")):
            shown = item.split("@")[-1]  # never echo a proxy password
            raise ConfigError(f"{name}: expected host=http://proxy:port, got {shown!r}")
        pairs.append((host.lower(), proxy))
    return pairs


_HOST_NAME_RE = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*$")


def networks_and_names(
    name: str, raw: Any
) -> tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...], tuple[str, ...]]:
    """Networks (``10.0.0.0/8``, ``fd00::/8``, one address) and host names (``intranet.example``:
    itself and its subdomains), separated by commas or spaces."""
    networks = []
    names = []
    for item in str(raw).replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        host = item.lower().strip(".")
        if not _HOST_NAME_RE.fullmatch(host):
            raise ConfigError(
                f"{name}: expected a network (10.0.0.0/8) or a host name, got {item!r}"
            )
        names.append(host)
    return tuple(networks), tuple(names)


def count_or_auto(name: str, raw: Any) -> int | None:
    """A whole number of at least 1 (at most 256), or ``auto`` (None: decided when the links
    are known)."""
    if str(raw).strip().lower() == "auto":
        return None
    return int(number(positive=True, whole=True, at_most=256)(name, raw))


def path(name: str, raw: Any) -> str:
    """A file or directory path; an empty one is an error (it would mean the current
    directory), not the default."""
    return str(raw)


def choice(*choices: str) -> Kind:
    def parse(name: str, raw: Any) -> str:
        value = str(raw).strip()
        if value not in choices:
            raise ConfigError(f"{name}: one of {', '.join(choices)}, got {raw!r}")
        return value

    return parse
