"""links.json and links.sarif say what links.csv and occurrences.csv say (crawler/report/)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from crawler.report import write_reports
from crawler.report.columns import LINKS
from crawler.report.sarif import LEVELS
from tests.test_report_html import build_store


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_links_json_holds_links_csv_and_the_occurrences(tmp_path: Path) -> None:
    store = build_store(tmp_path / "state.sqlite", n_links=40, runs=3)
    out = tmp_path / "reports"
    write_reports(store, out)
    document = json.loads((out / "links.json").read_text(encoding="utf-8"))
    assert document["run"] == json.loads((out / "run.json").read_text(encoding="utf-8"))
    links = _rows(out / "links.csv")
    assert [link["url"] for link in document["links"]] == [row["url"] for row in links]
    kinds = {c.name: c.type for c in LINKS}
    for link, row in zip(document["links"], links, strict=True):
        for name, text in row.items():
            value = link[name]
            if name == "occurrences":
                assert len(value) == int(text)
            elif kinds[name] == "True/False":
                assert value is (text == "True")
            elif kinds[name].startswith("integer"):
                assert value == (int(text) if text else None), name
            else:
                assert value == (text or None), name
    occurrences = _rows(out / "occurrences.csv")
    listed = [
        {"file": o["file"], "line": str(o["line"]), "url": link["url"], "text": o["link_text"]}
        for link in document["links"]
        for o in link["occurrences"]
    ]
    expected = [
        {"file": o["file"], "line": o["line"], "url": o["url"], "text": o["link_text"]}
        for o in occurrences
    ]
    key = lambda o: (o["file"], int(o["line"]), o["url"], o["text"])  # noqa: E731
    assert sorted(listed, key=key) == sorted(expected, key=key)
    assert {link["status"] for link in document["links"]} >= {"alive", "dead"}


def test_links_sarif_has_one_result_per_occurrence_of_a_failing_link(tmp_path: Path) -> None:
    store = build_store(tmp_path / "state.sqlite", n_links=40, runs=3)
    out = tmp_path / "reports"
    write_reports(store, out)
    sarif = json.loads((out / "links.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    results = run["results"]
    by_url = {row["url"]: row for row in _rows(out / "links.csv")}
    failing = [o for o in _rows(out / "occurrences.csv") if o["status"] in LEVELS]
    assert failing, "the store has dead, error or blocked links"
    got = Counter(
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["partialFingerprints"]["linkhealth/url"],
            r["level"],
            r["ruleId"],
        )
        for r in results
    )
    want = Counter(
        (o["file"], int(o["line"]), o["url"], LEVELS[o["status"]], by_url[o["url"]]["reason"])
        for o in failing
    )
    assert got == want
    rules = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert rules == {r["ruleId"] for r in results}
    assert run["tool"]["driver"]["name"] == "linkhealth"
