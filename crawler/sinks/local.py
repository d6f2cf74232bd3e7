"""How a run on the SQLite store ends, for the embedded spider and ``linkhealth merge`` alike.

:meth:`LocalSink.finish` accounts for every link (one without a verdict is recorded as
``error``/``not-checked``), finishes the run, writes the reports and ``fixes.md``, and gives the
exit status: 0 completed, 1 could not complete (or the reports failed), 3 findings listed in
``LINKHEALTH_FAIL_ON``, 4 a degraded run. The spider calls it when it closes; ``linkhealth
merge`` when the workers of a distributed run are done.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.config import Config
from crawler.fixes import all_fixes, plan, states_from_links_csv, write_fixes_md
from crawler.links import record_not_checked
from crawler.network import NETWORK_REASONS
from crawler.report import write_reports
from crawler.store import Store

logger = logging.getLogger(__name__)


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

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

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
        counts = self.counts(run_id)
        paths: list[Path] = []
        reports_failed = False
        if config.reports_enabled:
            try:
                paths = write_reports(
                    store, config.report_dir, run_id=run_id, policy=config.confirm
                )
                paths.append(self._write_fixes())
            except Exception:
                # the verdicts are safe in the store: `linkhealth report` can rebuild these
                logger.exception("writing the reports failed; the store is intact")
                reports_failed = True
                paths = []
            else:
                logger.info("reports written: %s", ", ".join(str(p) for p in paths))
        if not completed or reports_failed:
            exit_code = 1
        elif degraded:
            exit_code = 4
            logger.error("linkhealth: degraded run, nothing counted: %s", degraded)
        elif any(counts.get(status) for status in config.fail_on):
            exit_code = 3
        else:
            exit_code = 0
        return Finished(exit_code, counts, not_checked, paths)

    def counts(self, run_id: int) -> dict[str, int]:
        rows = self.store.db.execute(
            "SELECT status, COUNT(*) FROM checks WHERE run_id=? GROUP BY status", (run_id,)
        )
        return {str(status): int(n) for status, n in rows}

    def _write_fixes(self) -> Path:
        """reports/fixes.md: the changes `linkhealth fix` would make (clean URLs only)."""
        config = self.config
        states = states_from_links_csv(config.report_dir / "links.csv")
        planned = plan(config.seeds, states, config.rules, style=config.fix_style)
        return write_fixes_md(config.report_dir / "fixes.md", all_fixes(planned))
