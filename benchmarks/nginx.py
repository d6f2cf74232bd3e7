"""The benchmark's loopback web served by nginx (Debian's ``nginx`` and its echo module).

``serve`` writes everything into a directory made for the run: the configuration, one static
file per page (the bytes ``server.py`` answers), the pid file, the error log and nginx's own
temporary directories. nginx runs in the foreground (``daemon off``) as the current user, with
that directory as its prefix (``-p``), and is stopped when the ``with`` block ends, whatever
happens (and by the kernel if the process that started it dies: ``PR_SET_PDEATHSIG``).

Each host ``127.1.X.Y`` (``server.host_address``) is one ``listen`` of a single server block.
``/page/<n>`` waits the latency (``echo_sleep``), then is handed (``echo_exec``, an internal
redirect) to the static file of the page, which nginx sends with its Content-Length, as
``server.py`` does; a missing file (``n % 10 == 9``) and any other path answer the 404 page.
The file is picked by the last four digits of ``n``: past 10,000 links the titles repeat every
10,000 (the page files are 1.1 GB at most).
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchmarks.measure import die_with_parent
from benchmarks.server import BIG_MB, BODY_KB, Pages, host_address

MODULE = "ngx_http_echo_module.so"
#: distinct page files; /page/<n> is served from the file of n's last four digits
PAGE_FILES = 10_000
INSTALL = "apt-get install nginx libnginx-mod-http-echo"


class Unavailable(Exception):
    """nginx or its echo module is not installed."""


@dataclass
class Nginx:
    binary: str
    module: Path | None  # None: the echo module is built in
    version: str


@dataclass
class Running:
    nginx: Nginx
    pid: int
    prefix: Path
    cpu: float = 0.0  # CPU seconds of nginx (master and workers), set once it has stopped


def find() -> Nginx:
    """The nginx binary and its echo module; raises ``Unavailable`` saying what is missing."""
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if binary is None:
        raise Unavailable(f"nginx is not installed ({INSTALL})")
    info = subprocess.run([binary, "-V"], capture_output=True, text=True, check=False).stderr
    version = info.splitlines()[0].split("/", 1)[-1].strip() if info else "?"
    if "echo-nginx-module" in info:
        return Nginx(binary, None, version)
    m = re.search(r"--modules-path=(\S+)", info)
    module = Path(m.group(1) if m else "/usr/lib/nginx/modules") / MODULE
    if not module.is_file():
        raise Unavailable(f"nginx's echo module is not installed ({module}; {INSTALL})")
    return Nginx(binary, module, version)


def write_pages(pages_dir: Path, pages: int) -> None:
    """One file per page number below ``min(pages, PAGE_FILES)`` (none for the 404s)."""
    site = Pages(BODY_KB * 1024, int(BIG_MB * 1024 * 1024))
    pages_dir.mkdir(parents=True, exist_ok=True)
    (pages_dir.parent / "404.html").write_bytes(b"".join(site.page(-1)[1]))
    for n in range(min(pages, PAGE_FILES)):
        status, parts = site.page(n)
        if status.startswith(b"200"):
            with (pages_dir / f"{n}.html").open("wb") as f:
                f.writelines(parts)
    if pages > PAGE_FILES:  # /page/10005 ends in "0005": the same file as /page/5
        for n in range(1000):
            page = pages_dir / f"{n}.html"
            if page.exists():
                os.link(page, pages_dir / f"{n:04d}.html")


def config(nginx: Nginx, prefix: Path, hosts: int, port: int, latency: float) -> str:
    user = ""
    if os.geteuid() == 0:  # as root nginx would switch its workers to "nobody": stay who we are
        user = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
    load = f"load_module {nginx.module};" if nginx.module else ""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix}/tmp/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # as many connections as files this process may open (its hard limit, not raised)
    files = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    files = 65536 if files == resource.RLIM_INFINITY else min(files, 65536)
    listens = "\n".join(f"        listen {host_address(i)}:{port};" for i in range(hosts))
    return f"""{load}
{user}
worker_processes 1;
daemon off;
master_process on;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
worker_rlimit_nofile {files};
events {{ worker_connections {files // 2}; }}
http {{
    access_log off;
    log_not_found off;
{temp}
    types {{ text/html html; }}
    default_type text/html;
    charset utf-8;
    sendfile on;
    etag off;
    server_tokens off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    server {{
{listens}
        root {prefix};
        location ~ "^/page/\\d*?0*(\\d{{1,4}})$" {{
            set $page $1;
            echo_sleep {latency:.3f};
            echo_exec /pages/$page.html;
        }}
        location / {{
            echo_sleep {latency:.3f};
            echo_exec /pages/none;
        }}
        location /pages/ {{
            internal;
            error_page 404 /404.html;
        }}
        location = /404.html {{
            internal;
        }}
    }}
}}
"""


def _stop(proc: subprocess.Popen[bytes]) -> float:
    """Stop nginx (fast shutdown, then SIGKILL): CPU seconds of the master and its workers."""
    if proc.returncode is not None:  # already gone (and reaped)
        return 0.0
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    while True:
        try:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere: its CPU is not known
            return 0.0
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            proc.kill()
        time.sleep(0.05)


def _wait_listening(proc: subprocess.Popen[bytes], address: str, port: int, log: Path) -> None:
    deadline = time.monotonic() + 20
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"nginx exited with {proc.returncode} at start:\n{tail}")
        with socket.socket() as s:
            if s.connect_ex((address, port)) == 0:
                return
        if time.monotonic() > deadline:
            raise RuntimeError("nginx did not listen within 20 s")
        time.sleep(0.05)


@contextlib.contextmanager
def serve(
    prefix: Path, *, hosts: int, port: int, latency: float, pages: int, nginx: Nginx | None = None
) -> Iterator[Running]:
    """nginx serving the benchmark's pages on ``hosts`` loopback hosts until the block ends.

    ``prefix`` (an empty or new directory) receives the configuration and the pages.
    """
    nginx = nginx or find()
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    write_pages(prefix / "pages", pages)
    conf = prefix / "nginx.conf"
    conf.write_text(config(nginx, prefix, hosts, port, latency))
    log = prefix / "error.log"
    with socket.socket() as s:
        if s.connect_ex((host_address(0), port)) == 0:
            raise RuntimeError(
                f"something already listens on {host_address(0)}:{port} (another benchmark's "
                "web?): stop it first"
            )
    cmd = [nginx.binary, "-p", f"{prefix}/", "-c", str(conf), "-e", str(log)]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)  # noqa: PLW1509
    running = Running(nginx, proc.pid, prefix)
    try:
        _wait_listening(proc, host_address(hosts - 1), port, log)
        yield running
    finally:
        running.cpu = _stop(proc)
