"""Every link occurrence in a seed file's text, with its line, raw text, URL and title.

* Markdown links, images, ``<autolinks>`` and bare ``scheme://`` URLs come from the
  markdown-it token stream of :func:`crawler.seeds.markdown_rules.seed_markdown`, whose tokens
  say where each link stands in the inline source; :class:`_InlinePositions` maps that to a
  file line and column.
* Code (fences, indented code, inline code spans) and HTML (blocks and inline tags) are not
  Markdown: they are scanned line by line for scheme URLs (the same recognition as bare URLs,
  :mod:`crawler.seeds.url_spans`), and for HTML the values of ``href="..."`` attributes are
  taken as well (relative ones included).
* A file that is only a plain list of bare URLs (each alone on its line, maybe after a list
  marker, among title lines without any link, code or HTML syntax and blank lines) is read
  line by line without markdown-it, with the same rule for where a URL ends: that is what
  markdown-it would find there, at a fraction of its cost (see ``_Extractor.run_simple_list``).
* Reference links (``[a][r]`` + ``[r]: url "title"``) are reported once per *definition*, at
  the definition's line (that is where the URL stands and where a fix-up must edit it); the
  text is the first use's link text, else the title, else the label.  Unused and duplicate
  definitions are reported too, and so are URLs written in a definition's title (``bare``).
* Lines longer than ``LONGEST_MARKDOWN_LINE`` characters are not given to markdown-it (it
  needs tens of microseconds per character on adversarial input such as ``[[[[...``, i.e.
  minutes for a 5 MB line); they are scanned for scheme URLs only and reported as ``bare``
  (or ``code`` / ``html`` inside such a block).
* A Markdown link with an empty destination (``[a]()``) is returned with ``url == ""`` (and
  ``raw == ""``): the caller can call it an empty link.
* A URL that is the *text* of a link (``[https://a](https://b)``, ``<a href=..>https://a</a>``)
  is not a separate occurrence: only the destination is.  This is the one case where a
  ``https://`` substring of a file is not reported.

Nothing is classified or filtered here: relative paths, ``#anchors``, ``mailto:``,
``javascript:`` and ``file:`` links are all returned, the caller decides what to check.

``raw`` is the link as it stands on its line (found there in every case we know of; if it ever
is not, ``raw`` is the url).  It never includes the ``<>`` around an autolink or an
angle-bracket destination, so replacing it with another URL keeps the syntax intact.  A NUL
character in the file stays a NUL in ``raw`` (markdown-it sees U+FFFD).
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from markdown_it.token import Token

from crawler.seeds.files import SeedProblem, iter_seed_files, read_named_seed_file
from crawler.seeds.link_text import LineTitles, collapse, link_text, tokens_text
from crawler.seeds.markdown_rules import LINK_SPAN, LinkSpan, seed_markdown
from crawler.seeds.url_spans import (
    SCHEME_START,
    UrlEndBound,
    clean_bare_url,
    decode_amp,
    html_link_spans,
    scheme_url_spans,
    url_end,
)

_LOG = logging.getLogger(__name__)

#: longer lines are not given to markdown-it (see the module docstring)
LONGEST_MARKDOWN_LINE: Final = 20_000
#: the longest URL looked for as it may be written (escapes, entities) when not found as is
_LONGEST_FLEXIBLE_SEARCH: Final = 4_096


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


def scan_seeds(path: Path) -> tuple[list[Occurrence], list[SeedProblem]]:
    """All link occurrences under ``path`` (a file or a directory), plus the problem files.

    File names are relative to the root (``path`` if it is a directory, else its parent).
    Raises FileNotFoundError when ``path`` does not exist.
    """
    occurrences: list[Occurrence] = []
    problems: list[SeedProblem] = []
    for name, text, problem in seed_texts(path):
        if problem is not None:
            problems.append(problem)
        if text is not None:
            occurrences.extend(extract_text(text, name))
    return occurrences, problems


def seed_texts(path: Path) -> Iterator[tuple[str, str | None, SeedProblem | None]]:
    """Each seed file under ``path`` (as :func:`scan_seeds` finds them), one at a time: its
    name relative to the root, its text (None: not usable) and its problem, if any."""
    root = path if path.is_dir() else path.parent
    for file in iter_seed_files(path):
        try:
            name = file.relative_to(root).as_posix()
        except ValueError:
            name = file.name
        text, problem = read_named_seed_file(file, name, root if path.is_dir() else None)
        yield name, text, problem


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
            return _Extractor(text, file).run_scheme_urls_only()
        except Exception:
            return []


def _extract(text: str, file: str) -> list[Occurrence]:
    """:func:`extract_text` without its safety net: an exception in the parser is raised."""
    return _Extractor(text, file).run()


@dataclass(slots=True)
class _PlacedLink:
    """A link found and placed on its file line."""

    line: int  # 0-based
    col: int
    raw: str
    url: str
    kind: str
    text: str | None  # None: derive from the line


@dataclass(slots=True)
class _UnplacedLink:
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


class _Extractor:
    """The links of one file's text: found, placed on their lines, given a title."""

    def __init__(self, text: str, file: str) -> None:
        self.file = file
        # markdown-it turns NUL into U+FFFD (one character for one: columns still match)
        self.lines = _LINE_SPLIT.split(text.replace("\0", "\ufffd"))
        self.lines_with_nul = _LINE_SPLIT.split(text) if "\0" in text else None
        self.md = seed_markdown()
        self.linkify: Any = self.md.linkify
        self.links: list[_PlacedLink] = []
        self.placed_until: dict[int, int] = {}  # line -> column after its last placed link
        self.reference_text: dict[str, str] = {}  # reference label -> first use's link text
        self.titles = LineTitles(self.lines)

    # -- placing a link on its file line ----------------------------------------------------

    def place(self, li: int, raw: str, url: str, hint: int) -> tuple[int, str]:
        """Column of ``raw`` on line ``li``, searching after the previous link placed there.

        ``hint`` (or -1) is the estimated column; it is tried first so that, in
        ``[https://x](https://x)``, the destination is found rather than the link text.
        """
        s = self.lines[li]
        lo = self.placed_until.get(li, 0)
        if raw:
            j = s.find(raw, hint) if hint > lo else -1
            if j < 0:
                j = s.find(raw, lo)
            if j >= 0:
                self.placed_until[li] = j + len(raw)
                return j, raw
        if url and len(url) <= _LONGEST_FLEXIBLE_SEARCH:
            m = _as_it_may_be_written(url).search(s, lo)
            if m is not None and m.end() > m.start():
                self.placed_until[li] = m.end()
                return m.start(), m.group(0)
        return max(lo, hint), raw or url

    def keep(self, link: _PlacedLink) -> None:
        """Keep a link; an empty URL only for Markdown links / definitions (``[a]()``)."""
        link.url = link.url.strip()
        if link.url or link.kind in ("inline", "reference"):
            self.links.append(link)

    # -- the ways through a file ---------------------------------------------------------------

    def run_scheme_urls_only(self) -> list[Occurrence]:
        """Scheme URLs only, line by line (used if the Markdown path ever fails)."""
        self.links = []
        self.placed_until = {}
        for li in range(len(self.lines)):
            self.scan_line(li, "bare")
        return self.occurrences()

    def run(self) -> list[Occurrence]:
        plain = self.run_simple_list()
        return plain if plain is not None else self.run_markdown()

    def run_simple_list(self) -> list[Occurrence] | None:
        """A plain list of bare URLs read without markdown-it, or None when it is not one.

        Every line must be blank, a bare URL alone (maybe after a list marker) or a title line
        without link syntax (see ``_SIMPLE_URL_LINE`` and ``_SIMPLE_TITLE_LINE``).  In such a
        file no line opens a code block, an HTML block, a table or a reference definition, so
        markdown-it would read each URL line as inline text and its bare URL rule would find
        the URL with ``url_end``, as here; the occurrences are the same (checked against
        the Markdown path by tests/test_seeds_speed_equivalence.py), at a fifth of the cost.
        """
        links: list[_PlacedLink] = []
        for li, s in enumerate(self.lines):
            if len(s) > LONGEST_MARKDOWN_LINE:
                return None
            m = _SIMPLE_URL_LINE.fullmatch(s)
            if m is None:
                if _BLANK_LINE.fullmatch(s) or (
                    _SIMPLE_TITLE_LINE.fullmatch(s) and not SCHEME_START.search(s)
                ):
                    continue
                return None
            start, colon = m.start(1), m.end(1)
            if url_end(self.linkify, UrlEndBound(s), start, colon, len(s)) != len(s):
                return None  # trimmed, refused or followed by more text: not that simple
            raw = s[start:]
            links.append(_PlacedLink(li, start, raw, clean_bare_url(raw), "bare", None))
        for link in links:
            self.keep(link)
        return self.occurrences()

    def run_markdown(self) -> list[Occurrence]:
        long_lines = [i for i, s in enumerate(self.lines) if len(s) > LONGEST_MARKDOWN_LINE]
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
        return self.occurrences()

    # -- code, HTML and lines markdown-it does not read ------------------------------------------

    def scan_block(self, first: int, stop: int, kind: str) -> None:
        for li in range(first, min(stop, len(self.lines))):
            self.scan_line(li, kind)

    def scan_line(self, li: int, kind: str, start: int = 0) -> None:
        """The URLs of line ``li`` (from column ``start``) as links of ``kind``."""
        s = self.lines[li]
        find_spans = html_link_spans if kind == "html" else scheme_url_spans
        spans = find_spans(self.linkify, s)
        for a, b in spans:
            if a < start:
                continue
            raw = s[a:b]
            url = clean_bare_url(raw) if kind == "bare" else decode_amp(raw)
            self.placed_until[li] = b
            self.keep(_PlacedLink(li, a, raw, url, kind, None))

    # -- the inline tokens of markdown-it --------------------------------------------------------

    def walk_inline(self, tok: Token) -> None:
        assert tok.map is not None  # checked by the caller
        positions = _InlinePositions(tok.content, tok.map[0], self.lines)
        unplaced: list[_UnplacedLink] = []
        self.collect_links(tok.children or [], positions, tok.map[0], unplaced)
        # Place in source order, so that equal links on one line are matched left to right.
        unplaced.sort(key=lambda p: p.order)
        for p in unplaced:
            col, found = self.place(p.line, p.raw, p.url, p.hint)
            self.keep(_PlacedLink(p.line, col, found, p.url, p.kind, p.text))

    def collect_links(
        self,
        children: list[Token],
        positions: _InlinePositions,
        fallback_line: int,
        out: list[_UnplacedLink],
        base_order: int = 0,
    ) -> None:
        content = positions.content
        for i, child in enumerate(children):
            span = child.meta.get(LINK_SPAN) if child.meta else None
            if not isinstance(span, LinkSpan):
                continue
            if span.src is content:
                li, hint = positions.position(span.start)
                order = (li, span.start)
            else:  # inside an image description: parsed from a copy, position unknown
                li, hint = fallback_line, -1
                order = (li, base_order)
            if child.type == "image":
                alt = tokens_text(child.children)
                if span.kind == "reference":
                    self.reference_text.setdefault(span.label, alt)
                else:
                    url = str(child.attrs.get("src", ""))
                    raw = span.src[span.start : span.end]
                    out.append(_UnplacedLink(order, li, hint, raw, url, "inline", alt))
                self.collect_links(child.children or [], positions, li, out, order[1])
            elif child.type == "link_open":
                raw = span.src[span.start : span.end]
                href = str(child.attrs.get("href", ""))
                if span.kind == "reference":
                    self.reference_text.setdefault(span.label, link_text(children, i))
                elif span.kind == "inline":
                    text = link_text(children, i)
                    out.append(_UnplacedLink(order, li, hint, raw, href, "inline", text))
                elif span.kind == "autolink":
                    url = decode_amp(raw)
                    if href.lower().startswith("mailto:") and not raw.lower().startswith("mailto:"):
                        url = "mailto:" + url  # e-mail autolink <someone@example.com>
                    out.append(_UnplacedLink(order, li, hint, raw, url, "autolink", None))
                else:  # bare
                    out.append(
                        _UnplacedLink(order, li, hint, raw, clean_bare_url(raw), "bare", None)
                    )
            elif child.type in ("code_inline", "html_inline"):
                self.collect_fragment_urls(span, positions, fallback_line, out, order[1])

    def collect_fragment_urls(
        self,
        span: LinkSpan,
        positions: _InlinePositions,
        fallback_line: int,
        out: list[_UnplacedLink],
        base_order: int,
    ) -> None:
        """The URLs of an inline code span or inline HTML tag."""
        src, start, end = span.src, span.start, span.end
        if span.kind == "code":  # scan between the backtick runs (linkify keeps a final `)
            while start < end and src[start] == "`":
                start += 1
            while end > start and src[end - 1] == "`":
                end -= 1
            spans = scheme_url_spans(self.linkify, src, start, end)
        else:
            spans = html_link_spans(self.linkify, src, start, end)
        for a, b in spans:
            raw = src[a:b]
            if src is positions.content:
                li, hint = positions.position(a)
                order = (li, a)
            else:
                li, hint = fallback_line, -1
                order = (li, base_order)
            out.append(_UnplacedLink(order, li, hint, raw, decode_amp(raw), span.kind, None))

    # -- reference definitions -----------------------------------------------------------------

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
            if j < 0 and 0 < len(href) <= _LONGEST_FLEXIBLE_SEARCH:
                m = _as_it_may_be_written(href).search(joined, after)
                if m is not None and m.end() > m.start():
                    j, raw = m.start(), m.group(0)
            if j < 0:
                li, col = first, 0
            else:
                li = first + joined.count("\n", 0, j)
                col = j - (joined.rfind("\n", 0, j) + 1)
            text = (self.reference_text.get(label, "") if used else "") or collapse(
                str(d.get("title", ""))
            )
            if not text and after > label_start:
                text = collapse(joined[label_start : after - 2])
            self.keep(_PlacedLink(li, col, raw, href, "reference", text or label))
            self.scan_definition_title(first, stop, j + len(raw) if j >= 0 else after)

    def scan_definition_title(self, first: int, stop: int, start: int) -> None:
        """Bare URLs in a reference definition's title (lines ``first:stop``, from offset
        ``start`` of their joined text): no link, but written in the list, so reported."""
        offset = 0
        for li in range(first, stop):
            end = offset + len(self.lines[li])
            if end >= start:
                self.scan_line(li, "bare", max(0, start - offset))
            offset = end + 1

    # -- the result ------------------------------------------------------------------------------

    def occurrences(self) -> list[Occurrence]:
        self.links.sort(key=lambda h: (h.line, h.col))
        result: list[Occurrence] = []
        for link in self.links:
            text = link.text if link.text else self.titles.title(link.line, link.col, link.raw)
            raw = link.raw
            if self.lines_with_nul is not None and "\ufffd" in raw:
                end = link.col + len(raw)
                if self.lines[link.line][link.col : end] == raw:
                    raw = self.lines_with_nul[link.line][link.col : end]
            result.append(Occurrence(self.file, link.line + 1, raw, link.url, text, link.kind))
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


class _InlinePositions:
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
