"""linkhealth settings: one prefix (``LINKHEALTH_``), read and validated once.

Every setting can be given as ``scrapy crawl seeds -s NAME=value`` or as an environment variable
of the same name (see :mod:`crawler.settings`). A bad value stops the run at start with a message
that names the setting, before any request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.archive.settings import ARCHIVE_DEFAULTS
from crawler.distributed.settings import DISTRIBUTED_DEFAULTS
from crawler.fixes import STYLES
from crawler.history import Policy
from crawler.ignore import IgnoreError, IgnoreList, load_ignore_list
from crawler.middlewares.proxyhosts import ProxyHostsError, parse_proxy_hosts
from crawler.network import NetworkPolicy
from crawler.rules import Rules, RulesError, load_rules
from crawler.verdict import STATUSES

#: name → (default, description); the README's settings table is checked against this.
DEFAULTS: dict[str, tuple[Any, str]] = {
    "LINKHEALTH_SEEDS": ("seeds", "seed file or directory (the spider argument -a seeds= wins)"),
    "LINKHEALTH_STATE_DB": ("state/linkhealth.sqlite", "the SQLite state file (history)"),
    "LINKHEALTH_REPORT_DIR": ("reports", "where the reports are written"),
    "LINKHEALTH_REPORTS_ENABLED": (True, "write the reports when the crawl ends"),
    "LINKHEALTH_RULES": ("", "a rules TOML merged over the built-in rules"),
    "LINKHEALTH_IGNORE_FILE": (
        "linkhealth-ignore.toml",
        "the ignore list (a missing file is empty)",
    ),
    "LINKHEALTH_NOW": ("", "the run's timestamp (ISO 8601, UTC if no zone); default: now"),
    "LINKHEALTH_RESUME": (True, "continue the last run if it was killed before it finished"),
    "LINKHEALTH_FAIL_ON": ("", "statuses that make the run exit 3, e.g. dead or dead,error"),
    "LINKHEALTH_CONFIRM_CHECKS": (3, "failing checks before a link is confirmed dead"),
    "LINKHEALTH_CONFIRM_DAYS": (3, "days the failing checks must span to confirm"),
    "LINKHEALTH_CANARY_URLS": (
        "https://www.baidu.com/ https://www.qq.com/ https://www.bing.com/ https://www.wikipedia.org/",
        "hosts fetched first to see whether the network works (space-separated; empty: off)",
    ),
    "LINKHEALTH_CANARY_TIMEOUT": (10, "seconds each canary may take"),
    "LINKHEALTH_OFFLINE_HOST_SHARE": (0.8, "share of hosts unreachable that makes a run degraded"),
    "LINKHEALTH_OFFLINE_MIN_HOSTS": (5, "fewest hosts fetched before that share is judged"),
    "LINKHEALTH_PROXY_HOSTS": ("", "host=http://proxy:port pairs: hosts routed through a proxy"),
    "LINKHEALTH_REDIS_URL": ("", "Redis URL: turns on the distributed profile (many workers)"),
    "LINKHEALTH_RETRY_AFTER_MAX": (120, "longest Retry-After (seconds) waited before a retry"),
    "LINKHEALTH_RETRY_BACKOFF": (2.0, "base of the exponential wait between retries (seconds)"),
}

DEFAULTS.update(ARCHIVE_DEFAULTS)
DEFAULTS.update(DISTRIBUTED_DEFAULTS)

#: Scrapy settings linkhealth relies on, validated with its own.
_POSITIVE_SCRAPY = ("DOWNLOAD_TIMEOUT", "CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN")
_NON_NEGATIVE_SCRAPY = ("RETRY_TIMES", "DOWNLOAD_DELAY", "REDIRECT_MAX_TIMES")
#: settings the archive extension and the distributed components read themselves: validated
#: here all the same, so that a bad value stops the run before it starts
_POSITIVE = (
    "LINKHEALTH_ARCHIVE_MAX_AGE",
    "LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE",
    "LINKHEALTH_ARCHIVE_CAPTURES_PER_MINUTE",
    "LINKHEALTH_ARCHIVE_TIME_BUDGET",
    "LINKHEALTH_ARCHIVE_TIMEOUT",
    "LINKHEALTH_ARCHIVE_POLL_INTERVAL",
    "LINKHEALTH_ARCHIVE_POLL_MAX",
)
_NON_NEGATIVE = ("LINKHEALTH_ARCHIVE_PAUSE",)
#: an empty value of these is their default (:func:`crawler.distributed.settings.setting`)
_REDIS_POSITIVE = ("LINKHEALTH_REDIS_LEASE", "LINKHEALTH_REDIS_HOST_TTL", "LINKHEALTH_REDIS_POLL")
_REDIS_WHOLE = ("LINKHEALTH_REDIS_BATCH",)
#: read with Scrapy's ``getbool``, which takes fewer spellings than :func:`_bool`
_SCRAPY_BOOLS = (
    "LINKHEALTH_ARCHIVE_ENABLED",
    "LINKHEALTH_ARCHIVE_CAPTURE_BLOCKED",
    "LINKHEALTH_ARCHIVE_ANONYMOUS_SAVE",
)
_REDIS_SCHEMES = ("redis", "rediss", "unix")


class ConfigError(ValueError):
    """A setting with a value that cannot work; the message names it."""


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
    #: how fixes.md (and `linkhealth fix`) add an archive link: append or replace
    fix_style: str

    @property
    def now_iso(self) -> str:
        return self.iso_after(0)

    def iso_after(self, seconds: float) -> str:
        """The run's timestamp plus ``seconds`` (the end of a run: its measured duration)."""
        return (self.now + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_now(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _bool(get: Callable[[str], Any], name: str) -> bool:
    value = get(name)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name}: expected true or false, got {value!r}")


def _number(get: Callable[[str], Any], name: str, *, positive: bool = False) -> float:
    value = get(name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: expected a number, got {value!r}") from None
    if number < 0 or (positive and number == 0):
        bound = "greater than 0" if positive else "0 or more"
        raise ConfigError(f"{name}: must be {bound}, got {value!r}")
    return number


def _scrapy_bool(get: Callable[[str], Any], name: str) -> None:
    value = get(name)
    if isinstance(value, bool) or str(value) in ("True", "true", "False", "false"):
        return
    try:
        int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: expected true or false (or 1 or 0), got {value!r}") from None


def _check_redis_url(url: str) -> None:
    """A URL redis-py can open; the message never shows it (it may hold a password)."""
    parts = urlsplit(url)
    problem = ""
    if parts.scheme not in _REDIS_SCHEMES:
        problem = f"the scheme must be one of {', '.join(f'{s}://' for s in _REDIS_SCHEMES)}"
    elif parts.scheme != "unix":
        try:
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            problem = "the port is not a number"
        else:
            if parts.path.strip("/") and not parts.path.strip("/").isdigit():
                problem = "the path must be a database number, e.g. /0"
    if problem:
        raise ConfigError(
            f"LINKHEALTH_REDIS_URL: not a Redis URL: {problem} (the value is not shown: "
            "it may hold a password)"
        )


def _check_components(setting: Callable[[str], Any]) -> None:
    """The archive and distributed settings, which their components read at start."""
    for name in _POSITIVE:
        _number(setting, name, positive=True)
    for name in _NON_NEGATIVE:
        _number(setting, name)

    def redis(name: str) -> Any:
        value = setting(name)
        return DEFAULTS[name][0] if value == "" else value

    for name in (*_REDIS_POSITIVE, *_REDIS_WHOLE):
        number = _number(redis, name, positive=True)
        if name in _REDIS_WHOLE and number != int(number):
            raise ConfigError(f"{name}: expected a whole number, got {redis(name)!r}")
    for name in _SCRAPY_BOOLS:
        _scrapy_bool(setting, name)
    base = str(setting("LINKHEALTH_ARCHIVE_BASE") or "")
    if not base.startswith(("http://", "https://")):
        raise ConfigError(f"LINKHEALTH_ARCHIVE_BASE: expected an http(s) URL, got {base!r}")
    if url := str(setting("LINKHEALTH_REDIS_URL") or ""):
        _check_redis_url(url)


def load_config(get: Callable[[str], Any], *, seeds: str | None = None) -> Config:
    """Validate the settings (``get`` reads one by name, e.g. ``crawler.settings.get``)."""

    def setting(name: str) -> Any:
        value = get(name)
        return DEFAULTS[name][0] if value is None else value

    for name in _POSITIVE_SCRAPY:
        if get(name) is not None:
            _number(get, name, positive=True)
    for name in _NON_NEGATIVE_SCRAPY:
        if get(name) is not None:
            _number(get, name)
    try:
        rules = load_rules(setting("LINKHEALTH_RULES") or None)
    except RulesError as exc:
        raise ConfigError(f"LINKHEALTH_RULES: {exc}") from exc
    ignore_file = setting("LINKHEALTH_IGNORE_FILE")
    try:
        ignore = load_ignore_list(ignore_file or None)
    except IgnoreError as exc:
        raise ConfigError(f"LINKHEALTH_IGNORE_FILE: {exc}") from exc
    now_text = str(setting("LINKHEALTH_NOW") or "")
    try:
        now = parse_now(now_text) if now_text else dt.datetime.now(dt.UTC)
    except ValueError:
        raise ConfigError(f"LINKHEALTH_NOW: not an ISO 8601 date-time: {now_text!r}") from None
    fail_on_text = setting("LINKHEALTH_FAIL_ON")
    fail_on = frozenset(
        s.strip()
        for s in (fail_on_text if isinstance(fail_on_text, list) else str(fail_on_text).split(","))
        if s.strip()
    )
    if unknown := fail_on - set(STATUSES):
        raise ConfigError(
            f"LINKHEALTH_FAIL_ON: unknown status {', '.join(sorted(unknown))} "
            f"(one of {', '.join(STATUSES)})"
        )
    # read by their components (crawler/middlewares/retry.py, proxyhosts.py); checked here
    _number(setting, "LINKHEALTH_RETRY_AFTER_MAX")
    _number(setting, "LINKHEALTH_RETRY_BACKOFF")
    try:
        parse_proxy_hosts(str(setting("LINKHEALTH_PROXY_HOSTS") or ""))
    except ProxyHostsError as exc:
        raise ConfigError(str(exc)) from exc
    _check_components(setting)
    fix_style = str(setting("LINKHEALTH_ARCHIVE_FIX_STYLE") or "")
    if fix_style not in STYLES:
        raise ConfigError(
            f"LINKHEALTH_ARCHIVE_FIX_STYLE: one of {', '.join(STYLES)}, got {fix_style!r}"
        )
    seeds_path = Path(seeds or str(setting("LINKHEALTH_SEEDS")))
    if not seeds_path.exists():
        raise ConfigError(f"seeds: {seeds_path} does not exist")
    return Config(
        seeds=seeds_path,
        state_db=Path(str(setting("LINKHEALTH_STATE_DB"))),
        report_dir=Path(str(setting("LINKHEALTH_REPORT_DIR"))),
        reports_enabled=_bool(setting, "LINKHEALTH_REPORTS_ENABLED"),
        rules=rules,
        ignore=ignore,
        now=now,
        resume=_bool(setting, "LINKHEALTH_RESUME"),
        fail_on=fail_on,
        confirm=policy_from(setting),
        network=_network_policy(setting),
        redis_url=str(setting("LINKHEALTH_REDIS_URL") or ""),
        fix_style=fix_style,
    )


def _network_policy(setting: Callable[[str], Any]) -> NetworkPolicy:
    urls = setting("LINKHEALTH_CANARY_URLS")
    canaries = tuple(urls if isinstance(urls, list) else str(urls).replace(",", " ").split())
    for url in canaries:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"LINKHEALTH_CANARY_URLS: {url!r} is not an http(s) URL")
    share = _number(setting, "LINKHEALTH_OFFLINE_HOST_SHARE", positive=True)
    if share > 1:
        raise ConfigError(f"LINKHEALTH_OFFLINE_HOST_SHARE: a share from 0 to 1, got {share}")
    return NetworkPolicy(
        canaries=canaries,
        canary_timeout=_number(setting, "LINKHEALTH_CANARY_TIMEOUT", positive=True),
        host_share=share,
        min_hosts=int(_number(setting, "LINKHEALTH_OFFLINE_MIN_HOSTS")),
    )


def policy_from(get: Callable[[str], Any]) -> Policy:
    """The confirmation policy from ``LINKHEALTH_CONFIRM_CHECKS`` / ``_DAYS``."""

    def setting(name: str) -> Any:
        value = get(name)
        return DEFAULTS[name][0] if value in (None, "") else value

    checks = _number(setting, "LINKHEALTH_CONFIRM_CHECKS", positive=True)
    if checks != int(checks):
        raise ConfigError(f"LINKHEALTH_CONFIRM_CHECKS: expected a whole number, got {checks}")
    return Policy(int(checks), _number(setting, "LINKHEALTH_CONFIRM_DAYS"))
