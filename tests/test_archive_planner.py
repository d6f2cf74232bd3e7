"""The archive's planner: which link gets a lookup, a capture, a rescue, or nothing; and what a
lookup's captures lead to (plain data in, plain decisions out: no crawl, no archive)."""

from __future__ import annotations

import datetime as dt

import pytest

from crawler.archive import planner
from crawler.archive.wayback import Capture
from crawler.base.rules import load_rules
from crawler.base.urls import canonicalize
from crawler.base.verdicts import ALIVE, BLOCKED, DEAD, ERROR, STATUSES
from crawler.store.archive import LinkState

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
CHECKED_AT = "2026-11-23T12:00:00+00:00"
URL = "https://example.org/page"
MAX_AGE = 30.0
#: a snapshot 2 days old (fresh) and one 90 days old (not)
FRESH_AT = "2026-11-21T12:00:00Z"
OLD_AT = "2026-08-25T12:00:00Z"


def state(
    *,
    archive_status: str | None = None,
    archived_at: str | None = None,
    failing_since: str | None = None,
) -> LinkState:
    """A fetched link, with what the state file knows of its archive and its failures."""
    return LinkState(URL, URL, archive_status, archived_at, failing_since)


def plan(status: str, link: LinkState | None) -> planner.Job | None:
    return planner.plan(URL, status, CHECKED_AT, link, now=NOW, max_age_days=MAX_AGE)


@pytest.mark.parametrize("known", ["captured", "existing"])
def test_alive_with_a_fresh_snapshot_asks_nothing(known: str) -> None:
    assert plan(ALIVE, state(archive_status=known, archived_at=FRESH_AT)) is None


@pytest.mark.parametrize(
    "known",
    [
        state(),  # never archived
        state(archive_status="existing", archived_at=OLD_AT),  # too old
        state(archive_status="failed:capture-unconfirmed", archived_at=FRESH_AT),  # not a capture
    ],
    ids=["never-archived", "snapshot-too-old", "last-attempt-failed"],
)
def test_alive_without_a_fresh_snapshot_is_a_capture_job(known: LinkState) -> None:
    assert plan(ALIVE, known) == planner.Job(URL, URL, planner.CAPTURE)


def test_dead_with_a_rescued_snapshot_asks_nothing() -> None:
    rescued = state(archive_status="rescued", archived_at="2020-01-01T00:00:00Z")
    assert plan(DEAD, rescued) is None


def test_dead_is_a_rescue_from_before_the_first_failure() -> None:
    failing = state(failing_since="2026-11-01T08:30:00+00:00")
    assert plan(DEAD, failing) == planner.Job(
        URL, URL, planner.RESCUE, failed_since="20261101083000"
    )
    # the first failing check is this one: snapshots up to now
    assert plan(DEAD, state()) == planner.Job(
        URL, URL, planner.RESCUE, failed_since="20261123120000"
    )
    # a fresh capture of a page that is dead now says nothing of the page that was
    fresh = state(archive_status="captured", archived_at=FRESH_AT, failing_since=CHECKED_AT)
    job = plan(DEAD, fresh)
    assert job is not None
    assert job.kind == planner.RESCUE


@pytest.mark.parametrize("status", [BLOCKED, ERROR])
def test_blocked_or_error_is_looked_up_only(status: str) -> None:
    job = plan(status, state())
    assert job == planner.Job(URL, URL, planner.LOOKUP)
    # a snapshot too old: reported as found, not recaptured (unless captures of blocked pages
    # are asked for)
    old = Capture("20260825120000", URL)
    step = planner.after_lookup(
        job,
        [old],
        now=NOW,
        max_age_days=MAX_AGE,
        capture_blocked=False,
        capturing=True,
        capture_stopped=None,
    )
    assert step == planner.Next(planner.USE_SNAPSHOT, (old,))
    assert plan(status, state(archive_status="existing", archived_at=FRESH_AT)) is None


def test_a_link_with_a_masked_credential_is_never_planned() -> None:
    masked = canonicalize("https://example.org/doc?id=7&access_token=abc123", load_rules())
    assert masked.masked  # the URL shows the parameter, its value masked
    link = LinkState(masked.clean_url, masked.clean_url)
    for status in STATUSES:
        assert plan(status, link) is None, status
    assert planner.archivable_url(link) is None


def test_only_fetched_http_links_are_planned() -> None:
    assert plan(ALIVE, None) is None  # a link the state file does not have
    assert plan(ALIVE, LinkState("local:notes/a.md", None)) is None
    assert plan(ALIVE, LinkState(URL, None)) is None  # an http link never fetched
    assert plan(DEAD, LinkState("ftp://example.org/f", "ftp://example.org/f")) is None


# after the lookup -----------------------------------------------------------------------------


def after(
    kind: str,
    captures: list[Capture],
    *,
    capturing: bool = True,
    stopped: str | None = None,
    blocked: bool = False,
) -> planner.Next:
    return planner.after_lookup(
        planner.Job(URL, URL, kind, failed_since="20261101000000"),
        captures,
        now=NOW,
        max_age_days=MAX_AGE,
        capture_blocked=blocked,
        capturing=capturing,
        capture_stopped=stopped,
    )


OLDER, OLD, FRESH = (
    Capture(ts, URL) for ts in ("20190101000000", "20260825120000", "20261121120000")
)


def test_a_rescue_tries_the_snapshots_newest_first() -> None:
    assert after(planner.RESCUE, [OLDER, OLD]) == planner.Next(planner.TRY_SNAPSHOTS, (OLD, OLDER))


def test_a_fresh_snapshot_found_is_used_not_recaptured() -> None:
    assert after(planner.CAPTURE, [OLD, FRESH]) == planner.Next(planner.USE_SNAPSHOT, (FRESH,))


def test_no_fresh_snapshot_captures_keeping_the_old_one_meanwhile() -> None:
    assert after(planner.CAPTURE, [OLDER, OLD]) == planner.Next(planner.CAPTURE_NOW, (OLD,))
    # a blocked page's capture counts only once it passes the verdict rules
    assert after(planner.LOOKUP, [], blocked=True) == planner.Next(planner.CAPTURE_NOW, verify=True)


def test_without_captures_the_old_snapshot_stays() -> None:
    # no keys: what the index has, or nothing
    assert after(planner.CAPTURE, [OLD], capturing=False) == planner.Next(
        planner.USE_SNAPSHOT, (OLD,)
    )
    assert after(planner.CAPTURE, [], capturing=False) == planner.Next(planner.NOTHING)
    # captures ended in this run: the reason is kept with the old snapshot
    stopped = after(planner.CAPTURE, [OLD], capturing=False, stopped="too-many-daily-captures")
    assert stopped == planner.Next(planner.KEEP_OLD, (OLD,), why="too-many-daily-captures")
