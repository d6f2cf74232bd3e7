"""Plain data types shared by the fake web's server, shapes and Wayback Machine."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl

Opts = dict[str, Any]
HeaderList = list[tuple[str, str]]


@dataclass
class Req:
    """One request as the shapes see it."""

    method: str
    scheme: str
    host: str  # lower case, no port
    authority: str  # host[:port] as it appears in the URL
    path: str  # raw path, percent-encoding untouched
    query: str  # raw query string without "?"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def base(self) -> str:
        """scheme://authority, to build absolute redirect targets on the same origin."""
        return f"{self.scheme}://{self.authority}"

    @property
    def url(self) -> str:
        return self.base + self.target

    @property
    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")

    @property
    def qs(self) -> dict[str, str]:
        """Query parameters (first value wins)."""
        out: dict[str, str] = {}
        for key, value in parse_qsl(self.query, keep_blank_values=True):
            out.setdefault(key, value)
        return out

    @property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("/") if s]


@dataclass
class Response:
    """A response the server writes; the optional fields make it misbehave."""

    status: int
    headers: HeaderList = field(default_factory=list)
    body: bytes = b""
    # Streamed body: (length, factory of a chunk iterator); replaces `body` when set.
    stream: tuple[int, Callable[[], Iterator[bytes]]] | None = None
    delay: float = 0.0  # seconds to wait before answering
    trickle_interval: float | None = None  # send the body one byte per interval
    declared_length: int | None = None  # Content-Length to announce instead of the real one
    reset_after: int | None = None  # reset (RST) the connection after this many body bytes
    close_after: bool = False  # close the connection once the body is written
    chunked: bool = False  # Transfer-Encoding: chunked, head and whole body in one write

    @property
    def length(self) -> int:
        return self.stream[0] if self.stream is not None else len(self.body)

    def header(self, name: str) -> str | None:
        low = name.lower()
        for key, value in self.headers:
            if key.lower() == low:
                return value
        return None


HostileKind = Literal["hang", "reset", "close", "garbage"]


@dataclass
class Hostile:
    """Not an HTTP answer at all: hang, reset, close or send garbage."""

    kind: HostileKind
    delay: float = 0.0


Result = Response | Hostile


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def pad_html(size: int, seed: str = "lorem") -> str:
    """Filler paragraphs of about `size` characters (ASCII)."""
    unit = (
        f"<p>{seed} ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
        "tempor incididunt ut labore et dolore magna aliqua.</p>\n"
    )
    count = max(0, size // len(unit))
    return unit * count


def html_response(
    body: str,
    status: int = 200,
    charset: str = "utf-8",
    content_type: str | None = None,
    extra: HeaderList | None = None,
) -> Response:
    ctype = content_type or f"text/html; charset={charset}"
    headers: HeaderList = [("Content-Type", ctype)]
    if extra:
        headers.extend(extra)
    return Response(status, headers, body.encode(charset))


def redirect(location: str, status: int = 302, extra: HeaderList | None = None) -> Response:
    body = (
        f"<html><head><title>{status} Found</title></head>"
        f'<body><a href="{esc(location)}">moved here</a></body></html>'
    )
    headers: HeaderList = [
        ("Location", location),
        ("Content-Type", "text/html; charset=utf-8"),
    ]
    if extra:
        headers.extend(extra)
    return Response(status, headers, body.encode())


def json_response(data: Any, status: int = 200, extra: HeaderList | None = None) -> Response:
    headers: HeaderList = [("Content-Type", "application/json; charset=utf-8")]
    if extra:
        headers.extend(extra)
    return Response(status, headers, json.dumps(data, ensure_ascii=False).encode())
