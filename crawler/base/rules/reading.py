"""Reading the tables of a rules file into the typed rules of :mod:`crawler.base.rules.model`,
each value checked: a bad one raises :class:`RulesError` naming the file and the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from crawler.base.rules.model import (
    Challenge,
    DriftRules,
    PageType,
    ParamPattern,
    Parking,
    Platform,
    Waf,
)

T = TypeVar("T")

#: The verdicts a rules file may name (``[statuses]``).
VERDICTS = ("alive", "dead", "blocked", "error")


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the key."""


_PAGE_KEYS = {"name", "hosts", "path", "require", "keep", "content_selectors", "content_patterns"}
#: content signals a page type names at the least (so one page change does not blind it)
MIN_CONTENT_SIGNALS = 2
_STR_LIST_KEYS = {
    "hosts",
    "content_selectors",
    "removal_markers",
    "verification_markers",
    "verification_url_patterns",
    "error_url_patterns",
    "message_selectors",
    "verification_patterns",
    "title_selectors",
    "title_regex",
}
_PLATFORM_KEYS = _STR_LIST_KEYS | {
    "removal_selectors",
    "name",
    "moved_regex",
    "max_body_bytes",
    "reason_removed",
    "reason_verification",
}
_REASON_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _vocabulary_regex(words: tuple[str, ...]) -> re.Pattern[str] | None:
    """One expression finding any of ``words`` (lower-cased, longest first); a word of ASCII
    letters must stand whole ("sale" is not found in "wholesale"), a Chinese one anywhere."""
    alternatives = []
    for word in sorted({w.lower() for w in words if w.strip()}, key=len, reverse=True):
        escaped = re.escape(word)
        if word[:1].isascii() and word[:1].isalnum():
            escaped = r"(?<![a-z0-9])" + escaped
        if word[-1:].isascii() and word[-1:].isalnum():
            escaped += r"(?![a-z0-9])"
        alternatives.append(escaped)
    return re.compile("|".join(alternatives)) if alternatives else None


def read_statuses(data: Mapping[str, Any], where: str) -> dict[int, str]:
    """``[statuses]``: HTTP status code = the verdict it gives."""
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
    return statuses


def read_tables(
    data: Mapping[str, Any], key: str, where: str, read: Callable[[Any, str], T]
) -> tuple[T, ...]:
    """An array of tables (``[[platform]]``, ``[[page]]``), each read by ``read``, named by its
    ``name`` (its position when it has none)."""
    tables = data.get(key, [])
    if not isinstance(tables, list):
        raise RulesError(f"{where}: [[{key}]] must be an array of tables")
    return tuple(
        read(t, f"{where}: {key} {t.get('name', i) if isinstance(t, dict) else i}")
        for i, t in enumerate(tables)
    )


def str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{where}: expected a list of strings")
    return tuple(value)


def _regex(text: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise RulesError(f"{where}: bad regular expression {text!r} ({exc})") from exc


def _per_host(
    value: Any, where: str, what: str, make: Callable[[tuple[str, ...]], T]
) -> tuple[tuple[str, T], ...]:
    """A table of ``host = [strings]``, each list made into what the rules keep of it."""
    if not isinstance(value, dict):
        raise RulesError(f"{where}: expected a table of host = [{what}]")
    return tuple((host, make(str_list(items, f"{where}.{host}"))) for host, items in value.items())


def _table(data: Any, allowed: set[str], where: str, section: str = "") -> dict[str, Any]:
    """``data``, a table holding only ``allowed`` keys; the messages name its ``section``
    (``[waf]``) when it is one, else ``where`` names it (an array's table, ``[generic]``)."""
    if not isinstance(data, dict):
        raise RulesError(
            f"{where}: {section} must be a table" if section else f"{where}: expected a table"
        )
    unknown = set(data) - allowed
    if unknown:
        has = f"{section} has unknown" if section else "unknown"
        raise RulesError(f"{where}: {has} key(s) {', '.join(sorted(unknown))}")
    return data


def host_table(value: Any, where: str) -> tuple[tuple[str, tuple[ParamPattern, ...]], ...]:
    return _per_host(value, where, "parameters", lambda ps: tuple(map(ParamPattern.parse, ps)))


def read_platform(data: Any, where: str) -> Platform:
    data = _table(data, _PLATFORM_KEYS, where)
    kwargs: dict[str, Any] = {"name": str(data.get("name", where))}
    if "removal_selectors" in data:  # the name before message boxes were classified
        data = dict(data)
        older = str_list(data.pop("removal_selectors"), f"{where}.removal_selectors")
        current = str_list(data.get("message_selectors", []), f"{where}.message_selectors")
        data["message_selectors"] = [*current, *older]
    for key in _STR_LIST_KEYS & set(data):
        values = str_list(data[key], f"{where}.{key}")
        if key in ("title_regex", "verification_patterns"):
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


def _table_of(data: Mapping[str, Any], key: str, allowed: set[str], where: str) -> dict[str, Any]:
    return _table(data.get(key, {}), allowed, where, f"[{key}]")


def _regexes(table: Mapping[str, Any], key: str, where: str) -> tuple[re.Pattern[str], ...]:
    return tuple(
        _regex(v, f"{where}.{key}") for v in str_list(table.get(key, []), f"{where}.{key}")
    )


def read_parking(data: Mapping[str, Any], where: str) -> Parking:
    vocabulary = ("sale_words", "domain_words", "filler_words")
    keys = {"hosts", "url_patterns", "script_patterns", *vocabulary}
    table = _table_of(data, "parking", keys, where)
    at = f"{where}: parking"
    words = {k: str_list(table.get(k, []), f"{at}.{k}") for k in vocabulary}
    return Parking(
        hosts=str_list(table.get("hosts", []), f"{at}.hosts"),
        url_patterns=_regexes(table, "url_patterns", at),
        script_patterns=_regexes(table, "script_patterns", at),
        sale=_vocabulary_regex(words["sale_words"]),
        domain=_vocabulary_regex(words["domain_words"]),
        filler=_vocabulary_regex(words["filler_words"]),
    )


def read_challenge(data: Mapping[str, Any], where: str) -> Challenge:
    table = _table_of(data, "challenge", {"hosts", "url_patterns", "titles"}, where)
    at = f"{where}: challenge"
    return Challenge(
        hosts=str_list(table.get("hosts", []), f"{at}.hosts"),
        url_patterns=_regexes(table, "url_patterns", at),
        titles=str_list(table.get("titles", []), f"{at}.titles"),
    )


def read_waf(data: Mapping[str, Any], where: str) -> Waf:
    keys = ("block_headers", "block_markers", "headers", "block_words")
    table = _table_of(data, "waf", set(keys), where)
    lists = {k: str_list(table.get(k, []), f"{where}: waf.{k}") for k in keys}
    return Waf(**lists)


_DRIFT_KEYS = {
    "site_suffixes",
    "ignore_patterns",
    "generic_link_texts",
    "min_text_chars",
    "title_threshold",
    "text_threshold",
}


def read_drift(data: Mapping[str, Any], where: str) -> DriftRules:
    table = _table_of(data, "drift", _DRIFT_KEYS, where)
    at = f"{where}: [drift]"
    kwargs: dict[str, Any] = {}
    for key in ("title_threshold", "text_threshold"):
        if key in table:
            number = table[key]
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise RulesError(f"{at}.{key}: expected a number from 0 to 1")
            if not 0 <= number <= 1:
                raise RulesError(f"{at}.{key}: expected a number from 0 to 1")
            kwargs[key] = float(number)
    if "min_text_chars" in table:
        chars = table["min_text_chars"]
        if not isinstance(chars, int) or isinstance(chars, bool) or chars < 1:
            raise RulesError(f"{at}.min_text_chars: expected a whole number >= 1")
        kwargs["min_text_chars"] = chars
    return DriftRules(
        site_suffixes=str_list(table.get("site_suffixes", []), f"{at}.site_suffixes"),
        ignore_patterns=_regexes(table, "ignore_patterns", at),
        generic_link_texts=str_list(
            table.get("generic_link_texts", []), f"{at}.generic_link_texts"
        ),
        **kwargs,
    )


def word_table(value: Any, where: str) -> tuple[tuple[str, frozenset[str]], ...]:
    return _per_host(value, where, "words", lambda ws: frozenset(w.lower() for w in ws))


def read_page(data: Any, where: str) -> PageType:
    data = _table(data, _PAGE_KEYS, where)
    for key in ("name", "path"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise RulesError(f"{where}: `{key}` is required (a string)")
    hosts = str_list(data.get("hosts", []), f"{where}.hosts")
    if not hosts:
        raise RulesError(f"{where}.hosts: name at least one host")
    selectors = str_list(data.get("content_selectors", []), f"{where}.content_selectors")
    patterns = tuple(
        _regex(p, f"{where}.content_patterns")
        for p in str_list(data.get("content_patterns", []), f"{where}.content_patterns")
    )
    if len(selectors) + len(patterns) < MIN_CONTENT_SIGNALS:
        raise RulesError(
            f"{where}: name at least {MIN_CONTENT_SIGNALS} content signals "
            "(content_selectors and content_patterns together)"
        )
    return PageType(
        name=data["name"],
        hosts=hosts,
        path=_regex(data["path"], f"{where}.path"),
        require=str_list(data.get("require", []), f"{where}.require"),
        keep=frozenset(k.lower() for k in str_list(data.get("keep", []), f"{where}.keep")),
        content_selectors=selectors,
        content_patterns=patterns,
    )
