"""What the archive component needs of the run it archives for (pure: no Scrapy).

The run (:class:`crawler.run.run.Run`) keeps the book: it hears of the archive's progress (the
early reports, run.json), tells what the archive already holds of a link, and records what the
archive did and the reference snapshot it found (the link's drift is judged again with it).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from crawler.archive.progress import ArchiveProgress
from crawler.base.rules import Rules
from crawler.store.archive import ArchiveRow, LinkState


class ArchiveBook(Protocol):
    @property
    def rules(self) -> Rules:
        """The rules of the run (what a snapshot's title is, which parameters are secret)."""

    @property
    def now(self) -> dt.datetime:
        """The run's time: a snapshot is fresh or stale from it."""

    #: why the network is unusable (nothing is archived in a degraded run), if it is
    degraded: str | None

    def follow_archive(self, progress: ArchiveProgress) -> None:
        """The archive's account of its work in this run, kept up to date by the archive."""

    def archive_state(self, identity: str) -> LinkState | None:
        """What the store knows of the link and its archive (None: an unknown link)."""

    def record_archive(self, row: ArchiveRow) -> None:
        """What the archive did for a link in this run."""

    def record_reference(self, identity: str, reference: tuple[str, str, str] | None) -> None:
        """The link's reference snapshot was looked for: ``(title, time, address)`` of the one
        found, or None."""
