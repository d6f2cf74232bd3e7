"""The rules data: tracking and credential parameters, platform markers, title selectors.

The rules live in TOML (``default.toml`` beside this module); a user file named by
``LINKHEALTH_RULES`` is merged over them. Everything is validated once, here, so a typo in a
rules file stops the run at start with a message that names the file and the key.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

DEFAULT_RULES_PATH = Path(__file__).with_name("default.toml")

T = TypeVar("T")

#: The verdicts a rules file may name (``[statuses]``).
VERDICTS = ("alive", "dead", "blocked", "error")

#: hosts whose parameter rules a :class:`Rules` remembers (the cache is emptied when full)
_HOST_CACHE_SIZE = 65_536
#: where a parameter name splits into words: ``_ - .``, a lower-to-upper case change, an
#: acronym before a word (``HTTPToken``), a letter-digit boundary
_WORD_SPLIT_RE = re.compile(
    r"[_\-.]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])"
    r"|(?<=[0-9])(?=[A-Za-z])"
)


class RulesError(ValueError):
    """A rules file that cannot be used; the message names the file and the key."""


def host_matches(pattern: str, host: str) -> bool:
    """``example.com`` matches the host and its subdomains, ``=example.com`` only itself."""
    if pattern == "*":
        return True
    if pattern.startswith("="):
        return host == pattern[1:]
    return host == pattern or host.endswith("." + pattern)


@functools.lru_cache(maxsize=16_384)
def hosts_match(patterns: tuple[str, ...], host: str) -> bool:
    """``host`` matches one of the host ``patterns`` (remembered per host)."""
    return any(host_matches(p, host) for p in patterns)


@dataclass(frozen=True, slots=True)
class DriftRules:
    """``[drift]`` of the rules file."""

    #: the site names titles end with (" - 知乎", "_CSDN博客", "| Medium"), taken away
    site_suffixes: tuple[str, ...] = ()
    #: regular expressions taken away from titles before comparing (an arXiv id prefix)
    ignore_patterns: tuple[re.Pattern[str], ...] = ()
    #: link texts that say nothing of the page ("link", "here", "原文")
    generic_link_texts: tuple[str, ...] = ()
    #: a link text needs this many letters or digits to be descriptive
    min_text_chars: int = 4
    #: Dice coefficient of two titles' n-grams from which they are the same page
    title_threshold: float = 0.3
    #: share of a link text's n-grams found in the title from which the text supports it
    text_threshold: float = 0.3


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


@functools.lru_cache(maxsize=16_384)
def name_words(name: str) -> frozenset[str]:
    """The lower-case words of a parameter name: ``X-Amz-Security-Token`` → x, amz, security,
    token; ``sessionId`` → session, id; ``keyword`` stays one word."""
    return frozenset(w.lower() for w in _WORD_SPLIT_RE.split(name) if w)


@dataclass(frozen=True, slots=True)
class HostParams:
    """The parameter rules of one host (see :meth:`Rules.host_params`)."""

    credentials: ParamSet
    tracking: ParamSet
    identity: tuple[str, ...] | None
    #: words that make a parameter name credential-like on this host (``access_token``)
    credential_words: frozenset[str] = frozenset()
    #: the page types that may match a URL of this host
    pages: tuple[PageType, ...] = ()

    def credential_like(self, name: str) -> bool:
        """One of the name's words is a credential word (the value is masked in every output)."""
        return not self.credential_words.isdisjoint(name_words(name))

    def page_type(self, path: str, names: Iterable[str]) -> PageType | None:
        """The page type of a URL of this host with this path and these parameter names."""
        present = {n.lower() for n in names}
        for page in self.pages:
            if page.path.search(path) and all(r.lower() in present for r in page.require):
                return page
        return None


@dataclass(frozen=True, slots=True)
class PageType:
    """A kind of page whose URL form is known: the query parameters it keeps (all others are
    dropped before anything is sent, logged or stored) and the signs that its content is there.
    """

    name: str
    hosts: tuple[str, ...]
    path: re.Pattern[str]
    #: the URL is of this type only when it carries all of these parameters
    require: tuple[str, ...] = ()
    #: the parameters kept (names compared case-insensitively); everything else is dropped
    keep: frozenset[str] = frozenset()
    #: CSS selectors and regular expressions, any one of which shows the content is there
    content_selectors: tuple[str, ...] = ()
    content_patterns: tuple[re.Pattern[str], ...] = ()

    def matches_host(self, host: str) -> bool:
        return any(host_matches(h, host) for h in self.hosts)


@dataclass(frozen=True, slots=True)
class Platform:
    """How one platform (or the generic web) says gone / verify, and where its title is."""

    name: str
    hosts: tuple[str, ...] = ()
    content_selectors: tuple[str, ...] = ()
    removal_markers: tuple[str, ...] = ()
    verification_markers: tuple[str, ...] = ()
    verification_url_patterns: tuple[str, ...] = ()
    error_url_patterns: tuple[str, ...] = ()
    #: the elements where the platform shows its messages (removal, verification, errors)
    message_selectors: tuple[str, ...] = ()
    #: regular expressions for challenge scripts (a cookie set, then the page reloaded)
    verification_patterns: tuple[re.Pattern[str], ...] = ()
    title_selectors: tuple[str, ...] = ()
    title_regex: tuple[re.Pattern[str], ...] = ()
    moved_regex: re.Pattern[str] | None = None
    max_body_bytes: int | None = None
    reason_removed: str = "removed"
    reason_verification: str = "verification"

    def matches_host(self, host: str) -> bool:
        return any(host_matches(p, host) for p in self.hosts)


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


@dataclass(frozen=True, slots=True)
class Parking:
    """Signs of a parked or for-sale domain (``[parking]``): its link is ``dead/parked-domain``."""

    #: domain brokers and parking services: a redirect from another site ending on one
    hosts: tuple[str, ...] = ()
    #: regular expressions over a redirect's final path and query (``/lander``, ``/forsale/``)
    url_patterns: tuple[re.Pattern[str], ...] = ()
    #: regular expressions over a page's scripts, frames and refresh targets (parking scripts)
    script_patterns: tuple[re.Pattern[str], ...] = ()
    #: vocabulary of a parking wording: it needs a sale word and a domain word (or the site's
    #: own name), and nothing but filler words around them
    sale: re.Pattern[str] | None = None
    domain: re.Pattern[str] | None = None
    filler: re.Pattern[str] | None = None

    def host_is_broker(self, host: str) -> bool:
        return hosts_match(self.hosts, host)


@dataclass(frozen=True, slots=True)
class Challenge:
    """Verification and captcha pages on any host (``[challenge]``): ``blocked/anti-bot``."""

    #: captcha and verification services: a redirect from another site ending on one
    hosts: tuple[str, ...] = ()
    #: regular expressions over a redirect's final path and query (``/captcha/``)
    url_patterns: tuple[re.Pattern[str], ...] = ()
    #: wordings a challenge page's title *is* (one of its segments)
    titles: tuple[str, ...] = ()

    def host_is_service(self, host: str) -> bool:
        return hosts_match(self.hosts, host)


@dataclass(frozen=True, slots=True)
class Waf:
    """A web application firewall's block page, served with a 4xx or 5xx (``[waf]``)."""

    #: headers only a block or challenge answer carries: ``name`` or ``name: part of value``
    block_headers: tuple[str, ...] = ()
    #: strings only a WAF's block page holds (its template, its error image's host)
    block_markers: tuple[str, ...] = ()
    #: headers naming a WAF or CDN in front of the site: with a block wording, a block page
    headers: tuple[str, ...] = ()
    #: words of a block page ("access denied", "拦截")
    block_words: tuple[str, ...] = ()


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
    credential_words: frozenset[str] = frozenset()
    host_credential_words: tuple[tuple[str, frozenset[str]], ...] = ()
    pages: tuple[PageType, ...] = ()
    #: words of a message (or title) that is about us, not the content: verification,
    #: visit frequency, limits, "for now"
    verification_words: tuple[str, ...] = ()
    #: words of a platform message that says the content is gone (deleted, violation…)
    removal_words: tuple[str, ...] = ()
    parking: Parking = field(default_factory=Parking)
    challenge: Challenge = field(default_factory=Challenge)
    waf: Waf = field(default_factory=Waf)
    #: how content drift is judged (``[drift]``)
    drift: DriftRules = field(default_factory=DriftRules)
    #: host -> its parameter rules, filled as hosts are met (a pure function of the fields)
    _host_params: dict[str, HostParams] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    #: host -> its platform, filled as hosts are met
    _platforms: dict[str, Platform] = field(
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
                self.words_for(host),
                tuple(page for page in self.pages if page.matches_host(host)),
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

    def words_for(self, host: str) -> frozenset[str]:
        """The credential words of ``host``: everywhere's, and its own (``key`` on platforms)."""
        extra = [w for h, ws in self.host_credential_words if host_matches(h, host) for w in ws]
        return self.credential_words | frozenset(extra)

    def all_credential_words(self) -> frozenset[str]:
        """Every credential word of every host: what redaction masks anywhere."""
        return self.credential_words.union(*(ws for _, ws in self.host_credential_words))

    def page_type(self, host: str, path: str, names: Iterable[str]) -> PageType | None:
        """The page type a URL is of (its host, path and parameter names), if any."""
        return self.host_params(host).page_type(path, names)

    def tracking_patterns(self, host: str) -> tuple[ParamPattern, ...]:
        return tuple(p for h, ps in self.tracking if host_matches(h, host) for p in ps)

    def identity_params(self, host: str) -> tuple[str, ...] | None:
        for pattern, params in self.identity:
            if host_matches(pattern, host):
                return params
        return None

    def platform_for(self, host: str) -> Platform:
        """The platform whose hosts ``host`` matches (the generic web when none does), found
        once per host."""
        found = self._platforms.get(host)
        if found is None:
            found = next((p for p in self.platforms if p.matches_host(host)), self.generic)
            self._platforms[host] = found
        return found


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


def _str_list(value: Any, where: str) -> tuple[str, ...]:
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
    return tuple((host, make(_str_list(items, f"{where}.{host}"))) for host, items in value.items())


def _host_table(value: Any, where: str) -> tuple[tuple[str, tuple[ParamPattern, ...]], ...]:
    return _per_host(value, where, "parameters", lambda ps: tuple(map(ParamPattern.parse, ps)))


def _platform(data: Any, where: str) -> Platform:
    if not isinstance(data, dict):
        raise RulesError(f"{where}: expected a table")
    unknown = set(data) - _PLATFORM_KEYS
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    kwargs: dict[str, Any] = {"name": str(data.get("name", where))}
    if "removal_selectors" in data:  # the name before message boxes were classified
        data = dict(data)
        older = _str_list(data.pop("removal_selectors"), f"{where}.removal_selectors")
        current = _str_list(data.get("message_selectors", []), f"{where}.message_selectors")
        data["message_selectors"] = [*current, *older]
    for key in _STR_LIST_KEYS & set(data):
        values = _str_list(data[key], f"{where}.{key}")
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
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise RulesError(f"{where}: [{key}] must be a table")
    unknown = set(table) - allowed
    if unknown:
        raise RulesError(f"{where}: [{key}] has unknown key(s) {', '.join(sorted(unknown))}")
    return table


def _regexes(table: Mapping[str, Any], key: str, where: str) -> tuple[re.Pattern[str], ...]:
    return tuple(
        _regex(v, f"{where}.{key}") for v in _str_list(table.get(key, []), f"{where}.{key}")
    )


def _parking(data: Mapping[str, Any], where: str) -> Parking:
    vocabulary = ("sale_words", "domain_words", "filler_words")
    keys = {"hosts", "url_patterns", "script_patterns", *vocabulary}
    table = _table_of(data, "parking", keys, where)
    at = f"{where}: parking"
    words = {k: _str_list(table.get(k, []), f"{at}.{k}") for k in vocabulary}
    return Parking(
        hosts=_str_list(table.get("hosts", []), f"{at}.hosts"),
        url_patterns=_regexes(table, "url_patterns", at),
        script_patterns=_regexes(table, "script_patterns", at),
        sale=_vocabulary_regex(words["sale_words"]),
        domain=_vocabulary_regex(words["domain_words"]),
        filler=_vocabulary_regex(words["filler_words"]),
    )


def _challenge(data: Mapping[str, Any], where: str) -> Challenge:
    table = _table_of(data, "challenge", {"hosts", "url_patterns", "titles"}, where)
    at = f"{where}: challenge"
    return Challenge(
        hosts=_str_list(table.get("hosts", []), f"{at}.hosts"),
        url_patterns=_regexes(table, "url_patterns", at),
        titles=_str_list(table.get("titles", []), f"{at}.titles"),
    )


def _waf(data: Mapping[str, Any], where: str) -> Waf:
    keys = ("block_headers", "block_markers", "headers", "block_words")
    table = _table_of(data, "waf", set(keys), where)
    lists = {k: _str_list(table.get(k, []), f"{where}: waf.{k}") for k in keys}
    return Waf(**lists)


_DRIFT_KEYS = {
    "site_suffixes",
    "ignore_patterns",
    "generic_link_texts",
    "min_text_chars",
    "title_threshold",
    "text_threshold",
}


def _drift(data: Mapping[str, Any], where: str) -> DriftRules:
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
        site_suffixes=_str_list(table.get("site_suffixes", []), f"{at}.site_suffixes"),
        ignore_patterns=_regexes(table, "ignore_patterns", at),
        generic_link_texts=_str_list(
            table.get("generic_link_texts", []), f"{at}.generic_link_texts"
        ),
        **kwargs,
    )


def _word_table(value: Any, where: str) -> tuple[tuple[str, frozenset[str]], ...]:
    return _per_host(value, where, "words", lambda ws: frozenset(w.lower() for w in ws))


def _page(data: Any, where: str) -> PageType:
    if not isinstance(data, dict):
        raise RulesError(f"{where}: expected a table")
    unknown = set(data) - _PAGE_KEYS
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("name", "path"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise RulesError(f"{where}: `{key}` is required (a string)")
    hosts = _str_list(data.get("hosts", []), f"{where}.hosts")
    if not hosts:
        raise RulesError(f"{where}.hosts: name at least one host")
    selectors = _str_list(data.get("content_selectors", []), f"{where}.content_selectors")
    patterns = tuple(
        _regex(p, f"{where}.content_patterns")
        for p in _str_list(data.get("content_patterns", []), f"{where}.content_patterns")
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
        require=_str_list(data.get("require", []), f"{where}.require"),
        keep=frozenset(k.lower() for k in _str_list(data.get("keep", []), f"{where}.keep")),
        content_selectors=selectors,
        content_patterns=patterns,
    )


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
    pages_data = data.get("page", [])
    if not isinstance(pages_data, list):
        raise RulesError(f"{where}: [[page]] must be an array of tables")
    pages = tuple(
        _page(p, f"{where}: page {p.get('name', i) if isinstance(p, dict) else i}")
        for i, p in enumerate(pages_data)
    )
    messages = data.get("messages", {})
    if not isinstance(messages, dict) or set(messages) - {"verification_words", "removal_words"}:
        raise RulesError(f"{where}: [messages] holds only verification_words and removal_words")
    rules = Rules(
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
        credential_words=frozenset(
            w.lower()
            for w in _str_list(params.get("credential_words", []), f"{where}: credential_words")
        ),
        host_credential_words=_word_table(
            params.get("host_credential_words", {}), f"{where}: host_credential_words"
        ),
        pages=pages,
        verification_words=_str_list(
            messages.get("verification_words", []), f"{where}: messages.verification_words"
        ),
        removal_words=_str_list(
            messages.get("removal_words", []), f"{where}: messages.removal_words"
        ),
        parking=_parking(data, where),
        challenge=_challenge(data, where),
        waf=_waf(data, where),
        drift=_drift(data, where),
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
