"""links.json: the whole run as one JSON document, for scripts and other tools.

``{"run": …run.json…, "links": [{…}, …]}``: each link has links.csv's columns under the same
names (integers as numbers, ``confirmed_dead`` a boolean, an empty value ``null``), except
``occurrences``, which is the list of its occurrences ``{"file", "line", "link_text"}`` in the
seeds' order (links.csv's count is its length). Written a block of links at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crawler.report.columns import LINKS, Column
from crawler.report.tables import ReportData, links_with_occurrences

#: links.csv's columns the document holds as they are (``occurrences`` becomes the list)
_NAMES = tuple(c.name for c in LINKS if c.name != "occurrences")
_KINDS = {c.name: c.type for c in LINKS}


def typed(column: Column | str, value: Any) -> Any:
    """A links.csv value as JSON holds it: None for empty, int, bool, else text."""
    kind = _KINDS[column] if isinstance(column, str) else column.type
    if value is None or value == "":
        return False if kind == "True/False" else None
    if kind == "True/False":
        return bool(value)
    if kind.startswith("integer"):
        return int(value)
    return str(value)


def link_documents(data: ReportData) -> Iterator[list[dict[str, Any]]]:
    """Each link as links.json holds it, a block at a time."""
    for block in links_with_occurrences(data, _NAMES):
        yield [
            {
                **{name: typed(name, v) for name, v in zip(_NAMES, row, strict=True)},
                "occurrences": [
                    {"file": file, "line": line, "link_text": text}
                    for file, line, text in occurrences
                ],
            }
            for row, occurrences in block
        ]


def json_chunks(data: ReportData, run: str) -> Iterator[str]:
    """links.json in pieces; ``run`` is run.json's text."""
    yield '{\n"run": ' + run.strip() + ',\n"links": ['
    separator = "\n"
    for block in link_documents(data):
        for link in block:
            yield separator + json.dumps(link, ensure_ascii=False)
            separator = ",\n"
    yield "\n]}\n"
