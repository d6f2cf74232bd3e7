"""Bring a state file in line with the current rules (pure: sqlite3 and the URL rules).

A rule that changes what a link's identity or clean URL is (a new page type, a credential word)
changes it for the links already in the store too: their rows are re-keyed to the new identity
(history kept: two old identities that are now one link become one, their checks merged), and
every stored URL and text goes through the current rules, so a value the rules now drop or mask
is gone from the file (the store VACUUMs afterwards, see
:meth:`crawler.store.db.Store.follow_rules`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawler.base.rules import Rules
from crawler.base.urls import URLProblem, canonicalize, redact_text, stored_fetch_url
from crawler.store.schema import ARCHIVES

logger = logging.getLogger(__name__)

#: bumped when canonicalization itself (the code, not the rules data) changes what it makes
CANONICAL_VERSION = 2
_SNAPSHOT_RE = re.compile(r"^https?://web\.archive\.org/web/[0-9]{1,14}[a-z_]*/(.+)$")


def rules_digest(rules: Rules) -> str:
    """A fingerprint of everything that decides identities and clean URLs."""
    data = {
        "version": CANONICAL_VERSION,
        "credentials": [repr(p) for p in rules.credentials],
        "host_credentials": [[h, [repr(p) for p in ps]] for h, ps in rules.host_credentials],
        "tracking": [[h, [repr(p) for p in ps]] for h, ps in rules.tracking],
        "words": sorted(rules.credential_words),
        "host_words": [[h, sorted(ws)] for h, ws in rules.host_credential_words],
        "fragments": sorted(rules.junk_fragments),
        "identity": [[h, list(ps)] for h, ps in rules.identity],
        "pages": [
            [p.name, list(p.hosts), p.path.pattern, list(p.require), sorted(p.keep)]
            for p in rules.pages
        ],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Rekeyed:
    """What :func:`follow_rules` changed."""

    links: int
    merged: int
    texts: int
    snapshots_dropped: int


def _clean(url: str | None, rules: Rules) -> str | None:
    if not url:
        return url
    try:
        return canonicalize(url, rules).clean_url
    except URLProblem:
        return redact_text(url, rules)


def _snapshot_holds_dropped(archive_url: str | None, rules: Rules) -> bool:
    """A snapshot stored under a URL whose parameters the rules now drop or mask (its address
    would bring the value back into the reports)."""
    match = _SNAPSHOT_RE.match(archive_url or "")
    if match is None:
        return False
    original = match.group(1)
    try:
        canonical = canonicalize(original, rules)
    except URLProblem:
        return False
    if canonical.had_credentials or canonical.masked:
        return True
    tracking = rules.host_params(canonical.host).tracking
    query = urlsplit(original).query
    values = dict(p.partition("=")[::2] for p in query.split("&") if p)
    return any(not tracking.matches(name, values.get(name, "")) for name in canonical.removed)


def follow_rules(db: sqlite3.Connection, rules: Rules) -> Rekeyed:
    """Re-key the links and rewrite the stored URLs and texts through ``rules``.

    Runs inside the caller's transaction. Tables: links (with their drift reference
    snapshots), occurrences, checks, and archives when it exists.
    """
    archives = ARCHIVES.exists(db)
    changed = merged = 0
    rows = db.execute("SELECT identity, url, fetch_url, first_seen FROM links").fetchall()
    for identity, url, fetch_url, first_seen in rows:
        if not str(url).startswith(("http://", "https://")):
            continue
        try:
            canonical = canonicalize(str(url), rules)
        except URLProblem:
            continue
        new_id, new_url = canonical.identity, canonical.clean_url
        new_fetch = stored_fetch_url(new_url, canonical.fetch_url) if fetch_url else fetch_url
        if new_id == identity:
            if (new_url, new_fetch) != (url, fetch_url):
                db.execute(
                    "UPDATE links SET url=?, fetch_url=? WHERE identity=?",
                    (new_url, new_fetch, identity),
                )
                changed += 1
            continue
        changed += 1
        merged += _move(db, identity, (new_id, new_url, new_fetch), first_seen, archives=archives)
    texts = _rewrite_texts(db, rules)
    dropped = _drop_snapshots(db, rules, archives=archives)
    return Rekeyed(changed, merged, texts, dropped)


def _move(
    db: sqlite3.Connection,
    identity: str,
    new: tuple[str, str, str | None],
    first_seen: str,
    *,
    archives: bool,
) -> int:
    """Move a link and its history to its new identity ``(identity, url, fetch_url)``; 1 if
    a link was there already (the two merged), else 0."""
    new_id, new_url, new_fetch = new
    existing = db.execute("SELECT first_seen FROM links WHERE identity=?", (new_id,)).fetchone()
    if existing is None:
        db.execute(
            "INSERT INTO links(identity, url, fetch_url, host, first_seen, reference_title, "
            "reference_at, reference_url, reference_sought) SELECT ?, ?, ?, host, "
            "first_seen, reference_title, reference_at, reference_url, reference_sought "
            "FROM links WHERE identity=?",
            (new_id, new_url, new_fetch, identity),
        )
    else:
        db.execute(
            "UPDATE links SET first_seen=MIN(first_seen, ?) WHERE identity=?",
            (first_seen, new_id),
        )
    # a run that checked both old links keeps the check of the one already under new_id
    db.execute(
        "DELETE FROM checks WHERE identity=? AND run_id IN "
        "(SELECT run_id FROM checks WHERE identity=?)",
        (identity, new_id),
    )
    db.execute("UPDATE checks SET identity=? WHERE identity=?", (new_id, identity))
    db.execute("UPDATE occurrences SET identity=? WHERE identity=?", (new_id, identity))
    if archives:
        db.execute(
            "DELETE FROM archives WHERE identity=? AND EXISTS "
            "(SELECT 1 FROM archives WHERE identity=?)",
            (identity, new_id),
        )
        db.execute(
            "UPDATE archives SET identity=?, url=? WHERE identity=?",
            (new_id, new_url, identity),
        )
    db.execute("DELETE FROM links WHERE identity=?", (identity,))
    return 0 if existing is None else 1


def _rewrite_texts(db: sqlite3.Connection, rules: Rules) -> int:
    """The checks' URLs and details and the link texts through the rules; how many changed."""
    texts = 0
    for run_id, identity, final_url, moved_to, detail in db.execute(
        "SELECT run_id, identity, final_url, moved_to, detail FROM checks"
    ).fetchall():
        new = (_clean(final_url, rules), _clean(moved_to, rules), redact_text(detail, rules))
        if new != (final_url, moved_to, detail):
            texts += 1
            db.execute(
                "UPDATE checks SET final_url=?, moved_to=?, detail=? WHERE run_id=? AND identity=?",
                (*new, run_id, identity),
            )
    for run_id, seq, text in db.execute(
        "SELECT run_id, seq, link_text FROM occurrences WHERE link_text LIKE '%://%'"
    ).fetchall():
        shown = redact_text(text, rules)
        if shown != text:
            texts += 1
            db.execute(
                "UPDATE occurrences SET link_text=? WHERE run_id=? AND seq=?",
                (shown, run_id, seq),
            )
    return texts


def _drop_snapshots(db: sqlite3.Connection, rules: Rules, *, archives: bool) -> int:
    """Forget the snapshots (archived, or a drift's reference) whose address holds a value the
    rules now drop; how many (the next run looks for them again, under the clean URL)."""
    dropped = 0
    if archives:
        for identity, archive_url in db.execute(
            "SELECT identity, archive_url FROM archives"
        ).fetchall():
            if _snapshot_holds_dropped(archive_url, rules):
                dropped += 1
                db.execute("DELETE FROM archives WHERE identity=?", (identity,))
        db.execute(
            "UPDATE archives SET url=(SELECT url FROM links WHERE links.identity=archives.identity)"
            " WHERE identity IN (SELECT identity FROM links)"
        )
    for identity, reference_url in db.execute(
        "SELECT identity, reference_url FROM links WHERE reference_url IS NOT NULL"
    ).fetchall():
        if _snapshot_holds_dropped(reference_url, rules):
            dropped += 1
            db.execute(
                "UPDATE links SET reference_url=NULL, reference_title=NULL, reference_at=NULL, "
                "reference_sought=NULL WHERE identity=?",
                (identity,),
            )
    return dropped
