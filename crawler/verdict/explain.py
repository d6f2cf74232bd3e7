"""``linkhealth rules explain``: which rule decides a saved page, offline (pure).

Given a page saved from a browser (or ``curl``) and the link it came from, say what the crawl
would do with it: the parameters it drops or masks (names only, values never shown), the URL it
would send, and the verdict, reason, evidence (``detail``) and rule that decided; given what the
link was (``--was``, ``--link-text``), whether a live page drifted, with the scores and the
thresholds that decided (docs/drift.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import unquote_plus, urlsplit

from crawler.base.rules import Rules
from crawler.base.urls import CanonicalURL, canonicalize, redact
from crawler.base.verdicts import Fetched, Verdict
from crawler.verdict.drift import HISTORY, Reference, is_descriptive, text_support, title_similarity
from crawler.verdict.drift import judge as judge_drift
from crawler.verdict.judge import judge
from crawler.verdict.reasons import describe

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
    was: str | None = None,
    link_texts: Sequence[str] = (),
) -> tuple[Verdict, list[str]]:
    """The verdict for ``body`` served at ``url``, and the lines that explain it; ``was``
    (the link's oldest known title) and ``link_texts``: the evidence of content drift."""
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
    if verdict.status == "alive" and (was or link_texts):
        lines += drift_lines(verdict.title, was, link_texts, rules)
    lines.append(f"rules:      {' + '.join(rules.sources)}")
    return verdict, lines


def drift_lines(
    title: str | None, was: str | None, link_texts: Sequence[str], rules: Rules
) -> list[str]:
    """Whether a live page drifted from what the link was: each piece of evidence with its
    score against its threshold, and the rule's decision."""
    d = rules.drift
    lines = []
    if not title:
        return ["drift:      none (the page has no title to compare)"]
    if was:
        score = title_similarity(was, title, d)
        verb = "matches" if score >= d.title_threshold else "does not match"
        lines.append(
            f'evidence:   oldest title "{was}": {verb} '
            f"(similarity {score:.2f}, [drift] title_threshold {d.title_threshold:g})"
        )
    for text in link_texts:
        if not is_descriptive(text, d):
            lines.append(f'evidence:   link text "{text}": not descriptive (not evidence)')
            continue
        score = text_support(text, title, d)
        verb = "supports" if score >= d.text_threshold else "does not support"
        lines.append(
            f'evidence:   link text "{text}": {verb} the title '
            f"(share {score:.2f}, [drift] text_threshold {d.text_threshold:g})"
        )
    oldest = Reference(HISTORY, was) if was else None
    found = judge_drift(title, oldest, link_texts, d)
    if found is None:
        lines.append(
            "drift:      none (rule: [drift]: a descriptive link text or the oldest title "
            "matches, or there is no evidence)"
        )
    else:
        lines.append(f"drift:      {found.describe()}")
        lines.append("rule:       [drift]: the title matches none of the evidence")
    return lines
