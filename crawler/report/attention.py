"""What needs attention first, and what to do about each link (pure: no pandas, no Scrapy).

:func:`rank` orders the reports (report.html's default order, summary.md's list): dead links
(newly confirmed first, then confirmed, then failing but not yet confirmed), blocked, error,
drifted (a ``drift`` column, when the reports have one), not checked, alive, then skipped and
ignored. :func:`next_steps` says, in words, what to do about a link: the snapshot to use, that
none was found, that its archive work waits for the next run, when it will be confirmed dead,
or that we could not tell (see the README's "What to do next").
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from crawler.base.verdicts import ALIVE, BLOCKED, DEAD, ERROR, IGNORED, SKIPPED
from crawler.store.archive import PENDING
from crawler.store.archive import SKIPPED as NOT_ASKED
from crawler.store.history import NEWLY_CONFIRMED, Policy

#: the README's section on next steps, from a report in ``reports/`` of the repository
README_NEXT = "../README.md#what-to-do-next"

#: rank → what it holds, in the order the reports list links
RANKS = (
    "newly confirmed dead",
    "confirmed dead",
    "failing, not yet confirmed",
    BLOCKED,
    ERROR,
    "drifted",
    "not checked",
    ALIVE,
    SKIPPED,
    IGNORED,
)
_RANK = {name: i for i, name in enumerate(RANKS)}


def rank(status: object, confirmed_dead: object, change: object, drift: object = "") -> int:
    """The link's place in the reports' order (lower first); ``drift``: the ``drift`` column,
    when the reports have one (anything but empty counts as drifted)."""
    if status == DEAD:
        if confirmed_dead is True or confirmed_dead == 1:
            return _RANK["newly confirmed dead" if change == NEWLY_CONFIRMED else "confirmed dead"]
        return _RANK["failing, not yet confirmed"]
    if status in (BLOCKED, ERROR, SKIPPED, IGNORED):
        return _RANK[str(status)]
    if status == ALIVE:
        return _RANK["drifted"] if drift not in ("", None, 0, False) else _RANK[ALIVE]
    return _RANK["not checked"]


class Step(NamedTuple):
    """One thing to do, in words, with a link when there is somewhere to go."""

    text: str
    href: str = ""


class LinkState(NamedTuple):
    """The columns of links.csv a link's next steps are made from."""

    status: str
    reason: str
    confirmed_dead: bool
    fail_streak: int
    first_failed_at: str
    archive_url: str
    archive_status: str


def next_steps(link: LinkState, policy: Policy) -> list[Step]:
    """What to do about a link (nothing for an alive one whose archive is done)."""
    steps: list[Step] = []
    status = link.status
    if status == DEAD:
        if not link.confirmed_dead:
            steps.append(Step(_confirmation(link, policy)))
        steps += _archive_step(link)
    elif status == BLOCKED:
        steps.append(Step("could not tell: see proxies", README_NEXT))
        if link.archive_url:
            steps.append(Step("snapshot", link.archive_url))
    elif status == ERROR:
        if link.reason == "offline":
            steps.append(Step("nothing was checked: run again with a working network"))
        elif link.reason == "not-checked":
            steps.append(Step("not checked: run again"))
        else:
            steps.append(Step("checked again next run (a transport failure is not a finding)"))
        if link.archive_url:
            steps.append(Step("snapshot", link.archive_url))
    elif status == ALIVE and link.archive_status == PENDING:
        steps.append(Step("archive pending (next run)"))
    elif status == "":
        steps.append(Step("not checked yet: run again to resume"))
    return steps


def _archive_step(link: LinkState) -> list[Step]:
    """A dead link's snapshot, or why there is none (nothing when it was never asked for:
    archiving off, not an http link)."""
    if link.archive_status == PENDING:
        return [Step("archive pending (next run)")]
    if link.archive_url:
        return [Step("use the snapshot", link.archive_url)]
    if link.archive_status == "":  # the reports written while the archive works
        return [Step("archive at work (this run)")]
    if link.archive_status == NOT_ASKED:
        return []
    return [Step("no snapshot found")]


def _confirmation(link: LinkState, policy: Policy) -> str:
    """``confirmed dead after N more checks (on or after DATE)``."""
    more = max(1, policy.checks - max(0, link.fail_streak))
    when = ""
    try:
        since = dt.datetime.fromisoformat(link.first_failed_at.replace("Z", "+00:00"))
    except ValueError:
        pass
    else:
        when = f" (on or after {(since + dt.timedelta(days=policy.days)).date().isoformat()})"
    checks = "check" if more == 1 else "checks"
    return f"confirmed dead after {more} more {checks}{when}"
