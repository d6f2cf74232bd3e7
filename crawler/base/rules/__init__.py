"""The rules data: tracking and credential parameters, platform markers, title selectors.

The rules live in TOML (``default.toml`` beside this module); a user file named by
``LINKHEALTH_RULES`` is merged over them. Everything is validated once, when they are loaded
(each table read by :mod:`~crawler.base.rules.reading` into the dataclasses of
:mod:`~crawler.base.rules.model`), so a typo in a rules file stops the run at start with a
message that names the file and the key.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from crawler.base.rules.model import (
    DriftRules,
    HostParams,
    PageType,
    ParamPattern,
    ParamSet,
    Parking,
    Platform,
    Rules,
    host_matches,
    name_words,
)
from crawler.base.rules.reading import (
    RulesError,
    host_table,
    read_challenge,
    read_drift,
    read_page,
    read_parking,
    read_platform,
    read_statuses,
    read_tables,
    read_waf,
    str_list,
    word_table,
)

#: what ``from crawler.base.rules import …`` finds: the typed rules, and reading them
__all__ = [
    "DEFAULT_RULES_PATH",
    "DriftRules",
    "HostParams",
    "PageType",
    "ParamPattern",
    "ParamSet",
    "Parking",
    "Platform",
    "Rules",
    "RulesError",
    "build_rules",
    "host_matches",
    "load_rules",
    "name_words",
]

DEFAULT_RULES_PATH = Path(__file__).with_name("default.toml")

_TOP_KEYS = {
    "params",
    "statuses",
    "fragments",
    "identity",
    "platform",
    "generic",
    "page",
    "messages",
    "parking",
    "challenge",
    "waf",
    "drift",
}
_PARAM_KEYS = {
    "credentials",
    "host_credentials",
    "tracking",
    "credential_words",
    "host_credential_words",
}


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
        if key in ("platform", "page") and isinstance(value, list):
            by_name = {p.get("name"): p for p in merged.get(key, [])}
            for table in value:
                if isinstance(table, dict):
                    # a table with a built-in name changes the keys it sets, keeps the others
                    by_name[table.get("name")] = {**by_name.get(table.get("name"), {}), **table}
            merged[key] = list(by_name.values())
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _check_keeps(rules: Rules, where: str) -> None:
    """A page type may not keep a credential: it would be sent, stored and reported."""
    for page in rules.pages:
        for host in (h.lstrip("=") for h in page.hosts):
            params = rules.host_params(host)
            for name in sorted(page.keep):
                if params.credentials.matches(name, "") or params.credential_like(name):
                    raise RulesError(
                        f"{where}: page {page.name} keeps {name!r}, a credential on {host}: "
                        "credentials are never kept"
                    )


def _check_sections(data: Mapping[str, Any], where: str) -> None:
    """Every section, and every key of ``[params]``, is one the rules know."""
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise RulesError(f"{where}: unknown section(s) {', '.join(sorted(unknown))}")
    params = data.get("params", {})
    if set(params) - _PARAM_KEYS:
        bad = ", ".join(sorted(set(params) - _PARAM_KEYS))
        raise RulesError(f"{where}: [params] has unknown key(s) {bad}")


def build_rules(data: Mapping[str, Any], sources: Iterable[str] = ()) -> Rules:
    """Validate merged rules data and build the typed :class:`Rules`."""
    where = " + ".join(sources) or "rules"
    _check_sections(data, where)
    params = data.get("params", {})
    statuses = read_statuses(data, where)
    identity = tuple(
        (host, str_list(names, f"{where}: [identity] {host}"))
        for host, names in data.get("identity", {}).items()
    )
    platforms = read_tables(data, "platform", where, read_platform)
    generic = read_platform({"name": "generic", **data.get("generic", {})}, f"{where}: [generic]")
    pages = read_tables(data, "page", where, read_page)
    messages = data.get("messages", {})
    if not isinstance(messages, dict) or set(messages) - {"verification_words", "removal_words"}:
        raise RulesError(f"{where}: [messages] holds only verification_words and removal_words")
    rules = Rules(
        credentials=tuple(
            ParamPattern.parse(p)
            for p in str_list(params.get("credentials", []), f"{where}: credentials")
        ),
        host_credentials=host_table(
            params.get("host_credentials", {}), f"{where}: host_credentials"
        ),
        tracking=host_table(params.get("tracking", {}), f"{where}: tracking"),
        junk_fragments=frozenset(
            str_list(data.get("fragments", {}).get("junk", []), f"{where}: fragments.junk")
        ),
        identity=identity,
        statuses=statuses,
        platforms=platforms,
        generic=generic,
        sources=tuple(sources),
        credential_words=frozenset(
            w.lower()
            for w in str_list(params.get("credential_words", []), f"{where}: credential_words")
        ),
        host_credential_words=word_table(
            params.get("host_credential_words", {}), f"{where}: host_credential_words"
        ),
        pages=pages,
        verification_words=str_list(
            messages.get("verification_words", []), f"{where}: messages.verification_words"
        ),
        removal_words=str_list(
            messages.get("removal_words", []), f"{where}: messages.removal_words"
        ),
        parking=read_parking(data, where),
        challenge=read_challenge(data, where),
        waf=read_waf(data, where),
        drift=read_drift(data, where),
    )
    _check_keeps(rules, where)
    return rules


def load_rules(path: str | Path | None = None) -> Rules:
    """The built-in rules, with the user's file (if any) merged over them."""
    return _load_rules_cached(str(path) if path else None)


@functools.cache
def _load_rules_cached(path: str | None) -> Rules:
    data = _read_toml(DEFAULT_RULES_PATH)
    sources = [str(DEFAULT_RULES_PATH.name)]
    if path:
        data = _merge(data, _read_toml(Path(path)))
        sources.append(path)
    return build_rules(data, sources)
