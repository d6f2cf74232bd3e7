"""The reports of the fixture state files, byte for byte as the code before issue 23's redesign
wrote them (e86c3ef): the store's queries and the run may be rebuilt, what a user reads may not
change by accident.

A deliberate change of a report regenerates the golden files (and the diff is reviewed):
``python3 -m tests.test_golden_reports``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from crawler.cli import main
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
GOLDEN = DATA / "golden"
#: (state file, run reported on: None for the latest)
CASES = (
    ("state-d6d554a.sqlite", None),  # three runs at d6d554a: opened through the migrations
    ("state-e86c3ef.sqlite", None),  # three runs of tests/data/e2e with the archive (history)
    ("state-e86c3ef.sqlite", 1),  # the first of them: no history yet
)


def _name(state: str, run: int | None) -> str:
    return state.removesuffix(".sqlite") + ("" if run is None else f"-run{run}")


def build(state: str, run: int | None, tmp: Path) -> Path:
    """The reports of ``state`` (a copy: opening migrates it) in ``tmp``/reports."""
    copy = tmp / state
    shutil.copy(DATA / state, copy)
    out = tmp / "reports"
    argv = ["report", "--state", str(copy), "--out", str(out)]
    assert main([*argv, *([] if run is None else ["--run", str(run)])]) == 0
    return out


@pytest.mark.parametrize(("state", "run"), CASES, ids=[_name(*case) for case in CASES])
def test_reports_of_a_fixture_store_are_byte_identical(
    state: str, run: int | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = build(state, run, tmp_path)
    capsys.readouterr()
    golden = GOLDEN / _name(state, run)
    names = sorted(p.name for p in golden.iterdir())
    assert sorted(p.name for p in out.iterdir()) == names
    assert (
        len(names) == 7
    )  # links.csv/json/sarif, occurrences.csv, report.html, summary.md, run.json
    for name in names:
        assert (out / name).read_bytes() == (golden / name).read_bytes(), name


def _update() -> None:
    import tempfile  # noqa: PLC0415

    for state, run in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            out = build(state, run, Path(tmp))
            target = GOLDEN / _name(state, run)
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(out, target)
            print(target, file=sys.stderr)


if __name__ == "__main__":
    _update()
