"""Every ``LINKHEALTH_*`` setting, declared once: name, default, kind (its check), help.

A leaf module (it imports nothing of linkhealth but the kinds of values,
:mod:`crawler.base.setting_kinds`): :mod:`crawler.run.config` reads every setting
through :func:`value` once, when the crawl starts, and components that read one of their own
(the retry and proxy middlewares, the archive, the distributed profile) read it through the same
function, so a value means the same everywhere and a bad one stops the run before any request
with a message naming it (a secret's value is never shown). The settings tables of docs/ are
made from :data:`SETTINGS` (scripts/reference.py; tests/test_docs.py checks them).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from crawler.base.setting_kinds import (
    ConfigError,
    Kind,
    boolean,
    choice,
    count_or_auto,
    http_url,
    networks_and_names,
    number,
    path,
    proxy_hosts,
    redis_url,
    text,
)

#: the registry's names, and the kinds its importers read through it
__all__ = [
    "ENVIRONMENT_ONLY",
    "PREFIX",
    "SETTINGS",
    "ConfigError",
    "Setting",
    "check_names",
    "networks_and_names",
    "number",
    "proxy_hosts",
    "value",
    "values",
]


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: Kind = text
    #: its value is never shown (in a message, a log line or a report)
    secret: bool = False


_SETTINGS = (
    # the run
    Setting("LINKHEALTH_SEEDS", "seeds", "seed file or directory (-a seeds= wins)", path),
    Setting(
        "LINKHEALTH_STATE_DB", "state/linkhealth.sqlite", "the SQLite state file (history)", path
    ),
    Setting("LINKHEALTH_REPORT_DIR", "reports", "where the reports are written", path),
    Setting("LINKHEALTH_REPORTS_ENABLED", True, "write the reports when the crawl ends", boolean),
    Setting("LINKHEALTH_RULES", "", "a rules TOML merged over the built-in rules"),
    Setting(
        "LINKHEALTH_IGNORE_FILE",
        "linkhealth-ignore.toml",
        "the ignore list (a missing file is empty)",
    ),
    Setting("LINKHEALTH_NOW", "", "the run's timestamp (ISO 8601, UTC if no zone); default: now"),
    Setting(
        "LINKHEALTH_RESUME",
        True,
        "continue the last run if it was killed before it finished",
        boolean,
    ),
    Setting("LINKHEALTH_FAIL_ON", "", "statuses that make the run exit 3, e.g. dead or dead,error"),
    Setting(
        "LINKHEALTH_CONFIRM_CHECKS",
        3,
        "failing checks before a link is confirmed dead",
        number(positive=True, whole=True, at_most=1000),
    ),
    Setting(
        "LINKHEALTH_CONFIRM_DAYS",
        3,
        "days the failing checks must span to confirm",
        number(at_most=3650),
    ),
    # processes
    Setting(
        "LINKHEALTH_PROCESSES",
        "auto",
        "crawl processes on this machine (links sharded by registrable domain; 1: one process; "
        "auto: the usable CPUs, at most one per 2,000 links to fetch)",
        count_or_auto,
    ),
    Setting(
        "LINKHEALTH_HOST_LOCKS",
        "",
        "a directory where crawl processes share each host's slots and delay "
        "(the parent sets it for its children)",
    ),
    Setting(
        "LINKHEALTH_LINK_SOURCE",
        "",
        "the class the spider reads its links from (the add-on chooses it: "
        "crawler.run.sources.LocalSource with LINKHEALTH_PROCESSES=1, "
        "crawler.run.parent.ChildProcesses otherwise, "
        "crawler.distributed.worker.RedisSource with LINKHEALTH_REDIS_URL; "
        "the parent gives its children crawler.run.child.ChildSource)",
    ),
    # the network
    Setting(
        "LINKHEALTH_CANARY_URLS",
        "https://www.baidu.com/ https://www.qq.com/ https://www.bing.com/ https://www.wikipedia.org/",
        "hosts fetched first to see whether the network works (space-separated; empty: off)",
    ),
    Setting(
        "LINKHEALTH_CANARY_TIMEOUT",
        10,
        "seconds each canary may take",
        number(positive=True, at_most=600),
    ),
    Setting(
        "LINKHEALTH_OFFLINE_HOST_SHARE",
        0.8,
        "share of hosts unreachable that makes a run degraded",
        number(positive=True, at_most=1),
    ),
    Setting(
        "LINKHEALTH_OFFLINE_MIN_HOSTS",
        5,
        "fewest hosts fetched before that share is judged",
        number(whole=True, at_most=1_000_000),
    ),
    Setting(
        "LINKHEALTH_PROXY_HOSTS",
        "",
        "host=http://proxy:port pairs: hosts routed through a proxy",
        proxy_hosts,
    ),
    Setting(
        "LINKHEALTH_ALLOW_NETWORKS",
        "",
        "networks and host names links may reach although they are not public (an intranet "
        "checked on purpose), e.g. 10.0.0.0/8,intranet.example",
        networks_and_names,
    ),
    Setting(
        "LINKHEALTH_RETRY_AFTER_MAX",
        120,
        "longest Retry-After (seconds) waited before a retry",
        number(at_most=86_400),
    ),
    Setting(
        "LINKHEALTH_RETRY_BACKOFF",
        2.0,
        "base of the exponential wait between retries (seconds)",
        number(at_most=60),
    ),
    # the archive
    Setting(
        "LINKHEALTH_ARCHIVE_ENABLED",
        True,
        "look pages up in the Wayback Machine, capture live ones (with keys), rescue dead ones",
        boolean,
    ),
    Setting(
        "LINKHEALTH_ARCHIVE_MAX_AGE",
        30,
        "days a snapshot stays fresh; older ones are recaptured",
        number(positive=True, at_most=36_500),
    ),
    Setting(
        "LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE",
        20,
        "CDX lookups and snapshot fetches per minute, whole crawl (at most 24)",
        number(positive=True, at_most=6000),
    ),
    Setting(
        "LINKHEALTH_ARCHIVE_CAPTURES_PER_MINUTE",
        4,
        "capture requests (SPN2 or classic) per minute",
        number(positive=True, at_most=6000),
    ),
    Setting(
        "LINKHEALTH_ARCHIVE_TIME_BUDGET",
        600,
        "seconds of archive work per run after the first link; the rest carries over",
        number(positive=True, at_most=604_800),
    ),
    Setting(
        "LINKHEALTH_ARCHIVE_CAPTURE_BLOCKED",
        False,
        "also capture blocked/error pages (counts only if the snapshot passes the verdict rules)",
        boolean,
    ),
    Setting(
        "LINKHEALTH_ARCHIVE_ANONYMOUS_SAVE",
        False,
        "without keys, try the classic anonymous GET /save/<url> (best effort)",
        boolean,
    ),
    Setting(
        "LINKHEALTH_ARCHIVE_FIX_STYLE",
        "append",
        "how `linkhealth fix` adds an archive link: append (an [archived](…) link) or replace",
        choice("append", "replace"),
    ),
    Setting(
        "LINKHEALTH_ARCHIVE_PAUSE",
        300,
        "seconds an endpoint rests after a 429 or a session-limit answer (at least 300 for saves)",
        number(at_most=86_400),
    ),
    Setting(
        "LINKHEALTH_ARCHIVE_TIMEOUT",
        60,
        "seconds each Wayback request may take",
        number(positive=True, at_most=3600),
    ),
    Setting(
        "LINKHEALTH_ARCHIVE_POLL_INTERVAL",
        5,
        "seconds between SPN2 job status polls",
        number(positive=True, at_most=3600),
    ),
    Setting(
        "LINKHEALTH_ARCHIVE_POLL_MAX",
        300,
        "seconds a capture job is polled before the CDX index is asked instead",
        number(positive=True, at_most=86_400),
    ),
    Setting(
        "LINKHEALTH_ARCHIVE_BASE",
        "https://web.archive.org",
        "the Wayback Machine's address",
        http_url,
    ),
    # the distributed profile
    Setting(
        "LINKHEALTH_REDIS_URL",
        "",
        "Redis URL: turns on the distributed profile (many workers)",
        redis_url,
        secret=True,
    ),
    Setting(
        "LINKHEALTH_REDIS_PREFIX",
        "linkhealth:",
        "prefix of every Redis key the distributed profile uses (one crawl per prefix)",
    ),
    Setting(
        "LINKHEALTH_REDIS_LEASE",
        120,
        "seconds a worker holds a link before it is handed to another worker "
        "(renewed while the worker lives)",
        number(positive=True, at_most=86_400),
    ),
    Setting(
        "LINKHEALTH_REDIS_BATCH",
        16,
        "links a worker leases from Redis at a time",
        number(positive=True, whole=True, at_most=10_000),
    ),
    Setting(
        "LINKHEALTH_REDIS_HOST_TTL",
        30,
        "seconds a host slot of a killed worker stays taken (live workers extend theirs)",
        number(positive=True, at_most=86_400),
    ),
    Setting(
        "LINKHEALTH_REDIS_POLL",
        0.5,
        "seconds a worker waits before asking Redis again",
        number(positive=True, at_most=3600),
    ),
)

#: every setting by name
SETTINGS: dict[str, Setting] = {s.name: s for s in _SETTINGS}

PREFIX = "LINKHEALTH_"
#: names read from the environment only (the archive's keys: never a setting, never logged)
ENVIRONMENT_ONLY = frozenset({"LINKHEALTH_WAYBACK_ACCESS_KEY", "LINKHEALTH_WAYBACK_SECRET_KEY"})


def check_names(names: Iterable[str], where: str) -> None:
    """Refuse a ``LINKHEALTH_*`` name that is no setting (a misspelling would be silently
    ignored: ``LINKHEALTH_FAILON=dead`` left a run green), naming the closest known one."""
    known = [*SETTINGS, *sorted(ENVIRONMENT_ONLY)]
    for name in sorted(set(names)):
        if name.startswith(PREFIX) and name not in SETTINGS and name not in ENVIRONMENT_ONLY:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ConfigError(f"{name} ({where}): not a linkhealth setting{hint}")


def value(get: Callable[[str], Any], name: str) -> Any:
    """The setting ``name`` read with ``get`` (Scrapy's ``settings.get``, ``os.environ.get``),
    then the environment; checked by its kind; its default when unset."""
    setting = SETTINGS[name]
    raw = get(name)
    if raw is None:
        raw = os.environ.get(name)
    if raw == "" and setting.kind is path:
        raise ConfigError(f"{name}: empty; give a path (the default is {setting.default})")
    if raw == "" and setting.kind is text:
        return ""  # an empty text is a value (LINKHEALTH_CANARY_URLS="" turns the canaries off)
    if raw is None or raw == "":
        # unset, or an empty number, switch or URL: the default (a word such as "auto" read by
        # its kind)
        default = setting.default
        return setting.kind(name, default) if isinstance(default, str) and default else default
    try:
        return setting.kind(name, raw)
    except ConfigError as exc:
        if setting.secret and str(raw) in str(exc):
            raise ConfigError(f"{name}: not a valid value (not shown: it is a secret)") from None
        raise


def values(get: Callable[[str], Any]) -> dict[str, Any]:
    """Every setting, checked: the first bad one raises :class:`ConfigError` naming it."""
    return {name: value(get, name) for name in SETTINGS}
