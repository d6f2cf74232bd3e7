"""The parent's side of ``LINKHEALTH_PROCESSES``: start the children, hear their verdicts.

Each child is a new interpreter (``python -m scrapy crawl seeds -a role=child``, spawned, never
forked from the running reactor) with the parent's environment, its ``-s`` settings and its
own: its share of ``CONCURRENT_REQUESTS``, the shared host locks, the parent's timestamp, no
archive, no reports (:func:`crawler.run.sharding.child_argv`; the canaries are the parent's: a
child's sink never probes them). Its links go to its stdin; its stdout is read
as it comes (:meth:`Children.messages`). A child that exits with another status than 0 makes
the run incomplete (:attr:`Children.failed`): the parent leaves it unfinished, and the next
start resumes it with the links that have no verdict yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass

from crawler.items import LinkCheck
from crawler.run import QueuedLink
from crawler.run.sharding import Saw, decode, encode_link

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
