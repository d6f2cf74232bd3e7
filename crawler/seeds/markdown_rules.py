"""The markdown-it parser for seed files, whose link tokens say where they stand in the source.

markdown-it's tokens carry the line range of their block but not where a link stands inside it.
The inline rules that create links, images, autolinks, code spans and inline HTML are wrapped
here: each token they push records, in ``token.meta[LINK_SPAN]``, a :class:`LinkSpan` (the
inline source the rule ran on and the span of the destination in it, or the label of a
reference link).  :mod:`crawler.seeds.extraction` turns those spans into exact file lines and
the exact ``raw`` text, even for a link whose text spans lines.

Bare URLs are recognised by linkify-it-py with fuzzy links/e-mails off: only ``http(s)://``,
``ftp://``, ``file://`` and ``mailto:`` are links, ``example.com`` is not.  markdown-it's own
inline linkify rule is replaced (same logic, see :func:`_bare_url_rule`) because it copies the
rest of the paragraph for every URL (quadratic on big files) and because bare URLs need
trimming (:mod:`crawler.seeds.url_spans`) *before* the parser moves on, so that
``https://a.com/x，https://b.com/y`` gives two links.  markdown-it's core linkify pass is
disabled: with fuzzy matching off it only re-finds what the inline rule already found (plus
``mailto:``, which the replacement rule handles).

The wrappers call markdown-it-py's inline rules and parsing helpers and read its inline state
(``pending``, ``linkLevel``), which are not its public API: pyproject.toml pins markdown-it-py
below its next major version.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

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

from crawler.seeds.url_spans import FileLinkValidator, UrlEndBound, url_end

#: the ``token.meta`` key of a token's :class:`LinkSpan`
LINK_SPAN: Final = "seed_span"
#: the ``env`` key of the :class:`UrlEndBound` of each inline source, by ``id(src)``
_URL_END_BOUNDS: Final = "seed_url_stops"

_LINK_SCHEMES: Final = frozenset({"http", "https", "ftp", "file", "mailto"})
#: the scheme name just before a ``:`` (at the end of the text not yet turned into tokens)
_SCHEME_BEFORE_COLON: Final = re.compile(r"(?:^|[^a-z0-9.+\-])([a-z][a-z0-9.+\-]*)$", re.IGNORECASE)


class _VerbatimLinksMarkdown(MarkdownIt):
    """markdown-it that accepts every destination and keeps it as written."""

    def validateLink(self, url: str) -> bool:
        return True  # javascript:, file:, data: links too: the caller classifies them

    def normalizeLink(self, url: str) -> str:
        return url

    def normalizeLinkText(self, link: str) -> str:
        return link


@dataclass(slots=True)
class LinkSpan:
    """Where a token's link stands in ``src`` (the inline source the rule was run on)."""

    src: str
    start: int
    end: int
    kind: str  # inline | reference | autolink | bare | code | html
    label: str = ""  # normalized reference label for kind == "reference"


_InlineRule = Callable[[StateInline, bool], bool]


def _first_token_since(state: StateInline, since: int, types: Iterable[str]) -> Token | None:
    wanted = set(types)
    for token in state.tokens[since:]:
        if token.type in wanted:
            return token
    return None


def _recording_link_rule(original: _InlineRule, *, image: bool) -> _InlineRule:
    """Record the destination span (inline form) or the label (reference form) of links."""

    def rule(state: StateInline, silent: bool) -> bool:
        start = state.pos
        before = len(state.tokens)
        if not original(state, silent):
            return False
        if silent:
            return True
        token = _first_token_since(state, before, ("image",) if image else ("link_open",))
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
            token.meta[LINK_SPAN] = LinkSpan(src, dest_start, dest_end, "inline")
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
        token.meta[LINK_SPAN] = LinkSpan(src, start, end, "reference", normalizeReference(label))
        return True

    return rule


def _recording_span_rule(original: _InlineRule, token_type: str, kind: str) -> _InlineRule:
    """Record the source span of autolinks, code spans and inline HTML."""

    def rule(state: StateInline, silent: bool) -> bool:
        start = state.pos
        before = len(state.tokens)
        if not original(state, silent):
            return False
        if not silent:
            token = _first_token_since(state, before, (token_type,))
            if token is not None:
                end = state.pos
                if kind == "autolink":
                    start, end = start + 1, end - 1
                token.meta[LINK_SPAN] = LinkSpan(state.src, start, end, kind)
        return True

    return rule


def _bare_url_rule(state: StateInline, silent: bool) -> bool:
    """Bare ``scheme:`` URLs (markdown-it's inline linkify rule, bounded and trimmed)."""
    if state.linkLevel > 0:
        return False
    pos = state.pos
    src = state.src
    if src[pos] != ":":
        return False
    pending = state.pending
    tail = pending[-16:]
    m = _SCHEME_BEFORE_COLON.search(tail)
    if m is None:
        return False
    proto = m.group(1)
    if m.start(1) == 0 and len(pending) > len(tail):
        return False  # longer than any scheme we know
    if proto.lower() not in _LINK_SCHEMES:
        return False
    start = pos - len(proto)
    if start < 0 or src[start:pos] != proto:
        return False
    bounds: dict[int, UrlEndBound] = state.env.setdefault(_URL_END_BOUNDS, {})
    bound = bounds.get(id(src))
    if bound is None or bound.src is not src:
        bound = bounds[id(src)] = UrlEndBound(src)
    end = url_end(state.md.linkify, bound, start, pos + 1, state.posMax)
    if end < 0:
        return False
    url = src[start:end]
    if not silent:
        state.pending = pending[: -len(proto)]
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": url}
        token.markup = "linkify"
        token.info = "auto"
        token.meta[LINK_SPAN] = LinkSpan(src, start, end, "bare")
        token = state.push("text", "", 0)
        token.content = url
        token = state.push("link_close", "a", -1)
        token.markup = "linkify"
        token.info = "auto"
    state.pos = end
    return True


@functools.cache
def seed_markdown() -> MarkdownIt:
    """The one CommonMark parser (tables and strikethrough on) for seed files."""
    md = _VerbatimLinksMarkdown("commonmark", {"linkify": True}).enable(
        ["linkify", "table", "strikethrough"]
    )
    linkify = md.linkify
    assert linkify is not None  # linkify-it-py is a hard dependency
    linkify.add("//", None)  # no protocol-relative "//host" links in prose
    linkify.add("file:", {"validate": FileLinkValidator(linkify).validate})
    linkify.set({"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})
    md.core.ruler.disable("linkify")
    md.inline.ruler.at("linkify", _bare_url_rule)
    md.inline.ruler.at("link", _recording_link_rule(_link_rule, image=False))
    md.inline.ruler.at("image", _recording_link_rule(_image_rule, image=True))
    md.inline.ruler.at("autolink", _recording_span_rule(_autolink_rule, "link_open", "autolink"))
    md.inline.ruler.at("backticks", _recording_span_rule(_backtick_rule, "code_inline", "code"))
    md.inline.ruler.at(
        "html_inline", _recording_span_rule(_html_inline_rule, "html_inline", "html")
    )
    return md
