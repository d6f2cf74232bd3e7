"""The links of one markdown-it inline token, in source order, before they are placed on their
file lines.

Each link token carries the :class:`~crawler.seeds.markdown_rules.LinkSpan` its rule recorded
(where it stands in the inline source); :class:`InlinePositions` maps that position to a file
line and a column estimate, which :mod:`crawler.seeds.extraction` uses to find the exact ``raw``
text on the line.  A link inside an image description is parsed from a copy: its line is the
image's, its column unknown.  Inline code spans and inline HTML tags are not Markdown: they are
scanned for scheme URLs (and HTML for ``href`` values), as code and HTML blocks are.  A reference
link gives no occurrence here (its definition does): its link text is kept, by label.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token

from crawler.seeds.link_text import link_text, tokens_text
from crawler.seeds.markdown_rules import LINK_SPAN, LinkSpan
from crawler.seeds.url_spans import clean_bare_url, decode_amp, html_link_spans, scheme_url_spans


@dataclass(slots=True)
class UnplacedLink:
    """A link found in an inline token, before it is placed on its file line."""

    order: tuple[int, int]  # (line, position in the inline source): source order
    line: int
    hint: int  # estimated column, -1 if unknown
    raw: str
    url: str
    kind: str
    text: str | None


class InlinePositions:
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


def inline_links(
    tok: Token, lines: list[str], linkify: Any, reference_text: dict[str, str]
) -> list[UnplacedLink]:
    """The links of the inline token ``tok`` of a file of ``lines``, in source order (so that
    equal links on one line are placed left to right).  The link text of each reference link
    is kept in ``reference_text`` (the first use's, by label)."""
    assert tok.map is not None  # checked by the caller
    walk = _InlineWalk(InlinePositions(tok.content, tok.map[0], lines), linkify, reference_text)
    walk.links(tok.children or [], tok.map[0])
    return sorted(walk.out, key=lambda p: p.order)


class _InlineWalk:
    """The walk through one inline token's children (and the children of its images)."""

    def __init__(
        self, positions: InlinePositions, linkify: Any, reference_text: dict[str, str]
    ) -> None:
        self.positions = positions
        self.linkify = linkify
        self.reference_text = reference_text
        self.out: list[UnplacedLink] = []

    def links(self, children: list[Token], fallback_line: int, base_order: int = 0) -> None:
        positions, out = self.positions, self.out
        for i, child in enumerate(children):
            span = child.meta.get(LINK_SPAN) if child.meta else None
            if not isinstance(span, LinkSpan):
                continue
            if span.src is positions.content:
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
                    out.append(UnplacedLink(order, li, hint, raw, url, "inline", alt))
                self.links(child.children or [], li, order[1])
            elif child.type == "link_open":
                raw = span.src[span.start : span.end]
                href = str(child.attrs.get("href", ""))
                if span.kind == "reference":
                    self.reference_text.setdefault(span.label, link_text(children, i))
                elif span.kind == "inline":
                    text = link_text(children, i)
                    out.append(UnplacedLink(order, li, hint, raw, href, "inline", text))
                elif span.kind == "autolink":
                    url = decode_amp(raw)
                    if href.lower().startswith("mailto:") and not raw.lower().startswith("mailto:"):
                        url = "mailto:" + url  # e-mail autolink <someone@example.com>
                    out.append(UnplacedLink(order, li, hint, raw, url, "autolink", None))
                else:  # bare
                    out.append(
                        UnplacedLink(order, li, hint, raw, clean_bare_url(raw), "bare", None)
                    )
            elif child.type in ("code_inline", "html_inline"):
                self.fragment_urls(span, fallback_line, order[1])

    def fragment_urls(self, span: LinkSpan, fallback_line: int, base_order: int) -> None:
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
            if src is self.positions.content:
                li, hint = self.positions.position(a)
                order = (li, a)
            else:
                li, hint = fallback_line, -1
                order = (li, base_order)
            out = UnplacedLink(order, li, hint, raw, decode_amp(raw), span.kind, None)
            self.out.append(out)
