"""Where a URL written in plain text starts and ends, and how it is cleaned up.

Shared by the Markdown rule for bare URLs (:mod:`crawler.seeds.markdown_rules`) and by the
scanners of code, HTML and over-long lines (:mod:`crawler.seeds.extraction`).  A URL starts at
a scheme we recognise (``http(s):``, ``ftp:``, ``file:``, ``mailto:``); linkify-it-py, with its
fuzzy links and e-mails off, says how far it goes, within these bounds:

* ``&amp;`` (and ``&#38;`` / ``&#x26;``) is an escaped ``&`` everywhere.  Note that
  markdown-it itself does *not* decode it in bare URLs or autolinks: it keeps ``&amp;``
  literally in the href (and renders ``&amp;amp;``), so we decode it ourselves.  Inside
  Markdown link destinations markdown-it decodes all entities and backslash escapes, and we use
  its result.
* Markdown backslash escapes are removed from bare URLs in prose (``https://x.com/a\\_b``, as
  written by some editors).  Not in code, HTML or autolinks, where CommonMark keeps them.
* linkify-it keeps full-width / CJK punctuation inside URLs (``https://x.com/a）。``).  A bare
  URL is cut at its first full-width or CJK punctuation character (see ``FULLWIDTH_PUNCT``);
  CJK *letters* are kept (``https://zh.wikipedia.org/wiki/中文`` is a valid link), so a URL
  written directly before Chinese text without a space or punctuation swallows that text.
  After the cut, trailing ASCII punctuation (``.,:;!?*_~`` as in GFM autolinks, quotes and
  backticks) and an unbalanced ``)`` / ``]`` / ``}`` are dropped; balanced parentheses stay
  (``https://x.com/a_(b)``), so ``~~https://x.com/a~~`` and ``**https://x.com/a**`` are fine.
* A ``scheme://`` URL that linkify-it refuses (``http://bad.test:99999/x``: port out of range,
  odd host...) is still returned, as written up to where a bare URL must end, so the caller
  can report it as malformed.  Only a bare ``http://`` with nothing after it is ignored.
* URLs longer than ``MAX_URL_LENGTH`` characters are cut there.
* A URL a parser decoded (a Markdown destination) is found back in its line as it may be
  written there, with backslash escapes and character references (:func:`find_as_written`).

This module reads linkify-it-py's compiled validators (``LinkifyIt.re``), which are not its
public API: pyproject.toml pins linkify-it-py below its next major version.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Final

#: the longest URL looked at; a longer one is cut there
MAX_URL_LENGTH: Final = 65_536

#: a scheme we recognise, not glued to a preceding scheme character (same test as markdown-it)
SCHEME_START: Final = re.compile(r"(?<![a-z0-9.+\-])(?:https?|ftp|file|mailto):", re.IGNORECASE)
_SCHEME_WITHOUT_REST: Final = re.compile(r"[a-z][a-z0-9.+\-]*:(?://)?$", re.IGNORECASE)
FULLWIDTH_PUNCT: Final = re.compile(
    "["
    "\u3001-\u3003\u3008-\u3011\u3014-\u301f\u3030\u303d"  # 、。〃〈〉《》「」『』【】〔〕〜
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"  # full-width ASCII punctuation
    "\u2014\u2015\u2018-\u201f\u2025\u2026"  # —― ‘’“” ‥…
    "\ufe10-\ufe19\ufe30-\ufe4f\ufe50-\ufe6b"  # vertical, compatibility and small forms
    "]"
)
#: a character no bare URL goes past
_URL_END_CHAR: Final = re.compile(r"[\s<>]|" + FULLWIDTH_PUNCT.pattern)
#: where a URL that linkify-it refuses ends at the latest (besides ``_URL_END_CHAR``)
_REFUSED_URL_END_CHAR: Final = re.compile(r"[\"`]")
_TRAILING_ASCII: Final = ".,:;!?'\"*_~`"  # as GFM autolinks (plus quotes, backtick)
_TRAILING_CLOSE: Final = {")": "(", "]": "[", "}": "{"}
_AMP_ENTITY: Final = re.compile(r"&(?:amp|#0*38|#[xX]0*26);")
_BACKSLASH_ESCAPE: Final = re.compile(r"\\([!-/:-@\[-`{-~])")
_TAG: Final = re.compile(r"<[A-Za-z][^<>]*>?")  # a start tag, maybe continued on the next line
_TAG_EDGE: Final = re.compile(r"[<>]")
_ATTRIBUTE_LINE: Final = re.compile(r"\s*[A-Za-z_:][\w.:-]*\s*=")
_HREF_ATTR: Final = re.compile(
    r"""(?:(?<=[\s"'])|(?<![\s\S]))href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""",
    re.IGNORECASE,
)


#: the longest URL looked for as it may be written (escapes, entities) when not found as is
_LONGEST_FLEXIBLE_SEARCH: Final = 4_096


@functools.lru_cache(maxsize=2048)
def _as_it_may_be_written(url: str) -> re.Pattern[str]:
    """Regex for ``url`` as it may be written: escaped punctuation, character references."""
    parts: list[str] = []
    for ch in url:
        esc = re.escape(ch)
        if "!" <= ch <= "~" and not ch.isalnum():
            parts.append(f"(?:\\\\?{esc}|&[#a-zA-Z0-9]{{1,32}};)")
        else:
            parts.append(f"(?:{esc}|&[#a-zA-Z0-9]{{1,32}};)")
    return re.compile("".join(parts))


def find_as_written(url: str, text: str, start: int) -> re.Match[str] | None:
    """``url`` in ``text`` (from ``start``) as it may be written there: backslash escapes
    before its punctuation, character references for any of its characters.  None for an empty
    URL and one longer than 4,096 characters."""
    if not url or len(url) > _LONGEST_FLEXIBLE_SEARCH:
        return None
    found = _as_it_may_be_written(url).search(text, start)
    return found if found is not None and found.end() > found.start() else None


def decode_amp(raw: str) -> str:
    """``raw`` with ``&amp;`` (and ``&#38;`` / ``&#x26;``) read as ``&``."""
    return _AMP_ENTITY.sub("&", raw) if "&" in raw else raw


def clean_bare_url(raw: str) -> str:
    """The URL a bare URL in prose stands for: ``&amp;`` decoded, backslash escapes removed."""
    return _BACKSLASH_ESCAPE.sub(r"\1", decode_amp(raw))


def _trim_bare_url(url: str) -> str | None:
    """Cut a bare URL at full-width punctuation and drop trailing punctuation (see module doc)."""
    cut = FULLWIDTH_PUNCT.search(url)
    if cut is not None:
        url = url[: cut.start()]
    while url:
        last = url[-1]
        opener = _TRAILING_CLOSE.get(last)
        if last in _TRAILING_ASCII or (opener and url.count(opener) < url.count(last)):
            url = url[:-1]
            continue
        break
    if not url or _SCHEME_WITHOUT_REST.match(url):
        return None
    return url


class FileLinkValidator:
    """linkify-it validator for ``file:`` links: ``//`` + optional host + a path.

    Handed to linkify-it as a *bound method*: given a plain function, linkify-it-py stores it
    on the LinkifyIt class itself (``setattr(LinkifyIt, "func", ...)``), which would leak into
    every other LinkifyIt instance in the process.
    """

    def __init__(self, linkify: Any) -> None:
        self.pattern = re.compile(r"//[^\s/?#<>\"'`|\\]*" + linkify.re["src_path"], re.IGNORECASE)

    def validate(self, text: str, pos: int) -> int:
        found = self.pattern.match(text, pos)
        return len(found.group(0)) if found else 0


class UrlEndBound:
    """First "a bare URL ends here" character (whitespace, ``<``, ``>``, full-width
    punctuation) at or after a position of ``src``; remembers the last answer, so scanning
    one text for URLs from left to right reads each character once."""

    __slots__ = ("hi", "lo", "src")

    def __init__(self, src: str) -> None:
        self.src = src
        self.lo = 0
        self.hi = -1

    def at_or_after(self, pos: int) -> int:
        if not self.lo <= pos <= self.hi:
            found = _URL_END_CHAR.search(self.src, pos)
            self.lo, self.hi = pos, (found.start() if found else len(self.src))
        return self.hi


def url_end(linkify: Any, bound: UrlEndBound, start: int, colon: int, limit: int) -> int:
    """End of the (trimmed) URL whose scheme is ``src[start:colon]`` (``"https:"``), or -1.

    The same test as linkify-it's ``match_at_start``, run with an end bound instead of on a
    copy of the rest of the text: the URL cannot go past whitespace, ``<``, ``>`` or full-width
    punctuation (see :class:`UrlEndBound`) nor ``MAX_URL_LENGTH`` characters.  Unbounded,
    linkify-it reads on through ``，`` and CJK text to the end of the line for every URL
    (quadratic on long lines), and markdown-it copies the rest of the paragraph for each one.
    """
    src = bound.src
    scheme = src[start:colon].lower()
    pattern = _validators_by_scheme(linkify).get(scheme)
    if pattern is None:
        return -1
    stop = min(bound.at_or_after(colon), limit, start + MAX_URL_LENGTH)
    found = pattern.match(src, colon, stop)
    if found is not None and found.end() > colon:
        end = found.end()
    elif scheme != "mailto:" and src.startswith("//", colon):
        # linkify-it refuses it (port 99999, odd host...): report it as written anyway, up to
        # where a bare URL must end; the caller will call it malformed.  Nothing is dropped.
        rough = _REFUSED_URL_END_CHAR.search(src, colon, stop)
        end = rough.start() if rough is not None else stop
        following = SCHEME_START.search(src, colon + 2, end)  # not into the next URL
        if following is not None:
            end = following.start()
    else:
        return -1
    trimmed = _trim_bare_url(src[start:end].rstrip("*"))
    if trimmed is None:
        return -1
    return start + len(trimmed)


_VALIDATORS: dict[int, dict[str, re.Pattern[str]]] = {}


def _validators_by_scheme(linkify: Any) -> dict[str, re.Pattern[str]]:
    """linkify-it's compiled validators (they are built lazily, on first use), by scheme."""
    cached = _VALIDATORS.get(id(linkify))
    if cached is not None:
        return cached
    linkify.test_schema_at("http://a.b/", "http:", 5)
    linkify.test_schema_at("mailto:a@b.cd", "mailto:", 7)
    http, mailto = linkify.re.get("http"), linkify.re.get("mailto")
    if not isinstance(http, re.Pattern) or not isinstance(mailto, re.Pattern):
        raise RuntimeError("unsupported linkify-it-py version: no compiled validators")
    patterns: dict[str, re.Pattern[str]] = {
        "http:": http,
        "https:": http,
        "ftp:": http,
        "mailto:": mailto,
        "file:": FileLinkValidator(linkify).pattern,
    }
    _VALIDATORS[id(linkify)] = patterns
    return patterns


def scheme_url_spans(
    linkify: Any, s: str, lo: int = 0, hi: int | None = None
) -> list[tuple[int, int]]:
    """Spans of the scheme URLs in ``s[lo:hi]`` (plain text: code, HTML, over-long lines)."""
    hi = len(s) if hi is None else hi
    spans: list[tuple[int, int]] = []
    bound = UrlEndBound(s)
    pos = lo
    while True:
        m = SCHEME_START.search(s, pos, hi)
        if m is None:
            return spans
        end = url_end(linkify, bound, m.start(), m.end(), hi)
        if end < 0:
            pos = m.end()
            continue
        spans.append((m.start(), end))
        pos = end


def html_link_spans(
    linkify: Any, s: str, lo: int = 0, hi: int | None = None
) -> list[tuple[int, int]]:
    """``href`` attribute values plus scheme URLs in an HTML fragment, in order, no overlaps."""
    hi = len(s) if hi is None else hi
    regions = [(m.start(), m.end()) for m in _TAG.finditer(s, lo, hi)]
    if _ATTRIBUTE_LINE.match(s, lo, hi):  # attributes of a tag opened on a line above
        first = _TAG_EDGE.search(s, lo, hi)
        regions.insert(0, (lo, first.start() if first is not None else hi))
    attributes: list[tuple[int, int]] = []
    for start, end in regions:
        for m in _HREF_ATTR.finditer(s, start, end):
            group = next(g for g in (1, 2, 3) if m.group(g) is not None)
            a, b = m.span(group)
            value = s[a:b]
            lead = len(value) - len(value.lstrip())
            tail = len(value) - len(value.rstrip())
            if b - tail > a + lead:
                attributes.append((a + lead, b - tail))
    spans = list(attributes)
    i = 0
    for a, b in scheme_url_spans(linkify, s, lo, hi):  # both sorted, attributes disjoint
        while i < len(attributes) and attributes[i][1] <= a:
            i += 1
        if i < len(attributes) and attributes[i][0] < b:
            continue  # the same URL, already taken as an attribute value
        spans.append((a, b))
    spans.sort()
    return spans
