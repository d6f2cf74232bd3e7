"""The offline "fake web" for tests: a misbehaving HTTP proxy + origin server on loopback.

    with FakeWeb(scenario={"urls": {"http://a.test/x": "status/404"}}) as web:
        subprocess.run([...], env=web.env())      # Scrapy reaches it through http(s)_proxy
        assert web.requests()[0]["status"] == 404

See ``shapes.py`` for the page shapes and ``server.py`` for the protocol side.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

__all__ = ["FakeWeb", "FakeWebError"]

REPO_ROOT = Path(__file__).resolve().parents[2]
PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")
NO_PROXY_VARS = ("no_proxy", "NO_PROXY")


class FakeWebError(RuntimeError):
    pass


class FakeWeb:
    """Runs ``python -m tests.fakeweb`` in a subprocess for the time of a ``with`` block."""

    def __init__(
        self,
        scenario: Mapping[str, Any] | None = None,
        *,
        workdir: str | os.PathLike[str] | None = None,
        bind: str = "127.0.0.1",
        port: int = 0,
        ready_timeout: float = 20.0,
    ) -> None:
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="fakeweb-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / "requests.jsonl"
        self.scenario_path = self.workdir / "scenario.json"
        self.stderr_path = self.workdir / "server.stderr"
        self.bind = bind
        self.port = port
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        if scenario is not None:
            self.write_scenario(scenario)

    # ----------------------------------------------------------------- life cycle

    def __enter__(self) -> FakeWeb:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        if self.proc is not None:
            raise FakeWebError("already started")
        cmd = [
            sys.executable,
            "-m",
            "tests.fakeweb",
            "--port",
            str(self.port),
            "--bind",
            self.bind,
            "--log",
            str(self.log_path),
            "--scenario",
            str(self.scenario_path),
        ]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        env["PYTHONUNBUFFERED"] = "1"
        self._stderr = open(self.stderr_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        try:
            self.port = self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> int:
        assert self.proc is not None
        assert self.proc.stdout is not None
        deadline = time.monotonic() + self.ready_timeout
        line = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while not line.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise FakeWebError(f"fake web not ready in time: {self.stderr_text()}")
                byte = os.read(self.proc.stdout.fileno(), 1)
                if not byte:
                    raise FakeWebError(f"fake web exited: {self.stderr_text()}")
                line += byte
        text = line.decode().strip()
        if not text.startswith("READY "):
            raise FakeWebError(f"unexpected first line {text!r}")
        return int(text.split()[1])

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # ----------------------------------------------------------------- addresses

    @property
    def host(self) -> str:
        """The address to reach the server at (the bind address, or loopback for a wildcard)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.bind, self.bind)
        return f"[{host}]" if ":" in host else host

    @property
    def proxy_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, host: str, path: str = "/") -> str:
        """An origin-mode URL (for the fake DNS resolver): http://host:PORT/path."""
        return f"http://{host}:{self.port}{path}"

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """A copy of the environment whose proxy variables point at the fake web."""
        env = dict(os.environ if base is None else base)
        for name in NO_PROXY_VARS:
            env.pop(name, None)
        for name in PROXY_VARS:
            env[name] = self.proxy_url
        return env

    # ----------------------------------------------------------------- scenario and log

    def write_scenario(self, scenario: Mapping[str, Any]) -> None:
        """Replace the scenario (atomically; the server picks it up at its next request)."""
        tmp = self.scenario_path.with_name(f".scenario.{os.getpid()}.{time.time_ns()}.tmp")
        tmp.write_text(json.dumps(scenario, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.scenario_path)

    def requests(self, min_count: int = 0, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The request log as dicts; waits up to `timeout` for at least `min_count` lines."""
        deadline = time.monotonic() + timeout
        while True:
            records = self._read_log()
            if len(records) >= min_count or time.monotonic() >= deadline:
                return records
            time.sleep(0.02)

    def _read_log(self) -> list[dict[str, Any]]:
        try:
            text = self.log_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        out: list[dict[str, Any]] = []
        for line in text.splitlines(keepends=True):
            if not line.endswith("\n"):
                break  # a line still being written
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def clear_log(self) -> None:
        """Forget the requests logged so far (the server appends to the same file)."""
        with open(self.log_path, "w", encoding="utf-8"):
            pass

    def max_inflight(self, host: str | None = None) -> int:
        """Highest number of simultaneous requests seen for `host` (or any host)."""
        values = [
            int(r.get("inflight_host") or 0)
            for r in self.requests()
            if r.get("method") != "CONNECT" and (host is None or r.get("host") == host)
        ]
        return max(values, default=0)

    def reset(self) -> dict[str, Any]:
        """Clear the server's counters and Wayback captures/jobs; returns its state."""
        return self._admin("/__fakeweb/reset")

    def state(self) -> dict[str, Any]:
        return self._admin("/__fakeweb/state")

    def _admin(self, path: str) -> dict[str, Any]:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{self.proxy_url}{path}", timeout=10) as resp:
            data: dict[str, Any] = json.loads(resp.read())
        return data

    def stderr_text(self) -> str:
        try:
            return self.stderr_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""
