"""What a fetched page says about a link: a verdict, a reason code and a title.

Pure: takes what the downloader saw, returns a :class:`Verdict`. :func:`judge` looks at the
response, in order: a redirect to a verification page, to a challenge or a parking domain; the
status; a 2xx redirect to an error page or the home page; a body that is no page. A page is then
judged by its content (:mod:`crawler.verdict.page`). The reason codes and the text people read
for them are in :mod:`crawler.verdict.reasons`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from parsel import Selector

from crawler.base.rules import PageType, Platform, Rules
from crawler.base.verdicts import ALIVE, BLOCKED, DEAD, ERROR, Fetched, Verdict
from crawler.verdict.evidence import evidence, first_marker, made
from crawler.verdict.page import PARKED, WEAK_SIGNAL, judge_page
from crawler.verdict.signs import redirect_sign, waf_sign
from crawler.verdict.titles import decode_html

__all__ = ["WEAK_SIGNAL", "evidence", "judge", "page_type_of"]

_BLOCKED_STATUSES = {401, 403, 407, 429, 451}
_GONE_STATUSES = {404, 410}


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


def _redirected_to_root(fetched: Fetched) -> bool:
    """A deep URL that redirected to the home page of its own site."""
    if not fetched.redirects:
        return False
    start, end = fetched.url, fetched.final_url
    if _path(start) in ("/", "") or _path(end) not in ("/", "", "/index.html", "/index.php"):
        return False
    same_site = _host(start).removeprefix("www.") == _host(end).removeprefix("www.")
    return same_site and not urlsplit(end).query


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
    platform = rules.platform_for(_host(fetched.url))
    final_platform = rules.platform_for(_host(fetched.final_url))
    # the platforms whose URL patterns may name where the link ended up, the final URL's first
    platforms = (final_platform, platform, rules.generic)
    verdict = (
        _redirected_to_verification(fetched, platforms)
        or _redirected_to_a_sign(fetched, rules)
        or _by_status(fetched, platform, rules)
        or _redirected_to_an_error(fetched, platforms)
        or _not_a_page(fetched)
    )
    if verdict is not None:
        return verdict
    page_type = page_type_of(fetched.final_url, rules) or page_type_of(fetched.url, rules)
    return judge_page(fetched, final_platform, rules.generic, rules, page_type)


def _redirected_to_verification(
    fetched: Fetched, platforms: tuple[Platform, ...]
) -> Verdict | None:
    for plat in platforms:
        if marker := _url_matches(fetched.final_url, plat.verification_url_patterns):
            return made(
                fetched,
                BLOCKED,
                plat.reason_verification,
                evidence("redirected to", marker),
                f"platform {plat.name}: verification_url_patterns",
            )
    return None


def _redirected_to_a_sign(fetched: Fetched, rules: Rules) -> Verdict | None:
    """Redirected to a challenge (blocked) or to a parking domain (dead)."""
    if not fetched.redirects or not (sign := redirect_sign(fetched.url, fetched.final_url, rules)):
        return None
    kind, where, rule = sign
    if kind == "challenge":
        return made(fetched, BLOCKED, "anti-bot", evidence("redirected to", where), rule)
    return made(fetched, DEAD, PARKED, evidence("redirected to", where), rule)


def _by_status(fetched: Fetched, platform: Platform, rules: Rules) -> Verdict | None:
    """The verdict of any status but 2xx (None for a 2xx: the page decides)."""
    status = fetched.status
    http = evidence("HTTP", str(status))
    override = rules.statuses.get(status)
    if override:
        return made(fetched, override, f"http-{status}", http, "statuses")
    if status in _GONE_STATUSES:
        return made(fetched, DEAD, f"http-{status}", http, "status")
    if status >= 400 and (said := _error_page_says(fetched, platform, rules)):
        return said
    if status in _BLOCKED_STATUSES:
        return made(fetched, BLOCKED, f"http-{status}", http, "status")
    if status >= 500:
        return made(fetched, ERROR, f"http-{status}", http, "status")
    if 300 <= status < 400:
        return made(fetched, ERROR, "redirect-unfollowed", http, "status")
    if status >= 400 or status < 200:
        return made(fetched, ERROR, f"http-{status}", http, "status")
    return None


def _error_page_says(fetched: Fetched, platform: Platform, rules: Rules) -> Verdict | None:
    """A 4xx/5xx page that is the platform's verification page or a firewall's block page."""
    status = fetched.status
    text = decode_html(fetched.body, fetched.headers.get("content-type"))
    marker = first_marker(text, platform.verification_markers)
    if status in _BLOCKED_STATUSES and marker:
        return made(
            fetched,
            BLOCKED,
            platform.reason_verification,
            evidence(f"HTTP {status}, marker", marker),
            f"platform {platform.name}: verification_markers",
        )
    page = Selector(text=text or "<html></html>")
    if waf := waf_sign(fetched.headers, page, text, rules):
        what, rule = waf
        return made(fetched, BLOCKED, "anti-bot", evidence(f"HTTP {status}, WAF", what), rule)
    return None


def _redirected_to_an_error(fetched: Fetched, platforms: tuple[Platform, ...]) -> Verdict | None:
    """A 2xx reached by redirects to an error page or to the home page of the site."""
    if not fetched.redirects:
        return None
    for plat in platforms:
        if marker := _url_matches(fetched.final_url, plat.error_url_patterns):
            return made(
                fetched,
                DEAD,
                "redirect-to-error-page",
                evidence("redirected to", marker),
                f"platform {plat.name}: error_url_patterns",
            )
    if _redirected_to_root(fetched):
        said = evidence("redirected to", _path(fetched.final_url))
        return made(fetched, DEAD, "redirect-to-root", said, "redirect to the home page")
    return None


def _not_a_page(fetched: Fetched) -> Verdict | None:
    """A 2xx without a page to read: an empty body, a file we do not read (PDF, video…)."""
    status = fetched.status
    content_type = fetched.headers.get("content-type", "")
    if not fetched.body:
        if fetched.truncated:  # stopped at the headers: a file we do not read (PDF, video…)
            said = evidence(f"HTTP {status}", content_type or "not a page")
            return made(fetched, ALIVE, "ok", said, "status")
        return made(fetched, ERROR, "empty-body", evidence(f"HTTP {status}", "empty"), "status")
    if content_type and not any(t in content_type.lower() for t in ("html", "xml", "text/plain")):
        return made(fetched, ALIVE, "ok", evidence(f"HTTP {status}", content_type), "status")
    return None
