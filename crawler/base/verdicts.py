"""The verdict vocabulary every stage speaks: the statuses, what the downloader saw of a link
(:class:`Fetched`) and what it says about the link (:class:`Verdict`).

The rules that decide are in :mod:`crawler.verdict.judge`; the reason codes and their text in
:mod:`crawler.verdict.reasons`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ALIVE, DEAD, BLOCKED, ERROR, SKIPPED, IGNORED = (
    "alive",
    "dead",
    "blocked",
    "error",
    "skipped",
    "ignored",
)
STATUSES = (ALIVE, DEAD, BLOCKED, ERROR, SKIPPED, IGNORED)
#: statuses that count toward confirming a link dead; ``alive`` resets; the rest are neutral
FAILING = (DEAD, ERROR)


@dataclass(frozen=True, slots=True)
class Fetched:
    """What the downloader saw of one link."""

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    #: reading stopped before the end of the body (cap reached, or enough seen)
    truncated: bool = False
    #: the redirects followed, in order: (status, URL it redirected from)
    redirects: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    status: str
    reason: str
    http_status: int | None = None
    final_url: str | None = None
    title: str | None = None
    #: a short detail for people (an exception's text, a marker that matched); never a raw URL
    detail: str = ""
    #: a link the page says the content moved to (WeChat account migration)
    moved_to: str | None = None
    #: the rule that decided, for ``linkhealth rules explain`` (not stored)
    rule: str = ""
