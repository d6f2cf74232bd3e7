"""Decode the head of a page with the right charset, and find its title."""

from __future__ import annotations

import html
import re

from charset_normalizer import from_bytes
from parsel import Selector
from w3lib.encoding import html_to_unicode, resolve_encoding

from crawler.base.rules import Platform

MAX_TITLE_CHARS = 300
_WS_RE = re.compile(r"\s+")


def _detect(body: bytes) -> str | None:
    """The charset of a page that declares none: UTF-8, else GB18030, else a statistical guess.

    GB18030 is tried before guessing because the lists this tool serves are mostly Chinese, and
    a strict GB18030 decode rarely succeeds on text in another legacy charset.
    """
    sample = body[:65536]
    for candidate in ("utf-8", "gb18030"):
        try:
            sample.decode(candidate)
        except UnicodeDecodeError as exc:
            if exc.start < len(sample) - 3 or len(sample) == len(body):
                continue
        return candidate
    best = from_bytes(sample).best()
    return best.encoding if best else None


def _valid_utf8(body: bytes, truncated: bool) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a cut in the middle of a multi-byte character at the end is not a wrong charset
        return truncated and exc.start >= len(body) - 3
    return True


def decode_html(body: bytes, content_type: str | None, *, truncated: bool = False) -> str:
    """The page as text: BOM, then the declared charset (header, then ``<meta>``), else detected.

    A page that declares UTF-8 but is not (a common lie of Chinese sites) is detected instead;
    GB2312/GBK declarations decode as GB18030, their superset.
    """
    if not body:
        return ""
    encoding, text = html_to_unicode(content_type, body, auto_detect_fun=_detect)
    if resolve_encoding(encoding) == "utf-8" and not _valid_utf8(body, truncated):
        detected = _detect(body)
        if detected and resolve_encoding(detected) != "utf-8":
            return body.decode(detected, errors="replace")
    return text


def clean_title(text: str | None) -> str | None:
    """Entities decoded, whitespace collapsed, capped; ``None`` when nothing is left."""
    if text is None:
        return None
    cleaned = _WS_RE.sub(" ", html.unescape(text)).strip()
    if not cleaned:
        return None
    if len(cleaned) > MAX_TITLE_CHARS:
        cleaned = cleaned[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    return cleaned


def _from_selector(selector: Selector, css: str) -> str | None:
    if "::" not in css:
        css = f"{css} ::text"
    try:
        values = selector.css(css).getall()
    except ValueError:  # a selector the user wrote that cssselect refuses
        return None
    return clean_title("".join(values))


def extract_title(
    page: Selector | str, text: str, platform: Platform, generic: Platform
) -> str | None:
    """The page title by the platform's selectors and patterns, then the generic ones.

    ``page`` is a parsed page (or the text to parse), ``text`` the decoded text for regexes.
    """
    selector = page if isinstance(page, Selector) else Selector(text=page or "<html></html>")
    for css in platform.title_selectors:
        if title := _from_selector(selector, css):
            return title
    for pattern in platform.title_regex:
        match = pattern.search(text)
        if match and (title := clean_title(match.group(1))):
            return title
    if platform is not generic:
        for css in generic.title_selectors:
            if title := _from_selector(selector, css):
                return title
    return None
