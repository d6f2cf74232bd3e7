"""The archive's columns for ``links.csv`` by link identity (made in crawler/report/tables.py
from the ``archives`` rows :mod:`crawler.store.report_tables` reads)."""

from __future__ import annotations

#: ``archive_url, archived_at, archive_status, archive_title`` of one link
ArchiveRecord = tuple[str, str, str, str]

#: what a link the archive never worked on shows
NO_ARCHIVE: ArchiveRecord = ("", "", "skipped", "")
#: what a link shows while its archive work in this run is not done (reports written early)
PENDING: ArchiveRecord = ("", "", "", "")


def archive_record(
    url: str | None, archived_at: str | None, status: str | None, title: str | None
) -> ArchiveRecord:
    """One ``archives`` row (``crawler.store.report_tables.ARCHIVE_COLUMNS``) as
    ``(archive_url, archived_at, archive_status, archive_title)``, missing texts as ``""`` (a
    link with no row shows :data:`NO_ARCHIVE`).

    ``archive_status`` is one of captured, existing, rescued, none, failed:<reason>.
    ``archive_title`` is the snapshot's title (rescues): used where the live title is missing.
    """
    return (url or "", archived_at or "", "skipped" if status is None else status, title or "")
