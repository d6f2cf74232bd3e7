from __future__ import annotations

from crawler.store.history import Check, Policy, summarize

POLICY = Policy(checks=3, days=3)


def day(n: int) -> str:
    return f"2026-01-{n:02d}T00:00:00Z"


def checks(*statuses: str, start: int = 1, step: int = 1, **kw) -> list[Check]:
    return [Check(i + 1, day(start + i * step), s, **kw) for i, s in enumerate(statuses)]


def test_two_failures_stay_unconfirmed_third_three_days_later_confirms():
    runs = [Check(1, day(1), "alive"), Check(2, day(2), "dead"), Check(3, day(3), "dead")]
    two = summarize(runs, POLICY)
    assert (two.fail_streak, two.confirmed_dead, two.first_failed_at) == (2, False, day(2))
    too_soon = summarize([*runs, Check(4, day(4), "dead")], POLICY)
    assert (too_soon.fail_streak, too_soon.confirmed_dead) == (3, False)
    three = summarize([*runs, Check(4, day(5), "dead")], POLICY)
    assert (three.fail_streak, three.confirmed_dead) == (3, True)
    assert three.change == "newly-confirmed-dead"
    four = summarize([*runs, Check(4, day(5), "dead"), Check(5, day(12), "dead")], POLICY)
    assert (four.confirmed_dead, four.change) == (True, "")


def test_three_failures_within_less_than_the_span_do_not_confirm():
    quick = [Check(i, f"2026-01-01T0{i}:00:00Z", "dead") for i in range(1, 4)]
    assert not summarize(quick, POLICY).confirmed_dead
    assert summarize([*quick, Check(4, day(5), "dead")], POLICY).confirmed_dead
    # the same span ending in an error: not confirmed (the latest counted check must be dead)
    assert not summarize([*quick, Check(4, day(5), "error")], POLICY).confirmed_dead


def test_success_resets_and_is_reported_as_recovered():
    history = summarize(checks("dead", "dead", "alive"), POLICY)
    assert (history.fail_streak, history.first_failed_at, history.change) == (0, None, "recovered")
    assert history.last_alive_at == day(3)
    assert summarize(checks("alive", "dead"), POLICY).change == "newly-failing"


def test_blocked_never_confirms_and_does_not_reset():
    history = summarize(checks("dead", "blocked", "blocked", "blocked", "blocked", "dead"), POLICY)
    assert history.fail_streak == 2
    assert not summarize(checks(*["blocked"] * 8), POLICY).confirmed_dead


def test_uncounted_checks_of_a_degraded_run_are_neutral():
    runs = [*checks("dead", "dead"), Check(3, day(9), "error", counted=False)]
    history = summarize(runs, POLICY)
    assert (history.fail_streak, history.confirmed_dead, history.change) == (2, False, "")


def test_title_change_reported_once():
    a = Check(1, day(1), "alive", title="Deep learning")
    b = Check(2, day(2), "alive", title="Buy cheap watches")
    c = Check(3, day(3), "alive", title="Buy cheap watches")
    assert summarize([a, b], POLICY).change == "title-changed"
    assert summarize([a, b, c], POLICY).change == ""


def test_first_check_is_new():
    assert summarize(checks("alive"), POLICY).change == "new"
    assert summarize(checks("alive"), POLICY, first_seen=day(1)).first_seen == day(1)


def test_a_confirmed_link_now_blocked_or_in_error_is_not_confirmed():
    # issue 13: past false verdicts do not act; confirmation needs the latest counted check dead
    confirmed = checks("dead", "dead", "dead", step=3)
    assert summarize(confirmed, POLICY).confirmed_dead
    for now in ("blocked", "error", "alive"):
        later = summarize([*confirmed, Check(4, day(12), now)], POLICY)
        assert not later.confirmed_dead, now
    # a degraded run's check does not count: the latest counted check is still dead
    offline = summarize([*confirmed, Check(4, day(12), "error", counted=False)], POLICY)
    assert offline.confirmed_dead
    # dead again after a blocked check: confirmed again (the streak was kept)
    back = summarize([*confirmed, Check(4, day(12), "blocked"), Check(5, day(15), "dead")], POLICY)
    assert back.confirmed_dead
