"""The rules data: tracking and credential parameters, platform markers, title selectors.

The rules live in TOML (``default.toml`` beside this module); a user file named by
``LINKHEALTH_RULES`` is merged over them. Everything is validated once, here, so a typo in a
rules file stops the run at start with a message that names the file and the key.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_RULES_PATH = Path(__file__).with_name("default.toml")

#: The verdicts a rules file may name (``[statuses]``).
VERDICTS = ("alive", "dead", "blocked", "error")

#: hosts whose parameter rules a :class:`Rules` remembers (the cache is emptied when full)
_HOST_CACHE_SIZE = 65_536


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the key."""


def host_matches(pattern: str, host: str) -> bool:
    """``example.com`` matches the host and its subdomains, ``=example.com`` only itself."""
    if pattern == "*":
        return True
    if pattern.startswith("="):
        return host == pattern[1:]
    return host == pattern or host.endswith("." + pattern)


@dataclass(frozen=True, slots=True)
class ParamPattern:
    """A query-parameter pattern: ``name``, a glob ``utm_*``, or ``name=value``."""

    name: str
    value: str | None = None

    @classmethod
    def parse(cls, text: str) -> ParamPattern:
        name, sep, value = text.partition("=")
        return cls(name.lower(), value if sep else None)

    def matches(self, name: str, value: str) -> bool:
        if self.value is not None and value != self.value:
            return False
        lowered = name.lower()
        if any(ch in self.name for ch in "*?["):
            return fnmatch.fnmatchcase(lowered, self.name)
        return lowered == self.name


@dataclass(frozen=True, slots=True)
class ParamSet:
    """Parameter patterns ready for a quick test: plain names in a set, the others in a tuple.

    ``matches`` answers as ``any(p.matches(name, value) for p in patterns)`` would.
    """

    names: frozenset[str]
    others: tuple[ParamPattern, ...]

    @classmethod
    def of(cls, patterns: Iterable[ParamPattern]) -> ParamSet:
        names: set[str] = set()
        others: list[ParamPattern] = []
        for p in patterns:
            if p.value is None and not any(ch in p.name for ch in "*?["):
                names.add(p.name)
            else:
                others.append(p)
        return cls(frozenset(names), tuple(others))

    def matches(self, name: str, value: str) -> bool:
        if name.lower() in self.names:
            return True
        return any(p.matches(name, value) for p in self.others)


@dataclass(frozen=True, slots=True)
class HostParams:
    """The parameter rules of one host (see :meth:`Rules.host_params`)."""

    credentials: ParamSet
    tracking: ParamSet
    identity: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Platform:
    """How one platform (or the generic web) says gone / verify, and where its title is."""

    name: str
    hosts: tuple[str, ...] = ()
    content_selectors: tuple[str, ...] = ()
    removal_selectors: tuple[str, ...] = ()
    removal_markers: tuple[str, ...] = ()
    verification_markers: tuple[str, ...] = ()
    verification_url_patterns: tuple[str, ...] = ()
    error_url_patterns: tuple[str, ...] = ()
    title_selectors: tuple[str, ...] = ()
    title_regex: tuple[re.Pattern[str], ...] = ()
    moved_regex: re.Pattern[str] | None = None
    max_body_bytes: int | None = None
    reason_removed: str = "removed"
    reason_verification: str = "verification"

    def matches_host(self, host: str) -> bool:
        return any(host_matches(p, host) for p in self.hosts)


@dataclass(frozen=True)
class Rules:
    credentials: tuple[ParamPattern, ...]
    host_credentials: tuple[tuple[str, tuple[ParamPattern, ...]], ...]
    tracking: tuple[tuple[str, tuple[ParamPattern, ...]], ...]
    junk_fragments: frozenset[str]
    identity: tuple[tuple[str, tuple[str, ...]], ...]
    statuses: Mapping[int, str]
    platforms: tuple[Platform, ...]
    generic: Platform
    sources: tuple[str, ...] = field(default=())
    #: host -> its parameter rules, filled as hosts are met (a pure function of the fields)
    _host_params: dict[str, HostParams] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def host_params(self, host: str) -> HostParams:
        """Credential, tracking and identity parameters of ``host``, computed once per host."""
        found = self._host_params.get(host)
        if found is None:
            found = HostParams(
                ParamSet.of(self.credential_patterns(host)),
                ParamSet.of(self.tracking_patterns(host)),
                self.identity_params(host),
            )
            if len(self._host_params) >= _HOST_CACHE_SIZE:
                self._host_params.clear()
            self._host_params[host] = found
        return found

    def credential_patterns(self, host: str) -> tuple[ParamPattern, ...]:
        extra = [p for h, ps in self.host_credentials if host_matches(h, host) for p in ps]
        return self.credentials + tuple(extra)

    def all_credential_patterns(self) -> tuple[ParamPattern, ...]:
        """Every credential pattern of every host: what redaction hides anywhere."""
        return self.credentials + tuple(p for _, ps in self.host_credentials for p in ps)

    def tracking_patterns(self, host: str) -> tuple[ParamPattern, ...]:
        return tuple(p for h, ps in self.tracking if host_matches(h, host) for p in ps)

    def identity_params(self, host: str) -> tuple[str, ...] | None:
        for pattern, params in self.identity:
            if host_matches(pattern, host):
                return params
        return None

    def platform_for(self, host: str) -> Platform:
        for platform in self.platforms:
            if platform.matches_host(host):
                return platform
        return self.generic


_TOP_KEYS = {"params", "statuses", "fragments", "identity", "platform", "generic"}
_PARAM_KEYS = {"credentials", "host_credentials", "tracking"}
_STR_LIST_KEYS = {
    "hosts",
    "content_selectors",
    "removal_selectors",
    "removal_markers",
    "verification_markers",
    "verification_url_patterns",
    "error_url_patterns",
    "title_selectors",
    "title_regex",
}
_PLATFORM_KEYS = _STR_LIST_KEYS | {
    "name",
    "moved_regex",
    "max_body_bytes",
    "reason_removed",
    "reason_verification",
}
_REASON_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise RulesError(f"rules file {path}: cannot read it ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"rules file {path}: not valid TOML ({exc})") from exc


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if key == "platform" and isinstance(value, list):
            by_name = {p.get("name"): p for p in merged.get("platform", [])}
            for platform in value:
                if isinstance(platform, dict):
                    by_name[platform.get("name")] = platform
            merged["platform"] = list(by_name.values())
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{where}: expected a list of strings")
    return tuple(value)


def _regex(text: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise RulesError(f"{where}: bad regular expression {text!r} ({exc})") from exc


def _host_table(value: Any, where: str) -> tuple[tuple[str, tuple[ParamPattern, ...]], ...]:
    if not isinstance(value, dict):
        raise RulesError(f"{where}: expected a table of host = [parameters]")
    return tuple(
        (host, tuple(ParamPattern.parse(p) for p in _str_list(params, f"{where}.{host}")))
        for host, params in value.items()
    )


def _platform(data: Any, where: str) -> Platform:
    if not isinstance(data, dict):
        raise RulesError(f"{where}: expected a table")
    unknown = set(data) - _PLATFORM_KEYS
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    kwargs: dict[str, Any] = {"name": str(data.get("name", where))}
    for key in _STR_LIST_KEYS & set(data):
        values = _str_list(data[key], f"{where}.{key}")
        if key == "title_regex":
            kwargs[key] = tuple(_regex(v, f"{where}.{key}") for v in values)
        else:
            kwargs[key] = values
    for key in ("reason_removed", "reason_verification"):
        if key in data:
            if not isinstance(data[key], str) or not _REASON_RE.match(data[key]):
                raise RulesError(f"{where}.{key}: a reason code is lower-case words and dashes")
            kwargs[key] = data[key]
    if "moved_regex" in data:
        kwargs["moved_regex"] = _regex(str(data["moved_regex"]), f"{where}.moved_regex")
    if "max_body_bytes" in data:
        size = data["max_body_bytes"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 1024:
            raise RulesError(f"{where}.max_body_bytes: expected a whole number >= 1024")
        kwargs["max_body_bytes"] = size
    return Platform(**kwargs)


def build_rules(data: Mapping[str, Any], sources: Iterable[str] = ()) -> Rules:
    """Validate merged rules data and build the typed :class:`Rules`."""
    where = " + ".join(sources) or "rules"
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise RulesError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}")
    params = data.get("params", {})
    if set(params) - _PARAM_KEYS:
        bad = ", ".join(sorted(set(params) - _PARAM_KEYS))
        raise RulesError(f"{where}: [params] has unknown key(s) {bad}")
    statuses: dict[int, str] = {}
    for code, verdict in data.get("statuses", {}).items():
        if not str(code).isdigit() or not 100 <= int(code) <= 999:
            raise RulesError(f"{where}: [statuses] {code!r} is not an HTTP status code")
        if verdict not in VERDICTS:
            raise RulesError(
                f"{where}: [statuses] {code} = {verdict!r} is not a verdict "
                f"(one of {', '.join(VERDICTS)})"
            )
        statuses[int(code)] = verdict
    identity = tuple(
        (host, _str_list(names, f"{where}: [identity] {host}"))
        for host, names in data.get("identity", {}).items()
    )
    platforms_data = data.get("platform", [])
    if not isinstance(platforms_data, list):
        raise RulesError(f"{where}: [[platform]] must be an array of tables")
    platforms = tuple(
        _platform(p, f"{where}: platform {p.get('name', i) if isinstance(p, dict) else i}")
        for i, p in enumerate(platforms_data)
    )
    generic = _platform({"name": "generic", **data.get("generic", {})}, f"{where}: [generic]")
    return Rules(
        credentials=tuple(
            ParamPattern.parse(p)
            for p in _str_list(params.get("credentials", []), f"{where}: credentials")
        ),
        host_credentials=_host_table(
            params.get("host_credentials", {}), f"{where}: host_credentials"
        ),
        tracking=_host_table(params.get("tracking", {}), f"{where}: tracking"),
        junk_fragments=frozenset(
            _str_list(data.get("fragments", {}).get("junk", []), f"{where}: fragments.junk")
        ),
        identity=identity,
        statuses=statuses,
        platforms=platforms,
        generic=generic,
        sources=tuple(sources),
    )


def load_rules(path: str | Path | None = None) -> Rules:
    """The built-in rules, with the user's file (if any) merged over them."""
    return _load_rules_cached(str(path) if path else None)


@cache
def _load_rules_cached(path: str | None) -> Rules:
    data = _read_toml(DEFAULT_RULES_PATH)
    sources = [str(DEFAULT_RULES_PATH.name)]
    if path:
        data = _merge(data, _read_toml(Path(path)))
        sources.append(path)
    return build_rules(data, sources)
