"""The archive work of a run, counted: what the archive extension keeps and the run reads.

The extension tells it every verdict it hears of (:meth:`ArchiveProgress.heard`, with the link
when that verdict calls for archive work) and every piece of work finished
(:meth:`ArchiveProgress.finished`); the run registers itself to hear of the verdicts
(:meth:`ArchiveProgress.listen`), to write the reports as soon as every link has a verdict while
archive work is still pending. Plain data (no Scrapy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple


class ArchiveCounts(NamedTuple):
    """The archive work of a run at one moment (run.json's ``archive``)."""

    #: links handed archive work in this run
    planned: int
    #: of those, the ones whose result is recorded
    done: int
    #: links whose archive work is still waiting or under way: the reports written before it
    #: ends leave their archive columns blank (empty: nothing is blanked)
    pending: frozenset[str] = frozenset()
    #: at the end: links whose archive work the run did not reach (its time budget ended
    #: first); their archive status is ``pending`` and the next run does the work
    carried_over: int = 0

    @property
    def waiting(self) -> int:
        """Links whose archive work is not done: still under way, or carried over."""
        return len(self.pending) or self.carried_over


class ArchiveProgress:
    def __init__(self) -> None:
        self.planned = 0
        self.done = 0
        #: verdicts the archive heard of, with or without work to do
        self.verdicts = 0
        self.pending: set[str] = set()
        #: when the archive's time budget ends (the monotonic clock; None: not started yet)
        self.deadline: float | None = None
        self._listeners: list[Callable[[], None]] = []

    def listen(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` after each verdict heard of."""
        self._listeners.append(listener)

    def heard(self, planned: str | None) -> None:
        """A verdict reached the archive; ``planned``: its link, when it has work to do."""
        self.verdicts += 1
        if planned is not None:
            self.planned += 1
            self.pending.add(planned)
        for listener in self._listeners:
            listener()

    def finished(self, identity: str, *, recorded: bool) -> None:
        """The link's archive work ended (``recorded``: with a result in the store; otherwise it
        carries over to the next run)."""
        self.pending.discard(identity)
        if recorded:
            self.done += 1

    def counts(self, *, blank_pending: bool) -> ArchiveCounts:
        """The counts now; ``blank_pending``: with the links still waiting, to blank them
        (otherwise, the run is over: the links still waiting are carried over)."""
        if blank_pending:
            return ArchiveCounts(self.planned, self.done, frozenset(self.pending))
        return ArchiveCounts(self.planned, self.done, carried_over=len(self.pending))
