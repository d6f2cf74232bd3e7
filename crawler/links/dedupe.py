"""From occurrences in seed files to links: one per identity, every occurrence kept.

Links that are not fetched get their verdict here: relative links are checked against the file
system, anchors and other schemes are skipped, malformed URLs are skipped with the reason, links
on the ignore list are ignored. Nothing is dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from crawler.base.rules import Rules
from crawler.base.urls import (
    URLProblem,
    canonicalize,
    link_kind,
    redact,
)
from crawler.base.verdicts import ALIVE, DEAD, IGNORED, SKIPPED, Verdict
from crawler.links.ignore import IgnoreList
from crawler.seeds import Occurrence, scan_seeds

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Link:
    identity: str
    #: what the report shows: the clean URL, a relative path, or a redacted non-http link
    url: str
    #: what is sent (http links only)
    fetch_url: str | None
    host: str
    occurrences: list[Occurrence] = field(default_factory=list)
    #: the verdict of a link that is not fetched
    preset: Verdict | None = None


def _local_verdict(occ: Occurrence, root: Path) -> tuple[str, Verdict]:
    target = occ.url.split("#", 1)[0].split("?", 1)[0]
    seed_dir = (root / occ.file).parent if (root / occ.file).parent.exists() else root
    resolved = (seed_dir / unquote(target)).resolve()
    try:
        shown = resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = str(PurePosixPath(occ.file).parent / target)
    identity = f"local:{shown}"
    if resolved.exists():
        return identity, Verdict(ALIVE, "local-file", detail=shown)
    return identity, Verdict(DEAD, "local-missing", detail=shown)


def _skipped(identity: str, reason: str, detail: str) -> tuple[str, Verdict]:
    return identity, Verdict(SKIPPED, reason, detail=detail)


def build_links(
    occurrences: Iterable[Occurrence],
    root: Path,
    rules: Rules,
    ignore: IgnoreList,
    today: dt.date,
) -> dict[str, Link]:
    """Links by identity, in the order they first appear."""
    links: dict[str, Link] = {}
    for occ in occurrences:
        link = _link_for(occ, root, rules, ignore, today)
        links.setdefault(link.identity, link).occurrences.append(occ)
    return links


def _link_for(
    occ: Occurrence, root: Path, rules: Rules, ignore: IgnoreList, today: dt.date
) -> Link:
    kind = link_kind(occ.url)
    if kind == "http":
        try:
            canon = canonicalize(occ.url, rules)
        except URLProblem as problem:
            shown = redact(occ.url, rules)
            return Link(
                f"bad:{shown}",
                shown,
                None,
                "",
                preset=Verdict(SKIPPED, problem.reason, detail=str(problem)),
            )
        preset = None
        if rule := ignore.match(canon.clean_url, today):
            preset = Verdict(IGNORED, "ignore-list", detail=rule.reason)
        return Link(
            canon.identity,
            canon.clean_url,
            canon.fetch_url,
            canon.host,
            preset=preset,
        )
    if kind == "relative":
        identity, verdict = _local_verdict(occ, root)
        return Link(identity, identity.removeprefix("local:"), None, "", preset=verdict)
    shown = redact(occ.url, rules) if kind not in ("javascript", "data") else f"{kind}:…"
    if kind == "empty":
        identity, verdict = _skipped(f"empty:{occ.file}", "empty-link", "")
    elif kind == "anchor":
        identity, verdict = _skipped(f"anchor:{occ.file}{occ.url}", "anchor", occ.url)
        shown = occ.url
    else:
        identity, verdict = _skipped(shown, "not-http", f"{kind}: link")
    return Link(identity, shown, None, "", preset=verdict)


def fetch_order(links: Iterable[Link]) -> Iterator[Link]:
    """Links to fetch, hosts interleaved so one slow host does not hold the queue."""
    by_host: dict[str, list[Link]] = {}
    for link in links:
        if link.fetch_url and link.preset is None:
            by_host.setdefault(link.host, []).append(link)
    queues = [iter(q) for q in by_host.values()]
    while queues:
        remaining = []
        for queue in queues:
            following = next(queue, None)
            if following is not None:
                yield following
                remaining.append(queue)
        queues = remaining


def scan_links(
    seeds: Path, rules: Rules, ignore: IgnoreList, today: dt.date
) -> tuple[dict[str, Link], int]:
    """Every link of the seed files (problems logged by file name), and the occurrence count."""
    occurrences, problems = scan_seeds(seeds)
    for problem in problems:
        logger.warning("seed file %s: %s", problem.file, problem.message)
    for rule in ignore.expired(today):
        logger.warning("ignore list: the entry %r expired on %s", rule.pattern, rule.expires)
    root = seeds if seeds.is_dir() else seeds.parent
    return build_links(occurrences, root, rules, ignore, today), len(occurrences)
