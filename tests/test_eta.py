"""The progress line and bar's arithmetic: rates, time left, the text (crawler/run/eta.py)."""

from __future__ import annotations

import pytest

from crawler.run.eta import Meter, Sample, bar, duration, estimate, line


def test_time_left_is_the_longer_of_checking_and_archiving() -> None:
    first = Sample(at=0.0, links=1000, checked=0, planned=0, archived=0)
    now = Sample(at=10.0, links=1000, checked=100, planned=10, archived=2)
    e = estimate(first, now)
    assert e.link_rate == 10.0
    assert e.archive_rate == pytest.approx(0.2)
    # 10 of 100 checked links needed archive work: 100 expected of 1000
    assert e.expected == 100
    # checking: 900 left at 10/s = 90 s; archive: 98 left at 0.2/s = 490 s
    assert e.left == pytest.approx(490.0)
    assert line(e) == (
        "100 of 1000 links checked (10%), archive work 2 of 10 done; "
        "about 8m 10s left at the current rates"
    )


def test_after_the_verdicts_only_the_archive_is_left() -> None:
    e = estimate(Sample(0.0, 5, 5, 5, 0), Sample(60.0, 5, 5, 5, 3))
    assert e.expected == 5
    assert e.left == pytest.approx(40.0)
    assert line(e, ended=True) == "5 of 5 links checked (100%), archive work 3 of 5 done; run over"


def test_unknown_when_a_rate_is_zero_or_no_time_has_passed() -> None:
    still = Sample(5.0, 10, 4, None, 0)
    assert estimate(still, still).left is None
    e = estimate(Sample(0.0, 10, 4, 3, 0), Sample(5.0, 10, 10, 3, 0))
    assert e.left is None
    assert line(e).endswith("; time left not known yet")


def test_without_archiving_or_a_known_total() -> None:
    e = estimate(Sample(0.0, 10, 0, None, 0), Sample(2.0, 10, 4, None, 0))
    assert line(e) == "4 of 10 links checked (40%); about 3s left at the current rates"
    worker = estimate(Sample(0.0, None, 0, None, 0), Sample(2.0, None, 4, None, 0))
    assert line(worker) == "4 links checked; time left not known yet"
    # the share is never rounded up to 100 % before the last link
    assert "(99%)" in line(estimate(Sample(0.0, 1000, 0, None, 0), Sample(1.0, 1000, 999, None, 0)))


def test_rates_are_measured_over_the_window() -> None:
    meter = Meter(window=10.0)
    meter.add(Sample(0.0, 100, 0, None, 0))
    meter.add(Sample(5.0, 100, 50, None, 0))  # fast at first
    meter.add(Sample(10.0, 100, 55, None, 0))
    e = meter.add(Sample(15.0, 100, 60, None, 0))  # then 1 a second: the sample at 5 s starts it
    assert e.link_rate == pytest.approx(1.0)
    assert e.left == pytest.approx(40.0)


def test_durations() -> None:
    assert [duration(s) for s in (0, 45.4, 200, 3720, -3)] == [
        "0s",
        "45s",
        "3m 20s",
        "1h 02m",
        "0s",
    ]


def test_the_bar_fills_with_the_work_done_and_fits_the_terminal() -> None:
    e = estimate(Sample(0.0, 10, 0, 0, 0), Sample(10.0, 10, 10, 10, 5))
    text = bar(e, 80)
    assert text == "[######################--------]  75% 10/10 links, archive 5/10, ~10s left"
    assert len(bar(e, 40)) == 39
    assert bar(e, 40).startswith("75% 10/10 links")  # too narrow for the cells: text only
    assert len(bar(e, 20)) == 19


def test_the_time_left_never_goes_past_the_archive_budget() -> None:
    # 98 archive jobs left at 0.2/s would take 490 s; the budget ends the run in 30 s
    first = Sample(at=0.0, links=100, checked=0, planned=0, archived=0)
    now = Sample(at=10.0, links=100, checked=100, planned=100, archived=2, budget_left=30.0)
    e = estimate(first, now)
    assert e.left == pytest.approx(30.0)
    assert e.capped
    assert line(e).endswith("; about 30s left: the archive's time budget ends the run then")
    assert bar(e, 120).endswith(", ~30s left")
    # the archive's rate not known yet: still at most the budget
    unknown = estimate(now, Sample(10.0, 100, 100, 100, 2, budget_left=30.0))
    assert unknown.left == pytest.approx(30.0)
    # links left to check for longer than the budget: the checking decides (not capped)
    slow = estimate(first, Sample(10.0, 1000, 10, 10, 2, budget_left=30.0))
    assert slow.left == pytest.approx(990.0)
    assert not slow.capped
