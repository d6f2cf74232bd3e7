"""A process per core: how links are shared among child processes, and what they say back.

Pure (no Scrapy). The parent (:class:`crawler.run.parent.ChildProcesses`, through
:class:`crawler.run.parent.Children`) shards the links to fetch by registrable domain
(:func:`shard`), starts one ``scrapy crawl seeds`` per shard (:func:`child_argv`) and writes the
shard to its stdin, one JSON line per link (:func:`encode_link`). A child
(:class:`crawler.run.child.ChildSource`) writes one JSON line per verdict and per fetch outcome
to its stdout (:func:`encode_check`, :func:`encode_saw`), which the parent reads
(:func:`decode`).
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import NamedTuple

from crawler.base.suffixes import SUFFIXES
from crawler.base.verdicts import Verdict
from crawler.items import LinkCheck
from crawler.run import QueuedLink


class Saw(NamedTuple):
    """A child's fetch outcome, for the parent's offline check."""

    host: str
    reason: str
    answered: bool


#: ``LINKHEALTH_PROCESSES=auto`` starts no more than one process per this many links to fetch
LINKS_PER_PROCESS = 2000


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, which containers and ``taskset``
    narrow), else the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def auto_processes(links: int, cpus: int) -> int:
    """``LINKHEALTH_PROCESSES=auto``: the usable CPUs, at most one process per
    :data:`LINKS_PER_PROCESS` links to fetch, at least one."""
    return max(1, min(cpus, links // LINKS_PER_PROCESS))


def registrable_domain(host: str) -> str:
    """``blog.example.co.uk`` → ``example.co.uk``; an address or a bare name stays itself."""
    domain = SUFFIXES(host).top_domain_under_public_suffix
    return domain or host


def shard(host_links: Mapping[str, int], n: int) -> tuple[dict[str, int], list[int]]:
    """Up to ``n`` groups of hosts, from how many links each host has: a registrable domain in
    one group only, the largest domains placed first, each in the group with the fewest links
    so far. Returns each host's group (0, 1…) and each group's links (no empty group)."""
    by_domain: dict[str, list[str]] = defaultdict(list)
    for host in host_links:
        by_domain[registrable_domain(host)].append(host)
    size = {d: sum(host_links[h] for h in hosts) for d, hosts in by_domain.items()}
    sizes = [0] * max(1, n)
    group_of: dict[str, int] = {}
    for domain in sorted(by_domain, key=lambda d: (-size[d], d)):
        group = min(range(len(sizes)), key=sizes.__getitem__)
        sizes[group] += size[domain]
        group_of.update(dict.fromkeys(by_domain[domain], group))
    used = [i for i, links in enumerate(sizes) if links]
    renumber = {old: new for new, old in enumerate(used)}
    return {h: renumber[g] for h, g in group_of.items()}, [sizes[i] for i in used]


def encode_link(link: QueuedLink) -> str:
    return json.dumps(list(link), ensure_ascii=False) + "\n"


def decode_link(line: str) -> QueuedLink:
    identity, fetch_url, host = json.loads(line)
    return QueuedLink(str(identity), str(fetch_url), str(host))


def encode_check(item: LinkCheck) -> str:
    data = {"check": [item.identity, item.checked_at, asdict(item.verdict)]}
    return json.dumps(data, ensure_ascii=False) + "\n"


def encode_saw(host: str, reason: str, *, answered: bool) -> str:
    return json.dumps({"saw": [host, reason, answered]}, ensure_ascii=False) + "\n"


def decode(line: str) -> LinkCheck | Saw | None:
    """A child's line (None: not one of ours)."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if "check" in data:
        identity, checked_at, verdict = data["check"]
        return LinkCheck(identity, checked_at, Verdict(**verdict))
    if "saw" in data:
        host, reason, answered = data["saw"]
        return Saw(host, reason, bool(answered))
    return None


def given_settings(argv: Sequence[str]) -> dict[str, str]:
    """The ``-s NAME=VALUE`` (``--set``) of a command line, as given (a dictionary setting
    stays its JSON text)."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("-s", "--set", action="append", default=[])
    known, _ = parser.parse_known_args(list(argv))
    given: dict[str, str] = {}
    for item in known.set:
        name, sep, raw = str(item).partition("=")
        if sep:
            given[name] = raw
    return given


def child_argv(
    python: str,
    *,
    seeds: str,
    given: Mapping[str, str],
    overrides: Mapping[str, str],
) -> list[str]:
    """The command of a child: ``scrapy crawl seeds`` with the parent's ``-s`` settings
    (``given``), then the child's own (``overrides`` win)."""
    argv = [python, "-m", "scrapy", "crawl", "seeds", "-a", f"seeds={seeds}"]
    for name, raw in {**given, **overrides}.items():
        argv += ["-s", f"{name}={raw}"]
    return argv


def split_total(total: int, n: int) -> Sequence[int]:
    """``CONCURRENT_REQUESTS`` shared among ``n`` children (each at least 1)."""
    base, extra = divmod(total, n)
    return [max(1, base + (1 if i < extra else 0)) for i in range(n)]
