"""How far a run is, at what rates, and how long it has left: the progress line and bar's
arithmetic (pure: no Scrapy, no clock; :mod:`crawler.extensions.progress` feeds it samples).

Rates are measured over the samples of the last ``window`` seconds. The time left is the longer
of the two kinds of work: the links left to check at the checking rate, and the archive work
left at the archive's rate. While links are still being checked, the archive work they will
add is estimated from the share of the checked links that needed some so far. The archive's
time budget ends the run whatever is left: the time left never goes past it.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sample:
    """The counts at one moment."""

    at: float  # seconds, any fixed origin (the monotonic clock)
    links: int | None  # links to check in this run (None: not known)
    checked: int
    planned: int | None  # archive work planned (None: no archiving)
    archived: int  # archive work done
    #: seconds until the archive's time budget ends the run (None: no budget running)
    budget_left: float | None = None


@dataclass(frozen=True, slots=True)
class Estimate:
    now: Sample
    #: per second, over the window (None: no time has passed in it yet)
    link_rate: float | None
    archive_rate: float | None
    #: seconds left at those rates (None: not known yet)
    left: float | None
    #: archive work expected in all (``planned``, or more while links are being checked)
    expected: int | None
    #: the time left is the archive's time budget's (the work left would take longer)
    capped: bool = False


def estimate(first: Sample, now: Sample) -> Estimate:
    """The rates between two samples, and the time left after the second."""
    elapsed = now.at - first.at
    link_rate = (now.checked - first.checked) / elapsed if elapsed > 0 else None
    archive_rate = (now.archived - first.archived) / elapsed if elapsed > 0 else None
    links_left = None if now.links is None else max(0, now.links - now.checked)
    expected = now.planned
    if now.planned is not None and now.links is not None and links_left and now.checked:
        expected = max(now.planned, math.ceil(now.planned * now.links / now.checked))
    archive_left = 0 if expected is None else max(0, expected - now.archived)
    archive_seconds = _seconds(archive_left, archive_rate)
    capped = False
    budget = now.budget_left
    if budget is not None and archive_left and _unknown_last(archive_seconds) > budget:
        archive_seconds, capped = max(0.0, budget), True
    links_seconds = _seconds(links_left, link_rate)
    left = max(links_seconds, archive_seconds, key=_unknown_last)
    capped = capped and left == archive_seconds
    return Estimate(now, link_rate, archive_rate, left, expected, capped)


def _seconds(work: int | None, rate: float | None) -> float | None:
    if work == 0:
        return 0.0
    if work is None or not rate or rate <= 0:
        return None
    return work / rate


def _unknown_last(seconds: float | None) -> float:
    return math.inf if seconds is None else seconds


class Meter:
    """The samples of the last ``window`` seconds: each new one gives an :class:`Estimate`."""

    def __init__(self, window: float) -> None:
        self.window = window
        self.samples: deque[Sample] = deque()

    def add(self, sample: Sample) -> Estimate:
        self.samples.append(sample)
        while len(self.samples) > 1 and sample.at - self.samples[1].at >= self.window:
            self.samples.popleft()  # the oldest that still spans the window stays
        return estimate(self.samples[0], sample)


def duration(seconds: float) -> str:
    """``45s``, ``3m 20s``, ``1h 02m``."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"


def _counts(e: Estimate) -> list[str]:
    now = e.now
    parts = []
    if now.links is None:
        parts.append(f"{now.checked} links checked")
    else:
        share = math.floor(100 * now.checked / now.links) if now.links else 100
        parts.append(f"{now.checked} of {now.links} links checked ({share}%)")
    if now.planned is not None:
        parts.append(f"archive work {now.archived} of {now.planned} done")
    return parts


def _left(e: Estimate) -> str:
    if e.left is None:
        return "time left not known yet"
    if e.capped:
        return f"about {duration(e.left)} left: the archive's time budget ends the run then"
    return f"about {duration(e.left)} left at the current rates"


def line(e: Estimate, *, ended: bool = False) -> str:
    """The progress log line: ``3 of 5 links checked (60%), archive work 1 of 4 done; about 12s
    left at the current rates`` (``ended``: the run is over, no time left is given)."""
    return ", ".join(_counts(e)) + "; " + ("run over" if ended else _left(e))


def bar(e: Estimate, width: int) -> str:
    """The progress bar, at most ``width - 1`` characters: ``[#####-----] 3/5 links, archive
    1/4, ~12s left``. It fills with the work done of the work expected (links and archive)."""
    now = e.now
    total = (now.links or 0) + (e.expected or 0)
    done = now.checked + now.archived
    share = min(1.0, done / total) if total else 0.0
    links = f"{now.checked}/{now.links}" if now.links is not None else f"{now.checked}"
    text = f"{math.floor(100 * share):3d}% {links} links"
    if now.planned is not None:
        text += f", archive {now.archived}/{now.planned}"
    text += ", time left ?" if e.left is None else f", ~{duration(e.left)} left"
    cells = min(30, width - 1 - len(text) - 3)
    if cells >= 5:
        filled = math.floor(cells * share)
        text = f"[{'#' * filled}{'-' * (cells - filled)}] {text}"
    return text.lstrip()[: max(0, width - 1)]
