"""A link split into its parts, each checked: the scheme, the host (IDNA, its labels), the port.

A link that cannot be fetched raises :class:`URLProblem` with a short stable reason code; the
parts are what :func:`crawler.base.urls.canonicalize` makes the link's canonical forms of.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import SplitResult, urlsplit

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_HOST_LABEL_RE = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
MAX_URL_LENGTH = 8192


class URLProblem(ValueError):
    """A link that cannot be checked; ``reason`` is a short stable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@functools.lru_cache(maxsize=4096)
def _authority(netloc: str) -> tuple[int | None, str | None, bool]:
    """``(port, hostname, has a user or password)`` of a netloc, as ``urlsplit`` reads them.

    Raises ValueError for a bad port, as ``SplitResult.port`` does.
    """
    parts = SplitResult("", netloc, "", "", "")
    return parts.port, parts.hostname, bool(parts.username or parts.password)


@functools.lru_cache(maxsize=4096)
def _normalize_host(netloc_host: str | None) -> str:
    host = (netloc_host or "").rstrip(".").lower()
    if not host:
        raise URLProblem("malformed-url", "the link has no host name")
    if host.startswith("[") or ":" in host:  # IPv6 literal, urlsplit strips the brackets
        return host
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise URLProblem("malformed-url", f"invalid international host name ({exc})") from exc
    labels = host.split(".")
    if len(host) > 253 or not all(_HOST_LABEL_RE.match(label) for label in labels):
        raise URLProblem("malformed-url", "invalid host name")
    return host


def split_link(url: str) -> tuple[SplitResult, str, str, str, bool]:
    """The parts of an http(s) link, its scheme, its host (checked, IDNA), its netloc (without
    the scheme's default port), and whether it carried a user or password.

    Raises :class:`URLProblem` for a link that cannot be fetched (bad host, bad port, …).
    """
    text = url.strip()
    if len(text) > MAX_URL_LENGTH:
        raise URLProblem("malformed-url", f"the link is longer than {MAX_URL_LENGTH} characters")
    if _CONTROL_RE.search(text):
        raise URLProblem("malformed-url", "the link contains control characters")
    if text.startswith("//"):
        text = "https:" + text
    text = text.replace("\\", "/") if text.lower().startswith(("http:\\", "https:\\")) else text
    try:
        parts = urlsplit(text)
        port, hostname, had_credentials = _authority(parts.netloc)
    except ValueError as exc:
        raise URLProblem("malformed-url", f"the link cannot be parsed ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise URLProblem("not-http", f"not an http(s) link ({scheme or 'no scheme'})")
    host = _normalize_host(hostname)
    if " " in host:
        raise URLProblem("malformed-url", "the host name contains a space")
    netloc_host = f"[{host}]" if ":" in host else host
    default_port = 443 if scheme == "https" else 80
    netloc = netloc_host if port in (None, default_port) else f"{netloc_host}:{port}"
    return parts, scheme, host, netloc, had_credentials
