"""A fast multi-host HTTP/1.1 server on loopback for the benchmark.

Every host is its own address (``127.1.X.Y``; all of 127.0.0.0/8 routes to ``lo`` on Linux) with
one listener per address on the same port. Requests are answered after an injected latency
(``call_later``, no task per request), with keep-alive and pre-built bodies so that the server
stays far from being the bottleneck. Several processes can share the hosts (``--first K
--step P``: hosts K, K+P, K+2P, …).

Pages, by the number in ``/page/<n>``:
- ``n % 10 == 9``: 404 with a small "not found" page (10% of the links);
- ``n % 1000 == 500``: a 2.5 MB page (like a WeChat article);
- otherwise: 200 with the title in the head and a ~120 KB body.

Run: ``python benchmarks/server.py --hosts 100 --port 8000 --latency 0.2``; it prints ``ready``
on stdout when every listener is up and serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import resource
import signal
import sys

_REQUEST_LINE = re.compile(rb"^([A-Z]+) (\S+) HTTP/1\.([01])\r\n", re.ASCII)
_PAGE = re.compile(rb"^/page/(\d+)")


BODY_KB = 120  # a page's body; with the head, 124 KB
BIG_MB = 2.5  # the few big pages (n % 1000 == 500)


def host_address(i: int) -> str:
    """The address of host ``i`` (0-based): 127.1.0.1, 127.1.0.2, … (250 per third octet)."""
    return f"127.1.{i // 250}.{i % 250 + 1}"


def _filler(size: int) -> bytes:
    para = (
        "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
        "incididunt ut labore et dolore magna aliqua. 链接健康检查的基准页面，正文内容。</p>\n"
    ).encode()
    return (para * (size // len(para) + 1))[:size]


_HEAD_EXTRA = (
    b'<meta charset="utf-8">\n<meta name="viewport" content="width=device-width,initial-scale=1">\n'
    b'<link rel="stylesheet" href="/static/site.css">\n'
    + b"<style>"
    + b"body{margin:0;padding:0;font-family:sans-serif}" * 20
    + b"</style>\n"
    + b'<script>var config = {"a": 1, "b": [1, 2, 3]};</script>\n'
)


class Pages:
    def __init__(self, body_size: int, big_size: int) -> None:
        self.body = (
            b'<body>\n<div id="content">\n' + _filler(body_size) + b"</div>\n</body>\n</html>\n"
        )
        self.big = (
            b'<body>\n<div id="js_content">\n' + _filler(big_size) + b"</div>\n</body>\n</html>\n"
        )
        self.not_found = (
            b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n"
            b"<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p>"
            + _filler(2000)
            + b"</body></html>\n"
        )

    def page(self, n: int) -> tuple[bytes, list[bytes]]:
        """Status and body parts of ``/page/<n>`` (``n < 0``: any other path)."""
        if n < 0 or n % 10 == 9:
            return b"404 Not Found", [self.not_found]
        body = self.big if n % 1000 == 500 else self.body
        head = (
            b'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<title>Benchmark page %d</title>\n' % n
            + _HEAD_EXTRA
            + b"</head>\n"
        )
        return b"200 OK", [head, body]

    def answer(self, path: bytes, keep_alive: bool, head_only: bool) -> list[bytes]:
        m = _PAGE.match(path)
        status, parts = self.page(int(m.group(1)) if m else -1)
        length = sum(len(p) for p in parts)
        header = (
            b"HTTP/1.1 %s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n"
            b"Connection: %s\r\nServer: bench\r\n\r\n"
            % (status, length, b"keep-alive" if keep_alive else b"close")
        )
        return [header] if head_only else [header, *parts]


class Http(asyncio.Protocol):
    def __init__(self, pages: Pages, latency: float) -> None:
        self.pages = pages
        self.latency = latency
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.busy = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._next()

    def _next(self) -> None:
        if self.busy or self.transport is None:
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > 65536 and self.transport is not None:
                self.transport.close()
            return
        raw, self.buffer = self.buffer[: end + 4], self.buffer[end + 4 :]
        m = _REQUEST_LINE.match(raw)
        if m is None:
            self.transport.close()
            return
        lower = raw.lower()
        keep_alive = m.group(3) == b"1" and b"connection: close" not in lower
        self.busy = True
        asyncio.get_running_loop().call_later(
            self.latency, self._send, m.group(2), keep_alive, m.group(1) == b"HEAD"
        )

    def _send(self, path: bytes, keep_alive: bool, head_only: bool) -> None:
        self.busy = False
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        transport.writelines(self.pages.answer(path, keep_alive, head_only))
        if not keep_alive:
            transport.close()
            return
        self._next()


async def serve(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    pages = Pages(args.body_kb * 1024, int(args.big_mb * 1024 * 1024))
    servers = []
    for i in range(args.first, args.hosts, args.step):
        servers.append(
            await loop.create_server(
                lambda: Http(pages, args.latency),
                host_address(i),
                args.port,
                reuse_address=True,
                backlog=1024,
            )
        )
    print("ready", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for server in servers:
        server.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"cpu {usage.ru_utime + usage.ru_stime:.3f}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds before each answer")
    parser.add_argument("--body-kb", type=int, default=BODY_KB)
    parser.add_argument("--big-mb", type=float, default=BIG_MB)
    parser.add_argument("--first", type=int, default=0, help="serve hosts first, first+step, …")
    parser.add_argument("--step", type=int, default=1, help="(several processes share the hosts)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
