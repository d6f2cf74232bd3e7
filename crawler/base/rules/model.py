"""The typed rules: what a rules file becomes once read (one dataclass per table), and the
questions the crawl asks of them (a host's parameter rules, its platform).
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: hosts whose parameter rules a :class:`Rules` remembers (the cache is emptied when full)
_HOST_CACHE_SIZE = 65_536
#: where a parameter name splits into words: ``_ - .``, a lower-to-upper case change, an
#: acronym before a word (``HTTPToken``), a letter-digit boundary
_WORD_SPLIT_RE = re.compile(
    r"[_\-.]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])"
    r"|(?<=[0-9])(?=[A-Za-z])"
)


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
