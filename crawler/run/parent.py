"""The parent's side of ``LINKHEALTH_PROCESSES``: start the children, hear their verdicts.

:class:`ChildProcesses` is the link source of a run whose links child processes fetch, sharded
by registrable domain (:mod:`crawler.run.sharding`): this process records their verdicts (and
archives). With too few links, or one registrable domain, this process fetches them itself.

Each child is a new interpreter (``python -m scrapy crawl seeds`` with the child's link source,
:class:`crawler.run.child.ChildSource`, spawned, never
forked from the running reactor) with the parent's environment, its ``-s`` settings and its
own: its share of ``CONCURRENT_REQUESTS``, the shared host locks, the parent's timestamp, no
archive, no reports (:func:`crawler.run.sharding.child_argv`; the canaries are the parent's: a
child's link source has no run, and probes nothing). Its links go to its stdin; its stdout is read
as it comes (:meth:`Children.messages`). A child that exits with another status than 0 makes
the run incomplete (:attr:`Children.failed`): the parent leaves it unfinished, and the next
start resumes it with the links that have no verdict yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.items import LinkCheck
from crawler.run import QueuedLink
from crawler.run.sharding import (
    Saw,
    auto_processes,
    child_argv,
    decode,
    encode_link,
    given_settings,
    shard,
    split_total,
    usable_cpus,
)
from crawler.run.sources import LocalSource

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

#: a child's stdout line may be long (a detail, a title): asyncio's default limit is 64 KiB
_LINE_LIMIT = 16 * 1024 * 1024


@dataclass(frozen=True)
class _Exited:
    pid: int
    code: int


#: a child's links are written this many at a time, its pipe drained after each batch
_FEED_BATCH = 1000


class Children:
    def __init__(
        self,
        argvs: Sequence[list[str]],
        sizes: Sequence[int],
        links: Callable[[int], Iterable[QueuedLink]],
    ) -> None:
        """``argvs[i]`` starts child ``i``, which gets ``sizes[i]`` links: ``links(i)``, in the
        order they are to be fetched, read as they are written (the parent holds no list of
        them), each child's as fast as that child takes them."""
        self.argvs = argvs
        self.sizes = sizes
        self.links = links
        self.procs: list[asyncio.subprocess.Process] = []
        #: why the run is incomplete, once a child failed
        self.failed: str | None = None

    async def messages(self) -> AsyncIterator[LinkCheck | Saw]:
        """Every child's verdicts and fetch outcomes, as they arrive, until every child ends."""
        queue: asyncio.Queue[LinkCheck | Saw | _Exited] = asyncio.Queue()
        tasks = []
        for index, (argv, size) in enumerate(zip(self.argvs, self.sizes, strict=True)):
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=_LINE_LIMIT,
            )
            self.procs.append(proc)
            logger.info("child process %d started: %d links", proc.pid, size)
            tasks.append(asyncio.ensure_future(self._read(proc, queue)))
            tasks.append(asyncio.ensure_future(self._feed(proc, self.links(index))))
        running = len(self.procs)
        try:
            while running:
                message = await queue.get()
                if isinstance(message, _Exited):
                    running -= 1
                    if message.code != 0:
                        self.failed = f"child process {message.pid} exited with {message.code}"
                        logger.error("%s: the run stays unfinished", self.failed)
                    continue
                yield message
        finally:
            for task in tasks:
                task.cancel()

    async def _feed(self, proc: asyncio.subprocess.Process, links: Iterable[QueuedLink]) -> None:
        """A child's links to its stdin, drained every :data:`_FEED_BATCH`; then stdin closed."""
        stdin = proc.stdin
        assert stdin is not None
        try:
            for n, link in enumerate(links, 1):
                stdin.write(encode_link(link).encode())
                if n % _FEED_BATCH == 0:
                    await stdin.drain()
            await stdin.drain()
            stdin.close()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the child is gone: its exit status says so

    async def _read(
        self, proc: asyncio.subprocess.Process, queue: asyncio.Queue[LinkCheck | Saw | _Exited]
    ) -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            message = decode(line.decode("utf-8", "replace"))
            if message is not None:
                queue.put_nowait(message)
        await queue.put(_Exited(proc.pid, await proc.wait()))

    def stop(self) -> None:
        """Kill the children still running (the parent is closing before they are done)."""
        for proc in self.procs:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()


class ChildProcesses(LocalSource):
    """The links of a run on the store, fetched by ``LINKHEALTH_PROCESSES`` child processes."""

    children: Children | None = None

    async def fetches(self, queued: int) -> AsyncIterator[LinkCheck | QueuedLink]:
        shards = None if self.run.degraded else self._shards(queued)
        if shards is None:
            async for link in super().fetches(queued):
                yield link
            return
        async for check in self._in_children(*shards):
            yield check

    def _shards(self, links: int) -> tuple[dict[str, int], list[int]] | None:
        """Each host's child process and each child's links, when the ``links`` links to fetch
        go to more than one child (None: this process fetches them)."""
        given, cpus = self.run.config.processes, usable_cpus()
        n = auto_processes(links, cpus) if given is None else min(given, links)
        if n < 2:
            return None
        group_of, sizes = shard(self.run.store.queued_hosts(), n)
        if len(sizes) < 2:
            logger.info("every link to fetch is of one registrable domain: one process")
            return None
        if given is None:
            logger.info(
                "LINKHEALTH_PROCESSES=auto: %d processes for %d links on %d usable CPUs",
                len(sizes),
                links,
                cpus,
            )
        return group_of, sizes

    async def _in_children(
        self, group_of: Mapping[str, int], sizes: list[int]
    ) -> AsyncIterator[LinkCheck]:
        """The verdicts of the child processes, as they come back (to be recorded here)."""
        assert self.crawler is not None
        config, settings = self.run.config, self.crawler.settings
        given = command_line_settings(settings)
        totals = split_total(settings.getint("CONCURRENT_REQUESTS"), len(sizes))
        with tempfile.TemporaryDirectory(prefix="linkhealth-hosts-") as locks:
            argvs = [
                child_argv(
                    sys.executable,
                    seeds=str(config.seeds),
                    given=given,
                    overrides={
                        "LINKHEALTH_NOW": config.now.isoformat(),
                        "LINKHEALTH_LINK_SOURCE": CHILD_SOURCE,
                        "LINKHEALTH_PROCESSES": "1",
                        "LINKHEALTH_HOST_LOCKS": locks,
                        "LINKHEALTH_ARCHIVE_ENABLED": "false",
                        "LINKHEALTH_REPORTS_ENABLED": "false",
                        "CONCURRENT_REQUESTS": str(total),
                    },
                )
                for total in totals
            ]
            logger.info("%d links to fetch in %d child processes", sum(sizes), len(sizes))
            run = self.run
            self.children = Children(
                argvs, sizes, lambda i: (x for x in run.queued() if group_of[x.host] == i)
            )
            async for message in self.children.messages():
                if isinstance(message, Saw):
                    run.saw(message.host, message.reason, answered=message.answered)
                else:
                    yield message

    def unfinished(self) -> str | None:
        children = self.children
        if children is None:
            return None
        children.stop()
        return children.failed


#: the link source of a child process
CHILD_SOURCE = "crawler.run.child.ChildSource"


def command_line_settings(settings: BaseSettings) -> dict[str, str]:
    """The settings of the command line (what a child is started with, before its own): every
    ``-s`` as given, and the other options' (``-L``, ``--logfile``…) values."""
    from scrapy.settings import SETTINGS_PRIORITIES  # noqa: PLC0415 - only when crawling

    cmdline = SETTINGS_PRIORITIES["cmdline"]
    scalars = {
        str(name): str(settings[name])
        for name in settings
        if settings.getpriority(name) == cmdline and isinstance(settings[name], str | int | float)
    }
    return {**scalars, **given_settings(sys.argv[1:])}
