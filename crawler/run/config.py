"""linkhealth settings: one prefix (``LINKHEALTH_``), read and validated once.

Every setting can be given as ``scrapy crawl seeds -s NAME=value`` or as an environment variable
of the same name (see :mod:`crawler.settings`). A bad value stops the run at start with a message
that names the setting, before any request.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.base.registry import SETTINGS, ConfigError, number, value, values
from crawler.base.rules import Rules, RulesError, load_rules
from crawler.base.verdicts import STATUSES
from crawler.fetch.network import NetworkPolicy
from crawler.links.ignore import IgnoreError, IgnoreList, load_ignore_list
from crawler.store.history import Policy

#: name → (default, description), from the registry (:mod:`crawler.base.registry`)
DEFAULTS: dict[str, tuple[Any, str]] = {n: (s.default, s.help) for n, s in SETTINGS.items()}

#: Scrapy settings linkhealth relies on, validated with its own: name → (positive, at most)
_SCRAPY_NUMBERS: dict[str, tuple[bool, float]] = {
    "DOWNLOAD_TIMEOUT": (True, 3600),
    "CONCURRENT_REQUESTS": (True, 10_000),
    "CONCURRENT_REQUESTS_PER_DOMAIN": (True, 1000),
    "RETRY_TIMES": (False, 100),
    "DOWNLOAD_DELAY": (False, 3600),
    "REDIRECT_MAX_TIMES": (False, 100),
}
#: the years a run's timestamp may fall in (its end, and the dates counted from it, must exist)
_YEARS = (1970, 9000)

__all__ = [
    "DEFAULTS",
    "Config",
    "ConfigError",
    "import_class",
    "load_config",
    "parse_now",
    "policy_from",
]


@dataclass(frozen=True)
class Config:
    seeds: Path
    state_db: Path
    report_dir: Path
    reports_enabled: bool
    rules: Rules
    ignore: IgnoreList
    now: dt.datetime
    resume: bool
    fail_on: frozenset[str]
    confirm: Policy
    network: NetworkPolicy
    redis_url: str
    #: crawl processes (``LINKHEALTH_PROCESSES``): more than 1, the links go to child processes;
    #: None (``auto``): decided from the usable CPUs and the links to fetch
    processes: int | None
    #: how fixes.md (and `linkhealth fix`) add an archive link: append or replace
    fix_style: str
    #: every ``LINKHEALTH_*`` setting, read and checked once (:mod:`crawler.base.registry`)
    values: Mapping[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def now_iso(self) -> str:
        """The run's timestamp (read for every verdict: worked out once)."""
        return self.iso_after(0)

    def iso_after(self, seconds: float) -> str:
        """The run's timestamp plus ``seconds`` (the end of a run: its measured duration)."""
        return (self.now + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_now(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _scrapy_number(get: Callable[[str], Any], name: str, *, positive: bool, at_most: float) -> None:
    """A Scrapy setting linkhealth relies on, checked like the registry's numbers."""
    raw = get(name)
    if raw is not None:
        number(positive=positive, at_most=at_most)(name, raw)


def load_config(get: Callable[[str], Any], *, seeds: str | None = None) -> Config:
    """Every setting read and checked once (``get`` reads one by name, e.g.
    ``crawler.settings.get``): the first bad value raises :class:`ConfigError` naming it."""
    for name, (positive, at_most) in _SCRAPY_NUMBERS.items():
        _scrapy_number(get, name, positive=positive, at_most=at_most)
    if get("JOBDIR"):
        raise ConfigError(
            "JOBDIR: not for linkhealth (its state file is what resumes an interrupted run; "
            "Scrapy's job directory would send its requests a second time)"
        )
    v = values(get)
    try:
        rules = load_rules(v["LINKHEALTH_RULES"] or None)
    except RulesError as exc:
        raise ConfigError(f"LINKHEALTH_RULES: {exc}") from exc
    try:
        ignore = load_ignore_list(v["LINKHEALTH_IGNORE_FILE"] or None)
    except IgnoreError as exc:
        raise ConfigError(f"LINKHEALTH_IGNORE_FILE: {exc}") from exc
    if link_source := str(v["LINKHEALTH_LINK_SOURCE"] or ""):
        import_class("LINKHEALTH_LINK_SOURCE", link_source)
    seeds_path = Path(seeds or str(v["LINKHEALTH_SEEDS"]))
    if not seeds_path.exists():
        raise ConfigError(f"seeds: {seeds_path} does not exist")
    return Config(
        seeds=seeds_path,
        state_db=Path(str(v["LINKHEALTH_STATE_DB"])),
        report_dir=Path(str(v["LINKHEALTH_REPORT_DIR"])),
        reports_enabled=bool(v["LINKHEALTH_REPORTS_ENABLED"]),
        rules=rules,
        ignore=ignore,
        now=_now(str(v["LINKHEALTH_NOW"] or "")),
        resume=bool(v["LINKHEALTH_RESUME"]),
        fail_on=_fail_on(v["LINKHEALTH_FAIL_ON"]),
        confirm=Policy(int(v["LINKHEALTH_CONFIRM_CHECKS"]), float(v["LINKHEALTH_CONFIRM_DAYS"])),
        network=_network_policy(v),
        redis_url=str(v["LINKHEALTH_REDIS_URL"] or ""),
        processes=_processes(v["LINKHEALTH_PROCESSES"], str(v["LINKHEALTH_REDIS_URL"] or "")),
        fix_style=str(v["LINKHEALTH_ARCHIVE_FIX_STYLE"]),
        values=v,
    )


def _now(text: str) -> dt.datetime:
    """``LINKHEALTH_NOW`` (the run's time; now when empty), within the years a run can have."""
    try:
        now = parse_now(text) if text else dt.datetime.now(dt.UTC)
    except (ValueError, OverflowError):
        raise ConfigError(f"LINKHEALTH_NOW: not an ISO 8601 date-time: {text!r}") from None
    if not _YEARS[0] <= now.year <= _YEARS[1]:
        raise ConfigError(
            f"LINKHEALTH_NOW: {text!r} is out of range (a year from {_YEARS[0]} to {_YEARS[1]})"
        )
    return now


def _fail_on(given: object) -> frozenset[str]:
    """``LINKHEALTH_FAIL_ON``: the statuses that make a completed run exit 3."""
    fail_on = frozenset(
        s.strip()
        for s in (given if isinstance(given, list) else str(given).split(","))
        if s.strip()
    )
    if unknown := fail_on - set(STATUSES):
        raise ConfigError(
            f"LINKHEALTH_FAIL_ON: unknown status {', '.join(sorted(unknown))} "
            f"(one of {', '.join(STATUSES)})"
        )
    return fail_on


def _processes(processes: int | None, redis_url: str) -> int | None:
    """``LINKHEALTH_PROCESSES`` (None: auto); one with the distributed profile."""
    if processes is not None and processes > 1 and redis_url:
        raise ConfigError(
            "LINKHEALTH_PROCESSES: more than 1 process is not for the distributed profile "
            "(LINKHEALTH_REDIS_URL is set): start more workers instead"
        )
    return 1 if redis_url and processes is None else processes


def import_class(setting: str, name: str) -> type[Any]:
    """The class ``name`` (``module.Class``) the setting ``setting`` gives, imported; a
    :class:`ConfigError` naming the setting when it cannot be."""
    module, _, attribute = name.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), attribute, None) if module else None
    except ImportError as exc:
        raise ConfigError(f"{setting}: {name!r} cannot be imported: {exc}") from None
    if not isinstance(found, type):
        raise ConfigError(f"{setting}: {name!r} names no class (module.Class)")
    return found


def _network_policy(v: dict[str, Any]) -> NetworkPolicy:
    urls = v["LINKHEALTH_CANARY_URLS"]
    canaries = tuple(urls if isinstance(urls, list) else str(urls).replace(",", " ").split())
    for url in canaries:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"LINKHEALTH_CANARY_URLS: {url!r} is not an http(s) URL")
    return NetworkPolicy(
        canaries=canaries,
        canary_timeout=float(v["LINKHEALTH_CANARY_TIMEOUT"]),
        host_share=float(v["LINKHEALTH_OFFLINE_HOST_SHARE"]),
        min_hosts=int(v["LINKHEALTH_OFFLINE_MIN_HOSTS"]),
    )


def policy_from(get: Callable[[str], Any]) -> Policy:
    """The confirmation policy from ``LINKHEALTH_CONFIRM_CHECKS`` / ``_DAYS``."""
    return Policy(
        int(value(get, "LINKHEALTH_CONFIRM_CHECKS")), float(value(get, "LINKHEALTH_CONFIRM_DAYS"))
    )
