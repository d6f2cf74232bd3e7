"""The fake web server: an HTTP/1.1 forward proxy (plain and CONNECT+TLS) and origin server.

Hand-written on asyncio streams because it must misbehave on purpose. Every request,
whatever the mode, is dispatched by (host, path, query) to a shape (see ``shapes.py``),
after the optional scenario file has had its say.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import json
import math
import os
import signal
import socket
import ssl
import struct
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlsplit

from .model import Hostile, Req, Response, Result, json_response
from .shapes import HOSTS, World, default_dispatch, reason, run_entry
from .tls import CertStore

MAX_HEAD = 1 << 20
CHUNK = 65536
POLL = 0.05
# Shapes that act on the CONNECT itself; the others (reset, close, ...) act inside the tunnel.
HOSTILE_CONNECT = {"hang", "tls-broken", "garbage"}
GARBAGE = b"\x00\xffNOT-TLS-NOR-HTTP\x13\x37" * 64


# --------------------------------------------------------------------------- scenario


def _query_sorted(query: str) -> str:
    return "&".join(sorted(p for p in query.split("&") if p))


def url_variants(url: str) -> list[str]:
    """Keys to look a URL up under: as sent, with the query sorted, then with the other scheme."""
    url = url.split("#", 1)[0]
    out = [url]
    parts = urlsplit(url)
    netloc = parts.netloc.lower()
    default = {"http": ":80", "https": ":443"}.get(parts.scheme, "")
    if default and netloc.endswith(default):
        netloc = netloc[: -len(default)]
    base = f"{netloc}{parts.path or '/'}"
    query = _query_sorted(parts.query)
    norm = base + (f"?{query}" if query else "")
    other = "https" if parts.scheme == "http" else "http"
    for scheme in (parts.scheme, other):
        out.append(f"{scheme}://{norm}")
    return out


def _norm_key(url: str) -> str:
    return url_variants(url)[1]


class Scenario:
    """The scenario file, re-read whenever it changes on disk."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.signature: tuple[int, int, int] | None = None
        self.data: dict[str, Any] = {}
        self.urls: dict[str, Any] = {}
        self.norm_urls: dict[str, Any] = {}
        self.hosts: dict[str, Any] = {}

    def refresh(self, world: World) -> None:
        if not self.path:
            return
        try:
            st = os.stat(self.path)
            signature: tuple[int, int, int] | None = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            signature = None
        if signature == self.signature:
            return
        data: dict[str, Any] = {}
        if signature is not None:
            try:
                with open(self.path, encoding="utf-8") as fh:
                    loaded = json.load(fh)
                data = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError) as exc:
                # Half-written file: keep the old scenario and try again next request.
                print(f"fakeweb: cannot read scenario: {exc}", file=sys.stderr, flush=True)
                return
        self.signature = signature
        self.data = data
        urls = data.get("urls") or {}
        self.urls = {str(k).split("#", 1)[0]: v for k, v in urls.items()}
        self.norm_urls = {_norm_key(k): v for k, v in self.urls.items()}
        self.hosts = {str(k).lower(): v for k, v in (data.get("hosts") or {}).items()}
        world.wayback.configure(data.get("wayback") or {})

    def lookup(self, url: str, host: str) -> Any:
        variants = url_variants(url)
        if variants[0] in self.urls:
            return self.urls[variants[0]]
        for key in variants[1:]:
            if key in self.norm_urls:
                return self.norm_urls[key]
        return self.hosts.get(host)


# --------------------------------------------------------------------------- request log


@dataclass
class Exchange:
    record: dict[str, Any]
    counted: bool = True
    done: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def split_host(authority: str) -> str:
    """Host part of host[:port], lower case."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        return authority[1 : authority.find("]")] if "]" in authority else authority
    return authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority


def _entry_name(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, dict):
        return str(entry.get("shape", ""))
    return None


class BadRequest(Exception):
    pass


# --------------------------------------------------------------------------- server


class FakeWebServer:
    def __init__(
        self,
        log_path: str | None,
        scenario_path: str | None,
        bind: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.bind = bind
        self.port = port
        self.log: IO[str] | None = (
            open(log_path, "a", encoding="utf-8") if log_path else None  # noqa: SIM115
        )
        self.scenario = Scenario(scenario_path)
        self.world = World()
        self.inflight: dict[str, int] = {}
        self.max_inflight: dict[str, int] = {}
        self.certs = CertStore()
        self.server: asyncio.Server | None = None
        self.tasks: set[asyncio.Task[Any]] = set()
        self.stopping = False

    async def start(self) -> int:
        self.scenario.refresh(self.world)
        self.server = await asyncio.start_server(
            self.handle, self.bind, self.port, limit=MAX_HEAD, reuse_address=True
        )
        sock = self.server.sockets[0]
        self.port = int(sock.getsockname()[1])
        return self.port

    async def close(self) -> None:
        self.stopping = True
        if self.server is not None:
            self.server.close()
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)
        if self.log is not None:
            self.log.close()
            self.log = None
        self.certs.close()

    # ----------------------------------------------------------------- logging

    def begin(
        self,
        method: str,
        host: str,
        url: str,
        path: str,
        query: str,
        headers: dict[str, str],
        counted: bool = True,
    ) -> Exchange:
        count = 0
        if counted:
            count = self.inflight.get(host, 0) + 1
            self.inflight[host] = count
            self.max_inflight[host] = max(self.max_inflight.get(host, 0), count)
        record: dict[str, Any] = {
            "t": time.time(),
            "t_end": None,
            "method": method,
            "host": host,
            "url": url,
            "path": path,
            "query": query,
            "headers": headers,
            "body": "",
            "status": None,
            "bytes_sent": 0,
            "aborted": False,
            "inflight_host": count,
        }
        return Exchange(record, counted=counted)

    def finish(self, ex: Exchange, *, aborted: bool | None = None) -> None:
        if ex.done:
            return
        ex.done = True
        host = ex.record["host"]
        if ex.counted:
            self.inflight[host] = max(0, self.inflight.get(host, 1) - 1)
        if aborted is not None:
            ex.record["aborted"] = aborted
        ex.record["t_end"] = time.time()
        ex.record.update(ex.extra)
        if self.log is not None:
            self.log.write(json.dumps(ex.record, ensure_ascii=False) + "\n")
            self.log.flush()

    # ----------------------------------------------------------------- helpers

    async def wait(self, reader: asyncio.StreamReader, seconds: float) -> bool:
        """Sleep, watching the client: False as soon as it has gone (or the server stops)."""
        deadline = time.monotonic() + seconds
        while True:
            if reader.at_eof() or reader.exception() is not None or self.stopping:
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            await asyncio.sleep(min(POLL, left))

    @staticmethod
    def hard_reset(writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    @staticmethod
    async def gone(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """True once the client has gone away. Yields to the loop first: `drain()` does not
        when the buffer is low, and a lost connection is only noticed in loop callbacks."""
        await asyncio.sleep(0)
        return writer.transport.is_closing() or reader.exception() is not None or reader.at_eof()

    # ----------------------------------------------------------------- connections

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        try:
            await self.serve(reader, writer, "http", None)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError, EOFError):
            pass
        except asyncio.CancelledError:
            pass
        except Exception:
            traceback.print_exc(file=sys.stderr)
        finally:
            await self.shut(writer)
            if task is not None:
                self.tasks.discard(task)

    async def shut(self, writer: asyncio.StreamWriter) -> None:
        if writer.transport.is_closing():
            # Already aborted or closed: make sure the socket is released.
            writer.transport.abort()
            return
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 2)
        except (Exception, asyncio.CancelledError):
            writer.transport.abort()

    async def read_head(
        self, reader: asyncio.StreamReader
    ) -> tuple[str, str, str, list[tuple[str, str]]] | None:
        while True:
            try:
                raw = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return None
            except asyncio.LimitOverrunError as exc:
                raise BadRequest("request head too large") from exc
            raw = raw.lstrip(b"\r\n")
            if raw:
                break
        lines = raw.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            raise BadRequest(f"bad request line {lines[0]!r}")
        method, target, version = parts
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            if not line:
                continue
            name, sep, value = line.partition(":")
            if not sep:
                raise BadRequest(f"bad header line {line!r}")
            headers.append((name.strip().lower(), value.strip()))
        return method.upper(), target, version, headers

    async def read_body(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, headers: dict[str, str]
    ) -> bytes:
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await writer.drain()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            out = bytearray()
            while True:
                line = await reader.readline()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += await reader.readexactly(size)
                await reader.readexactly(2)
        length = int(headers.get("content-length", "0") or 0)
        return await reader.readexactly(length) if length > 0 else b""

    async def serve(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        scheme: str,
        tunnel: str | None,
    ) -> None:
        while not self.stopping:
            try:
                head = await self.read_head(reader)
            except BadRequest:
                writer.write(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                await writer.drain()
                return
            if head is None:
                return
            method, target, version, header_list = head
            headers: dict[str, str] = {}
            for name, value in header_list:
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            if method == "CONNECT" and tunnel is None:
                await self.connect(reader, writer, target, headers)
                return
            keep = await self.exchange(
                reader, writer, scheme, tunnel, method, target, version, headers
            )
            if not keep:
                return

    # ----------------------------------------------------------------- CONNECT

    async def connect(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        target: str,
        headers: dict[str, str],
    ) -> None:
        host = split_host(target)
        port = 443
        if ":" in target.rsplit("]", 1)[-1]:
            with contextlib.suppress(ValueError):
                port = int(target.rsplit(":", 1)[1])
        self.scenario.refresh(self.world)
        ex = self.begin("CONNECT", host, target, "", "", headers, counted=False)
        name = _entry_name(self.scenario.hosts.get(host)) or HOSTS.get(host)
        kind = name if name in HOSTILE_CONNECT else None
        if kind == "hang":
            alive = await self.wait(reader, math.inf)
            self.finish_connect(ex, None, aborted=not alive and not self.stopping)
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        if kind in ("tls-broken", "garbage"):
            ex.extra["tls_ok"] = False
            self.finish_connect(ex, 200)
            # answer the client's hello (not the CONNECT reply) with bytes that are not TLS,
            # so the client's TLS layer sees them and fails the handshake
            with contextlib.suppress(ConnectionError, TimeoutError):
                await asyncio.wait_for(reader.read(1), timeout=10)
            writer.write(GARBAGE)
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            return
        try:
            await writer.start_tls(self.certs.context(host), ssl_handshake_timeout=10)
        except (ssl.SSLError, ConnectionError, OSError, TimeoutError) as exc:
            ex.extra["tls_ok"] = False
            ex.extra["error"] = f"{type(exc).__name__}: {exc}"
            self.finish_connect(ex, 200)
            return
        ex.extra["tls_ok"] = True
        self.finish_connect(ex, 200)
        authority = host if port == 443 else f"{host}:{port}"
        await self.serve(reader, writer, "https", authority)

    def finish_connect(self, ex: Exchange, status: int | None, aborted: bool = False) -> None:
        ex.record["status"] = status
        self.finish(ex, aborted=aborted)

    # ----------------------------------------------------------------- one exchange

    async def exchange(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        scheme: str,
        tunnel: str | None,
        method: str,
        target: str,
        version: str,
        headers: dict[str, str],
    ) -> bool:
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            scheme = parts.scheme
            authority = parts.netloc
            path = parts.path or "/"
            query = parts.query
            url = target
        else:
            authority = headers.get("host") or tunnel or ""
            path, _, query = target.partition("?")
            if scheme == "https" and authority.endswith(":443"):
                authority = authority[:-4]
            url = f"{scheme}://{authority}{target}"
        host = split_host(authority)
        body = await self.read_body(reader, writer, headers)
        if path.startswith("/__fakeweb/"):
            return await self.admin(writer, path)
        ex = self.begin(method, host, url, path, query, headers)
        ex.record["body"] = body.decode("utf-8", "replace")
        # came to the proxy (absolute-form target, or inside a CONNECT tunnel), not the origin
        ex.record["via_proxy"] = tunnel is not None or target.startswith(("http://", "https://"))
        # the client's end of the connection: requests that share it came over one connection
        peer = writer.get_extra_info("peername") or ("?", "?")
        ex.record["peer"] = f"{peer[0]}:{peer[1]}"
        req = Req(method, scheme, host, authority, path, query, headers, body)
        connection = headers.get("connection", "").lower()
        keep = "close" not in connection and (version != "HTTP/1.0" or "keep-alive" in connection)
        try:
            self.scenario.refresh(self.world)
            entry = self.scenario.lookup(url, host)
            try:
                result: Result = (
                    run_entry(entry, req, self.world)
                    if entry is not None
                    else default_dispatch(req, self.world)
                )
            except Exception:
                traceback.print_exc(file=sys.stderr)
                result = json_response({"error": "fakeweb shape failed"}, 500)
            return await self.answer(reader, writer, req, result, ex, keep)
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ssl.SSLError):
            self.finish(ex, aborted=True)
            return False
        finally:
            if not ex.done:
                self.finish(ex, aborted=not self.stopping)

    async def admin(self, writer: asyncio.StreamWriter, path: str) -> bool:
        if path == "/__fakeweb/reset":
            self.world.counters.clear()
            self.world.wayback.reset()
            self.max_inflight.clear()
        data = {
            "max_inflight": self.max_inflight,
            "inflight": self.inflight,
            "counters": self.world.counters,
            "wayback_captures": len(self.world.wayback.captured),
            "cdx_scans": self.world.wayback.cdx_scans,
        }
        resp = json_response(data)
        head = self.head_bytes(resp, len(resp.body), True)
        writer.write(head + resp.body)
        await writer.drain()
        return True

    def head_bytes(
        self, resp: Response, length: int | None, keep: bool, chunked: bool = False
    ) -> bytes:
        lines = [f"HTTP/1.1 {resp.status} {reason(resp.status)}"]
        lines.append(f"Date: {email.utils.formatdate(usegmt=True)}")
        lines.append("Server: fakeweb")
        for name, value in resp.headers:
            if name.lower() in ("content-length", "connection", "transfer-encoding"):
                continue
            lines.append(f"{name}: {value}")
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        elif length is not None:
            lines.append(f"Content-Length: {length}")
        lines.append(f"Connection: {'keep-alive' if keep else 'close'}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    async def answer(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        req: Req,
        result: Result,
        ex: Exchange,
        keep: bool,
    ) -> bool:
        if result.delay > 0 and not await self.wait(reader, result.delay):
            self.finish(ex, aborted=not self.stopping)
            return False
        if isinstance(result, Hostile):
            return await self.hostile(reader, writer, result, ex)
        resp = result
        keep = keep and not resp.close_after
        no_body = resp.status < 200 or resp.status in (204, 304)
        length = None if no_body else resp.declared_length or resp.length
        ex.record["status"] = resp.status
        head = self.head_bytes(resp, length, keep)
        if req.method == "HEAD" or no_body:
            self.finish(ex, aborted=False)
            writer.write(head)
            await writer.drain()
            return keep
        chunks = self.body_chunks(resp)
        if resp.chunked:
            framed = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks if c)
            ex.record["bytes_sent"] = resp.length
            self.finish(ex, aborted=False)
            writer.write(self.head_bytes(resp, None, keep, chunked=True) + framed + b"0\r\n\r\n")
            await writer.drain()
            return keep
        total = resp.length
        if resp.reset_after is not None:
            total = min(total, resp.reset_after)
        writer.write(head)
        await writer.drain()
        sent = 0
        interval = resp.trickle_interval
        for chunk in chunks:
            if sent >= total:
                break
            piece = chunk[: total - sent]
            if interval is not None:
                for i in range(len(piece)):
                    if not await self.wait(reader, interval):
                        self.finish(ex, aborted=not self.stopping)
                        return False
                    last = sent + 1 == total
                    if last and resp.reset_after is None:
                        ex.record["bytes_sent"] = sent + 1
                        self.finish(ex, aborted=False)
                    writer.write(piece[i : i + 1])
                    await writer.drain()
                    sent += 1
                    ex.record["bytes_sent"] = sent
                continue
            if await self.gone(reader, writer):
                self.finish(ex, aborted=True)
                return False
            if sent + len(piece) == total and resp.reset_after is None:
                # Log before the last write so that a client that has the whole answer
                # always finds its line in the log.
                ex.record["bytes_sent"] = total
                self.finish(ex, aborted=False)
            writer.write(piece)
            await writer.drain()
            sent += len(piece)
            ex.record["bytes_sent"] = sent
        if resp.reset_after is not None:
            self.finish(ex, aborted=False)
            self.hard_reset(writer)
            return False
        self.finish(ex, aborted=False)
        return keep and not resp.declared_length

    @staticmethod
    def body_chunks(resp: Response) -> Any:
        if resp.stream is not None:
            return resp.stream[1]()
        body = resp.body
        return (body[i : i + CHUNK] for i in range(0, len(body), CHUNK))

    async def hostile(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        result: Hostile,
        ex: Exchange,
    ) -> bool:
        if result.kind == "hang":
            await self.wait(reader, math.inf)
            self.finish(ex, aborted=not self.stopping)
            return False
        self.finish(ex, aborted=False)
        if result.kind == "reset":
            self.hard_reset(writer)
        elif result.kind == "garbage":
            writer.write(GARBAGE)
            with contextlib.suppress(ConnectionError):
                await writer.drain()
        return False


# --------------------------------------------------------------------------- entry point


async def run(log: str | None, scenario: str | None, bind: str, port: int) -> None:
    server = FakeWebServer(log, scenario, bind, port)
    real_port = await server.start()
    print(f"READY {real_port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakeweb", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0 = any free)")
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--log", default=None, help="append one JSON line per request here")
    parser.add_argument("--scenario", default=None, help="scenario JSON, re-read when changed")
    args = parser.parse_args(argv)
    asyncio.run(run(args.log, args.scenario, args.bind, args.port))
    return 0
