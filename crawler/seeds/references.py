"""Reference definitions (``[r]: url "title"``): one occurrence per definition, used or not.

A reference link (``[a][r]``) is reported at its definition's line, where the URL stands and
where a fix-up must edit it; its text is the first use's link text, else the definition's
title, else the label.  Unused and duplicate definitions are reported too (markdown-it keeps
them in ``env``, with their line range).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from crawler.seeds.link_text import collapse
from crawler.seeds.url_spans import find_as_written


@dataclass(frozen=True, slots=True)
class Definition:
    """A reference definition placed on its file lines."""

    line: int  # 0-based line of the URL
    col: int
    raw: str  # the URL as written ("" when not found: then ``href``)
    href: str
    text: str
    first: int  # the definition's lines: ``first:stop``
    stop: int
    after_url: int  # offset, in those lines joined with "\n", after the URL (its title's start)


def definitions(
    env: dict[str, Any], lines: list[str], reference_text: dict[str, str]
) -> Iterator[Definition]:
    """The definitions markdown-it found (``env``) in a file of ``lines``; ``reference_text``:
    the first use's link text of each label."""
    found: list[tuple[str, dict[str, Any], bool]] = [
        (label, d, True) for label, d in (env.get("references") or {}).items()
    ]
    found.extend((str(d.get("label", "")), d, False) for d in env.get("duplicate_refs") or [])
    for label, d, used in found:
        href = str(d.get("href", ""))
        span = d.get("map")
        if not span:
            continue
        first, stop = int(span[0]), min(int(span[1]), len(lines))
        if first >= stop:
            continue
        joined = "\n".join(lines[first:stop])
        label_start, after = _label_bounds(joined)
        j = joined.find(href, after) if href else -1
        raw = href
        if j < 0 and (m := find_as_written(href, joined, after)) is not None:
            j, raw = m.start(), m.group(0)
        if j < 0:
            li, col = first, 0
        else:
            li = first + joined.count("\n", 0, j)
            col = j - (joined.rfind("\n", 0, j) + 1)
        text = (reference_text.get(label, "") if used else "") or collapse(str(d.get("title", "")))
        if not text and after > label_start:
            text = collapse(joined[label_start : after - 2])
        end = j + len(raw) if j >= 0 else after
        yield Definition(li, col, raw, href, text or label, first, stop, end)


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
