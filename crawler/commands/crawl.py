"""``scrapy crawl`` with linkhealth's exit status and start-up checks.

The same command as Scrapy's, plus: settings are validated before the crawler starts (a bad
value, or a ``LINKHEALTH_*`` name that is no setting, prints one line naming it and exits 2,
before any request); the state file is claimed (one writer at a time, writable, whole) and the
report directory checked, each a one-line exit 2 when it cannot be used. The exit status says
whether the run did its job: 0 completed (whatever it found), 1 could not complete, 3 findings
listed in ``LINKHEALTH_FAIL_ON``, 4 the network was unusable (a degraded run: see
:mod:`crawler.fetch.network`). The console tells the run's story: our phases, progress and the three
closing lines (:mod:`crawler.run.ending`); Scrapy's banner, component lists and stats dump only
with ``-v`` (or a ``LOG_LEVEL``/``-L`` given, or a log file). The exit status
is 1 unless the run proved otherwise (a crash, or a forced stop, that never reached the
end of the run is 1, never 0).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES

from crawler.base import logfilter
from crawler.base.registry import check_names
from crawler.run.config import ConfigError, load_config
from crawler.run.outcome import CONFIGURATION, INCOMPLETE
from crawler.run.sources import LocalSource, source_class
from crawler.store.db import StoreError, claim

#: the last line of a run whose end was never reached
_NEVER_ENDED = (
    "linkhealth: the run could not complete: it stopped before its end was recorded (a forced "
    "stop or a crash: see the log above): run again to resume"
)


class Command(ScrapyCrawlCommand):
    #: Scrapy's own INFO records stay out of the console (see :func:`logfilter.quiet_scrapy`)
    quiet = False

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            help="Scrapy's own log too: its banner, components and stats",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        assert self.settings is not None
        self.quiet = not (
            opts.verbose
            or "LOG_LEVEL" in os.environ
            or self.settings.getpriority("LOG_LEVEL") != SETTINGS_PRIORITIES["project"]
            or self.settings.get("LOG_FILE")
        )
        if self.quiet:  # Scrapy's banner is logged before run(): only warnings then
            self.settings.set("LOG_LEVEL", "WARNING", priority="project")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if self.quiet:
            assert self.settings is not None
            self.settings.set("LOG_LEVEL", "INFO", priority="project")
            logfilter.quiet_scrapy()
        if len(args) != 1:
            raise UsageError("give one spider name: scrapy crawl seeds")
        assert self.crawler_process is not None
        assert self.settings is not None
        if args[0] == "seeds":
            try:
                check_names(self.settings, "a setting")
                check_names(os.environ, "an environment variable")
                config = load_config(self.settings.get, seeds=opts.spargs.get("seeds"))
                # the run on the store is this process's (not a child's, nor a worker's)
                if issubclass(source_class(self.settings.get), LocalSource):
                    if config.reports_enabled:
                        check_report_dir(config.report_dir)
                    # one writer of the state file at a time: the descriptor (and its lock)
                    # stays open until the process ends
                    claim(config.state_db)
            except (ConfigError, StoreError) as exc:
                kind = "configuration error" if isinstance(exc, ConfigError) else "state file"
                print(f"linkhealth: {kind}: {exc}", file=sys.stderr)
                self.exitcode = CONFIGURATION
                return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = INCOMPLETE
            return
        stats = crawler.stats
        code = stats.get_value("linkhealth/exit_code") if stats is not None else None
        summary = stats.get_value("linkhealth/summary") if stats is not None else None
        self.exitcode = INCOMPLETE if code is None else int(code)
        if code is None and args[0] == "seeds":
            summary = _NEVER_ENDED
        if summary:
            print(summary, file=sys.stderr)


def check_report_dir(path: Path) -> None:
    """The report directory exists (made if need be) and takes a file, or ConfigError."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise ConfigError(
            f"LINKHEALTH_REPORT_DIR: {path} cannot hold the reports ({exc.strerror or exc})"
        ) from None
