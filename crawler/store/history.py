"""History that confirms before it condemns (pure).

From a link's checks, oldest first: when it was first seen, last alive, when the current run of
failures began, how long it is, whether the link is *confirmed dead*, and what changed since the
previous run. ``dead`` and ``error`` count as failing, ``alive`` resets, everything else
(``blocked``, ``skipped``, ``ignored``, and any check made in a degraded run) is neutral for
the count; a link is confirmed dead only while its latest counted check is ``dead``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from crawler.base.verdicts import ALIVE, DEAD, FAILING

NEW = "new"
NEWLY_FAILING = "newly-failing"
NEWLY_CONFIRMED = "newly-confirmed-dead"
RECOVERED = "recovered"
TITLE_CHANGED = "title-changed"
DRIFTED = "drifted"


@dataclass(frozen=True, slots=True)
class Check:
    run_id: int
    checked_at: str
    status: str
    title: str | None = None
    counted: bool = True
    #: the page shows something else than what was linked (docs/drift.md)
    drift: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    checks: int = 3
    days: float = 3.0


@dataclass(frozen=True, slots=True)
class History:
    first_seen: str | None
    last_alive_at: str | None
    first_failed_at: str | None
    fail_streak: int
    confirmed_dead: bool
    change: str


@dataclass(slots=True)
class _State:
    last_alive_at: str | None = None
    first_failed_at: str | None = None
    last_failed_at: str | None = None
    streak: int = 0
    #: the status of the latest counted check
    latest: str = ""

    def confirmed(self, policy: Policy) -> bool:
        # a link is condemned on what it shows now: the latest counted check must be ``dead``
        # (a link now blocked, alive or in error is not confirmed, whatever came before)
        if self.latest != DEAD:
            return False
        if self.streak < policy.checks or not self.first_failed_at or not self.last_failed_at:
            return False
        span = _parse(self.last_failed_at) - _parse(self.first_failed_at)
        return span >= dt.timedelta(days=policy.days)

    def add(self, check: Check) -> None:
        if check.counted:
            self.latest = check.status
        if check.status == ALIVE:
            self.last_alive_at = check.checked_at
            self.streak = 0
            self.first_failed_at = self.last_failed_at = None
        elif check.status in FAILING and check.counted:
            self.streak += 1
            self.first_failed_at = self.first_failed_at or check.checked_at
            self.last_failed_at = check.checked_at


def _parse(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def summarize(checks: Sequence[Check], policy: Policy, first_seen: str | None = None) -> History:
    """The history of one link; ``checks`` oldest first, the last one being the current run's."""
    # a check that does not count (a degraded run) is no "previous run" to compare with
    checks = [c for c in checks[:-1] if c.counted] + list(checks[-1:])
    state = _State()
    before = _State()
    for index, check in enumerate(checks):
        if index == len(checks) - 1:
            before = _State(state.last_alive_at, state.first_failed_at, state.last_failed_at,
                            state.streak, state.latest)  # fmt: skip
        state.add(check)
    confirmed = state.confirmed(policy)
    change = ""
    if checks:
        current = checks[-1]
        previous = checks[-2] if len(checks) > 1 else None
        if previous is None:
            change = NEW
        elif confirmed and not before.confirmed(policy):
            change = NEWLY_CONFIRMED
        elif state.streak == 1 and before.streak == 0 and current.counted:
            change = NEWLY_FAILING
        elif current.status == ALIVE and before.streak > 0:
            change = RECOVERED
        elif current.status == ALIVE and current.drift and not previous.drift:
            change = DRIFTED
        elif (
            current.status == ALIVE
            and previous.status == ALIVE
            and current.title
            and previous.title
            and current.title != previous.title
        ):
            change = TITLE_CHANGED
    return History(
        first_seen=first_seen or (checks[0].checked_at if checks else None),
        last_alive_at=state.last_alive_at,
        first_failed_at=state.first_failed_at,
        fail_streak=state.streak,
        confirmed_dead=confirmed,
        change=change,
    )
