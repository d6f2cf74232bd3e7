"""What a fetched page says about a link: a verdict, a reason code and a title.

Pure: takes what the downloader saw, returns a :class:`Verdict`. The reason codes and the text
people read for them are in :mod:`crawler.reasons`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.rules import Platform, Rules
from crawler.titles import decode_html, extract_title

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

_BLOCKED_STATUSES = {401, 403, 407, 429, 451}
_GONE_STATUSES = {404, 410}
_PERMANENT = {301, 308}
#: how much of a page's text generic anti-bot markers are looked for in
_GENERIC_MARKER_SPAN = 16384
_HEAD_END_BYTES = re.compile(rb"</head\s*>", re.IGNORECASE)


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
    extra: Mapping[str, str] = field(default_factory=dict)


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


def _made(fetched: Fetched, status: str, reason: str, detail: str = "") -> Verdict:
    return Verdict(status, reason, fetched.status, fetched.final_url, detail=detail)


def judge(fetched: Fetched, rules: Rules) -> Verdict:
    """The verdict for a response (after redirects and retries)."""
    status = fetched.status
    final = fetched.final_url
    platform = rules.platform_for(_host(fetched.url))
    final_platform = rules.platform_for(_host(final))
    generic = rules.generic

    for plat in (final_platform, platform, generic):
        if marker := _url_matches(final, plat.verification_url_patterns):
            return _made(fetched, BLOCKED, plat.reason_verification, detail=marker)

    override = rules.statuses.get(status)
    if override:
        return _made(fetched, override, f"http-{status}")
    if status in _GONE_STATUSES:
        return _made(fetched, DEAD, f"http-{status}")
    if status in _BLOCKED_STATUSES:
        text = decode_html(fetched.body, fetched.headers.get("content-type"))
        if marker := _first_marker(text, platform.verification_markers):
            return _made(fetched, BLOCKED, platform.reason_verification, detail=marker)
        return _made(fetched, BLOCKED, f"http-{status}")
    if status >= 500:
        return _made(fetched, ERROR, f"http-{status}")
    if 300 <= status < 400:
        return _made(fetched, ERROR, "redirect-unfollowed")
    if status >= 400 or status < 200:
        return _made(fetched, ERROR, f"http-{status}")

    # 2xx from here on
    if fetched.redirects:
        for plat in (final_platform, platform, generic):
            if marker := _url_matches(final, plat.error_url_patterns):
                return _made(fetched, DEAD, "redirect-to-error-page", detail=marker)
        if _redirected_to_root(fetched):
            return _made(fetched, DEAD, "redirect-to-root")
    content_type = fetched.headers.get("content-type", "")
    if not fetched.body:
        if fetched.truncated:  # stopped at the headers: a file we do not read (PDF, video…)
            return _made(fetched, ALIVE, "ok")
        return _made(fetched, ERROR, "empty-body")
    if content_type and not any(t in content_type.lower() for t in ("html", "xml", "text/plain")):
        return _made(fetched, ALIVE, "ok")
    return _judge_page(fetched, final_platform, generic)


def _head_bytes(body: bytes) -> bytes:
    """The body up to the end of its ``<head>`` (all of it when there is none)."""
    match = _HEAD_END_BYTES.search(body)
    return body[: match.end()] if match else body


def _judge_page(fetched: Fetched, platform: Platform, generic: Platform) -> Verdict:
    needs_body = bool(
        platform.content_selectors or platform.removal_selectors or platform is not generic
    )
    # an ordinary page is judged by its head: decode and parse no more than that
    body = fetched.body if needs_body else _head_bytes(fetched.body)
    text = decode_html(body, fetched.headers.get("content-type"), truncated=fetched.truncated)
    page = Selector(text=text or "<html></html>")
    http_status = fetched.status
    final_url = fetched.final_url

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
            )
        marker = _first_marker(text, platform.verification_markers)
        if marker and platform is not generic:
            return Verdict(
                BLOCKED, platform.reason_verification, http_status, final_url, detail=marker
            )
        title = extract_title(page, text, platform, generic)
        # a named platform's removal wording anywhere; the generic ones only in the title
        removal = _first_marker(text, platform.removal_markers) if platform is not generic else None
        if removal is None and title:
            removal = _first_marker(title, generic.removal_markers)
        box = _any_selector(page, platform.removal_selectors)
        if removal or box:
            return Verdict(
                DEAD, platform.reason_removed, http_status, final_url, detail=removal or box or ""
            )
        if platform.content_selectors:
            # the page has neither the article nor a removal message: we could not tell
            reason = "truncated-page" if fetched.truncated else "unrecognized-page"
            return Verdict(BLOCKED, reason, http_status, final_url, title=title)
    generic_marker = _first_marker(text[:_GENERIC_MARKER_SPAN], generic.verification_markers)
    if generic_marker and not has_content:
        return Verdict(BLOCKED, "anti-bot", http_status, final_url, detail=generic_marker)
    title = extract_title(page, text, platform, generic)
    permanent = any(code in _PERMANENT for code, _ in fetched.redirects)
    reason = "redirected-permanent" if permanent else "ok"
    return Verdict(ALIVE, reason, http_status, final_url, title=title)
