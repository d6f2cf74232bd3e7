"""The run's links in the store: each link and its occurrences as the seeds give them, and the
verdict of a link whose request vanished."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from crawler.base.rules import Rules
from crawler.base.urls import redact_text, stored_fetch_url
from crawler.base.verdicts import ERROR
from crawler.links.dedupe import Link
from crawler.store.db import CheckRow, LinkRow, OccurrenceRow, Store

logger = logging.getLogger(__name__)


def record_links(
    store: Store, run_id: int, now: str, links: Mapping[str, Link], rules: Rules
) -> None:
    """The run's links and where each stands, in the store (a link text that is itself a link
    with credentials — ``[https://…&key=…](…)`` — is stored with them hidden)."""
    store.record_links(
        run_id,
        now,
        (
            LinkRow(x.identity, x.url, x.fetch_url and stored_fetch_url(x.url, x.fetch_url), x.host)
            for x in links.values()
        ),
        (
            OccurrenceRow(link.identity, o.file, o.line, redact_text(o.text, rules), o.kind)
            for link in links.values()
            for o in link.occurrences
        ),
    )


def record_not_checked(store: Store, run_id: int, identities: list[str], now: str) -> None:
    """Every link gets a verdict: those whose request vanished are recorded as such."""
    if not identities:
        return
    logger.warning("%d links got no verdict; recorded as error/not-checked", len(identities))
    store.record_checks(
        run_id,
        [
            CheckRow(
                ERROR,
                "not-checked",
                detail="the crawl ended before this link got an answer",
                identity=identity,
                checked_at=now,
            )
            for identity in identities
        ],
    )
