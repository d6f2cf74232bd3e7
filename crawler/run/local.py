"""A run on the SQLite store: its links, its verdicts, its end (see :mod:`crawler.run`).

:meth:`LocalSink.links` scans the seeds, begins (or continues) the run, records its links and
yields the verdicts known without a fetch, then the links to fetch (none but ``offline``
verdicts when the canaries say the network is unusable); with ``LINKHEALTH_PROCESSES`` above 1,
child processes fetch them instead and their verdicts are yielded as they come back
(:mod:`crawler.run.parent`). :meth:`LocalSink.record` writes each verdict as it arrives.
Once every link it handed out has a verdict while archive work is still pending
(:meth:`LocalSink.follow_archive`), the reports are written a first time, with the run
``running`` and the archive columns of the links still waiting blank.
:meth:`LocalSink.finish` accounts for every link (one without a verdict
is recorded as ``error``/``not-checked``), finishes the run, writes the reports and
``fixes.md``, and gives the exit status: 0 completed, 1 could not complete (or the reports
failed), 3 findings listed in ``LINKHEALTH_FAIL_ON``, 4 a degraded run. The spider's sink calls
it when the crawl closes; ``linkhealth merge`` when the workers of a distributed run are done.

The status is an :class:`~crawler.run.outcome.Outcome`: "could not complete" until the run has
finished and its reports are written. A verdict the state file refuses (a full disk, a damaged
page) stops the crawl and keeps the run at 1; so does any failure in the close path.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from crawler.base.meta import META_HEAD_ONLY, META_MAX_BYTES
from crawler.base.verdicts import ALIVE, ERROR, Verdict
from crawler.fetch.network import NETWORK_REASONS, NetworkWatch, canaries_verdict
from crawler.items import LinkCheck
from crawler.links.dedupe import fetch_order, scan_links
from crawler.report import write_reports
from crawler.report.fixes import all_fixes, plan, render_fixes_md, states_from_links_csv
from crawler.run import QueuedLink, Tally
from crawler.run.config import Config
from crawler.run.ending import Ending, closing_lines
from crawler.run.outcome import COMPLETED, DEGRADED, FINDINGS, Outcome
from crawler.store.db import CheckRow, DatabaseError, Store
from crawler.store.links import record_links, record_not_checked
from crawler.verdict.drift import HISTORY, SNAPSHOT, Reference, judge

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

    from crawler.archive.progress import ArchiveCounts, ArchiveProgress
    from crawler.run.parent import Children

logger = logging.getLogger(__name__)

#: links to fetch read back from the store at a time
_QUEUE_BATCH = 1000


@dataclass(frozen=True)
class Finished:
    exit_code: int
    #: status → links with it in this run
    counts: dict[str, int]
    #: links recorded as error/not-checked at the end
    not_checked: int
    #: the files written (none when the reports are off or failed)
    reports: list[Path]


class LocalSink:
    """The SQLite store of a run and what is written from it."""

    def __init__(self, store: Store, config: Config, crawler: Crawler | None = None) -> None:
        self.store = store
        self.config = config
        self.crawler = crawler
        self.run_id = 0
        #: why the network is unusable, when it is (a degraded run counts nothing)
        self.degraded: str | None = None
        self.network = NetworkWatch(config.network)
        self.started = time.monotonic()
        #: links handed out in this run (None until they are known) and verdicts recorded
        self.handed: int | None = None
        self.recorded = 0
        self.archive: ArchiveProgress | None = None
        self._early_reports = False
        #: the child processes of ``LINKHEALTH_PROCESSES``, once started
        self.children: Children | None = None
        #: the run's exit status: "could not complete" until proven otherwise
        self.outcome = Outcome()

    @classmethod
    def from_crawler(cls, crawler: Crawler, config: Config) -> Self:
        return cls(Store(config.state_db, config.rules), config, crawler)

    @property
    def now_iso(self) -> str:
        return self.config.now_iso

    # the run's links ------------------------------------------------------------------------

    async def links(self) -> AsyncIterator[LinkCheck | QueuedLink]:
        try:
            async for link in self._links():
                yield link
        except DatabaseError as exc:
            self._store_failed(exc, "the run could not begin")
        except Exception as exc:
            logger.exception("the run could not begin")
            self.outcome.fail(f"the run could not begin: {type(exc).__name__}: {exc}")

    async def _links(self) -> AsyncIterator[LinkCheck | QueuedLink]:
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
            return
        run = store.begin_run(config.now_iso, str(config.seeds), resume=config.resume)
        self.run_id = run.id
        if run.resumed:
            logger.info("continuing run %d, started %s", run.id, run.started_at)
        record_links(store, run.id, config.now_iso, links, config.rules)
        done = store.checked_identities(run.id) if run.resumed else set()
        presets = [
            LinkCheck(x.identity, config.now_iso, x.preset)
            for x in links.values()
            if x.preset is not None and x.identity not in done
        ]
        # From here on the links to fetch wait in the store (three strings each, read back a
        # batch at a time), and their occurrences are in the store too (the reports and the
        # fixes read them there or from the seeds): nothing per link is held through the crawl.
        ordered = list(fetch_order(links.values()))  # (only links with a fetch_url)
        n_queued = store.queue_fetches(
            (x.identity, x.fetch_url or "", x.host) for x in ordered if x.identity not in done
        )
        logger.info(
            "%d link occurrences, %d distinct links, %d to fetch, %d already checked in this run",
            n_occurrences,
            len(links),
            len(ordered),
            len(done),
        )
        del links, ordered, done
        self.handed = len(presets) + n_queued
        for check in presets:
            yield check
        del presets
        if n_queued and config.network.canaries:
            self.degraded = await self._probe_canaries()
        if not self.degraded and (shards := self._shards(n_queued)) is not None:
            async for check in self._in_children(*shards):
                yield check
            return
        for link in self._queued():
            if self.degraded:
                offline = Verdict(ERROR, "offline", detail="not fetched: no usable network")
                yield LinkCheck(link.identity, config.now_iso, offline)
            else:
                yield link

    def _queued(self) -> Iterator[QueuedLink]:
        """The links to fetch, from the store, a batch at a time."""
        after = 0
        while batch := self.store.queued_fetches(after, _QUEUE_BATCH):
            after = batch[-1][0]
            for _pos, identity, fetch_url, host in batch:
                yield QueuedLink(identity, fetch_url, host)

    def _shards(self, links: int) -> tuple[dict[str, int], list[int]] | None:
        """Each host's child process and each child's links, when the ``links`` links to fetch
        go to more than one child (None: this process fetches them)."""
        from crawler.run.sharding import auto_processes, shard, usable_cpus  # noqa: PLC0415

        given, cpus = self.config.processes, usable_cpus()
        n = auto_processes(links, cpus) if given is None else min(given, links)
        if n < 2:
            return None
        group_of, sizes = shard(self.store.queued_hosts(), n)
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
        """The links fetched by ``LINKHEALTH_PROCESSES`` child processes, sharded by
        registrable domain; their verdicts come back here to be recorded (and archived)."""
        import tempfile  # noqa: PLC0415 - only with child processes

        from crawler.run.parent import Children  # noqa: PLC0415
        from crawler.run.sharding import Saw, child_argv, split_total  # noqa: PLC0415

        assert self.crawler is not None
        config, settings = self.config, self.crawler.settings
        given = _command_line_settings(settings)
        totals = split_total(settings.getint("CONCURRENT_REQUESTS"), len(sizes))
        with tempfile.TemporaryDirectory(prefix="linkhealth-hosts-") as locks:
            argvs = [
                child_argv(
                    sys.executable,
                    seeds=str(config.seeds),
                    given=given,
                    overrides={
                        "LINKHEALTH_NOW": config.now.isoformat(),
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
            self.children = Children(
                argvs, sizes, lambda i: (x for x in self._queued() if group_of[x.host] == i)
            )
            async for message in self.children.messages():
                if isinstance(message, Saw):
                    self.saw(message.host, message.reason, answered=message.answered)
                else:
                    yield message

    async def _probe_canaries(self) -> str | None:
        """Fetch the canary hosts (no retries); the reason the network is unusable, if it is."""
        import scrapy  # noqa: PLC0415 - only when crawling (`linkhealth merge` runs without it)

        from crawler.verdict.errors import verdict_for_exception  # noqa: PLC0415 - Scrapy's errors

        assert self.crawler is not None
        assert self.crawler.engine is not None
        policy = self.config.network
        results: dict[str, str | None] = {}
        for url in policy.canaries:
            request = scrapy.Request(
                url,
                dont_filter=True,
                meta={
                    "dont_retry": True,
                    "download_timeout": policy.canary_timeout,
                    META_MAX_BYTES: 4096,
                    META_HEAD_ONLY: True,
                    "dont_redirect": True,
                },
            )
            try:
                await self.crawler.engine.download_async(request)
            except Exception as exc:
                results[url] = verdict_for_exception(exc).reason
            else:
                results[url] = None
                break
        degraded = canaries_verdict(results)
        if degraded:
            logger.error("network check: %s", degraded)
        else:
            logger.info("network check: canary answered, the network is usable")
        return degraded

    def saw(self, host: str, reason: str, *, answered: bool) -> None:
        self.network.saw(host, reason, answered=answered)

    def record(self, item: LinkCheck) -> None:
        try:
            self.store.record_check(
                self.run_id, self.with_drift(item.row(counted=not self.degraded))
            )
        except DatabaseError as exc:
            self._store_failed(exc, "verdicts can no longer be recorded, the crawl stops")
            return
        self.recorded += 1

    def _store_failed(self, exc: DatabaseError, what: str) -> None:
        """The state file refused a write: the run cannot complete; stop sending."""
        if self.outcome.problem is not None:
            return  # told once; the crawl is already stopping
        self.outcome.fail(f"state file {self.store.path}: {exc}: {what}")
        logger.error("linkhealth: %s", self.outcome.problem)
        if self.crawler is not None:
            from scrapy.utils.defer import deferred_from_coro  # noqa: PLC0415 - when crawling

            deferred_from_coro(self.crawler.stop_async())

    def with_drift(self, check: CheckRow) -> CheckRow:
        """The check with its content drift, if the page drifted (``linkhealth merge`` too)."""
        drift = self._drift(check.identity, check.status, check.title, check.final_url)
        return replace(check, drift=drift) if drift else check

    def _drift(self, identity: str, status: str, title: str | None, final_url: str | None) -> str:
        """What a live page shows instead of what was linked ("": nothing, or nothing can be
        said), from what the store knows of the link (docs/drift.md)."""
        if status != ALIVE or not title or self.degraded:
            return ""
        evidence = self.store.drift_evidence(identity, self.run_id)
        if evidence is None:
            return ""
        oldest = None
        if evidence.snapshot_title:
            oldest = Reference(SNAPSHOT, evidence.snapshot_title, evidence.snapshot_at or "")
        elif evidence.first_title:
            oldest = Reference(HISTORY, evidence.first_title, evidence.first_title_at or "")
        found = judge(
            title,
            oldest,
            evidence.link_texts,
            self.config.rules.drift,
            elsewhere=_elsewhere(evidence.host, final_url),
        )
        return found.describe() if found is not None else ""

    def judge_drift_again(self, identity: str) -> None:
        """The link's evidence changed in this run (its reference snapshot was found): its
        check's drift is judged again."""
        row = self.store.page_seen(self.run_id, identity)
        if row is not None:
            self.store.set_drift(self.run_id, identity, self._drift(identity, *row))

    def tally(self) -> Tally:
        return Tally(self.handed, self.recorded)

    # the reports before the archive is done -------------------------------------------------

    def follow_archive(self, progress: ArchiveProgress) -> None:
        """The archive's account of its work: counted in run.json, and heard after each
        verdict (the early reports wait until the archive has heard of every one, so that the
        last link's work counts as pending)."""
        self.archive = progress
        progress.listen(self._verdict_heard)

    def _verdict_heard(self) -> None:
        """Every link has a verdict and archive work is pending: write the reports once, the
        run ``running`` (with the reports off, or no work pending, the end's are the only ones)."""
        archive, handed = self.archive, self.handed
        if (
            self._early_reports
            or archive is None
            or handed is None
            or min(self.recorded, archive.verdicts) < handed
            or not archive.pending
            or not self.config.reports_enabled
        ):
            return
        self._early_reports = True
        counts = archive.counts(blank_pending=True)
        try:
            paths = self._write_reports(self.run_id, counts)
        except Exception:
            logger.exception("writing the early reports failed; they are written at the end")
            return
        logger.info(
            "every link has a verdict: reports written in %s (%s) while the archive works on "
            "%d links",
            self.config.report_dir,
            ", ".join(p.name for p in paths),
            len(counts.pending),
        )

    def close(self, reason: str) -> None:
        """The crawl ended: finish the run (when it began), close the store, say how it went
        (the exit status and the last line go to the stats; a failure here leaves it at 1)."""
        line = ""
        try:
            line = self._close(reason)
        except Exception as exc:
            logger.exception("finishing the run failed")
            self.outcome.fail(f"finishing the run failed: {type(exc).__name__}: {exc}")
        finally:
            self.store.close()
        if not line and (problem := self.outcome.problem) is not None:  # no end was told
            told = f"could not complete: {problem}" if self.outcome.exit_code == 1 else problem
            line = f"linkhealth: {told}"
        stats = self.crawler.stats if self.crawler is not None else None
        logger.debug(line)  # the crawl command prints it (a log line would say it twice)
        if stats is not None:
            stats.set_value("linkhealth/exit_code", self.outcome.exit_code)
            stats.set_value("linkhealth/summary", line)

    def _close(self, reason: str) -> str:
        if not self.run_id:
            if self.outcome.problem is None:
                self.outcome.fail(f"the crawl ended ({reason}) before the run began")
            return ""
        children = self.children
        if children is not None:
            children.stop()
        completed = reason == "finished" and (children is None or children.failed is None)
        if completed:
            self.degraded = self.degraded or self.network.verdict()
        seconds = time.monotonic() - self.started
        stats = self.crawler.stats if self.crawler is not None else None
        if stats is not None and self.archive is not None:
            # kept with the run: `linkhealth report` shows them in run.json too
            stats.set_value("linkhealth/archive/planned", self.archive.planned)
            stats.set_value("linkhealth/archive/done", self.archive.done)
            stats.set_value("linkhealth/archive/pending", len(self.archive.pending))
        kept = {
            k: v
            for k, v in (stats.get_stats() if stats is not None else {}).items()
            if k.startswith(("linkhealth/", "downloader/"))
        }
        if children is not None and children.failed:
            reason = f"unfinished ({children.failed})"
        #: the crawl only stopped early (nothing failed before): running again resumes it
        resumable = not completed and self.outcome.problem is None
        if not completed:
            self.outcome.fail(f"the crawl stopped before its end ({reason})")
        finished = self.finish(
            self.run_id,
            finished_at=self.config.iso_after(seconds),
            completed=completed,
            stats=kept,
            degraded=self.degraded,
        )
        unchecked = 0 if completed else len(self.store.unchecked_identities(self.run_id))
        if self.degraded:
            reason = "degraded"
        archive = self.archive.counts(blank_pending=False) if self.archive else None
        return "\n".join(
            closing_lines(
                Ending(
                    self.run_id,
                    reason,
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
            )
        )

    # the end of the run ---------------------------------------------------------------------

    def finish(
        self,
        run_id: int,
        *,
        finished_at: str,
        completed: bool = True,
        stats: Mapping[str, Any] | None = None,
        degraded: str | None = None,
    ) -> Finished:
        """End run ``run_id``; ``completed`` is False when the crawl stopped before its end
        (the run stays unfinished and can be resumed, the reports show what is there)."""
        store, config = self.store, self.config
        not_checked = 0
        if completed:
            missing = store.unchecked_identities(run_id)
            record_not_checked(store, run_id, missing, config.now_iso)
            not_checked = len(missing)
            if degraded:
                store.degrade_run(run_id, NETWORK_REASONS, degraded)
            store.finish_run(
                run_id,
                finished_at,
                stats=dict(stats or {}),
                state="degraded" if degraded else "finished",
                degraded_reason=degraded,
            )
        archive_left = self.archive.pending if self.archive is not None else ()
        if archive_left:  # the time budget ended first (or the run stopped): the next run
            store.archive_pending(run_id, archive_left, config.now_iso)
        counts = self.counts(run_id)
        paths: list[Path] = []
        if config.reports_enabled:
            archive = self.archive.counts(blank_pending=False) if self.archive else None
            try:
                paths = self._write_reports(run_id, archive)
            except Exception as exc:
                # the verdicts are safe in the store: `linkhealth report` can rebuild these
                logger.exception("writing the reports failed; the store is intact")
                self.outcome.fail(
                    f"writing the reports to {config.report_dir} failed "
                    f"({type(exc).__name__}: {exc}); `linkhealth report` rebuilds them "
                    "from the state file"
                )
                paths = []
            else:
                logger.info(
                    "reports written in %s: %s",
                    config.report_dir,
                    ", ".join(p.name for p in paths),
                )
        if not completed:
            return Finished(self.outcome.exit_code, counts, not_checked, paths)
        if degraded:
            exit_code = self.outcome.proven(DEGRADED)
            if exit_code == DEGRADED:
                logger.error("linkhealth: degraded run, nothing counted: %s", degraded)
        elif any(counts.get(status) for status in config.fail_on):
            exit_code = self.outcome.proven(FINDINGS)
        else:
            exit_code = self.outcome.proven(COMPLETED)
        return Finished(exit_code, counts, not_checked, paths)

    def counts(self, run_id: int) -> dict[str, int]:
        return self.store.status_counts(run_id)

    def _write_reports(self, run_id: int, archive: ArchiveCounts | None) -> list[Path]:
        """Every report and ``fixes.md``, each staged and renamed onto its target."""
        config = self.config
        return write_reports(
            self.store,
            config.report_dir,
            run_id=run_id,
            policy=config.confirm,
            archive=archive,
            fixes=self._fixes_md,
        )

    def _fixes_md(self, links_csv: Path) -> Iterable[str]:
        """fixes.md: the changes `linkhealth fix` would make (clean URLs only), from the
        links.csv being written."""
        config = self.config
        states = states_from_links_csv(links_csv)
        planned = plan(config.seeds, states, config.rules, style=config.fix_style)
        return [render_fixes_md(all_fixes(planned))]


def _elsewhere(host: str, final_url: str | None) -> str:
    """The registrable domain a link now lands on, when it is not its own ("" otherwise)."""
    from crawler.run.sharding import registrable_domain  # noqa: PLC0415

    final_host = (urlsplit(final_url).hostname or "") if final_url else ""
    if not host or not final_host:
        return ""
    there = registrable_domain(final_host)
    return there if there != registrable_domain(host) else ""


def _command_line_settings(settings: BaseSettings) -> dict[str, str]:
    """The settings of the command line (what a child is started with, before its own): every
    ``-s`` as given, and the other options' (``-L``, ``--logfile``…) values."""
    from scrapy.settings import SETTINGS_PRIORITIES  # noqa: PLC0415 - only when crawling

    from crawler.run.sharding import given_settings  # noqa: PLC0415

    cmdline = SETTINGS_PRIORITIES["cmdline"]
    scalars = {
        str(name): str(settings[name])
        for name in settings
        if settings.getpriority(name) == cmdline and isinstance(settings[name], str | int | float)
    }
    return {**scalars, **given_settings(sys.argv[1:])}
