"""The reports built and read three links at a time are, byte for byte, the reports built in
one block: block boundaries change nothing (crawler/store/report_tables.py, ``BLOCK``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.archive.progress import ArchiveCounts
from crawler.report import write_reports
from crawler.store import report_tables
from crawler.store.db import CheckRow, Store
from crawler.store.history import Policy
from tests.test_report_html import build_store
from tests.test_report_speed_equivalence import _store


def _reports(
    monkeypatch: pytest.MonkeyPatch, block: int, store: Store, out: Path, **given: object
) -> dict[str, bytes]:
    monkeypatch.setattr(report_tables, "BLOCK", block)
    paths = write_reports(store, out, **given)  # type: ignore[arg-type]
    return {path.name: path.read_bytes() for path in paths}


@pytest.mark.filterwarnings("ignore:No artists with labels")  # a trend with no check yet
def test_three_links_at_a_time_give_the_reports_of_one_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = _store(tmp_path / "odd.sqlite")  # hostile texts, archives, an unfinished run
    pending = [r[0] for r in odd.db.execute("SELECT identity FROM links ORDER BY identity")][::5]
    # 300 links over five runs: far more than 16 changes (numpy's quicksort is unstable there)
    many = build_store(tmp_path / "many.sqlite", n_links=300, runs=5)
    cases: list[tuple[Store, dict[str, object]]] = [
        (odd, {"run_id": 1}),
        (odd, {"run_id": 3}),
        (odd, {"run_id": 5}),
        (odd, {"run_id": 4, "archive": ArchiveCounts(30, 12, frozenset(pending))}),
        (many, {}),
        (many, {"policy": Policy(2, 0.5)}),
    ]
    for i, (store, given) in enumerate(cases):
        whole = _reports(monkeypatch, 10**9, store, tmp_path / f"whole{i}", **given)
        small = _reports(monkeypatch, 3, store, tmp_path / f"small{i}", **given)
        assert sorted(whole) == [
            "links.csv",
            "links.json",
            "links.sarif",
            "occurrences.csv",
            "report.html",
            "run.json",
            "summary.md",
        ]
        for name, text in whole.items():
            assert small[name] == text, (i, name)
    changes = (tmp_path / "whole5" / "summary.md").read_text(encoding="utf-8")
    assert "## What changed since the last run (" in changes
    assert "newly-confirmed-dead" in changes


def test_reports_that_fail_leave_the_store_as_it_was(tmp_path: Path) -> None:
    """The early reports are written in the middle of a crawl: when they fail, the store's
    connection is out of its read transaction and holds no temporary table, so the crawl
    records its next verdicts."""
    store = build_store(tmp_path / "state.sqlite")
    taken = tmp_path / "reports"
    taken.write_text("a file where the reports' directory should be", encoding="utf-8")
    with pytest.raises(OSError):
        write_reports(store, taken)
    assert not store.db.in_transaction
    assert store.db.execute("SELECT name FROM sqlite_temp_master").fetchall() == []
    run_id = store.latest_run_id()
    assert run_id is not None
    store.record_check(
        run_id,
        CheckRow(
            "alive",
            "ok",
            identity="https://example.org/xss",
            checked_at="2026-11-22T06:09:00+00:00",
        ),
    )
    assert write_reports(store, tmp_path / "elsewhere")
