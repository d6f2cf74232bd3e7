"""A live page's content drift, from what the store knows of the link (docs/drift.md).

The judging is :func:`crawler.verdict.drift.judge` (pure); this module gathers its evidence: the
link's Wayback snapshot from before it entered the lists, else the title first recorded for it,
and its link texts; and where the link lands now, when that is another site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.base.rules import DriftRules
from crawler.base.verdicts import ALIVE
from crawler.run.sharding import registrable_domain
from crawler.store.db import Store
from crawler.verdict.drift import HISTORY, SNAPSHOT, Reference, judge


def drift_of(
    store: Store,
    rules: DriftRules,
    run_id: int,
    identity: str,
    *,
    status: str,
    title: str | None,
    final_url: str | None,
) -> str:
    """What a live page shows instead of what was linked ("": nothing, or nothing can be
    said)."""
    if status != ALIVE or not title:
        return ""
    evidence = store.drift_evidence(identity, run_id)
    if evidence is None:
        return ""
    oldest = None
    if evidence.snapshot_title:
        oldest = Reference(SNAPSHOT, evidence.snapshot_title, evidence.snapshot_at or "")
    elif evidence.first_title:
        oldest = Reference(HISTORY, evidence.first_title, evidence.first_title_at or "")
    found = judge(
        title, oldest, evidence.link_texts, rules, elsewhere=elsewhere(evidence.host, final_url)
    )
    return found.describe() if found is not None else ""


def elsewhere(host: str, final_url: str | None) -> str:
    """The registrable domain a link now lands on, when it is not its own ("" otherwise)."""
    final_host = (urlsplit(final_url).hostname or "") if final_url else ""
    if not host or not final_host:
        return ""
    there = registrable_domain(final_host)
    return there if there != registrable_domain(host) else ""
