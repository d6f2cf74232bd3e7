"""``linkhealth rules explain``: which rule decides a saved page, offline (pure).

Given a page saved from a browser (or ``curl``) and the link it came from, say what the crawl
would do with it: the parameters it drops or masks (names only, values never shown), the URL it
would send, and the verdict, reason, evidence (``detail``) and rule that decided.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote_plus, urlsplit

from crawler.reasons import describe
from crawler.rules import Rules
from crawler.urls import CanonicalURL, canonicalize, redact
from crawler.verdict import Fetched, Verdict, judge

#: what a value looks like in the explanation (never the value itself)
HIDDEN = "•••"


def _why_removed(url: str, canonical: CanonicalURL, rules: Rules) -> list[str]:
    params = rules.host_params(canonical.host)
    lines = []
    for part in urlsplit(url.strip()).query.split("&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition("=")
        name, value = unquote_plus(raw_name), unquote_plus(raw_value)
        if name not in canonical.removed and name not in canonical.masked:
            continue
        if name in canonical.masked:
            why = "masked: credential-like; sent to its own site only, REDACTED everywhere else"
        elif params.credentials.matches(name, value):
            why = "dropped: a credential ([params] credentials)"
        elif canonical.page is not None:
            why = f"dropped: not kept by page type {canonical.page} ([[page]] keep)"
        else:
            why = "dropped: a tracking parameter ([params.tracking])"
        lines.append(f"  {name}={HIDDEN}  {why}")
    return lines


def explain(
    body: bytes,
    url: str,
    rules: Rules,
    *,
    status: int = 200,
    content_type: str = "text/html",
    final_url: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[Verdict, list[str]]:
    """The verdict for ``body`` served at ``url``, and the lines that explain it."""
    canonical = canonicalize(url, rules)
    final = canonicalize(final_url, rules).fetch_url if final_url else canonical.fetch_url
    fetched = Fetched(
        url=canonical.fetch_url,
        final_url=final,
        status=status,
        headers={**(headers or {}), "content-type": content_type},
        body=body,
        redirects=((302, canonical.fetch_url),) if final != canonical.fetch_url else (),
    )
    verdict = judge(fetched, rules)
    removed = _why_removed(url, canonical, rules)
    lines = [
        f"link:       {redact(url, rules)}",
        f"page type:  {canonical.page or '(none: the ordinary rules of its host)'}",
        "parameters:" + ("" if removed else " none dropped or masked"),
        *removed,
        f"clean URL:  {canonical.clean_url}",
        f"verdict:    {verdict.status}",
        f"reason:     {verdict.reason} ({describe(verdict.reason)})",
        f"evidence:   {verdict.detail or '-'}",
        f"rule:       {verdict.rule or '-'}",
    ]
    if verdict.title:
        lines.append(f"title:      {verdict.title}")
    if verdict.moved_to:
        lines.append(f"moved to:   {redact(verdict.moved_to, rules)}")
    lines.append(f"rules:      {' + '.join(rules.sources)}")
    return verdict, lines
