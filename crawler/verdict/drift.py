"""Content drift: a live link that no longer shows what was linked (pure: no Scrapy).

A page's title is compared with the evidence of what the link was (docs/drift.md):

* the **oldest title** known for it: the title of its Wayback snapshot from before it first
  appeared in the lists, else the title first recorded for it in the history;
* the **link's own text** in the seed files, when it is descriptive (not a bare URL, not
  "link", "here", "原文"…: ``[drift] generic_link_texts``).

Titles are compared as character n-grams (bigrams and trigrams: they work for Chinese, where
words are not separated, and for English and mixed text alike) after what does not matter is
taken away: Unicode compatibility forms (full-width letters and punctuation), case,
whitespace, punctuation, and the site's name (``[drift] site_suffixes``, and any title segment
both titles end or begin with). Two titles are the same page when their Dice coefficient
reaches ``[drift] title_threshold``; a link text supports a title when that share of its
n-grams is in the title (``[drift] text_threshold``). The thresholds were chosen on the
labelled pairs of ``tests/data/drift_pairs.csv`` (``tests/test_drift.py`` measures them).

A link drifted when its title does not match its oldest title and matches none of its
descriptive link texts (a text that matches vetoes: a false alarm costs a reader's trust).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from crawler.base.rules import DriftRules

#: the kinds of evidence, strongest first
SNAPSHOT = "snapshot"
HISTORY = "history"
LINK_TEXT = "link text"

#: where a title splits into segments: " - ", " | ", "_", "–", "—", "·" (a hyphen inside a
#: word such as "self-attention" is not a separator)
_SEGMENT_RE = re.compile(r"\s+[-:|–—·]\s+|[|_–—·]|\s-|-\s")
_SPACES_RE = re.compile(r"\s+")
_URLISH_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)|^[\w.-]+\.[a-z]{2,}(?:/\S*)?$", re.I)


@dataclass(frozen=True, slots=True)
class Reference:
    """One piece of evidence of what a link was."""

    kind: str  # SNAPSHOT | HISTORY | LINK_TEXT
    text: str
    #: when it was recorded (ISO 8601): the snapshot's time, the first check's
    when: str = ""


@dataclass(frozen=True, slots=True)
class Drift:
    """The link now shows something else: its title, the evidence it fails, the score."""

    title: str
    reference: Reference
    score: float
    #: the registrable domain the link now lands on, when it left its own
    elsewhere: str = ""

    def describe(self) -> str:
        """``title "X" (first seen 2026-01-02) → "Y"``: what changed, compared with what."""
        ref = self.reference
        where = (
            {
                SNAPSHOT: f" (Wayback {ref.when[:10]})",
                HISTORY: f" (first seen {ref.when[:10]})",
            }.get(ref.kind, "")
            if ref.when
            else ""
        )
        said = "link text" if ref.kind == LINK_TEXT else "title"
        moved = f" on {self.elsewhere}" if self.elsewhere else ""
        return f'{said} "{_short(ref.text)}"{where} → "{_short(self.title)}"{moved}'


def _short(text: str, limit: int = 80) -> str:
    text = _SPACES_RE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fold(text: str) -> str:
    """Compatibility forms (full-width letters, digits, punctuation) and case folded away."""
    return _SPACES_RE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _letters(text: str) -> str:
    """Only the letters and digits of a text (punctuation, symbols and spaces dropped)."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def segments(title: str, rules: DriftRules) -> list[str]:
    """A title's segments, folded, letters and digits only, the site's suffixes removed."""
    text = _fold(title)
    for pattern in rules.ignore_patterns:
        text = pattern.sub(" ", text)
    suffixes = _folded(rules.site_suffixes)
    stripped = True
    while stripped:
        stripped = False
        for suffix in suffixes:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)].rstrip()
                stripped = True
    return [kept for part in _SEGMENT_RE.split(text) if (kept := _letters(part))]


@lru_cache(maxsize=64)
def _folded(suffixes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_fold(s) for s in suffixes if s.strip())


@lru_cache(maxsize=4096)
def grams(text: str) -> frozenset[str]:
    """The character bigrams and trigrams of a text (a text of one character: itself)."""
    if len(text) < 2:
        return frozenset({text} if text else ())
    return frozenset(
        [text[i : i + 2] for i in range(len(text) - 1)]
        + [text[i : i + 3] for i in range(len(text) - 2)]
    )


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def title_similarity(reference: str, title: str, rules: DriftRules) -> float:
    """How much two titles are the same page, from 0 to 1.

    The segments both titles end (or begin) with are the site's name: taken away first. When
    the new title is left with nothing (it is only the site's name: a home page), 0; when the
    old one is (the new title holds all of it), 1; else the Dice coefficient of the rests.
    """
    old, new = segments(reference, rules), segments(title, rules)
    if "".join(old) == "".join(new):
        return 1.0
    while old and new and old[-1] == new[-1]:  # the site's name at the end
        old, new = old[:-1], new[:-1]
    if old and not new:
        return 0.0  # only the site's name is left: its home page
    while old and new and old[0] == new[0]:  # the same name first, the rest changed
        old, new = old[1:], new[1:]
    if not old or not new:
        return 1.0  # one title holds all of the other (a tagline added or dropped)
    before, after = grams("".join(old)), grams("".join(new))
    # a title lengthened (a description added) keeps all of the old one
    return max(_dice(before, after), len(before & after) / len(before) if before else 0.0)


def text_support(text: str, title: str, rules: DriftRules) -> float:
    """The share of a link text's n-grams found in the title, from 0 to 1."""
    said = grams("".join(segments(text, rules)))
    if not said:
        return 0.0
    return len(said & grams("".join(segments(title, rules)))) / len(said)


def is_descriptive(text: str, rules: DriftRules) -> bool:
    """A link text that says what the page is: not a URL, not a generic word numbered or not
    ("link", "link 12", "原文", "链接2"), with at least ``min_text_chars`` letters besides
    digits."""
    folded = _fold(text)
    if not folded or _URLISH_RE.search(folded):
        return False
    letters = _letters(folded)
    words = "".join(ch for ch in letters if not ch.isdigit())
    if len(words) < rules.min_text_chars:
        return False
    generic = _generic(rules.generic_link_texts)
    return not (words in generic or letters in generic or folded in generic)


@lru_cache(maxsize=16)
def _generic(texts: tuple[str, ...]) -> frozenset[str]:
    """The generic link texts as :func:`is_descriptive` compares them."""
    return frozenset(t for text in texts for t in (_fold(text), _letters(_fold(text))) if t)


def judge(
    title: str | None,
    oldest_title: Reference | None,
    link_texts: Sequence[str],
    rules: DriftRules,
    *,
    elsewhere: str = "",
) -> Drift | None:
    """Whether a live page's ``title`` drifted from what the link was (None: it did not, or
    nothing can be said). ``elsewhere``: the registrable domain it now lands on, if not its
    own (said in the description; decided by the same evidence)."""
    if not title or not title.strip():
        return None
    score = 0.0
    if oldest_title is not None:
        if oldest_title.text == title:
            return None  # the common case, unchanged: nothing to compute
        score = title_similarity(oldest_title.text, title, rules)
        if score >= rules.title_threshold:
            return None
    texts = [t for t in dict.fromkeys(x.strip() for x in link_texts) if is_descriptive(t, rules)]
    if oldest_title is None and not texts:
        return None
    scores = [text_support(t, title, rules) for t in texts]
    if any(s >= rules.text_threshold for s in scores):
        return None  # the link's own text says this is the page
    if oldest_title is not None:
        return Drift(title, oldest_title, score, elsewhere)
    best = max(range(len(texts)), key=scores.__getitem__)
    return Drift(title, Reference(LINK_TEXT, texts[best]), scores[best], elsewhere)
