"""What a fetched page says about a link: a verdict, a reason code and a title.

Pure: takes what the downloader saw, returns a :class:`Verdict`. The reason codes and the text
people read for them are in :mod:`crawler.verdict.reasons`.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.base.rules import PageType, Platform, Rules
from crawler.base.verdicts import ALIVE, BLOCKED, DEAD, ERROR, Fetched, Verdict
from crawler.verdict.signs import (
    challenge_title,
    parking_sign,
    redirect_sign,
    shows_little_text,
    text_of,
    title_says,
    waf_sign,
    word_in,
)
from crawler.verdict.titles import decode_html, extract_title

_BLOCKED_STATUSES = {401, 403, 407, 429, 451}
_GONE_STATUSES = {404, 410}
_PERMANENT = {301, 308}
#: how much of a page's text generic anti-bot markers are looked for in
_GENERIC_MARKER_SPAN = 16384
_HEAD_END_BYTES = re.compile(rb"</head\s*>", re.IGNORECASE)
_WS_RE = re.compile(r"\s+")
#: a page read whole up to this size is parsed whole (an ordinary page is otherwise judged by
#: its head): a parking page's wording and a page with almost no text are seen there
SMALL_PAGE = 16_384
#: the reason of a parked or for-sale domain
PARKED = "parked-domain"
#: in ``detail``: ``ok`` decided only because nothing matched, on a page with almost no text
#: (the reports list such pages with those we could not read)
WEAK_SIGNAL = "weak signal"
#: ``detail`` is cut to this many characters
MAX_DETAIL = 120


def _path(url: str) -> str:
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return "/"


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _url_matches(url: str, patterns: tuple[str, ...]) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    target = parts.path + ("?" + parts.query if parts.query else "")
    return next((p for p in patterns if p in target), None)


def _first_marker(text: str, markers: tuple[str, ...]) -> str | None:
    return next((m for m in markers if m and m in text), None)


def _any_selector(page: Selector, selectors: tuple[str, ...]) -> str | None:
    for css in selectors:
        try:
            if page.css(css):
                return css
        except ValueError:
            continue
    return None


def _redirected_to_root(fetched: Fetched) -> bool:
    """A deep URL that redirected to the home page of its own site."""
    if not fetched.redirects:
        return False
    start, end = fetched.url, fetched.final_url
    if _path(start) in ("/", "") or _path(end) not in ("/", "", "/index.html", "/index.php"):
        return False
    same_site = _host(start).removeprefix("www.") == _host(end).removeprefix("www.")
    return same_site and not urlsplit(end).query


def _made(fetched: Fetched, status: str, reason: str, detail: str, rule: str) -> Verdict:
    return Verdict(status, reason, fetched.status, fetched.final_url, detail=detail, rule=rule)


def page_type_of(url: str, rules: Rules) -> PageType | None:
    """The page type of a URL (rules ``[[page]]``), if it is of one."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    names = [p.partition("=")[0] for p in parts.query.split("&") if p]
    return rules.page_type(host, parts.path or "/", names)


def judge(fetched: Fetched, rules: Rules) -> Verdict:
    """The verdict for a response (after redirects and retries)."""
    status = fetched.status
    final = fetched.final_url
    platform = rules.platform_for(_host(fetched.url))
    final_platform = rules.platform_for(_host(final))
    generic = rules.generic

    for plat in (final_platform, platform, generic):
        if marker := _url_matches(final, plat.verification_url_patterns):
            return _made(
                fetched,
                BLOCKED,
                plat.reason_verification,
                evidence("redirected to", marker),
                f"platform {plat.name}: verification_url_patterns",
            )

    if fetched.redirects and (sign := redirect_sign(fetched.url, final, rules)):
        kind, where, rule = sign
        if kind == "challenge":
            return _made(fetched, BLOCKED, "anti-bot", evidence("redirected to", where), rule)
        return _made(fetched, DEAD, PARKED, evidence("redirected to", where), rule)

    http = evidence("HTTP", str(status))
    override = rules.statuses.get(status)
    if override:
        return _made(fetched, override, f"http-{status}", http, "statuses")
    if status in _GONE_STATUSES:
        return _made(fetched, DEAD, f"http-{status}", http, "status")
    if status >= 400:
        text = decode_html(fetched.body, fetched.headers.get("content-type"))
        marker = _first_marker(text, platform.verification_markers)
        if status in _BLOCKED_STATUSES and marker:
            return _made(
                fetched,
                BLOCKED,
                platform.reason_verification,
                evidence(f"HTTP {status}, marker", marker),
                f"platform {platform.name}: verification_markers",
            )
        page = Selector(text=text or "<html></html>")
        if waf := waf_sign(fetched.headers, page, text, rules):
            what, rule = waf
            return _made(fetched, BLOCKED, "anti-bot", evidence(f"HTTP {status}, WAF", what), rule)
    if status in _BLOCKED_STATUSES:
        return _made(fetched, BLOCKED, f"http-{status}", http, "status")
    if status >= 500:
        return _made(fetched, ERROR, f"http-{status}", http, "status")
    if 300 <= status < 400:
        return _made(fetched, ERROR, "redirect-unfollowed", http, "status")
    if status >= 400 or status < 200:
        return _made(fetched, ERROR, f"http-{status}", http, "status")

    # 2xx from here on
    if fetched.redirects:
        for plat in (final_platform, platform, generic):
            if marker := _url_matches(final, plat.error_url_patterns):
                return _made(
                    fetched,
                    DEAD,
                    "redirect-to-error-page",
                    evidence("redirected to", marker),
                    f"platform {plat.name}: error_url_patterns",
                )
        if _redirected_to_root(fetched):
            return _made(
                fetched,
                DEAD,
                "redirect-to-root",
                evidence("redirected to", _path(final)),
                "redirect to the home page",
            )
    content_type = fetched.headers.get("content-type", "")
    if not fetched.body:
        if fetched.truncated:  # stopped at the headers: a file we do not read (PDF, video…)
            return _made(
                fetched,
                ALIVE,
                "ok",
                evidence(f"HTTP {status}", content_type or "not a page"),
                "status",
            )
        return _made(fetched, ERROR, "empty-body", evidence(f"HTTP {status}", "empty"), "status")
    if content_type and not any(t in content_type.lower() for t in ("html", "xml", "text/plain")):
        return _made(fetched, ALIVE, "ok", evidence(f"HTTP {status}", content_type), "status")
    page_type = page_type_of(final, rules) or page_type_of(fetched.url, rules)
    return _judge_page(fetched, final_platform, generic, rules, page_type)


def _head_bytes(body: bytes) -> bytes:
    """The body up to the end of its ``<head>`` (all of it when there is none)."""
    match = _HEAD_END_BYTES.search(body)
    return body[: match.end()] if match else body


def message_of(page: Selector, platform: Platform) -> tuple[str, str] | None:
    """The platform's message on the page: (the selector that found it, its text)."""
    for css in platform.message_selectors:
        if text := text_of(page, css):
            return css, text
    return None


def content_signal(page: Selector, text: str, page_type: PageType) -> str | None:
    """The first content signal of ``page_type`` the page shows (a selector or a pattern)."""
    if found := _any_selector(page, page_type.content_selectors):
        return found
    return next((p.pattern for p in page_type.content_patterns if p.search(text)), None)


def challenge_of(text: str, generic: Platform, *, patterns: bool) -> str | None:
    """A generic anti-bot marker (or, with ``patterns``, a challenge script) in the page's start."""
    start = text[:_GENERIC_MARKER_SPAN]
    if marker := _first_marker(start, generic.verification_markers):
        return marker
    if patterns:
        for pattern in generic.verification_patterns:
            if match := pattern.search(start):
                return _WS_RE.sub(" ", match.group(0))
    return None


def evidence(kind: str, what: str) -> str:
    """``detail``: what decided a verdict, for people; one line, at most 120 characters."""
    text = _WS_RE.sub(" ", f"{kind}: {what}" if what else kind).strip()
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def _judge_page(
    fetched: Fetched,
    platform: Platform,
    generic: Platform,
    rules: Rules,
    page_type: PageType | None,
) -> Verdict:
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
    http_status = fetched.status
    final_url = fetched.final_url

    def made(status: str, reason: str, detail: str, rule: str, title: str | None = None) -> Verdict:
        return Verdict(
            status, reason, http_status, final_url, title=title, detail=detail, rule=rule
        )

    if page_type is not None:
        if signal := content_signal(page, text, page_type):
            title = extract_title(page, text, platform, generic)
            return made(
                ALIVE,
                _alive_reason(fetched),
                evidence("content signal", signal),
                f"page {page_type.name}: content signal",
                title,
            )
        has_content = None
    else:
        has_content = _any_selector(page, platform.content_selectors)
    if not has_content:
        if platform.moved_regex and (match := platform.moved_regex.search(text)):
            target = urljoin(final_url, match.group(1))
            return Verdict(
                ALIVE,
                "moved",
                http_status,
                final_url,
                title=None,
                moved_to=target,
                detail="the account moved; the article lives on at its new link",
                rule=f"platform {platform.name}: moved_regex",
            )
        title = extract_title(page, text, platform, generic)
        named = platform is not generic
        message = message_of(page, platform) if named else None
        wording = message[1] if message else ""
        # 1. about us, not the content: a verification, frequency or limit wording, in the
        # message box, or a title that is such a wording ("安全验证 - 知乎", not "如何验证模型")
        word = word_in(wording, rules.verification_words) if wording else None
        place, said = "message", wording
        if word is None and named and title:
            word = title_says(title, rules.verification_words)
            place, said = "title", title
        if word:
            return made(
                BLOCKED,
                platform.reason_verification,
                evidence(f"{place} ({word})", said),
                "messages: verification_words",
            )
        # on any other host: a title that is a challenge's wording ("安全验证", "Just a moment...")
        if not named and title and (word := challenge_title(title, rules)):
            return made(
                BLOCKED,
                "anti-bot",
                evidence(f"title ({word})", title),
                "challenge: titles",
            )
        if named and (marker := _first_marker(text, platform.verification_markers)):
            return made(
                BLOCKED,
                platform.reason_verification,
                evidence("marker", marker),
                f"platform {platform.name}: verification_markers",
            )
        # 2. a removal wording where the platform says such things: its message box, the title
        removal = _first_marker(wording, platform.removal_markers) if named else None
        place = "message"
        if removal is None and title:
            place = "title"
            removal = title_says(title, platform.removal_markers) if named else None
            removal = removal or title_says(title, generic.removal_markers)
        if removal:
            said = wording if place == "message" else title or removal
            return made(
                DEAD,
                platform.reason_removed,
                evidence(place, said),
                f"platform {platform.name}: removal_markers",
            )
        # a message nobody taught us, made of removal words and of no verification word
        if wording and (word := word_in(wording, rules.removal_words)):
            return made(
                DEAD,
                platform.reason_removed,
                evidence(f"message ({word})", wording),
                "messages: removal_words",
            )
        # 3. a challenge page (generic markers; scripts only where no page is expected)
        scripts = page_type is not None or not title
        if challenge := challenge_of(text, generic, patterns=scripts):
            return made(
                BLOCKED, "anti-bot", evidence("challenge", challenge), "generic: verification"
            )
        # 4. a message nobody taught us, or no content where content is expected
        truncated = "truncated-page" if fetched.truncated else "unrecognized-page"
        if wording:
            return made(
                BLOCKED,
                "unrecognized-page",
                evidence("message", wording),
                f"platform {platform.name}: message_selectors",
                title,
            )
        if page_type is not None:
            return made(
                BLOCKED,
                truncated,
                evidence("no content signal", page_type.name),
                f"page {page_type.name}: content signals",
                title,
            )
        if platform.content_selectors:
            return made(
                BLOCKED,
                truncated,
                evidence("no content", ", ".join(platform.content_selectors)),
                f"platform {platform.name}: content_selectors",
                title,
            )
        # 5. an ordinary page: parked or for sale, or there (weakly, when it shows almost no text)
        shown = shows_little_text(page) if whole and not named else None
        little = shown is not None
        parked = None
        if not named:
            parked = parking_sign(
                fetched.url, final_url, page, rules, title=title or "", little_text=little
            )
        if parked:
            what, rule = parked
            return made(DEAD, PARKED, evidence("parking", what), rule, title)
        said = str(http_status)
        if little:
            said += f"; {WEAK_SIGNAL}: almost no text ({shown} characters)"
        return made(ALIVE, _alive_reason(fetched), evidence("HTTP", said), "status", title)
    title = extract_title(page, text, platform, generic)
    return made(
        ALIVE,
        _alive_reason(fetched),
        evidence("content", has_content),
        f"platform {platform.name}: content_selectors",
        title,
    )


def _alive_reason(fetched: Fetched) -> str:
    permanent = any(code in _PERMANENT for code, _ in fetched.redirects)
    return "redirected-permanent" if permanent else "ok"
