"""Signs that a page is something other than what was linked, on any host (pure).

A parked or for-sale domain, a verification or captcha page, a web application firewall's block
page: each found by the rules data (``[parking]``, ``[challenge]``, ``[waf]``), generalised by
vocabulary and page structure rather than whole sentences. Each function returns the evidence it
found as ``(what, rule)`` — what to show in ``detail`` and the rule that decided — or ``None``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from crawler.base.rules import Parking, Rules

#: where a title splits into segments ("<what> - <site>", "<what> | <site>", "<what>_<site>")
_TITLE_SEGMENTS_RE = re.compile(r"\s+[-|–—·]\s+|_|｜|\s*\|\s*")
#: a title segment is a wording when no more than this is left around it ("Error 404 Not Found"
#: leaves "error"; a CJK character counts two: "安全验证" leaves 安全, "如何验证模型" too much)
_TITLE_SLACK = 6
#: what a parking wording may hold besides its vocabulary (a CJK character counts two)
PARKING_SLACK = 2
#: a page with less visible text than this (script and style left out) has "almost no text"
LITTLE_TEXT = 200
#: how much of a 4xx/5xx page a WAF's block wording is looked for in
_WAF_SPAN = 16384
_WS_RE = re.compile(r"\s+")
_DIGITS_RE = re.compile(r"\d+")
_QUESTION = ("?", "？", "吗")

Found = tuple[str, str]


def _squeeze(text: str) -> str:
    """Letters and digits only, lower-case: how a wording is found in a title's segment."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _weight(text: str) -> int:
    return sum(1 if ch.isascii() else 2 for ch in text)


@functools.lru_cache(maxsize=256)
def _squeezed(markers: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((m, w) for m in markers if (w := _squeeze(m)))


def title_says(title: str, markers: tuple[str, ...]) -> str | None:
    """A marker that a segment of the title *is* (give or take a few characters), not one the
    title merely mentions: "页面不存在 - CSDN" says it; "网页打开显示 404 Not Found 是什么原因？"
    (a question about it) does not."""
    segments = [_squeeze(part) for part in _TITLE_SEGMENTS_RE.split(title)]
    for marker, wanted in _squeezed(markers):
        if any(
            wanted in seg and _weight(seg) - _weight(wanted) <= _TITLE_SLACK for seg in segments
        ):
            return marker
    return None


@functools.lru_cache(maxsize=4096)
def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _target(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return (parts.path or "/") + ("?" + parts.query if parts.query else "")


def _shape(url: str, patterns: Iterable[re.Pattern[str]]) -> str | None:
    target = _target(url)
    return next((p.pattern for p in patterns if p.search(target)), None)


def _site(host: str) -> str:
    return host.removeprefix("www.")


def redirect_sign(url: str, final: str, rules: Rules) -> tuple[str, str, str] | None:
    """Where a redirect ended, when that is a broker, a parking lander or a captcha:
    ``(kind, what, rule)`` with ``kind`` ``"parking"`` or ``"challenge"``. A host or URL shape
    counts only when the link itself is not of it (a link *to* a broker is no parked domain,
    one to a repository called ``captcha`` no challenge)."""
    if final == url:
        return None
    start, end = _host(url), _host(final)
    moved = _site(start) != _site(end)
    parking, challenge = rules.parking, rules.challenge
    if moved and challenge.host_is_service(end) and not challenge.host_is_service(start):
        return "challenge", end, "challenge: hosts"
    if _shape(final, challenge.url_patterns) and not _shape(url, challenge.url_patterns):
        return "challenge", _target(final), "challenge: url_patterns"
    if moved and parking.host_is_broker(end) and not parking.host_is_broker(start):
        return "parking", end, "parking: hosts"
    if _shape(final, parking.url_patterns) and not _shape(url, parking.url_patterns):
        return "parking", _target(final), "parking: url_patterns"
    return None


def _header_matches(headers: Mapping[str, str], patterns: Iterable[str]) -> str | None:
    """A header named by ``name`` or ``name: part of its value`` (case-insensitive)."""
    for pattern in patterns:
        name, sep, value = pattern.partition(":")
        got = headers.get(name.strip().lower())
        if got is None:
            continue
        if not sep or value.strip().lower() in got.lower():
            return f"{name.strip().lower()}: {got}" if got else name.strip().lower()
    return None


def word_in(text: str, words: Iterable[str]) -> str | None:
    """The first of ``words`` found in ``text`` (case-insensitive)."""
    lowered = text.lower()
    return next((w for w in words if w and w.lower() in lowered), None)


def waf_sign(headers: Mapping[str, str], page: Selector, text: str, rules: Rules) -> Found | None:
    """A web application firewall's block page (the caller asks only of a 4xx/5xx answer
    other than 404/410)."""
    waf = rules.waf
    if header := _header_matches(headers, waf.block_headers):
        return f"header {header}", "waf: block_headers"
    start = text[:_WAF_SPAN]
    if marker := word_in(start, waf.block_markers):
        return f"marker {marker}", "waf: block_markers"
    title = text_of(page, "title") or ""
    heading = text_of(page, "h1") or ""
    for place, said in (("title", title), ("heading", heading)):
        if said and (word := title_says(said, waf.block_words)):
            return f"{place} ({word}) {said}", "waf: block_words"
    identity = _header_matches(headers, waf.headers)
    if identity and (word := word_in(visible_text(page)[:_WAF_SPAN], waf.block_words)):
        return f"{identity}, wording ({word})", "waf: headers + block_words"
    return None


def text_of(page: Selector, css: str) -> str | None:
    """The text of the first element matching ``css`` that has any, whitespace collapsed."""
    try:
        elements = page.css(css)
    except ValueError:
        return None
    for element in elements:
        text = _WS_RE.sub(" ", " ".join(element.css("::text").getall())).strip()
        if text:
            return text
    return None


#: elements whose text people do not see
_HIDDEN = frozenset({"script", "style", "noscript", "template"})


def _shown(page: Selector) -> Iterator[str]:
    """The page's visible text nodes in the order they stand, read lazily from lxml's tree
    (no parsel object per node: a page holds thousands, and a count may stop early)."""
    root: Any = page.root
    try:
        bodies = root.xpath("//body")
    except (AttributeError, ValueError):
        return
    for body in bodies[:1]:
        for element in body.iter():
            if element is not body and element.tail:
                yield element.tail
            tag = element.tag
            if isinstance(tag, str) and tag.lower() not in _HIDDEN and element.text:
                yield element.text


def visible_text(page: Selector) -> str:
    """The text of the page's body people see (scripts and styles left out), one line."""
    return _WS_RE.sub(" ", " ".join(_shown(page))).strip()


def shows_little_text(page: Selector) -> int | None:
    """How many characters of text the page's body shows (whitespace runs count one), when
    fewer than :data:`LITTLE_TEXT`; ``None`` when it shows more (counting stops there)."""
    count = 0
    for node in _shown(page):
        count += len(" ".join(node.split()))
        if count >= LITTLE_TEXT:
            return None
    return count


def _lines(page: Selector) -> list[str]:
    return [line for node in _shown(page) if (line := _WS_RE.sub(" ", node).strip())]


def _host_forms(url: str) -> tuple[str, ...]:
    host = _host(url)
    return tuple(f for f in {host, _site(host)} if "." in f)


def parking_wording(text: str, parking: Parking, hosts: tuple[str, ...]) -> bool:
    """``text`` is a parking wording: a sale word, a domain word (or the site's own name), and
    nothing else but filler words and digits ("此域名正在出售", "example.com is for sale", "Buy
    this domain"; not "How to buy a domain", nor a question: "Is this domain for sale?")."""
    if parking.sale is None or parking.domain is None:
        return False
    if text.rstrip().endswith(_QUESTION):  # "Is this domain for sale?" asks, it does not offer
        return False
    lowered = text.lower()
    own = False
    for form in sorted(hosts, key=len, reverse=True):
        if form in lowered:
            own = True
            lowered = lowered.replace(form, " ")
    if not parking.sale.search(lowered):
        return False
    if not (own or parking.domain.search(lowered)):
        return False
    rest = parking.domain.sub(" ", parking.sale.sub(" ", lowered))
    if parking.filler is not None:
        rest = parking.filler.sub(" ", rest)
    return _weight(_squeeze(_DIGITS_RE.sub("", rest))) <= PARKING_SLACK


def _title_parking(title: str, parking: Parking, hosts: tuple[str, ...]) -> str | None:
    for segment in _TITLE_SEGMENTS_RE.split(title):
        if segment.strip() and parking_wording(segment, parking, hosts):
            return segment.strip()
    return None


#: where a page names the scripts and frames it loads, its inline scripts, its refresh target
_SCRIPTS = (
    "//script/@src | //iframe/@src | //frame/@src | //script/text()"
    " | //meta[translate(@http-equiv, 'REFSH', 'refsh') = 'refresh']/@content"
)
#: a value that may be a URL (a source, a refresh's ``0; url=…``), not a script's text
_URL_LIKE = re.compile(r"^\s*(?:\d+\s*;\s*url\s*=\s*)?['\"]?([^\s'\"<>]{1,2048})['\"]?\s*$", re.I)


def _script_parking(page: Selector, base: str, rules: Rules) -> Found | None:
    """A parking script, frame or refresh target (one lxml query for all of them)."""
    parking = rules.parking
    root: Any = page.root
    try:
        values = [str(v) for v in root.xpath(_SCRIPTS, smart_strings=False)]
    except (AttributeError, ValueError):
        return None
    for value in values:
        for pattern in parking.script_patterns:
            if match := pattern.search(value):
                return f"script {match.group(0)}", "parking: script_patterns"
    for value in values:
        url = _URL_LIKE.match(value)
        host = _host(urljoin(base, url.group(1))) if url else ""
        if host and parking.host_is_broker(host):
            return f"script from {host}", "parking: hosts"
    return None


def parking_sign(
    url: str, final: str, page: Selector, rules: Rules, *, title: str, little_text: bool
) -> Found | None:
    """A parked or for-sale domain's page (the link ``url``, served at ``final``, titled
    ``title``): a parking script, a title that is a parking wording, or, on a page with almost
    no text (``little_text``), a line that is one. A broker's own pages are not parked."""
    parking = rules.parking
    if parking.host_is_broker(_host(url)) or parking.host_is_broker(_host(final)):
        return None
    if found := _script_parking(page, final, rules):
        return found
    hosts = (*_host_forms(url), *_host_forms(final))
    if said := _title_parking(title, parking, hosts):
        return f"title {said}", "parking: sale_words + domain_words"
    if little_text:
        for line in _lines(page):
            if _title_parking(line, parking, hosts):
                return f"text {line}", "parking: sale_words + domain_words"
    return None


def challenge_title(title: str, rules: Rules) -> str | None:
    """A verification wording the title *is* (``[challenge] titles``)."""
    return title_says(title, rules.challenge.titles) if title else None
