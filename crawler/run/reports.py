"""The reports, a step after the run: every report and ``fixes.md`` from the store.

:meth:`RunReports.after_run` writes them once the run has ended in the store (the verdicts are
safe there whatever happens here: ``linkhealth report`` rebuilds the reports from it).
:meth:`RunReports.heard` writes them a first time while the archive still works: as soon as
every link has a verdict and the archive has heard of each, the run ``running`` and the archive
columns of the links still waiting blank (with the reports off, or no archive work pending, the
end's are the only ones).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.report import write_reports
from crawler.report.fixes import all_fixes, plan, render_fixes_md, states_from_links_csv

if TYPE_CHECKING:
    from crawler.archive.progress import ArchiveCounts
    from crawler.run.config import Config
    from crawler.run.outcome import Outcome
    from crawler.run.run import Run
    from crawler.store.db import Store

logger = logging.getLogger(__name__)


class RunReports:
    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self._early = False

    def after_run(self, run_id: int, archive: ArchiveCounts | None, outcome: Outcome) -> list[Path]:
        """The reports of the run that ended (none when they are off); a failure is kept in
        ``outcome`` (the run could not complete), never raised."""
        config = self.config
        if not config.reports_enabled:
            return []
        try:
            paths = self.write(run_id, archive)
        except Exception as exc:
            # the verdicts are safe in the store: `linkhealth report` can rebuild these
            logger.exception("writing the reports failed; the store is intact")
            outcome.fail(
                f"writing the reports to {config.report_dir} failed "
                f"({type(exc).__name__}: {exc}); `linkhealth report` rebuilds them "
                "from the state file"
            )
            return []
        logger.info(
            "reports written in %s: %s", config.report_dir, ", ".join(p.name for p in paths)
        )
        return paths

    def heard(self, run: Run) -> None:
        """A verdict was recorded or heard by the archive: when every link has a verdict and
        archive work is pending, write the reports once, early."""
        archive, handed = run.archive, run.handed
        if (
            self._early
            or archive is None
            or handed is None
            or min(run.recorded, archive.verdicts) < handed
            or not archive.pending
            or not self.config.reports_enabled
        ):
            return
        self._early = True
        counts = archive.counts(blank_pending=True)
        try:
            paths = self.write(run.id, counts)
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

    def write(self, run_id: int, archive: ArchiveCounts | None) -> list[Path]:
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
