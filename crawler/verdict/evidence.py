"""What decided a verdict: found (the first marker a text holds, the first selector a page
matches) and told (``detail``, one line people read) — shared by the response's steps
(:mod:`crawler.verdict.judge`) and the page's (:mod:`crawler.verdict.page`). Pure.
"""

from __future__ import annotations

import re

from parsel import Selector

from crawler.base.verdicts import Fetched, Verdict

#: ``detail`` is cut to this many characters
MAX_DETAIL = 120
WS_RE = re.compile(r"\s+")


def evidence(kind: str, what: str) -> str:
    """``detail``: what decided a verdict, for people; one line, at most 120 characters."""
    text = WS_RE.sub(" ", f"{kind}: {what}" if what else kind).strip()
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def made(
    fetched: Fetched, status: str, reason: str, detail: str, rule: str, *, title: str | None = None
) -> Verdict:
    """The verdict on ``fetched``: its status and reason, the evidence and the rule that decided."""
    return Verdict(
        status, reason, fetched.status, fetched.final_url, title=title, detail=detail, rule=rule
    )


def first_marker(text: str, markers: tuple[str, ...]) -> str | None:
    """The first of ``markers`` that ``text`` holds."""
    return next((m for m in markers if m and m in text), None)


def any_selector(page: Selector, selectors: tuple[str, ...]) -> str | None:
    """The first of ``selectors`` that matches in ``page`` (invalid CSS never does)."""
    for css in selectors:
        try:
            if page.css(css):
                return css
        except ValueError:
            continue
    return None
