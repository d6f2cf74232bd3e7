"""What a page that answered 2xx says about its link: the verdict from its content (pure).

:func:`judge_page` reads the page (an ordinary one by its head), then
asks, in order: is the content there (the page type's content signals, the platform's content
selectors)? Did the account move? Otherwise, in the order the checks are numbered below: is it
about us (a verification wording or marker), a removal, a challenge page, a page the rules do not
recognize, or an ordinary page (parked, or there — weakly when it shows almost no text)?
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from parsel import Selector

from crawler.base.rules import PageType, Platform, Rules
from crawler.base.verdicts import ALIVE, BLOCKED, DEAD, Fetched, Verdict
from crawler.verdict.evidence import WS_RE, any_selector, evidence, first_marker, made
from crawler.verdict.signs import (
    challenge_title,
    parking_sign,
    shows_little_text,
    text_of,
    title_says,
    word_in,
)
from crawler.verdict.titles import decode_html, extract_title

_PERMANENT = {301, 308}
#: how much of a page's text generic anti-bot markers are looked for in
_GENERIC_MARKER_SPAN = 16384
_HEAD_END_BYTES = re.compile(rb"</head\s*>", re.IGNORECASE)
#: a page read whole up to this size is parsed whole (an ordinary page is otherwise judged by
#: its head): a parking page's wording and a page with almost no text are seen there
SMALL_PAGE = 16_384
#: the reason of a parked or for-sale domain
PARKED = "parked-domain"
#: in ``detail``: ``ok`` decided only because nothing matched, on a page with almost no text
#: (the reports list such pages with those we could not read)
WEAK_SIGNAL = "weak signal"


@dataclass(frozen=True, slots=True)
class _Page:
    """A page as read for its verdict, with the rules it is judged by."""

    fetched: Fetched
    platform: Platform  # the final URL's platform (``generic`` on any other host)
    generic: Platform
    rules: Rules
    page_type: PageType | None
    text: str  # the decoded text markers are looked for in (an ordinary page's head)
    page: Selector  # the parsed page (whole when it is small and was read whole)
    whole: bool  # small and read whole: its parking signs and how much text it shows count

    @property
    def named(self) -> bool:
        """On a platform of the rules (not any other host)."""
        return self.platform is not self.generic

    def title(self) -> str | None:
        return extract_title(self.page, self.text, self.platform, self.generic)


def _head_bytes(body: bytes) -> bytes:
    """The body up to the end of its ``<head>`` (all of it when there is none)."""
    match = _HEAD_END_BYTES.search(body)
    return body[: match.end()] if match else body


def _read(
    fetched: Fetched,
    platform: Platform,
    generic: Platform,
    rules: Rules,
    page_type: PageType | None,
) -> _Page:
    """The page decoded and parsed, no more of it than its verdict needs."""
    needs_body = bool(
        page_type is not None or platform.content_selectors or platform is not generic
    )
    # an ordinary page is judged by its head: decode and parse no more than that
    body = fetched.body if needs_body else _head_bytes(fetched.body)
    content_type = fetched.headers.get("content-type")
    text = decode_html(body, content_type, truncated=fetched.truncated)
    # ... but a small one read whole is parsed whole, for the signs of a parking page and for
    # how much text it shows (its markers are still looked for in the head's text)
    whole = not fetched.truncated and len(fetched.body) <= SMALL_PAGE
    seen = text
    if whole and len(body) < len(fetched.body):
        seen = decode_html(fetched.body, content_type)
    page = Selector(text=seen or "<html></html>")
    return _Page(fetched, platform, generic, rules, page_type, text, page, whole)


def message_of(page: Selector, platform: Platform) -> tuple[str, str] | None:
    """The platform's message on the page: (the selector that found it, its text)."""
    for css in platform.message_selectors:
        if text := text_of(page, css):
            return css, text
    return None


def content_signal(page: Selector, text: str, page_type: PageType) -> str | None:
    """The first content signal of ``page_type`` the page shows (a selector or a pattern)."""
    if found := any_selector(page, page_type.content_selectors):
        return found
    return next((p.pattern for p in page_type.content_patterns if p.search(text)), None)


def challenge_of(text: str, generic: Platform, *, patterns: bool) -> str | None:
    """A generic anti-bot marker (or, with ``patterns``, a challenge script) in the page's start."""
    start = text[:_GENERIC_MARKER_SPAN]
    if marker := first_marker(start, generic.verification_markers):
        return marker
    if patterns:
        for pattern in generic.verification_patterns:
            if match := pattern.search(start):
                return WS_RE.sub(" ", match.group(0))
    return None


def alive_reason(fetched: Fetched) -> str:
    permanent = any(code in _PERMANENT for code, _ in fetched.redirects)
    return "redirected-permanent" if permanent else "ok"


def judge_page(
    fetched: Fetched,
    platform: Platform,
    generic: Platform,
    rules: Rules,
    page_type: PageType | None,
) -> Verdict:
    """The verdict on a 2xx page of ``platform`` (of ``page_type``, if it is of one)."""
    p = _read(fetched, platform, generic, rules, page_type)
    ok = alive_reason(fetched)
    if page_type is not None:
        if signal := content_signal(p.page, p.text, page_type):
            said = evidence("content signal", signal)
            rule = f"page {page_type.name}: content signal"
            return made(fetched, ALIVE, ok, said, rule, title=p.title())
    elif content := any_selector(p.page, platform.content_selectors):
        said = evidence("content", content)
        rule = f"platform {platform.name}: content_selectors"
        return made(fetched, ALIVE, ok, said, rule, title=p.title())
    return _moved(p) or _without_content(p)


def _moved(p: _Page) -> Verdict | None:
    """The account moved: the article lives on at the link the page gives."""
    moved = p.platform.moved_regex
    if not moved or not (match := moved.search(p.text)):
        return None
    final_url = p.fetched.final_url
    return Verdict(
        ALIVE,
        "moved",
        p.fetched.status,
        final_url,
        title=None,
        moved_to=urljoin(final_url, match.group(1)),
        detail="the account moved; the article lives on at its new link",
        rule=f"platform {p.platform.name}: moved_regex",
    )


def _without_content(p: _Page) -> Verdict:
    """A page without the content expected of it (or an ordinary page): the checks in order."""
    title = p.title()
    message = message_of(p.page, p.platform) if p.named else None
    wording = message[1] if message else ""
    return (
        _about_us(p, title, wording)
        or _removed(p, title, wording)
        or _challenge(p, title=title)
        or _unrecognized(p, title, wording)
        or _ordinary(p, title=title)
    )


def _about_us(p: _Page, title: str | None, wording: str) -> Verdict | None:
    """1. about us, not the content: a verification, frequency or limit wording, in the message
    box, or a title that is such a wording ("安全验证 - 知乎", not "如何验证模型")."""
    platform, rules = p.platform, p.rules
    word = word_in(wording, rules.verification_words) if wording else None
    place, said = "message", wording
    if word is None and p.named and title:
        word = title_says(title, rules.verification_words)
        place, said = "title", title
    if word:
        found = evidence(f"{place} ({word})", said)
        return made(
            p.fetched, BLOCKED, platform.reason_verification, found, "messages: verification_words"
        )
    # on any other host: a title that is a challenge's wording ("安全验证", "Just a moment...")
    if not p.named and title and (word := challenge_title(title, rules)):
        found = evidence(f"title ({word})", title)
        return made(p.fetched, BLOCKED, "anti-bot", found, "challenge: titles")
    if p.named and (marker := first_marker(p.text, platform.verification_markers)):
        rule = f"platform {platform.name}: verification_markers"
        return made(
            p.fetched, BLOCKED, platform.reason_verification, evidence("marker", marker), rule
        )
    return None


def _removed(p: _Page, title: str | None, wording: str) -> Verdict | None:
    """2. a removal wording where the platform says such things: its message box, the title;
    or a message nobody taught us, made of removal words and of no verification word."""
    platform = p.platform
    removal = first_marker(wording, platform.removal_markers) if p.named else None
    place = "message"
    if removal is None and title:
        place = "title"
        removal = title_says(title, platform.removal_markers) if p.named else None
        removal = removal or title_says(title, p.generic.removal_markers)
    if removal:
        said = wording if place == "message" else title or removal
        rule = f"platform {platform.name}: removal_markers"
        return made(p.fetched, DEAD, platform.reason_removed, evidence(place, said), rule)
    if wording and (word := word_in(wording, p.rules.removal_words)):
        found = evidence(f"message ({word})", wording)
        return made(p.fetched, DEAD, platform.reason_removed, found, "messages: removal_words")
    return None


def _challenge(p: _Page, title: str | None) -> Verdict | None:
    """3. a challenge page (generic markers; scripts only where no page is expected)."""
    scripts = p.page_type is not None or not title
    if challenge := challenge_of(p.text, p.generic, patterns=scripts):
        found = evidence("challenge", challenge)
        return made(p.fetched, BLOCKED, "anti-bot", found, "generic: verification")
    return None


def _unrecognized(p: _Page, title: str | None, wording: str) -> Verdict | None:
    """4. a message nobody taught us, or no content where content is expected."""
    platform, page_type = p.platform, p.page_type
    reason = "truncated-page" if p.fetched.truncated else "unrecognized-page"
    if wording:
        rule = f"platform {platform.name}: message_selectors"
        found = evidence("message", wording)
        return made(p.fetched, BLOCKED, "unrecognized-page", found, rule, title=title)
    if page_type is not None:
        rule = f"page {page_type.name}: content signals"
        found = evidence("no content signal", page_type.name)
        return made(p.fetched, BLOCKED, reason, found, rule, title=title)
    if platform.content_selectors:
        rule = f"platform {platform.name}: content_selectors"
        found = evidence("no content", ", ".join(platform.content_selectors))
        return made(p.fetched, BLOCKED, reason, found, rule, title=title)
    return None


def _ordinary(p: _Page, title: str | None) -> Verdict:
    """5. an ordinary page: parked or for sale, or there (weakly, when it shows almost no text)."""
    fetched = p.fetched
    shown = shows_little_text(p.page) if p.whole and not p.named else None
    little = shown is not None
    parked = None
    if not p.named:
        parked = parking_sign(
            fetched.url, fetched.final_url, p.page, p.rules, title=title or "", little_text=little
        )
    if parked:
        what, rule = parked
        return made(fetched, DEAD, PARKED, evidence("parking", what), rule, title=title)
    said = str(fetched.status)
    if little:
        said += f"; {WEAK_SIGNAL}: almost no text ({shown} characters)"
    return made(
        fetched, ALIVE, alive_reason(fetched), evidence("HTTP", said), "status", title=title
    )
