"""A run's exit status, proven rather than assumed (pure: no Scrapy).

The status starts as "could not complete" (1) and stays so unless the run proves otherwise: a
run becomes 0, 3 or 4 only once it has finished and its reports are written
(:meth:`Outcome.proven`). Anything that goes wrong on the way (a verdict the state file refused,
a failure in the close path, reports that could not be written) is kept with
:meth:`Outcome.fail`, and then no later proof turns the run green. A configuration problem found
once the crawl started (no links in the seeds) is :meth:`Outcome.refuse` (2).
"""

from __future__ import annotations

#: the run completed, whatever it found
COMPLETED = 0
#: the run could not complete (interrupted, crashed, a write failed)
INCOMPLETE = 1
#: a configuration error: nothing was fetched
CONFIGURATION = 2
#: completed, with findings listed in LINKHEALTH_FAIL_ON
FINDINGS = 3
#: completed on an unusable network (a degraded run)
DEGRADED = 4


class Outcome:
    """The exit status of one run, and the first problem that decided it."""

    def __init__(self) -> None:
        self.exit_code = INCOMPLETE
        #: what went wrong first (None: nothing yet)
        self.problem: str | None = None

    def fail(self, problem: str) -> None:
        """The run could not complete; the first problem is the one told."""
        if self.problem is None:
            self.problem = problem
            self.exit_code = INCOMPLETE

    def refuse(self, problem: str) -> None:
        """A configuration error found once the crawl started (nothing fetched)."""
        if self.problem is None:
            self.problem = problem
            self.exit_code = CONFIGURATION

    def proven(self, exit_code: int) -> int:
        """The run finished and its reports are written: ``exit_code`` stands, unless a problem
        was kept on the way. The status that stands."""
        if self.problem is None:
            self.exit_code = exit_code
        return self.exit_code
