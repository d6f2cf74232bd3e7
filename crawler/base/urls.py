"""Canonical forms of a link, and redaction of secrets for anything printed.

Three forms are kept apart (see docs/canonicalization.md):

* the **identity** — the dedupe key; for WeChat the article's ``__biz, mid, idx, sn``;
* the **fetch URL** — what is sent: the clean URL without fragment, percent-encoded;
* the **clean URL** — what the report shows and the user should keep in their list.

None of them ever holds a credential parameter. Raw parameter text is kept as written
(``__biz=MzI5MDUyMDIxNA==`` stays ``==``); unknown parameters are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

from w3lib.url import safe_url_string

from crawler.base.rules import HostParams, PageType, ParamPattern, Rules, name_words
from crawler.base.url_parts import URLProblem, split_link

#: what ``from crawler.base.urls import …`` finds (URLProblem: a link that cannot be checked)
__all__ = [
    "REDACTED",
    "CanonicalURL",
    "URLProblem",
    "canonicalize",
    "has_masked_values",
    "link_kind",
    "masked_names",
    "masked_original",
    "redact",
    "redact_text",
    "stored_fetch_url",
]

_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
#: a path or query that w3lib's ``safe_url_string`` leaves as it is in an http(s) URL (RFC 3986
#: unreserved characters, sub-delimiters but ``'``, ``:@/%``, and ``?`` in the query): checked
#: against w3lib by tests/test_seeds_speed_equivalence.py
_SAFE_PATH_RE = re.compile(r"[A-Za-z0-9\-._~!$&()*+,;=:@/%]*")
_SAFE_QUERY_RE = re.compile(r"[A-Za-z0-9\-._~!$&()*+,;=:@/%?]*")
_NESTED_URL_RE = re.compile(r"^https?://", re.IGNORECASE)
#: a ``name=value`` pair in a fragment (``#access_token=…&state=…``, ``#/cb?token=…``) or a path
#: parameter (``/page;jsessionid=…``)
_PAIR_RE = re.compile(r"(?P<name>[^&=#?/;]+)=(?P<value>[^&#;/?]*)")
_PATH_PARAM_RE = re.compile(r";(?P<name>[^&=#?/;]+)=(?P<value>[^#;/?]*)")


#: what every output shows instead of the value of a credential-like parameter
REDACTED = "REDACTED"
_MASKED_MARK = f"={REDACTED}"


@dataclass(frozen=True, slots=True)
class CanonicalURL:
    identity: str
    fetch_url: str
    clean_url: str
    host: str
    #: the link carried credentials (user:pass@ or a credential parameter) that were removed
    had_credentials: bool
    #: names of the parameters removed (tracking, credentials, not kept by the page type)
    removed: tuple[str, ...]
    #: names of credential-like parameters: sent to the link's own site, ``REDACTED`` in the
    #: identity and the clean URL (so in every output), never sent to the Wayback Machine
    masked: tuple[str, ...] = ()
    #: the page type of the URL (rules ``[[page]]``), if it is of one
    page: str | None = None


def has_masked_values(url: str) -> bool:
    """The URL (a clean URL, an identity) shows a masked credential-like value (its own, or
    one of a link nested in a parameter, ``?target=https%3A//…%3Ftoken%3DREDACTED``)."""
    return _MASKED_MARK in url or (REDACTED in url and _MASKED_MARK in unquote_plus(url))


def stored_fetch_url(clean_url: str, fetch_url: str) -> str:
    """What the store keeps of the URL sent: never a credential-like value (sent to the link's
    own site only): the clean URL without its fragment when it shows a masked one."""
    return clean_url.split("#", 1)[0] if has_masked_values(clean_url) else fetch_url


def masked_names(url: str) -> tuple[str, ...]:
    """The names of the parameters a clean URL or identity shows masked (in its query, its
    path parameters and its fragment)."""
    if _MASKED_MARK not in url:
        return ()
    base, _, fragment = url.partition("#")
    path, _, query = base.partition("?")
    names = [m["name"] for m in _PATH_PARAM_RE.finditer(path) if m["value"] == REDACTED]
    names += [name for _, name, value in _split_query(query) if value == REDACTED]
    names += [m["name"] for m in _PAIR_RE.finditer(fragment) if m["value"] == REDACTED]
    return tuple(dict.fromkeys(names))


def _mask_pairs(
    text: str, pattern: re.Pattern[str], is_secret: Callable[[str, str], bool]
) -> tuple[str, list[str]]:
    """``text`` with the value of each credential ``name=value`` pair that ``pattern`` finds
    shown as ``REDACTED``, and the names masked."""
    if "=" not in text:
        return text, []
    names: list[str] = []

    def mask(match: re.Match[str]) -> str:
        name = unquote_plus(match["name"])
        if not is_secret(name, unquote_plus(match["value"])):
            return match[0]
        names.append(name)
        start = match.start("value") - match.start()
        return f"{match[0][:start]}{REDACTED}"

    return pattern.sub(mask, text), names


def link_kind(url: str) -> str:
    """``http`` for http(s) URLs, ``anchor``, ``relative``, or the URL scheme (``mailto`` …)."""
    text = url.strip()
    if not text:
        return "empty"
    if text.startswith("#"):
        return "anchor"
    if text.startswith("//"):
        return "http"
    match = _SCHEME_RE.match(text)
    if not match:
        return "relative"
    scheme = match.group(1).lower()
    if len(scheme) == 1:  # a Windows drive letter, C:\…
        return "relative"
    return "http" if scheme in ("http", "https") else scheme


def _split_query(query: str) -> list[tuple[str, str, str]]:
    """(raw part, decoded name, decoded value) for each ``&``-separated part."""
    parts = []
    for raw in query.split("&"):
        if not raw:
            continue
        name, _, value = raw.partition("=")
        parts.append((raw, unquote_plus(name), unquote_plus(value)))
    return parts


def _matches(patterns: tuple[ParamPattern, ...], name: str, value: str) -> bool:
    return any(p.matches(name, value) for p in patterns)


def _join(scheme: str, netloc: str, path: str, query: str, fragment: str) -> str:
    """``urlunsplit`` for a non-empty ``netloc`` and a ``path`` starting with ``/``."""
    url = f"{scheme}://{netloc}{path}"
    if query:
        url = f"{url}?{query}"
    return f"{url}#{fragment}" if fragment else url


def _safe_url(scheme: str, netloc: str, host: str, path: str, query: str) -> str:
    """``safe_url_string`` of the URL without fragment, skipping w3lib when it changes nothing.

    ``host`` is a checked host name (see :func:`~crawler.base.url_parts.split_link`): lower-case
    ASCII letters, digits, ``-_.`` (w3lib keeps it as it is), or an IPv6 literal (left to w3lib).
    """
    url = _join(scheme, netloc, path, query, "")
    if (
        ":" not in host
        and not host.startswith("[")
        and _SAFE_PATH_RE.fullmatch(path)
        and _SAFE_QUERY_RE.fullmatch(query)
    ):
        return url
    return safe_url_string(url)


def _sort_query(
    split: list[tuple[str, str, str]], params: HostParams, page: PageType | None, rules: Rules
) -> tuple[list[tuple[str, str, str]], list[str], list[str], bool]:
    """Each parameter removed (a credential, a tracker, one its page type does not keep),
    masked (credential-like: sent, shown ``REDACTED``) or kept as written (a nested link
    cleaned too): ``(what is sent, what is shown, name)`` of each kept, the names removed, the
    names masked, and whether a credential was stripped."""
    kept: list[tuple[str, str, str]] = []
    removed: list[str] = []
    masked: list[str] = []
    stripped = False
    for raw, name, value in split:
        if params.credentials.matches(name, value):
            stripped = True
            removed.append(name)
        elif page is not None:
            # a known page type keeps what it lists and nothing else, whatever the name
            if name.lower() in page.keep:
                kept.append((raw, raw, name))
            else:
                removed.append(name)
        elif params.tracking.matches(name, value):
            removed.append(name)
        elif params.credential_like(name):
            masked.append(name)
            kept.append((raw, f"{raw.partition('=')[0]}={REDACTED}", name))
        elif _NESTED_URL_RE.match(value):
            sent, shown, inner_masked, inner_stripped = _clean_nested(raw, value, rules)
            stripped = stripped or inner_stripped
            masked.extend(inner_masked)
            kept.append((sent, shown, name))
        else:
            kept.append((raw, raw, name))
    return kept, removed, masked, stripped


def _identity_by_params(
    kept: list[tuple[str, str, str]], params: HostParams, netloc: str, host: str, path: str
) -> str:
    """The identity of a link on a host whose identity parameters are known (WeChat's
    ``__biz, mid, idx, sn``), when it carries them all; else ``""``."""
    if not params.identity:
        return ""
    by_name: dict[str, str] = {}
    for _, shown, name in kept:
        by_name.setdefault(name, shown)  # the first one counts, as a server reads it
    if not all(p in by_name for p in params.identity):
        return ""
    id_query = "&".join(by_name[p] for p in params.identity)
    return _safe_url("https", netloc, host, path, id_query)


def canonicalize(url: str, rules: Rules) -> CanonicalURL:
    """The identity, fetch URL and clean URL of an http(s) link.

    Raises :class:`URLProblem` for a link that cannot be fetched (bad host, bad port, …).
    """
    parts, scheme, host, netloc, had_credentials = split_link(url)
    params = rules.host_params(host)
    path = parts.path or "/"  # urlsplit gives "" or a path starting with "/"
    split = _split_query(parts.query)
    page = params.page_type(path, [name for _, name, _ in split]) if params.pages else None
    kept, removed, masked, stripped = _sort_query(split, params, page, rules)
    had_credentials = had_credentials or stripped

    def is_secret(name: str, value: str) -> bool:
        return params.credentials.matches(name, value) or params.credential_like(name)

    # a session id in a path parameter (``;jsessionid=…``) is sent, never shown
    shown_path, path_masked = _mask_pairs(path, _PATH_PARAM_RE, is_secret)
    query = "&".join(sent for sent, _, _ in kept)
    shown_query = "&".join(shown for _, shown, _ in kept) if masked else query
    fragment = parts.fragment
    clean_fragment = "" if fragment in rules.junk_fragments else fragment
    # a fragment is never sent; a credential in it (``#access_token=…``, the OAuth implicit
    # flow) is never shown either
    clean_fragment, fragment_masked = _mask_pairs(clean_fragment, _PAIR_RE, is_secret)
    masked.extend(path_masked + fragment_masked)
    clean_url = _join(scheme, netloc, shown_path, shown_query, clean_fragment)
    fetch_url = _safe_url(scheme, netloc, host, path, query)

    identity = _identity_by_params(kept, params, netloc, host, shown_path)
    if not identity:
        shown_parts = [shown for _, shown, _ in kept]
        sorted_query = "&".join(sorted(shown_parts)) if len(kept) > 1 else shown_query
        identity = (
            fetch_url
            if sorted_query == query and not path_masked
            else _safe_url(scheme, netloc, host, shown_path, sorted_query)
        )
    return CanonicalURL(
        identity=identity,
        fetch_url=fetch_url,
        clean_url=clean_url,
        host=host,
        had_credentials=had_credentials,
        removed=tuple(removed),
        masked=tuple(masked),
        page=page.name if page is not None else None,
    )


def _clean_nested(raw: str, value: str, rules: Rules) -> tuple[str, str, tuple[str, ...], bool]:
    """A parameter whose value is itself a link (``?target=https%3A//…``), cleaned too:
    (what is sent, what is shown, the inner masked names, whether credentials were stripped)."""
    try:
        inner = canonicalize(value, rules)
    except URLProblem:
        return raw, raw, (), False
    if not (inner.had_credentials or inner.masked):
        return raw, raw, (), False
    raw_name = raw.partition("=")[0]
    shown = f"{raw_name}={quote(inner.clean_url, safe=':/')}"
    sent = f"{raw_name}={quote(inner.fetch_url, safe=':/')}" if inner.had_credentials else raw
    return sent, shown, inner.masked, inner.had_credentials


def redact(url: str, rules: Rules) -> str:
    """The URL as every output may show it: its clean URL when it has one (credentials and
    what its page type does not keep dropped, credential-like values masked), else with every
    credential or credential-like value (on any host) and any user:password hidden.

    For anything printed or logged about a link that is not yet canonical.
    """
    if _NESTED_URL_RE.match(url.strip()):
        try:
            return canonicalize(url, rules).clean_url
        except URLProblem:
            pass
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable link>"
    patterns = rules.all_credential_patterns()
    words = rules.all_credential_words()
    query = "&".join(
        f"{raw.partition('=')[0]}={REDACTED}"
        if _matches(patterns, name, value)
        or not words.isdisjoint(name_words(name))
        or (_NESTED_URL_RE.match(value) and redact(value, rules) != value)
        else raw
        for raw, name, value in _split_query(parts.query)
    )

    def is_secret(name: str, value: str) -> bool:
        return _matches(patterns, name, value) or not words.isdisjoint(name_words(name))

    netloc = parts.netloc.rpartition("@")[2] if "@" in parts.netloc else parts.netloc
    path = _mask_pairs(parts.path, _PATH_PARAM_RE, is_secret)[0]
    fragment = _mask_pairs(parts.fragment, _PAIR_RE, is_secret)[0]
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


_URL_IN_TEXT_RE = re.compile(r"https?://[^\s<>\"'（）「」『』【】《》，。；！？、]+", re.IGNORECASE)


def masked_original(url: str, clean_url: str) -> str:
    """The link as written, safe to show beside its clean URL: the value of every parameter the
    clean URL does not keep as it is (credentials, trackers, a nested link cleaned) and any
    ``user:password@`` shown as ``REDACTED``."""
    try:
        parts, clean = urlsplit(url), urlsplit(clean_url)
    except ValueError:
        return "<unparseable link>"
    kept = {raw for raw, _name, _value in _split_query(clean.query)}
    query = "&".join(
        raw if raw in kept else f"{raw.partition('=')[0]}={REDACTED}"
        for raw, _name, _value in _split_query(parts.query)
    )
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str, rules: Rules) -> str:
    """Free text (a link text) with the credentials of any link written in it hidden."""
    if "://" not in text:
        return text
    return _URL_IN_TEXT_RE.sub(lambda m: redact(m.group(0), rules), text)
