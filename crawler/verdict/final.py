"""A verdict's last cleaning before it is recorded (pure: no Scrapy).

Whatever a verdict carries out of the crawl is made fit to publish: the address it ended at and
the one a page says the content moved to are clean canonical URLs (tracking and session
parameters dropped, secrets masked), and a link whose own URL had credential-like parameters
says which were masked.
"""

from __future__ import annotations

from dataclasses import replace

from crawler.base.rules import Rules
from crawler.base.urls import URLProblem, canonicalize, masked_names, redact
from crawler.base.verdicts import Verdict
from crawler.fetch.addresses import REASON as PRIVATE_ADDRESS
from crawler.verdict.judge import evidence


def final(identity: str, verdict: Verdict, rules: Rules) -> Verdict:
    """``verdict`` of the link ``identity``, cleaned to be recorded and published."""
    if verdict.final_url:
        verdict = replace(verdict, final_url=clean(verdict.final_url, rules))
    if verdict.moved_to:
        verdict = replace(verdict, moved_to=clean(verdict.moved_to, rules))
    if masked := masked_names(identity):
        note = f"credential-like parameter masked: {', '.join(masked)}"
        detail = f"{verdict.detail}; {note}" if verdict.detail else note
        verdict = replace(verdict, detail=evidence(detail, ""))
    return verdict


def after_redirects(verdict: Verdict) -> Verdict:
    """The verdict of a request that failed after one or more redirects: a private address it
    was refused is one a redirect led to."""
    if verdict.reason != PRIVATE_ADDRESS:
        return verdict
    return replace(verdict, detail=evidence("redirected to", verdict.detail))


def clean(url: str, rules: Rules) -> str:
    """``url``'s clean canonical form (masked, when it cannot be canonicalized)."""
    try:
        return canonicalize(url, rules).clean_url
    except URLProblem:
        return redact(url, rules)
