"""A run on the SQLite store, apart from Scrapy: begin, record, finish, and its exit status.

:meth:`Run.begin` scans the seeds, begins (or continues) the run in the store, records its links
and queues the ones to fetch there; it gives the verdicts known without a fetch.
:meth:`Run.queued` reads the links to fetch back, a batch at a time (nothing per link is held
through the crawl). :meth:`Run.record` writes each verdict as it arrives, with its content drift
(:mod:`crawler.run.drift`). :meth:`Run.end` accounts for every link (one without a verdict is
recorded as ``error``/``not-checked``), finishes the run, hands it to the reports step
(:mod:`crawler.run.reports`) and proves the exit status: 0 completed, 1 could not complete (or
the reports failed), 2 nothing to check, 3 findings listed in ``LINKHEALTH_FAIL_ON``, 4 a
degraded run.

The status is an :class:`~crawler.run.outcome.Outcome`: "could not complete" until the run has
finished and its reports are written. A verdict the state file refuses (a full disk, a damaged
page) keeps the run at 1, and so does any failure on the way to its end.

Which process fetches the links is the link source's business (:mod:`crawler.run.sources`);
the network check before the first fetch is whoever registers with :meth:`Run.before_fetching`
(the canary extension); the archive component speaks to the run through
:class:`~crawler.archive.book.ArchiveBook`, which the run is.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Self

from crawler.base.verdicts import ERROR, Verdict
from crawler.fetch.network import NETWORK_REASONS, NetworkWatch
from crawler.items import LinkCheck
from crawler.links.dedupe import fetch_order, scan_links
from crawler.run import QueuedLink, Tally
from crawler.run.drift import drift_of
from crawler.run.ending import Ending, closing_lines
from crawler.run.outcome import COMPLETED, DEGRADED, FINDINGS, Outcome
from crawler.run.reports import RunReports
from crawler.store.archive import ArchiveRow, LinkState
from crawler.store.db import CheckRow, DatabaseError, Store
from crawler.store.links import record_links, record_not_checked

if TYPE_CHECKING:
    from crawler.archive.progress import ArchiveProgress
    from crawler.base.rules import Rules
    from crawler.run.config import Config

logger = logging.getLogger(__name__)

#: links to fetch read back from the store at a time
_QUEUE_BATCH = 1000

#: a check of the network before the first fetch: why it is unusable, or None
Probe = Callable[[], Awaitable[str | None]]


class Begun(NamedTuple):
    #: the verdicts known without a fetch (skipped, ignored…), not yet recorded in this run
    presets: list[LinkCheck]
    #: links waiting in the store to be fetched
    queued: int


@dataclass(frozen=True)
class Finished:
    exit_code: int
    #: status → links with it in this run
    counts: dict[str, int]
    #: links recorded as error/not-checked at the end
    not_checked: int
    #: the files written (none when the reports are off or failed)
    reports: list[Path]


class Run:
    """One run on the SQLite store and what is written from it."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.id = 0
        #: the run's exit status: "could not complete" until proven otherwise
        self.outcome = Outcome()
        self.network = NetworkWatch(config.network)
        #: why the network is unusable, when it is (a degraded run counts nothing)
        self.degraded: str | None = None
        self.started = time.monotonic()
        #: links handed out in this run (None until they are known) and verdicts recorded
        self.handed: int | None = None
        self.recorded = 0
        #: the archive's account of its work in this run, once it follows the run
        self.archive: ArchiveProgress | None = None
        self.reports = RunReports(store, config)
        self._probes: list[Probe] = []

    @classmethod
    def open(cls, config: Config) -> Self:
        return cls(Store(config.state_db, config.rules), config)

    @property
    def rules(self) -> Rules:
        return self.config.rules

    @property
    def now(self) -> dt.datetime:
        return self.config.now

    @property
    def now_iso(self) -> str:
        """The run's timestamp, which every verdict carries."""
        return self.config.now_iso

    # the run's links --------------------------------------------------------------------------

    def begin(self) -> Begun | None:
        """Scan the seeds and begin (or continue) the run; None when there is nothing to check
        (the run is refused: exit 2)."""
        config, store = self.config, self.store
        links, n_occurrences = scan_links(
            config.seeds, config.rules, config.ignore, config.now.date()
        )
        if not links:
            self.outcome.refuse(
                f"seeds: no links in {config.seeds} (no seed file with a link in it): "
                "nothing to check"
            )
            logger.error("linkhealth: %s", self.outcome.problem)
            return None
        run = store.begin_run(config.now_iso, str(config.seeds), resume=config.resume)
        self.id = run.id
        if run.resumed:
            logger.info("continuing run %d, started %s", run.id, run.started_at)
        record_links(store, run.id, config.now_iso, links, config.rules)
        done = store.checked_identities(run.id) if run.resumed else set()
        presets = [
            LinkCheck(x.identity, config.now_iso, x.preset)
            for x in links.values()
            if x.preset is not None and x.identity not in done
        ]
        ordered = list(fetch_order(links.values()))  # (only links with a fetch_url)
        queued = store.queue_fetches(
            (x.identity, x.fetch_url or "", x.host) for x in ordered if x.identity not in done
        )
        logger.info(
            "%d link occurrences, %d distinct links, %d to fetch, %d already checked in this run",
            n_occurrences,
            len(links),
            len(ordered),
            len(done),
        )
        self.handed = len(presets) + queued
        return Begun(presets, queued)

    def queued(self) -> Iterator[QueuedLink]:
        """The links to fetch, from the store, a batch at a time."""
        after = 0
        while batch := self.store.queued_fetches(after, _QUEUE_BATCH):
            after = batch[-1][0]
            for _pos, identity, fetch_url, host in batch:
                yield QueuedLink(identity, fetch_url, host)

    def before_fetching(self, probe: Probe) -> None:
        """``probe`` is awaited once before the first link is fetched (the canaries)."""
        self._probes.append(probe)

    async def check_network(self) -> None:
        """Run the network checks registered; the first reason found degrades the run."""
        for probe in self._probes:
            if self.degraded is None:
                self.degraded = await probe()

    def offline(self, link: QueuedLink) -> LinkCheck:
        """The verdict of a link not fetched because the network is unusable."""
        verdict = Verdict(ERROR, "offline", detail="not fetched: no usable network")
        return LinkCheck(link.identity, self.now_iso, verdict)

    # verdicts ---------------------------------------------------------------------------------

    def saw(self, host: str, reason: str, *, answered: bool) -> None:
        """A fetch's outcome (the offline check at the end watches them)."""
        self.network.saw(host, reason, answered=answered)

    def record(self, item: LinkCheck) -> bool:
        """Write one verdict; False when the state file refused it (the run cannot complete:
        the caller stops sending)."""
        try:
            self.store.record_check(self.id, self.with_drift(item.row(counted=not self.degraded)))
        except DatabaseError as exc:
            return self.store_failed(exc, "verdicts can no longer be recorded, the crawl stops")
        self.recorded += 1
        return True

    def store_failed(self, exc: DatabaseError, what: str) -> bool:
        """The state file refused a write: the run cannot complete (told once). False."""
        if self.outcome.problem is None:
            self.outcome.fail(f"state file {self.store.path}: {exc}: {what}")
            logger.error("linkhealth: %s", self.outcome.problem)
        return False

    def with_drift(self, check: CheckRow) -> CheckRow:
        """The check with its content drift, if the page drifted (``linkhealth merge`` too)."""
        if self.degraded:
            return check
        drift = self._drift(check.identity, check.status, check.title, check.final_url)
        return replace(check, drift=drift) if drift else check

    def _drift(self, identity: str, status: str, title: str | None, final_url: str | None) -> str:
        return drift_of(
            self.store,
            self.config.rules.drift,
            self.id,
            identity,
            status=status,
            title=title,
            final_url=final_url,
        )

    def tally(self) -> Tally:
        return Tally(self.handed, self.recorded)

    # the archive's book (crawler.archive.book.ArchiveBook) ----------------------------------

    def follow_archive(self, progress: ArchiveProgress) -> None:
        """The archive's account of its work: counted in run.json, and heard after each verdict
        (the early reports wait until the archive has heard of every one)."""
        self.archive = progress
        self.store.ensure_archive_schema()
        progress.listen(lambda: self.reports.heard(self))

    def archive_state(self, identity: str) -> LinkState | None:
        return self.store.archive_link_state(identity)

    def record_archive(self, row: ArchiveRow) -> None:
        self.store.record_archive(row, checked_at=self.now_iso, run_id=self.id)

    def record_reference(self, identity: str, reference: tuple[str, str, str] | None) -> None:
        """The link's reference snapshot was looked for (found: its title, time and address):
        its check's drift is judged again with it."""
        self.store.record_reference(identity, self.now_iso, reference)
        if reference is None or self.degraded:
            return
        seen = self.store.page_seen(self.id, identity)
        if seen is not None:
            self.store.set_drift(self.id, identity, self._drift(identity, *seen))

    # the end ----------------------------------------------------------------------------------

    def archive_stats(self) -> dict[str, int]:
        """The archive's work in numbers, kept with the run (run.json shows them)."""
        if self.archive is None:
            return {}
        return {
            "linkhealth/archive/planned": self.archive.planned,
            "linkhealth/archive/done": self.archive.done,
            "linkhealth/archive/pending": len(self.archive.pending),
        }

    def end(self, reason: str, *, stats: Mapping[str, Any], unfinished: str | None = None) -> str:
        """The crawl ended (Scrapy's close ``reason``; ``unfinished``: why the fetching
        processes did not finish): finish the run when it began, close the store, and tell how
        it went, the last line of the console. A failure here leaves the status at 1."""
        line = ""
        try:
            line = self._end(reason, stats, unfinished)
        except Exception as exc:
            logger.exception("finishing the run failed")
            self.outcome.fail(f"finishing the run failed: {type(exc).__name__}: {exc}")
        finally:
            self.store.close()
        if not line and (problem := self.outcome.problem) is not None:  # no end was told
            told = f"could not complete: {problem}" if self.outcome.exit_code == 1 else problem
            line = f"linkhealth: {told}"
        return line

    def _end(self, reason: str, stats: Mapping[str, Any], unfinished: str | None) -> str:
        if not self.id:
            if self.outcome.problem is None:
                self.outcome.fail(f"the crawl ended ({reason}) before the run began")
            return ""
        completed = reason == "finished" and unfinished is None
        if completed:
            self.degraded = self.degraded or self.network.verdict()
        seconds = time.monotonic() - self.started
        if unfinished:
            reason = f"unfinished ({unfinished})"
        #: the crawl only stopped early (nothing failed before): running again resumes it
        resumable = not completed and self.outcome.problem is None
        if not completed:
            self.outcome.fail(f"the crawl stopped before its end ({reason})")
        finished = self.finish(
            finished_at=self.config.iso_after(seconds),
            completed=completed,
            stats={**stats, **self.archive_stats()},
        )
        unchecked = 0 if completed else len(self.store.unchecked_identities(self.id))
        archive = self.archive.counts(blank_pending=False) if self.archive else None
        ending = Ending(
            self.id,
            "degraded" if self.degraded else reason,
            seconds,
            finished.counts,
            finished.exit_code,
            self.config.report_dir,
            archive=archive and (archive.planned, archive.done, archive.carried_over),
            not_checked=unchecked,
            fail_on=self.config.fail_on,
            degraded=self.degraded,
            reports=bool(finished.reports),
            problem=self.outcome.problem,
            resumable=resumable and unchecked > 0,
        )
        return "\n".join(closing_lines(ending))

    def finish(
        self, *, finished_at: str, completed: bool = True, stats: Mapping[str, Any] | None = None
    ) -> Finished:
        """End the run in the store, then write its reports, then prove its exit status;
        ``completed`` is False when the crawl stopped before its end (the run stays unfinished
        and can be resumed, the reports show what is there)."""
        not_checked = self._close_in_store(finished_at, completed, stats or {})
        counts = self.store.status_counts(self.id)
        archive = self.archive.counts(blank_pending=False) if self.archive else None
        paths = self.reports.after_run(self.id, archive, self.outcome)
        if not completed:
            return Finished(self.outcome.exit_code, counts, not_checked, paths)
        if self.degraded:
            exit_code = self.outcome.proven(DEGRADED)
            if exit_code == DEGRADED:
                logger.error("linkhealth: degraded run, nothing counted: %s", self.degraded)
        elif any(counts.get(status) for status in self.config.fail_on):
            exit_code = self.outcome.proven(FINDINGS)
        else:
            exit_code = self.outcome.proven(COMPLETED)
        return Finished(exit_code, counts, not_checked, paths)

    def _close_in_store(self, finished_at: str, completed: bool, stats: Mapping[str, Any]) -> int:
        """Account for every link and finish the run in the store (a completed crawl); keep
        the archive work left for the next run. The links recorded as not checked."""
        store, config = self.store, self.config
        not_checked = 0
        if completed:
            missing = store.unchecked_identities(self.id)
            record_not_checked(store, self.id, missing, config.now_iso)
            not_checked = len(missing)
            if self.degraded:
                store.degrade_run(self.id, NETWORK_REASONS, self.degraded)
            store.finish_run(
                self.id,
                finished_at,
                stats=dict(stats),
                state="degraded" if self.degraded else "finished",
                degraded_reason=self.degraded,
            )
        archive_left = self.archive.pending if self.archive is not None else ()
        if archive_left:  # the time budget ended first (or the run stopped): the next run
            store.archive_pending(self.id, archive_left, config.now_iso)
        return not_checked
