"""The state file's tables, each declared once (crawler/store/schema.py): the schema they make
is the one the code before wrote, a check's columns follow the verdict's fields, and only the
store imports sqlite3."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import tomllib
from pathlib import Path

import pytest

import crawler
from crawler.base.verdicts import Verdict
from crawler.items import LinkCheck
from crawler.store.archive import ArchiveRow
from crawler.store.conditions import Where, contains, equals, filled, one_of
from crawler.store.db import CheckRow, LinkRow, OccurrenceRow, Store
from crawler.store.report_tables import (
    LinkBlock,
    Rows,
    report_tables,
)
from crawler.store.schema import CHECK_COLUMNS, CHECKS, NOT_STORED, columns_of
from tests.conftest import ROOT

#: written by the code at e86c3ef, before the tables were declared (tests/data/make_state_*.py)
BEFORE = ROOT / "tests" / "data" / "state-e86c3ef.sqlite"
TABLES = ("meta", "runs", "links", "occurrences", "checks", "archives")
NOW = "2026-11-22T06:00:00+00:00"


def _schema(path: Path) -> dict[str, object]:
    """Each table's columns (``PRAGMA table_info``: name, type, not null, default, key) and
    indexes with their columns."""
    db = sqlite3.connect(path)
    try:
        found: dict[str, object] = {}
        for table in TABLES:
            found[table] = db.execute(f"PRAGMA table_info({table})").fetchall()
            found[f"{table} indexes"] = sorted(
                (name, unique, [r[2] for r in db.execute(f"PRAGMA index_info({name})")])
                for _seq, name, unique, *_rest in db.execute(f"PRAGMA index_list({table})")
            )
        return found
    finally:
        db.close()


def test_the_declared_tables_make_the_schema_the_code_before_wrote(tmp_path: Path) -> None:
    Store(tmp_path / "new.sqlite").close()
    before = tmp_path / "before.sqlite"
    shutil.copy(BEFORE, before)  # opened as it is, not through the store (no migration)
    assert _schema(tmp_path / "new.sqlite") == _schema(before)
    assert len(_schema(before)["checks"]) == 12  # type: ignore[arg-type]


def test_a_check_is_a_verdict_with_its_link_and_time() -> None:
    stored = [f.name for f in dataclasses.fields(Verdict) if f.name != "rule"]
    assert ("identity", "checked_at", *stored, "counted", "drift") == CHECK_COLUMNS
    assert CHECKS.names == ("run_id", *CHECK_COLUMNS)
    assert set(CHECK_COLUMNS) == {f.name for f in dataclasses.fields(CheckRow)} - NOT_STORED
    verdict = Verdict("dead", "http-404", 404, "https://a.test/x", "T", "d", "https://b.test", "r")
    row = LinkCheck("https://a.test/x", NOW, verdict).row(counted=False)
    assert {f.name: getattr(row, f.name) for f in dataclasses.fields(Verdict)} == (
        dataclasses.asdict(verdict)
    )
    assert (row.identity, row.checked_at, row.counted, row.drift) == (
        "https://a.test/x",
        NOW,
        0,
        "",
    )


def test_a_fields_python_type_and_default_make_its_column() -> None:
    @dataclasses.dataclass(frozen=True)
    class Wider(Verdict):
        language: str | None = None
        pages: int = 0

    assert [c.sql for c in columns_of(Wider, ["language", "pages"])] == [
        "TEXT",
        "INTEGER NOT NULL DEFAULT 0",
    ]
    assert [c.sql for c in columns_of(CheckRow, ["status", "http_status", "counted", "drift"])] == [
        "TEXT NOT NULL",
        "INTEGER",
        "INTEGER NOT NULL DEFAULT 1",
        "TEXT NOT NULL DEFAULT ''",
    ]


def test_the_writes_name_the_declared_columns(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.sqlite")
    run = store.begin_run(NOW, "seeds")
    store.record_links(
        run.id,
        NOW,
        [LinkRow("https://a.test/x", "https://a.test/x", None, "a.test")],
        [OccurrenceRow("https://a.test/x", "l.md", 3, "text", "inline")],
    )
    later = "2026-11-23T06:00:00+00:00"
    store.record_links(  # seen again: its first_seen stays
        run.id, later, [LinkRow("https://a.test/x", "https://a.test/y", "f", "b.test")], []
    )
    row = CheckRow("alive", "ok", 200, title="T", identity="https://a.test/x", checked_at=NOW)
    store.record_checks(run.id, [row, dataclasses.replace(row, title="U", drift="d")])
    links = store.db.execute("SELECT url, fetch_url, host, first_seen FROM links").fetchall()
    assert [tuple(r) for r in links] == [("https://a.test/y", "f", "b.test", NOW)]
    checks = store.db.execute("SELECT * FROM checks").fetchall()
    assert [tuple(r) for r in checks] == [
        (run.id, "https://a.test/x", NOW, "alive", "ok", 200, None, "U", "", None, 1, "d")
    ]
    with pytest.raises(ValueError, match="not a column of checks"):
        CHECKS.insert(("run_id", "rule"))


def test_the_store_speaks_for_the_archive(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    store = Store(path)
    store.db.execute("DROP TABLE archives")
    store.ensure_archive_schema()
    run = store.begin_run(NOW, "seeds")
    url = "https://a.test/x"
    store.record_links(run.id, NOW, [LinkRow(url, url, url, "a.test")], [])
    assert store.archive_link_state(url) is not None
    assert store.archive_link_state("https://a.test/none") is None
    store.record_archive(
        ArchiveRow(url, url, "captured", "https://web.archive.org/web/1/x", "2026-01-01T00:00:00Z"),
        checked_at=NOW,
        run_id=run.id,
    )
    state = store.archive_link_state(url)
    assert state is not None
    assert (state.archive_status, state.archived_at) == ("captured", "2026-01-01T00:00:00Z")


def test_the_reports_choose_links_without_writing_sql(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.sqlite")
    values = [("a", "50%_off"), ("b", "5000 off"), ("c", ""), ("a", "x'); DROP TABLE links; --")]
    run = store.begin_run(NOW, "seeds")
    urls = [f"https://a.test/{i}" for i in range(len(values))]
    store.record_links(
        run.id,
        NOW,
        [LinkRow(u, u, u, "a.test") for u in urls],
        [OccurrenceRow(u, "l.md", i, "", "bare") for i, u in enumerate(urls)],
    )

    def rows(block: LinkBlock) -> Rows:  # the report's rows: two columns
        return [(link[0], *values[link[0] - 1]) for link in block.links], []

    with report_tables(store, run.id, ("name", "text"), rows) as tables:

        def names(where: Where) -> list[str]:
            return [row[0] for block in tables.blocks(("name",), where) for row in block]

        assert names(contains("text", "%_")) == ["a"]  # the wildcards are text
        assert names(contains("text", "DROP TABLE")) == ["a"]
        assert names(equals("name", "a") & ~filled("text")) == []
        assert names(one_of("name", ("b", "c")) | equals("text", "50%_off")) == ["a", "b", "c"]
        assert tables.count(~one_of("name", ("a",))) == 2
        assert tables.value_counts("name") == [("a", 2), ("b", 1), ("c", 1)]
        ranked = tables.first(("text",), filled("text"), limit=2, ranked=("name", ("b", "a")))
        assert ranked == [("5000 off",), ("50%_off",)]
        with pytest.raises(ValueError, match="not a column"):
            list(tables.blocks(("name",), equals("name) OR (1", 1)))
        with pytest.raises(ValueError, match="not a column"):
            tables.value_counts("links")
    assert store.db.execute("SELECT COUNT(*) FROM links").fetchone()[0] == 4
    assert not store.db.in_transaction


def test_only_the_store_imports_sqlite3_and_the_contract_names_every_other_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c.get("forbidden_modules") == ["sqlite3"]
    )
    package = Path(crawler.__file__).parent
    children = {
        f"crawler.{p.stem}"
        for p in package.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    assert set(contract["source_modules"]) == children - {"crawler.store"}
