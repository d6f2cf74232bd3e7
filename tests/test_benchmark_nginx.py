"""The benchmark's nginx web (``benchmarks/nginx.py``): its pages, its 404s, its latency.

A functional check of the configuration the benchmark runs (started through the benchmark's own
``serve``), not a speed test: one request has to wait at least most of the injected latency,
which is what ``echo_sleep`` is there for.
"""

from __future__ import annotations

import http.client
import socket
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import nginx  # noqa: E402
from benchmarks.server import BIG_MB, BODY_KB, Pages, host_address  # noqa: E402

LATENCY = 0.2


def _free_port(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return int(s.getsockname()[1])


def _get(
    conn: http.client.HTTPConnection, path: str
) -> tuple[http.client.HTTPResponse, bytes, float]:
    start = time.monotonic()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    return response, body, time.monotonic() - start


def test_serves_a_page_and_a_404_after_the_latency(tmp_path: Path) -> None:
    try:
        found = nginx.find()
    except nginx.Unavailable as e:
        pytest.skip(f"the benchmark's web needs nginx: {e}")
    site = Pages(BODY_KB * 1024, int(BIG_MB * 1024 * 1024))
    host = host_address(1)  # the second of two hosts: every host has its listener
    port = _free_port(host)
    started = time.monotonic()
    with nginx.serve(
        tmp_path / "web", hosts=2, port=port, latency=LATENCY, pages=100, nginx=found
    ) as running:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        response, body, elapsed = _get(conn, "/page/41")
        assert response.status == 200
        assert body == b"".join(site.page(41)[1])  # the bytes server.py would send
        assert b"<title>Benchmark page 41</title>" in body
        assert response.getheader("Content-Length") == str(len(body))
        assert response.getheader("Content-Type") == "text/html; charset=utf-8"
        assert elapsed >= 0.15, f"answered in {elapsed:.3f} s: no latency"

        # past 10,000 links the pages repeat: n's last four digits, leading zeros too
        for n, page in (("10005", 5), ("20040", 40), ("30000", 0)):
            response, body, _ = _get(conn, f"/page/{n}")
            assert response.status == 200, n
            assert f"<title>Benchmark page {page}</title>".encode() in body

        response, body, elapsed = _get(conn, "/page/49")  # n % 10 == 9, same connection
        assert response.status == 404
        assert body == b"".join(site.page(49)[1])
        assert elapsed >= 0.15, f"404 answered in {elapsed:.3f} s: no latency"
        conn.close()
    wall = time.monotonic() - started
    # stopped when the block ended, its CPU time read: nginx parsed its configuration, forked
    # its worker and served the requests (some CPU), and its two processes (the master and
    # worker_processes 1) cannot have run longer than the block lasted, each on one core
    assert isinstance(running.cpu, float)
    assert 0 < running.cpu <= 2 * wall, (running.cpu, wall)
    with socket.socket() as s:
        assert s.connect_ex((host, port)) != 0
