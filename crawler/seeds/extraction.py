"""Every link occurrence in a seed file's text, with its line, raw text, URL and title.

* Markdown links, images, ``<autolinks>`` and bare ``scheme://`` URLs come from the
  markdown-it token stream of :func:`crawler.seeds.markdown_rules.seed_markdown`, whose tokens
  say where each link stands in the inline source (:mod:`crawler.seeds.inline_links`); each is
  placed on its file line here, at its exact ``raw`` text.
* Code (fences, indented code, inline code spans) and HTML (blocks and inline tags) are not
  Markdown: they are scanned line by line for scheme URLs (the same recognition as bare URLs,
  :mod:`crawler.seeds.url_spans`), and for HTML the values of ``href="..."`` attributes are
  taken as well (relative ones included).
* A file that is only a plain list of bare URLs (each alone on its line, maybe after a list
  marker, among title lines without any link, code or HTML syntax and blank lines) is read
  line by line without markdown-it, with the same rule for where a URL ends: that is what
  markdown-it would find there, at a fraction of its cost (see ``_Extractor.run_simple_list``).
* Reference links (``[a][r]`` + ``[r]: url "title"``) are reported once per *definition*, at
  the definition's line (:mod:`crawler.seeds.references`), and so are URLs written in a
  definition's title (``bare``).
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

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from markdown_it.token import Token

from crawler.seeds.files import SeedProblem, iter_seed_files, read_named_seed_file
from crawler.seeds.inline_links import inline_links
from crawler.seeds.link_text import LineTitles
from crawler.seeds.markdown_rules import seed_markdown
from crawler.seeds.references import definitions
from crawler.seeds.url_spans import (
    SCHEME_START,
    UrlEndBound,
    clean_bare_url,
    decode_amp,
    find_as_written,
    html_link_spans,
    scheme_url_spans,
    url_end,
)

_LOG = logging.getLogger(__name__)

#: longer lines are not given to markdown-it (see the module docstring)
LONGEST_MARKDOWN_LINE: Final = 20_000


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
        if (m := find_as_written(url, s, lo)) is not None:
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
        for p in inline_links(tok, self.lines, self.linkify, self.reference_text):
            col, found = self.place(p.line, p.raw, p.url, p.hint)
            self.keep(_PlacedLink(p.line, col, found, p.url, p.kind, p.text))

    # -- reference definitions -----------------------------------------------------------------

    def add_references(self, env: dict[str, Any]) -> None:
        """One occurrence per reference definition, used or not (see module docstring)."""
        for d in definitions(env, self.lines, self.reference_text):
            self.keep(_PlacedLink(d.line, d.col, d.raw, d.href, "reference", d.text))
            self.scan_definition_title(d.first, d.stop, d.after_url)

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
