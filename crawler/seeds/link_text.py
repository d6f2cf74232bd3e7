"""The human title of each link found in a seed file (``Occurrence.text``).

Markdown links and images: the rendered link text / alt text.  Reference definitions: the
first use's link text, else the definition's title, else its label.  Autolinks, bare, code and
HTML URLs: the rest of the line (``TITLE_CONTEXT_CHARS`` characters either side) without the
URL, other URLs, Markdown markers (bullets, ``#``, ``>``, emphasis, link syntax), HTML tags and
surrounding punctuation such as ``：`` or ``|``; numbering such as ``2.1`` is kept, but a lone
list number is no title.  When nothing is left, the nearest line above that still has text
after the same cleaning (so a URL-only line under another URL-only line gets the title above
both), except in a list item, whose line above is a sibling item.  Whitespace is collapsed and
the text cut at ``MAX_TEXT_LENGTH`` characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from markdown_it.token import Token

from crawler.seeds.url_spans import FULLWIDTH_PUNCT

MAX_TEXT_LENGTH: Final = 300
#: characters either side of a URL read for its "rest of the line" title
TITLE_CONTEXT_CHARS: Final = 200

_MD_LINK: Final = re.compile(
    r"!?\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+[^()]*)?\)"
)
#: a URL as it may stand in a title line (no linkify-it here: this only removes it)
_URL_IN_LINE: Final = re.compile(
    r"(?<![a-z0-9.+\-])(?:https?|ftp|file|mailto):[^\s<>\"" + FULLWIDTH_PUNCT.pattern[1:] + "*",
    re.IGNORECASE,
)
_TAG_OR_COMMENT_MARK: Final = re.compile(r"<[^<>\n]*>|<!--|-->")
_EMPHASIS: Final = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)|~~|`+")
_LEADING_MARKERS: Final = re.compile(r"^\s*(?:(?:>|[-*+](?=\s)|#{1,6}(?=\s|$))\s*)+")
_LIST_ITEM: Final = re.compile(r"\s*(?:>\s*)*(?:[-*+]|\d{1,9}[.)])\s")
_LONE_NUMBER: Final = re.compile(r"\d{1,9}[.)]?")  # an ordered-list marker is no title
_CLOSING_HASHES: Final = re.compile(r"\s#+\s*$")
_EMPTY_BRACKETS: Final = re.compile(r"\(\s*\)|（\s*）|\[\s*\]|【\s*】|《\s*》|“\s*”|「\s*」")
#: characters stripped from both ends of a title
_TITLE_EDGE_CHARS: Final = " \t\u3000:：|｜,，;；、。-–—*_>"


def _clean_title(s: str) -> str:
    """Plain title text of a Markdown line fragment: markers, URLs and tags removed."""
    if not s or s.isspace():
        return ""
    # The membership tests only skip regexes that could not match (this runs once per URL).
    if "[" in s:
        s = _MD_LINK.sub(r"\1", s)
    if "<" in s:
        s = _TAG_OR_COMMENT_MARK.sub(" ", s)
    if ":" in s:
        s = _URL_IN_LINE.sub(" ", s)
    s = " ".join(s.split())
    s = _LEADING_MARKERS.sub("", s)
    if "#" in s:
        s = _CLOSING_HASHES.sub("", s)
    if "*" in s or "_" in s or "~" in s or "`" in s:
        s = _EMPHASIS.sub("", s)
    for _ in range(3):
        before = s
        s = _EMPTY_BRACKETS.sub("", s).strip(_TITLE_EDGE_CHARS)
        if s == before:
            break
    s = " ".join(s.split())[:MAX_TEXT_LENGTH].strip()
    return "" if _LONE_NUMBER.fullmatch(s) else s


def collapse(s: str) -> str:
    """``s`` with its whitespace collapsed, cut at ``MAX_TEXT_LENGTH`` characters."""
    return " ".join(s.split())[:MAX_TEXT_LENGTH].strip()


def tokens_text(tokens: Iterable[Token] | None) -> str:
    """The plain text of inline tokens (text, code, line breaks, image alt texts)."""
    parts: list[str] = []
    for t in tokens or ():
        if t.type in ("text", "code_inline"):
            parts.append(t.content)
        elif t.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif t.type == "image":
            parts.append(tokens_text(t.children))
    return collapse("".join(parts))


def link_text(children: list[Token], open_index: int) -> str:
    """The text of the link opened by ``children[open_index]`` (a ``link_open`` token)."""
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
    return tokens_text(inner)


class LineTitles:
    """Titles of the URLs that have no link text, read from the lines of one file."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.cleaned: dict[int, str] = {}
        self.above: dict[int, str] = {}

    def clean_line(self, li: int) -> str:
        cached = self.cleaned.get(li)
        if cached is None:
            s = self.lines[li]
            if len(s) > 2 * TITLE_CONTEXT_CHARS:
                s = s[: 2 * TITLE_CONTEXT_CHARS]
            cached = self.cleaned[li] = _clean_title(s)
        return cached

    def text_above(self, li: int) -> str:
        """Nearest line above ``li`` that still has text once URLs and markers are removed."""
        visited: list[int] = []
        j = li - 1
        found = ""
        while j >= 0:
            cached = self.above.get(j + 1)
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
            self.above[k] = found
        return found

    def title(self, li: int, col: int, raw: str) -> str:
        """Title of the URL written as ``raw`` at column ``col`` of line ``li``."""
        s = self.lines[li]
        start, end = col, col + len(raw)
        if s[start:end] != raw:
            return self.clean_line(li) or self.text_above(li)
        if start > 0 and end < len(s) and s[start - 1] == "<" and s[end] == ">":
            start, end = start - 1, end + 1
        rest = (
            s[max(0, start - TITLE_CONTEXT_CHARS) : start]
            + " "
            + s[end : end + TITLE_CONTEXT_CHARS]
        )
        text = _clean_title(rest)
        if text or _LIST_ITEM.match(s):
            return text  # a list item's line above is a sibling item, not its title
        return self.text_above(li)
