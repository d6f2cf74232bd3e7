"""``scrapy crawl`` with linkhealth's exit status and start-up checks.

The same command as Scrapy's, plus: settings are validated before the crawler starts (a bad
value prints one line naming it and exits 2, before any request), and the exit status says
whether the run did its job: 0 completed (whatever it found), 1 could not complete, 3 findings
listed in ``LINKHEALTH_FAIL_ON``, 4 the network was unusable (a degraded run: see
:mod:`crawler.network`).
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.config import ConfigError, load_config
from crawler.store import StoreError, check_version


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one spider name: scrapy crawl seeds")
        assert self.crawler_process is not None
        assert self.settings is not None
        if args[0] == "seeds":
            try:
                config = load_config(self.settings.get, seeds=opts.spargs.get("seeds"))
                if not config.redis_url:
                    check_version(config.state_db)
            except (ConfigError, StoreError) as exc:
                kind = "configuration error" if isinstance(exc, ConfigError) else "state file"
                print(f"linkhealth: {kind}: {exc}", file=sys.stderr)
                self.exitcode = 2
                return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = crawler.stats
        if stats is not None:
            self.exitcode = int(stats.get_value("linkhealth/exit_code", 0) or 0)
            summary = stats.get_value("linkhealth/summary")
            if summary:
                print(summary, file=sys.stderr)
