"""Seed-link extraction: find every link occurrence in the user's Markdown-ish seed lists.

The seed files are reading lists written in (loose) Markdown, mostly Chinese, often with bare
URLs on their own line under a title line.  This module reads them (UTF-8, or a GB18030 /
charset-normalizer guess), parses them with a real CommonMark parser (markdown-it-py) and
returns one :class:`Occurrence` per link as it stands in the file, with its 1-based line, the
exact source text (``raw``, so a later fix-up can replace it byte-for-byte), the URL to check
and a human title (``text``).

Nothing is classified or filtered here: relative paths, ``#anchors``, ``mailto:``,
``javascript:`` and ``file:`` links are all returned, the caller decides what to check.

How links are found
-------------------
* Markdown links, images, ``<autolinks>`` and bare ``scheme://`` URLs come from the
  markdown-it token stream.  The inline rules that create them are wrapped so that each token
  records where its destination stands in the inline source; that gives exact line numbers
  (even for a link whose text spans lines) and the exact ``raw`` text.
* Bare URLs are recognised by linkify-it-py with fuzzy links/e-mails off: only
  ``http(s)://``, ``ftp://``, ``file://`` and ``mailto:`` are links, ``example.com`` is not.
  markdown-it's own inline linkify rule is replaced (same logic) because it copies the rest of
  the paragraph for every URL (quadratic on big files) and because bare URLs need trimming
  (below) *before* the parser moves on, so that ``https://a.com/x，https://b.com/y`` gives two
  links.  markdown-it's core linkify pass is disabled: with fuzzy matching off it only re-finds
  what the inline rule already found (plus ``mailto:``, which the replacement rule handles).
* Code (fences, indented code, inline code spans) and HTML (blocks and inline tags) are not
  Markdown: the same linkify-it instance is run over them line by line, and for HTML the values
  of ``href="..."`` attributes are taken as well (relative ones included).
* A file that is only a plain list of bare URLs (each alone on its line, maybe after a list
  marker, among title lines without any link, code or HTML syntax and blank lines) is read
  line by line without markdown-it, with the same rule for where a URL ends: that is what
  markdown-it would find there, at a fraction of its cost (see ``run_simple_list``).
* Reference links (``[a][r]`` + ``[r]: url "title"``) are reported once per *definition*, at
  the definition's line (that is where the URL stands and where a fix-up must edit it); the
  text is the first use's link text, else the title, else the label.  Unused and duplicate
  definitions are reported too, and so are URLs written in a definition's title (``bare``).
* Lines longer than ``_LONG_LINE`` characters are not given to markdown-it (it needs tens of
  microseconds per character on adversarial input such as ``[[[[...``, i.e. minutes for a
  5 MB line); they are scanned for scheme URLs only and reported as ``bare`` (or ``code`` /
  ``html`` inside such a block).
* A Markdown link with an empty destination (``[a]()``) is returned with ``url == ""`` (and
  ``raw == ""``): the caller can call it an empty link.
* A URL that is the *text* of a link (``[https://a](https://b)``, ``<a href=..>https://a</a>``)
  is not a separate occurrence: only the destination is.  This is the one case where a
  ``https://`` substring of a file is not reported.

Bare URL clean-up
-----------------
* ``&amp;`` (and ``&#38;`` / ``&#x26;``) is an escaped ``&`` everywhere.  Note that
  markdown-it itself does *not* decode it in bare URLs or autolinks: it keeps ``&amp;``
  literally in the href (and renders ``&amp;amp;``), so we decode it ourselves.  Inside
  Markdown link destinations markdown-it decodes all entities and backslash escapes, and we use
  its result.
* Markdown backslash escapes are removed from bare URLs in prose (``https://x.com/a\\_b``, as
  written by some editors).  Not in code, HTML or autolinks, where CommonMark keeps them.
* linkify-it keeps full-width / CJK punctuation inside URLs (``https://x.com/a）。``).  A bare
  URL is cut at its first full-width or CJK punctuation character (see ``_FULLWIDTH_PUNCT``);
  CJK *letters* are kept (``https://zh.wikipedia.org/wiki/中文`` is a valid link), so a URL
  written directly before Chinese text without a space or punctuation swallows that text.
  After the cut, trailing ASCII punctuation (``.,:;!?*_~`` as in GFM autolinks, quotes and
  backticks) and an unbalanced ``)`` / ``]`` / ``}`` are dropped; balanced parentheses stay
  (``https://x.com/a_(b)``), so ``~~https://x.com/a~~`` and ``**https://x.com/a**`` are fine.
* A ``scheme://`` URL that linkify-it refuses (``http://bad.test:99999/x``: port out of range,
  odd host...) is still returned, as written up to where a bare URL must end, so the caller
  can report it as malformed.  Only a bare ``http://`` with nothing after it is ignored.
* URLs longer than ``_URL_CAP`` characters are cut there.

Link text
---------
Markdown links and images: the rendered link text / alt text.  Reference definitions: see
above.  Autolinks, bare, code and HTML URLs: the rest of the line (``_TEXT_WINDOW`` characters
either side) without the URL, other URLs, Markdown markers (bullets, ``#``, ``>``, emphasis,
link syntax), HTML tags and surrounding punctuation such as ``：`` or ``|``; numbering such as
``2.1`` is kept, but a lone list number is no title.  When nothing is left, the nearest line
above that still has text after the same cleaning (so a URL-only line under another URL-only
line gets the title above both), except in a list item, whose line above is a sibling item.
Whitespace is collapsed and the text cut at 300 characters.

``raw`` is the link as it stands on its line (found there in every case we know of; if it ever
is not, ``raw`` is the url).  It never includes the ``<>`` around an autolink or an
angle-bracket destination, so replacing it with another URL keeps the syntax intact.  A NUL
character in the file stays a NUL in ``raw`` (markdown-it sees U+FFFD).
"""

from __future__ import annotations

import bisect
import codecs
import functools
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import charset_normalizer
from markdown_it import MarkdownIt
from markdown_it.common.utils import isStrSpace, normalizeReference
from markdown_it.helpers import parseLinkDestination, parseLinkLabel
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline import autolink as _autolink_rule
from markdown_it.rules_inline import backtick as _backtick_rule
from markdown_it.rules_inline import html_inline as _html_inline_rule
from markdown_it.rules_inline import image as _image_rule
from markdown_it.rules_inline import link as _link_rule
from markdown_it.token import Token

__all__ = [
    "SEED_SUFFIXES",
    "Occurrence",
    "SeedProblem",
    "extract_text",
    "iter_seed_files",
    "read_seed_file",
    "scan_seeds",
]

SEED_SUFFIXES: Final = (".md", ".markdown", ".txt")

_LOG = logging.getLogger(__name__)

_MAX_TEXT: Final = 300
_LONG_LINE: Final = 20_000  # longer lines bypass markdown-it (see module docstring)
_URL_CAP: Final = 65_536  # longest URL we look at
_TEXT_WINDOW: Final = 200  # characters either side of a URL used for its "rest of line" text
_BINARY_SNIFF: Final = 8_192
_GB_SAMPLE: Final = 20_000
_META: Final = "seed_span"
_ENV_STOPS: Final = "seed_url_stops"


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One link as it stands in a seed file.

    ``raw`` may hold credentials (``https://user:pass@host``): never print or log it.
    """

    file: str  # path relative to the seeds root, POSIX separators
    line: int  # 1-based line in the file
    raw: str  # the link exactly as it stands in the file text
    url: str  # the link to check (entities / escapes decoded, <> and whitespace stripped)
    text: str  # link text or nearby title, whitespace collapsed, at most 300 chars
    kind: str  # "inline" | "reference" | "autolink" | "bare" | "code" | "html"


@dataclass(frozen=True, slots=True)
class SeedProblem:
    """A seed file that could not be used (or not fully); ``message`` never contains a URL."""

    file: str
    message: str


# --------------------------------------------------------------------------------------------
# Files and decoding
# --------------------------------------------------------------------------------------------


def _has_seed_suffix(path: Path) -> bool:
    return path.name.lower().endswith(SEED_SUFFIXES)


def iter_seed_files(path: Path) -> list[Path]:
    """Seed files under ``path``: the file itself, or a directory searched recursively.

    Directory entries are kept when their name ends with one of :data:`SEED_SUFFIXES`
    (case-insensitive); a file given explicitly is kept whatever its suffix.  The result is
    sorted by path relative to ``path``.  Symlinked directories are not followed (no loops);
    symlinked files are kept (a dangling one then shows up as unreadable).
    """
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"seed path not found: {path}")
    if not path.is_dir():
        return [path]
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        here = Path(dirpath)
        for name in filenames:
            candidate = here / name
            if _has_seed_suffix(candidate):
                found.append((candidate.relative_to(path).as_posix(), candidate))
        # A directory named like a seed file can only be reported, not read: os.walk lists it
        # in dirnames, so it is searched, not returned.
    found.sort(key=lambda item: item[0])
    return [p for _, p in found]


def _looks_like_gb(text: str) -> bool:
    """True when the non-ASCII characters of ``text`` are (nearly all) common GB2312 text.

    Used to prefer GB18030 over charset-normalizer's guess: on short Chinese files the latter
    often answers Big5 or CP949 for GBK bytes.  Big5 or Shift-JIS bytes read as GB18030 give
    many characters outside the GB2312 hanzi / punctuation rows, so they fail this test.
    EUC-KR Hangul lands on GB2312 rows 0xB0-0xC8 only, where Chinese text of any length also
    uses the rows above: a dozen hanzi or more and none above row 0xC8 is Korean, not Chinese.
    """
    seen = good = hanzi = high = 0
    for ch in text:
        if ch < "\x80":
            continue
        seen += 1
        try:
            encoded = ch.encode("gb2312")
        except UnicodeEncodeError:
            pass
        else:
            lead = encoded[0]
            if len(encoded) == 2 and (0xA1 <= lead <= 0xA3 or 0xB0 <= lead <= 0xF7):
                good += 1
                if lead >= 0xB0:
                    hanzi += 1
                    high += lead > 0xC8
        if seen >= _GB_SAMPLE:
            break
    if hanzi >= 12 and not high:
        return False
    return seen > 0 and good >= 0.9 * seen


def _decode(data: bytes) -> str | None:
    """Text of ``data``, or None when it is binary / has no plausible text decoding."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError:
            data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_like_gb(gb):
            return gb
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    return str(best)


def _read(path: Path, name: str) -> tuple[str | None, SeedProblem | None]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return None, SeedProblem(name, f"{name}: cannot read the file ({reason}), skipped")
    if b"\0" in data[:_BINARY_SNIFF] and not data.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        return None, SeedProblem(name, f"{name} is a binary file, skipped")
    text = _decode(data)
    if text is None:
        return None, SeedProblem(
            name, f"{name} is a binary file (no plausible text encoding), skipped"
        )
    return text, None


def read_seed_file(path: Path) -> tuple[str | None, SeedProblem | None]:
    """Decode one seed file: ``(text, None)`` or ``(None, problem)``.

    UTF-8 (with or without BOM) first, UTF-16 with a BOM, then GB18030 when the result looks
    like Chinese, then charset-normalizer's best guess.  NUL bytes in the first 8 KB, or no
    plausible decoding, make it a binary file.  ``SeedProblem.file`` is ``path`` as given.
    """
    return _read(path, path.as_posix())


def scan_seeds(path: Path) -> tuple[list[Occurrence], list[SeedProblem]]:
    """All link occurrences under ``path`` (a file or a directory), plus the problem files.

    File names are relative to the root (``path`` if it is a directory, else its parent).
    Raises FileNotFoundError when ``path`` does not exist.
    """
    root = path if path.is_dir() else path.parent
    occurrences: list[Occurrence] = []
    problems: list[SeedProblem] = []
    for file in iter_seed_files(path):
        try:
            name = file.relative_to(root).as_posix()
        except ValueError:
            name = file.name
        text, problem = _read(file, name)
        if problem is not None:
            problems.append(problem)
        if text is not None:
            occurrences.extend(extract_text(text, name))
    return occurrences, problems


# --------------------------------------------------------------------------------------------
# URL recognition helpers (shared by the Markdown rules and the code / HTML scanners)
# --------------------------------------------------------------------------------------------

_SCHEMES: Final = frozenset({"http", "https", "ftp", "file", "mailto"})
# A scheme we recognise, not glued to a preceding scheme character (same test as markdown-it).
_SCHEME_AT: Final = re.compile(r"(?<![a-z0-9.+\-])(?:https?|ftp|file|mailto):", re.IGNORECASE)
_PROTO_TAIL: Final = re.compile(r"(?:^|[^a-z0-9.+\-])([a-z][a-z0-9.+\-]*)$", re.IGNORECASE)
_SCHEME_ONLY: Final = re.compile(r"[a-z][a-z0-9.+\-]*:(?://)?$", re.IGNORECASE)
_FULLWIDTH_PUNCT: Final = re.compile(
    "["
    "\u3001-\u3003\u3008-\u3011\u3014-\u301f\u3030\u303d"  # 、。〃〈〉《》「」『』【】〔〕〜
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"  # full-width ASCII punctuation
    "\u2014\u2015\u2018-\u201f\u2025\u2026"  # —― ‘’“” ‥…
    "\ufe10-\ufe19\ufe30-\ufe4f\ufe50-\ufe6b"  # vertical, compatibility and small forms
    "]"
)
_URL_STOP: Final = re.compile(r"[\s<>]|" + _FULLWIDTH_PUNCT.pattern)
_ROUGH_STOP: Final = re.compile(r"[\"`]")
_TRAILING_ASCII: Final = ".,:;!?'\"*_~`"  # as GFM autolinks (plus quotes, backtick)
_TRAILING_CLOSE: Final = {")": "(", "]": "[", "}": "{"}
_AMP: Final = re.compile(r"&(?:amp|#0*38|#[xX]0*26);")
_BACKSLASH_ESCAPE: Final = re.compile(r"\\([!-/:-@\[-`{-~])")
_TAG: Final = re.compile(r"<[A-Za-z][^<>]*>?")  # a start tag, maybe continued on the next line
_TAG_EDGE: Final = re.compile(r"[<>]")
_ATTRIBUTE_LINE: Final = re.compile(r"\s*[A-Za-z_:][\w.:-]*\s*=")
_HREF_ATTR: Final = re.compile(
    r"""(?:(?<=[\s"'])|(?<![\s\S]))href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""",
    re.IGNORECASE,
)


def _decode_amp(raw: str) -> str:
    return _AMP.sub("&", raw) if "&" in raw else raw


def _trim_bare(url: str) -> str | None:
    """Cut a bare URL at full-width punctuation and drop trailing punctuation (see module doc)."""
    cut = _FULLWIDTH_PUNCT.search(url)
    if cut is not None:
        url = url[: cut.start()]
    while url:
        last = url[-1]
        opener = _TRAILING_CLOSE.get(last)
        if last in _TRAILING_ASCII or (opener and url.count(opener) < url.count(last)):
            url = url[:-1]
            continue
        break
    if not url or _SCHEME_ONLY.match(url):
        return None
    return url


class _FileSchema:
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


class _SeedMarkdown(MarkdownIt):
    """markdown-it that accepts every destination and keeps it as written."""

    def validateLink(self, url: str) -> bool:
        return True  # javascript:, file:, data: links too: the caller classifies them

    def normalizeLink(self, url: str) -> str:
        return url

    def normalizeLinkText(self, link: str) -> str:
        return link


@dataclass(slots=True)
class _Span:
    """Where a token's link stands in ``src`` (the inline source the rule was run on)."""

    src: str
    start: int
    end: int
    kind: str  # inline | reference | autolink | bare | code | html
    label: str = ""  # normalized reference label for kind == "reference"


class _StopCache:
    """First "a bare URL ends here" character (whitespace, ``<``, ``>``, full-width
    punctuation) at or after a position of ``src``; remembers the last answer, so scanning
    one text for URLs from left to right reads each character once."""

    __slots__ = ("hi", "lo", "src")

    def __init__(self, src: str) -> None:
        self.src = src
        self.lo = 0
        self.hi = -1

    def stop(self, pos: int) -> int:
        if not self.lo <= pos <= self.hi:
            found = _URL_STOP.search(self.src, pos)
            self.lo, self.hi = pos, (found.start() if found else len(self.src))
        return self.hi


def _match_url(linkify: Any, stops: _StopCache, start: int, colon: int, limit: int) -> int:
    """End of the (trimmed) URL whose scheme is ``src[start:colon]`` (``"https:"``), or -1.

    The same test as linkify-it's ``match_at_start``, run with an end bound instead of on a
    copy of the rest of the text: the URL cannot go past whitespace, ``<``, ``>`` or full-width
    punctuation (see ``_StopCache``) nor ``_URL_CAP`` characters.  Unbounded, linkify-it reads
    on through ``，`` and CJK text to the end of the line for every URL (quadratic on long
    lines), and markdown-it copies the rest of the paragraph for each one.
    """
    src = stops.src
    scheme = src[start:colon].lower()
    pattern = _schema_patterns(linkify).get(scheme)
    if pattern is None:
        return -1
    stop = min(stops.stop(colon), limit, start + _URL_CAP)
    found = pattern.match(src, colon, stop)
    if found is not None and found.end() > colon:
        end = found.end()
    elif scheme != "mailto:" and src.startswith("//", colon):
        # linkify-it refuses it (port 99999, odd host...): report it as written anyway, up to
        # where a bare URL must end; the caller will call it malformed.  Nothing is dropped.
        rough = _ROUGH_STOP.search(src, colon, stop)
        end = rough.start() if rough is not None else stop
        following = _SCHEME_AT.search(src, colon + 2, end)  # not into the next URL
        if following is not None:
            end = following.start()
    else:
        return -1
    trimmed = _trim_bare(src[start:end].rstrip("*"))
    if trimmed is None:
        return -1
    return start + len(trimmed)


_SCHEMA_PATTERNS: dict[int, dict[str, re.Pattern[str]]] = {}


def _schema_patterns(linkify: Any) -> dict[str, re.Pattern[str]]:
    """linkify-it's compiled validators (they are built lazily, on first use), by scheme."""
    cached = _SCHEMA_PATTERNS.get(id(linkify))
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
        "file:": _FileSchema(linkify).pattern,
    }
    _SCHEMA_PATTERNS[id(linkify)] = patterns
    return patterns


def _find_urls(linkify: Any, s: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """Spans of the scheme URLs in ``s[lo:hi]`` (plain text: code, HTML, over-long lines)."""
    hi = len(s) if hi is None else hi
    spans: list[tuple[int, int]] = []
    stops = _StopCache(s)
    pos = lo
    while True:
        m = _SCHEME_AT.search(s, pos, hi)
        if m is None:
            return spans
        end = _match_url(linkify, stops, m.start(), m.end(), hi)
        if end < 0:
            pos = m.end()
            continue
        spans.append((m.start(), end))
        pos = end


def _find_html_links(
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
    for a, b in _find_urls(linkify, s, lo, hi):  # both lists are sorted, attributes disjoint
        while i < len(attributes) and attributes[i][1] <= a:
            i += 1
        if i < len(attributes) and attributes[i][0] < b:
            continue  # the same URL, already taken as an attribute value
        spans.append((a, b))
    spans.sort()
    return spans


# --------------------------------------------------------------------------------------------
# markdown-it rules (wrappers recording where each link stands)
# --------------------------------------------------------------------------------------------

_InlineRule = Callable[[StateInline, bool], bool]


def _first_new(state: StateInline, since: int, types: Iterable[str]) -> Token | None:
    wanted = set(types)
    for token in state.tokens[since:]:
        if token.type in wanted:
            return token
    return None


def _wrap_link_rule(original: _InlineRule, *, image: bool) -> _InlineRule:
    """Record the destination span (inline form) or the label (reference form) of links."""

    def rule(state: StateInline, silent: bool) -> bool:
        start = state.pos
        before = len(state.tokens)
        if not original(state, silent):
            return False
        if silent:
            return True
        token = _first_new(state, before, ("image",) if image else ("link_open",))
        if token is None:
            return True
        end = state.pos
        src = state.src
        bracket = start + 1 if image else start
        saved = state.pos
        label_end = parseLinkLabel(state, bracket, not image)
        state.pos = saved
        if label_end < 0:
            return True
        pos = label_end + 1
        if pos < end and src[pos] == "(" and src[end - 1] == ")":
            pos += 1
            while pos < end and (isStrSpace(src[pos]) or src[pos] == "\n"):
                pos += 1
            res = parseLinkDestination(src, pos, end)
            dest_start, dest_end = (pos, res.pos) if res.ok else (pos, pos)  # [a]() is empty
            if dest_end - dest_start >= 2 and src[dest_start] == "<":
                dest_start, dest_end = dest_start + 1, dest_end - 1
            token.meta[_META] = _Span(src, dest_start, dest_end, "inline")
            return True
        label = ""
        if pos < end and src[pos] == "[":
            saved = state.pos
            second = parseLinkLabel(state, pos)
            state.pos = saved
            if second >= 0:
                label = src[pos + 1 : second]
        if not label:
            label = src[bracket + 1 : label_end]
        token.meta[_META] = _Span(src, start, end, "reference", normalizeReference(label))
        return True

    return rule


def _wrap_span_rule(original: _InlineRule, token_type: str, kind: str) -> _InlineRule:
    """Record the source span of autolinks, code spans and inline HTML."""

    def rule(state: StateInline, silent: bool) -> bool:
        start = state.pos
        before = len(state.tokens)
        if not original(state, silent):
            return False
        if not silent:
            token = _first_new(state, before, (token_type,))
            if token is not None:
                end = state.pos
                if kind == "autolink":
                    start, end = start + 1, end - 1
                token.meta[_META] = _Span(state.src, start, end, kind)
        return True

    return rule


def _linkify_rule(state: StateInline, silent: bool) -> bool:
    """Bare ``scheme:`` URLs (markdown-it's inline linkify rule, bounded and trimmed)."""
    if state.linkLevel > 0:
        return False
    pos = state.pos
    src = state.src
    if src[pos] != ":":
        return False
    pending = state.pending
    tail = pending[-16:]
    m = _PROTO_TAIL.search(tail)
    if m is None:
        return False
    proto = m.group(1)
    if m.start(1) == 0 and len(pending) > len(tail):
        return False  # longer than any scheme we know
    if proto.lower() not in _SCHEMES:
        return False
    start = pos - len(proto)
    if start < 0 or src[start:pos] != proto:
        return False
    caches: dict[int, _StopCache] = state.env.setdefault(_ENV_STOPS, {})
    stops = caches.get(id(src))
    if stops is None or stops.src is not src:
        stops = caches[id(src)] = _StopCache(src)
    end = _match_url(state.md.linkify, stops, start, pos + 1, state.posMax)
    if end < 0:
        return False
    url = src[start:end]
    if not silent:
        state.pending = pending[: -len(proto)]
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": url}
        token.markup = "linkify"
        token.info = "auto"
        token.meta[_META] = _Span(src, start, end, "bare")
        token = state.push("text", "", 0)
        token.content = url
        token = state.push("link_close", "a", -1)
        token.markup = "linkify"
        token.info = "auto"
    state.pos = end
    return True


@functools.cache
def _markdown() -> MarkdownIt:
    md = _SeedMarkdown("commonmark", {"linkify": True}).enable(
        ["linkify", "table", "strikethrough"]
    )
    linkify = md.linkify
    assert linkify is not None  # linkify-it-py is a hard dependency
    linkify.add("//", None)  # no protocol-relative "//host" links in prose
    linkify.add("file:", {"validate": _FileSchema(linkify).validate})
    linkify.set({"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
    md.core.ruler.disable("linkify")
    md.inline.ruler.at("linkify", _linkify_rule)
    md.inline.ruler.at("link", _wrap_link_rule(_link_rule, image=False))
    md.inline.ruler.at("image", _wrap_link_rule(_image_rule, image=True))
    md.inline.ruler.at("autolink", _wrap_span_rule(_autolink_rule, "link_open", "autolink"))
    md.inline.ruler.at("backticks", _wrap_span_rule(_backtick_rule, "code_inline", "code"))
    md.inline.ruler.at("html_inline", _wrap_span_rule(_html_inline_rule, "html_inline", "html"))
    return md


# --------------------------------------------------------------------------------------------
# Link text for URLs without one ("rest of the line", else the title line above)
# --------------------------------------------------------------------------------------------

_MD_LINK: Final = re.compile(
    r"!?\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+[^()]*)?\)"
)
_ROUGH_URL: Final = re.compile(
    r"(?<![a-z0-9.+\-])(?:https?|ftp|file|mailto):[^\s<>\"" + _FULLWIDTH_PUNCT.pattern[1:] + "*",
    re.IGNORECASE,
)
_ANGLE: Final = re.compile(r"<[^<>\n]*>|<!--|-->")
_EMPHASIS: Final = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)|~~|`+")
_LEADING_MARKERS: Final = re.compile(r"^\s*(?:(?:>|[-*+](?=\s)|#{1,6}(?=\s|$))\s*)+")
_LIST_ITEM: Final = re.compile(r"\s*(?:>\s*)*(?:[-*+]|\d{1,9}[.)])\s")
_LONE_NUMBER: Final = re.compile(r"\d{1,9}[.)]?")  # an ordered-list marker is no title
_CLOSING_HASHES: Final = re.compile(r"\s#+\s*$")
_EMPTY_BRACKETS: Final = re.compile(r"\(\s*\)|（\s*）|\[\s*\]|【\s*】|《\s*》|“\s*”|「\s*」")
_STRIP: Final = " \t\u3000:：|｜,，;；、。-–—*_>"


def _clean_text(s: str) -> str:
    """Plain title text of a Markdown line fragment: markers, URLs and tags removed."""
    if not s or s.isspace():
        return ""
    # The membership tests only skip regexes that could not match (this runs once per URL).
    if "[" in s:
        s = _MD_LINK.sub(r"\1", s)
    if "<" in s:
        s = _ANGLE.sub(" ", s)
    if ":" in s:
        s = _ROUGH_URL.sub(" ", s)
    s = " ".join(s.split())
    s = _LEADING_MARKERS.sub("", s)
    if "#" in s:
        s = _CLOSING_HASHES.sub("", s)
    if "*" in s or "_" in s or "~" in s or "`" in s:
        s = _EMPHASIS.sub("", s)
    for _ in range(3):
        before = s
        s = _EMPTY_BRACKETS.sub("", s).strip(_STRIP)
        if s == before:
            break
    s = " ".join(s.split())[:_MAX_TEXT].strip()
    return "" if _LONE_NUMBER.fullmatch(s) else s


def _collapse(s: str) -> str:
    return " ".join(s.split())[:_MAX_TEXT].strip()


def _plain_text(tokens: Iterable[Token] | None) -> str:
    parts: list[str] = []
    for t in tokens or ():
        if t.type in ("text", "code_inline"):
            parts.append(t.content)
        elif t.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif t.type == "image":
            parts.append(_plain_text(t.children))
    return _collapse("".join(parts))


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Hit:
    line: int  # 0-based
    col: int
    raw: str
    url: str
    kind: str
    text: str | None  # None: derive from the line


@dataclass(slots=True)
class _Pending:
    """A link found in an inline token, before it is placed on its file line."""

    order: tuple[int, int]  # (line, position in the inline source): source order
    line: int
    hint: int  # estimated column, -1 if unknown
    raw: str
    url: str
    kind: str
    text: str | None


_LINE_SPLIT: Final = re.compile(r"\r\n?|\n")

# The lines of a plain list of bare URLs (see ``_Extractor.run_simple_list``): a URL alone,
# maybe after a list marker; a title line (a heading or list item too), which starts with
# none of the characters that open a block or a list and holds no ``<>[]`~|\&`` (HTML,
# links, code, fences, tables, escapes, entities); a blank line.
_SIMPLE_URL_LINE: Final = re.compile(
    r"(?:[-*+] |\d{1,9}[.)] )?((?:https?|ftp|file|mailto):)\S*", re.IGNORECASE | re.ASCII
)
_SIMPLE_TITLE_LINE: Final = re.compile(
    r"(?:#{1,6} |[-*+] |\d{1,9}[.)] )?[^\s<>\[\]`~|\\&=+*_#>-][^<>\[\]`~|\\&]*"
)
_BLANK_LINE: Final = re.compile(r"[ \t]*")


@functools.lru_cache(maxsize=2048)
def _flexible(url: str) -> re.Pattern[str]:
    """Regex for ``url`` as it may be written: escaped punctuation, character references."""
    parts: list[str] = []
    for ch in url:
        esc = re.escape(ch)
        if "!" <= ch <= "~" and not ch.isalnum():
            parts.append(f"(?:\\\\?{esc}|&[#a-zA-Z0-9]{{1,32}};)")
        else:
            parts.append(f"(?:{esc}|&[#a-zA-Z0-9]{{1,32}};)")
    return re.compile("".join(parts))


class _Extractor:
    def __init__(self, text: str, file: str) -> None:
        self.file = file
        # markdown-it turns NUL into U+FFFD (one character for one: columns still match)
        self.lines = _LINE_SPLIT.split(text.replace("\0", "\ufffd"))
        self.nul_lines = _LINE_SPLIT.split(text) if "\0" in text else None
        self.md = _markdown()
        self.linkify: Any = self.md.linkify
        self.hits: list[_Hit] = []
        self.cursor: dict[int, int] = {}
        self.ref_text: dict[str, str] = {}
        self.clean_cache: dict[int, str] = {}
        self.above_cache: dict[int, str] = {}

    # -- placing a link on its file line ----------------------------------------------------

    def place(self, li: int, raw: str, url: str, hint: int) -> tuple[int, str]:
        """Column of ``raw`` on line ``li``, searching after the previous link placed there.

        ``hint`` (or -1) is the estimated column; it is tried first so that, in
        ``[https://x](https://x)``, the destination is found rather than the link text.
        """
        s = self.lines[li]
        lo = self.cursor.get(li, 0)
        if raw:
            j = s.find(raw, hint) if hint > lo else -1
            if j < 0:
                j = s.find(raw, lo)
            if j >= 0:
                self.cursor[li] = j + len(raw)
                return j, raw
        if url and len(url) <= 4_096:
            m = _flexible(url).search(s, lo)
            if m is not None and m.end() > m.start():
                self.cursor[li] = m.end()
                return m.start(), m.group(0)
        return max(lo, hint), raw or url

    def add(self, hit: _Hit) -> None:
        """Keep a hit; an empty URL only for Markdown links / definitions (``[a]()``)."""
        hit.url = hit.url.strip()
        if hit.url or hit.kind in ("inline", "reference"):
            self.hits.append(hit)

    # -- text for URLs without link text -----------------------------------------------------

    def clean_line(self, li: int) -> str:
        cached = self.clean_cache.get(li)
        if cached is None:
            s = self.lines[li]
            if len(s) > 2 * _TEXT_WINDOW:
                s = s[: 2 * _TEXT_WINDOW]
            cached = self.clean_cache[li] = _clean_text(s)
        return cached

    def text_above(self, li: int) -> str:
        """Nearest line above ``li`` that still has text once URLs and markers are removed."""
        visited: list[int] = []
        j = li - 1
        found = ""
        while j >= 0:
            cached = self.above_cache.get(j + 1)
            if cached is not None:
                found = cached
                break
            visited.append(j + 1)
            cleaned = self.clean_line(j)
            if cleaned:
                found = cleaned
                break
            j -= 1
        for k in visited:
            self.above_cache[k] = found
        return found

    def line_text(self, hit: _Hit) -> str:
        s = self.lines[hit.line]
        start, end = hit.col, hit.col + len(hit.raw)
        if s[start:end] != hit.raw:
            return self.clean_line(hit.line) or self.text_above(hit.line)
        if start > 0 and end < len(s) and s[start - 1] == "<" and s[end] == ">":
            start, end = start - 1, end + 1
        rest = s[max(0, start - _TEXT_WINDOW) : start] + " " + s[end : end + _TEXT_WINDOW]
        text = _clean_text(rest)
        if text or _LIST_ITEM.match(s):
            return text  # a list item's line above is a sibling item, not its title
        return self.text_above(hit.line)

    # -- walking the token stream --------------------------------------------------------------

    def run_plain(self) -> list[Occurrence]:
        """Scheme URLs only, line by line (used if the Markdown path ever fails)."""
        self.hits = []
        self.cursor = {}
        for li in range(len(self.lines)):
            self.scan_line(li, "bare")
        return self.finish()

    def run(self) -> list[Occurrence]:
        plain = self.run_simple_list()
        return plain if plain is not None else self.run_markdown()

    def run_simple_list(self) -> list[Occurrence] | None:
        """A plain list of bare URLs read without markdown-it, or None when it is not one.

        Every line must be blank, a bare URL alone (maybe after a list marker) or a title line
        without link syntax (see ``_SIMPLE_URL_LINE`` and ``_SIMPLE_TITLE_LINE``).  In such a
        file no line opens a code block, an HTML block, a table or a reference definition, so
        markdown-it would read each URL line as inline text and its linkify rule would find
        the URL with ``_match_url``, as here; the occurrences are the same (checked against
        the Markdown path by tests/test_seeds_speed_equivalence.py), at a fifth of the cost.
        """
        hits: list[_Hit] = []
        for li, s in enumerate(self.lines):
            if len(s) > _LONG_LINE:
                return None
            m = _SIMPLE_URL_LINE.fullmatch(s)
            if m is None:
                if _BLANK_LINE.fullmatch(s) or (
                    _SIMPLE_TITLE_LINE.fullmatch(s) and not _SCHEME_AT.search(s)
                ):
                    continue
                return None
            start, colon = m.start(1), m.end(1)
            if _match_url(self.linkify, _StopCache(s), start, colon, len(s)) != len(s):
                return None  # trimmed, refused or followed by more text: not that simple
            raw = s[start:]
            url = _BACKSLASH_ESCAPE.sub(r"\1", _decode_amp(raw))
            hits.append(_Hit(li, start, raw, url, "bare", None))
        for hit in hits:
            self.add(hit)
        return self.finish()

    def run_markdown(self) -> list[Occurrence]:
        long_lines = [i for i, s in enumerate(self.lines) if len(s) > _LONG_LINE]
        if long_lines:
            md_lines = list(self.lines)
            for i in long_lines:
                md_lines[i] = ""
            source = "\n".join(md_lines)
        else:
            source = "\n".join(self.lines)
        env: dict[str, Any] = {}
        tokens = self.md.parse(source, env)
        blocks: list[tuple[int, int, str]] = []
        for tok in tokens:
            if tok.map is None:
                continue
            if tok.type == "inline":
                self.walk_inline(tok)
            elif tok.type in ("fence", "code_block"):
                blocks.append((tok.map[0], tok.map[1], "code"))
                self.scan_block(tok.map[0], tok.map[1], "code")
            elif tok.type == "html_block":
                blocks.append((tok.map[0], tok.map[1], "html"))
                self.scan_block(tok.map[0], tok.map[1], "html")
        for li in long_lines:
            if not any(a <= li < b for a, b, _ in blocks):
                self.scan_line(li, "bare")
        self.add_references(env)
        return self.finish()

    def scan_block(self, first: int, stop: int, kind: str) -> None:
        for li in range(first, min(stop, len(self.lines))):
            self.scan_line(li, kind)

    def scan_line(self, li: int, kind: str, start: int = 0) -> None:
        """The URLs of line ``li`` (from column ``start``) as hits of ``kind``."""
        s = self.lines[li]
        finder = _find_html_links if kind == "html" else _find_urls
        spans = finder(self.linkify, s)
        for a, b in spans:
            if a < start:
                continue
            raw = s[a:b]
            url = _decode_amp(raw)
            if kind == "bare":
                url = _BACKSLASH_ESCAPE.sub(r"\1", url)
            self.cursor[li] = b
            self.add(_Hit(li, a, raw, url, kind, None))

    def walk_inline(self, tok: Token) -> None:
        assert tok.map is not None  # checked by the caller
        locator = _Locator(tok.content, tok.map[0], self.lines)
        pending: list[_Pending] = []
        self.collect(tok.children or [], locator, tok.map[0], pending)
        # Place in source order, so that equal links on one line are matched left to right.
        pending.sort(key=lambda p: p.order)
        for p in pending:
            col, found = self.place(p.line, p.raw, p.url, p.hint)
            self.add(_Hit(p.line, col, found, p.url, p.kind, p.text))

    def collect(
        self,
        children: list[Token],
        locator: _Locator,
        fallback_line: int,
        out: list[_Pending],
        base_order: int = 0,
    ) -> None:
        content = locator.content
        for i, child in enumerate(children):
            span = child.meta.get(_META) if child.meta else None
            if not isinstance(span, _Span):
                continue
            if span.src is content:
                li, hint = locator.position(span.start)
                order = (li, span.start)
            else:  # inside an image description: parsed from a copy, position unknown
                li, hint = fallback_line, -1
                order = (li, base_order)
            if child.type == "image":
                alt = _plain_text(child.children)
                if span.kind == "reference":
                    self.ref_text.setdefault(span.label, alt)
                else:
                    url = str(child.attrs.get("src", ""))
                    raw = span.src[span.start : span.end]
                    out.append(_Pending(order, li, hint, raw, url, "inline", alt))
                self.collect(child.children or [], locator, li, out, order[1])
            elif child.type == "link_open":
                raw = span.src[span.start : span.end]
                href = str(child.attrs.get("href", ""))
                if span.kind == "reference":
                    self.ref_text.setdefault(span.label, _link_text(children, i))
                elif span.kind == "inline":
                    text = _link_text(children, i)
                    out.append(_Pending(order, li, hint, raw, href, "inline", text))
                elif span.kind == "autolink":
                    url = _decode_amp(raw)
                    if href.lower().startswith("mailto:") and not raw.lower().startswith("mailto:"):
                        url = "mailto:" + url  # e-mail autolink <someone@example.com>
                    out.append(_Pending(order, li, hint, raw, url, "autolink", None))
                else:  # bare
                    url = _BACKSLASH_ESCAPE.sub(r"\1", _decode_amp(raw))
                    out.append(_Pending(order, li, hint, raw, url, "bare", None))
            elif child.type in ("code_inline", "html_inline"):
                self.collect_fragment(span, locator, fallback_line, out, order[1])

    def collect_fragment(
        self,
        span: _Span,
        locator: _Locator,
        fallback_line: int,
        out: list[_Pending],
        base_order: int,
    ) -> None:
        src, start, end = span.src, span.start, span.end
        if span.kind == "code":  # scan between the backtick runs (linkify keeps a final `)
            while start < end and src[start] == "`":
                start += 1
            while end > start and src[end - 1] == "`":
                end -= 1
            spans = _find_urls(self.linkify, src, start, end)
        else:
            spans = _find_html_links(self.linkify, src, start, end)
        for a, b in spans:
            raw = src[a:b]
            if src is locator.content:
                li, hint = locator.position(a)
                order = (li, a)
            else:
                li, hint = fallback_line, -1
                order = (li, base_order)
            out.append(_Pending(order, li, hint, raw, _decode_amp(raw), span.kind, None))

    def add_references(self, env: dict[str, Any]) -> None:
        """One occurrence per reference definition, used or not (see module docstring)."""
        definitions: list[tuple[str, dict[str, Any], bool]] = [
            (label, d, True) for label, d in (env.get("references") or {}).items()
        ]
        definitions.extend(
            (str(d.get("label", "")), d, False) for d in env.get("duplicate_refs") or []
        )
        for label, d, used in definitions:
            href = str(d.get("href", ""))
            span = d.get("map")
            if not span:
                continue
            first, stop = int(span[0]), min(int(span[1]), len(self.lines))
            if first >= stop:
                continue
            joined = "\n".join(self.lines[first:stop])
            label_start, after = _label_bounds(joined)
            j = joined.find(href, after) if href else -1
            raw = href
            if j < 0 and 0 < len(href) <= 4_096:
                m = _flexible(href).search(joined, after)
                if m is not None and m.end() > m.start():
                    j, raw = m.start(), m.group(0)
            if j < 0:
                li, col = first, 0
            else:
                li = first + joined.count("\n", 0, j)
                col = j - (joined.rfind("\n", 0, j) + 1)
            text = (self.ref_text.get(label, "") if used else "") or _collapse(
                str(d.get("title", ""))
            )
            if not text and after > label_start:
                text = _collapse(joined[label_start : after - 2])
            self.add(_Hit(li, col, raw, href, "reference", text or label))
            self.scan_title(first, stop, j + len(raw) if j >= 0 else after)

    def scan_title(self, first: int, stop: int, start: int) -> None:
        """Bare URLs in a reference definition's title (lines ``first:stop``, from offset
        ``start`` of their joined text): no link, but written in the list, so reported."""
        offset = 0
        for li in range(first, stop):
            end = offset + len(self.lines[li])
            if end >= start:
                self.scan_line(li, "bare", max(0, start - offset))
            offset = end + 1

    def finish(self) -> list[Occurrence]:
        self.hits.sort(key=lambda h: (h.line, h.col))
        result: list[Occurrence] = []
        for hit in self.hits:
            text = hit.text if hit.text else self.line_text(hit)
            raw = hit.raw
            if self.nul_lines is not None and "\ufffd" in raw:
                end = hit.col + len(raw)
                if self.lines[hit.line][hit.col : end] == raw:
                    raw = self.nul_lines[hit.line][hit.col : end]
            result.append(Occurrence(self.file, hit.line + 1, raw, hit.url, text, hit.kind))
        return result


def _label_bounds(definition: str) -> tuple[int, int]:
    """(start of the label, position after ``]:``) in a reference definition's text."""
    start = definition.find("[") + 1
    i = start
    while 0 < i < len(definition):
        ch = definition[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "]":
            return start, i + 2
        i += 1
    return 0, 0


def _link_text(children: list[Token], open_index: int) -> str:
    depth = 0
    inner: list[Token] = []
    for i in range(open_index + 1, len(children)):
        token = children[i]
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            if depth == 0:
                break
            depth -= 1
        inner.append(token)
    return _plain_text(inner)


class _Locator:
    """Maps a position in an inline token's content to (file line, column estimate)."""

    def __init__(self, content: str, base: int, lines: list[str]) -> None:
        self.content = content
        self.base = base
        self.lines = lines
        self.newlines = [m.start() for m in re.finditer("\n", content)]
        self.offsets: dict[int, int | None] = {}

    def position(self, pos: int) -> tuple[int, int]:
        k = bisect.bisect_left(self.newlines, pos)
        line_start = self.newlines[k - 1] + 1 if k else 0
        li = min(self.base + k, len(self.lines) - 1)
        if k not in self.offsets:
            line_end = self.newlines[k] if k < len(self.newlines) else len(self.content)
            piece = self.content[line_start:line_end].rstrip()
            file_line = self.lines[li].rstrip()
            # The content line is normally a suffix of the file line (container markers and
            # indentation removed); table cells are not, and get no estimate.
            self.offsets[k] = len(file_line) - len(piece) if file_line.endswith(piece) else None
        offset = self.offsets[k]
        return li, (pos - line_start + offset) if offset is not None else -1


def _extract(text: str, file: str) -> list[Occurrence]:
    return _Extractor(text, file).run()


def extract_text(text: str, file: str) -> list[Occurrence]:
    """Every link occurrence in ``text`` (a seed file's content), in (line, column) order.

    ``file`` is copied into each occurrence.  Never raises: should the Markdown parser fail on
    some input, the text is scanned for scheme URLs only.
    """
    try:
        return _extract(text, file)
    except Exception as exc:  # documented contract: never raises on any str
        _LOG.warning(
            "%s: Markdown parsing failed (%s); scanning it for plain URLs only",
            file,
            type(exc).__name__,
        )
        try:
            return _Extractor(text, file).run_plain()
        except Exception:
            return []
