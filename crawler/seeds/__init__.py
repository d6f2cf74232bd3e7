"""Seed-link extraction: find every link occurrence in the user's Markdown-ish seed lists.

The seed files are reading lists written in (loose) Markdown, mostly Chinese, often with bare
URLs on their own line under a title line.  This package reads them, parses them with a real
CommonMark parser (markdown-it-py) and returns one :class:`Occurrence` per link as it stands
in the file, with its 1-based line, the exact source text (``raw``, so a later fix-up can
replace it byte-for-byte), the URL to check and a human title (``text``).

One module per job:

* :mod:`crawler.seeds.files`: which files are seed files, and their text (charset, BOM,
  binary files, the :class:`SeedProblem` of a file that cannot be used);
* :mod:`crawler.seeds.url_spans`: where a URL written in plain text starts and ends, and how
  a bare URL is cleaned up (linkify-it-py, bounded and trimmed);
* :mod:`crawler.seeds.markdown_rules`: the markdown-it parser whose link tokens record where
  they stand in the source (wrappers around markdown-it-py's inline rules);
* :mod:`crawler.seeds.link_text`: the title of each link (link text, or the rest of its line,
  or the line above);
* :mod:`crawler.seeds.inline_links`: the links of one inline token of markdown-it, in source
  order, with their line and a column estimate;
* :mod:`crawler.seeds.references`: reference definitions, one occurrence each, placed on their
  lines;
* :mod:`crawler.seeds.extraction`: the occurrences of a file's text (Markdown, code, HTML, the
  plain-list fast path), each placed at its exact text on its line, and of a seed folder.
"""

from __future__ import annotations

from crawler.seeds.extraction import Occurrence, extract_text, scan_seeds, seed_texts
from crawler.seeds.files import SEED_SUFFIXES, SeedProblem, iter_seed_files, read_seed_file

__all__ = [
    "SEED_SUFFIXES",
    "Occurrence",
    "SeedProblem",
    "extract_text",
    "iter_seed_files",
    "read_seed_file",
    "scan_seeds",
    "seed_texts",
]
