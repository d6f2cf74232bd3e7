"""CPU and memory of a whole process tree, read from ``/proc`` (Linux).

``run_tree`` runs a command and measures, for the command's process and every process it
starts (threads are part of their process):

- wall seconds, from the start to the exit of the command's process;
- CPU seconds: user+sys of the whole tree. ``os.wait4`` on the command's process gives its own
  CPU plus that of every descendant reaped inside the tree (the kernel adds a reaped child's
  usage to its parent's). This process is a child subreaper (``PR_SET_CHILD_SUBREAPER``), so a
  descendant orphaned by its parent is re-parented here instead of to init: any new child of
  this process but the command's is one of those. They are waited for (killed after
  ``ORPHAN_GRACE`` seconds) and their CPU added. Nothing in the tree goes uncounted, as long as
  this process starts nothing else while the command runs;
- peak RSS: the largest sum of RSS over the tree's live processes, sampled every
  ``INTERVAL`` seconds (pages shared between processes count once per process). The command's
  process's own ``ru_maxrss`` (exact, not sampled, that process alone) is reported beside it.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

INTERVAL = 0.1
ORPHAN_GRACE = 10.0
_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_TICKS = os.sysconf("SC_CLK_TCK")
_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


@dataclass
class Usage:
    returncode: int
    wall: float
    cpu: float
    rss_mb: float  # peak of the tree's summed RSS, sampled
    root_maxrss_mb: float  # ru_maxrss of the command's process alone
    processes: int  # distinct processes seen in the tree
    samples: int
    #: each process's own peak RSS (sampled), largest first
    process_peaks_mb: list[float] = field(default_factory=list)


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def die_with_parent() -> None:
    """``preexec_fn`` for a server: SIGTERM when the process that started it dies."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _stat(pid: int) -> tuple[int, float, float] | None:
    """Parent pid, own CPU seconds (user+sys) and reaped children's CPU seconds."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    # Fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt
    # cmajflt utime stime cutime cstime ...
    fields = data[data.rindex(b")") + 2 :].split()
    own = (int(fields[11]) + int(fields[12])) / _TICKS
    children = (int(fields[13]) + int(fields[14])) / _TICKS
    return int(fields[1]), own, children


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process on the machine."""
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st is not None:
                out[int(name)] = st[0]
    return out


def descendants(roots: Iterable[int], parents: dict[int, int] | None = None) -> list[int]:
    """The live processes under ``roots``, ``roots`` included (those still alive)."""
    parents = _parents() if parents is None else parents
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    out = []
    todo = [r for r in roots if r in parents]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def tree_cpu(root: int) -> float:
    """CPU seconds so far of a live tree: its processes' own and their reaped children's."""
    total = 0.0
    for pid in descendants([root]):
        st = _stat(pid)
        if st is not None:
            total += st[1] + st[2]
    return total


class _Sampler(threading.Thread):
    """Sums the tree's RSS every ``INTERVAL`` seconds and keeps the peak."""

    def __init__(self, root: int, others: set[int]) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.others = others  # this process's children from before the command
        self.peak = 0
        self.samples = 0
        self.seen: set[int] = set()
        #: pid → its largest sampled RSS
        self.own_peaks: dict[int, int] = {}
        self._done = threading.Event()

    def sample(self) -> None:
        parents = _parents()
        # The command's process and its descendants, and the orphans re-parented here with
        # theirs.
        alive = descendants([self.root, *self.orphans(parents)], parents)
        self.seen.update(alive)
        sizes = {pid: _rss(pid) for pid in alive}
        for pid, size in sizes.items():
            self.own_peaks[pid] = max(self.own_peaks.get(pid, 0), size)
        self.peak = max(self.peak, sum(sizes.values()))
        self.samples += 1

    def orphans(self, parents: dict[int, int]) -> list[int]:
        """Processes of the tree re-parented here: this process's children but the others."""
        me = os.getpid()
        return [
            p for p, pp in parents.items() if pp == me and p != self.root and p not in self.others
        ]

    def run(self) -> None:
        while True:
            self.sample()
            if self._done.wait(INTERVAL):
                return

    def stop(self) -> None:
        self._done.set()
        self.join()


def _wait_orphans(sampler: _Sampler, deadline: float) -> float:
    """Wait for the descendants re-parented here (this process is their subreaper): CPU."""
    cpu = 0.0
    while True:
        orphans = sampler.orphans(_parents())
        if not orphans:
            return cpu
        for pid in orphans:
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                got, _, usage = os.wait4(pid, os.WNOHANG)
                if got:
                    cpu += usage.ru_utime + usage.ru_stime
        time.sleep(INTERVAL)


def run_tree(cmd: Sequence[str], **popen: Any) -> Usage:
    """Run ``cmd`` (``subprocess.Popen`` keyword arguments) and measure its whole tree."""
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    me = os.getpid()
    others = {pid for pid, ppid in _parents().items() if ppid == me}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, **popen)
    sampler = _Sampler(proc.pid, others)
    sampler.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        for pid in descendants([proc.pid, *sampler.orphans(_parents())]):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()
        sampler.stop()
        raise
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    cpu += _wait_orphans(sampler, time.monotonic() + ORPHAN_GRACE)
    sampler.stop()
    return Usage(
        returncode=proc.returncode,
        wall=wall,
        cpu=cpu,
        rss_mb=sampler.peak / 2**20,
        root_maxrss_mb=usage.ru_maxrss / 1024,
        processes=len(sampler.seen),
        samples=sampler.samples,
        process_peaks_mb=sorted((b / 2**20 for b in sampler.own_peaks.values()), reverse=True),
    )
