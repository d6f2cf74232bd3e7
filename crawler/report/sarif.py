"""links.sarif: the links that are not alive, as SARIF 2.1.0 results for code-scanning tools.

One result per occurrence (file and line) of a link whose status is ``dead`` (level
``error``), ``error`` (``warning``) or ``blocked`` (``note``); the rule is the reason code.
File names are relative to the seeds root, which is the repository when the crawl ran on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crawler.report.tables import ReportData, links_with_occurrences
from crawler.store.conditions import one_of
from crawler.verdict.reasons import describe

#: a status → its SARIF level; the other statuses give no result
LEVELS = {"dead": "error", "error": "warning", "blocked": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_NAMES = ("url", "status", "reason", "detail")


def _result(link: tuple[str, str, str, str | None], file: str, line: int) -> dict[str, Any]:
    url, status, reason, detail = link
    said = f": {detail}" if detail else ""
    return {
        "ruleId": reason,
        "level": LEVELS[status],
        "message": {"text": f"{status} link {url} ({reason}: {describe(reason)}{said})"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": file},
                    "region": {"startLine": max(int(line), 1)},
                }
            }
        ],
        "partialFingerprints": {"linkhealth/url": url},
    }


def sarif_chunks(data: ReportData, version: str) -> Iterator[str]:
    """links.sarif in pieces: the results a block of links at a time, then the tool and the
    rules (the reason codes met), which SARIF does not need to come first."""
    where = one_of("status", tuple(LEVELS))
    yield f'{{\n"$schema": "{SCHEMA}",\n"version": "2.1.0",\n"runs": [{{\n"results": ['
    reasons: dict[str, None] = {}
    separator = "\n"
    for block in links_with_occurrences(data, _NAMES, where):
        for (url, status, reason, detail), occurrences in block:
            reasons.setdefault(reason, None)
            for file, line, _text in occurrences:
                yield separator + json.dumps(
                    _result((url, status, reason, detail), file, line), ensure_ascii=False
                )
                separator = ",\n"
    driver = {
        "name": "linkhealth",
        "version": version,
        "rules": [
            {"id": reason, "shortDescription": {"text": describe(reason)}} for reason in reasons
        ],
    }
    yield '\n],\n"tool": {"driver": ' + json.dumps(driver, ensure_ascii=False) + "}\n}]}\n"
