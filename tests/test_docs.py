"""The README tells the truth: every setting, column, reason code and command is documented."""

from __future__ import annotations

import re

import pytest

from crawler.cli import build_parser
from crawler.report.columns import HISTORY, LINKS, OCCURRENCES, Column
from crawler.run.config import DEFAULTS
from crawler.verdict.reasons import REASONS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


#: the README's first screen: the quick start (run by tests/test_quickstart.py), then the tests
QUICK_START = (
    "python3 -m venv .venv && . .venv/bin/activate && python3 -m pip install -e . "
    "&& scrapy crawl seeds",
    "scrapy crawl seeds -a seeds=path/to/your/lists",
)


def test_readme_starts_with_the_quick_start_and_the_tests():
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    assert [b.strip() for b in blocks[:2]] == list(QUICK_START)
    assert blocks[2].strip() == "bash scripts/test.sh"
    # where the result is: said on the first screen
    first_screen = README[: README.index("bash scripts/test.sh")]
    assert "reports/report.html" in first_screen
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in ci


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_every_setting_is_documented(name):
    assert f"`{name}`" in README


def _section(heading: str) -> str:
    """The README's text under ``heading``, up to the next heading."""
    start = README.index(f"\n{heading}\n")
    following = re.compile(r"^#{1,3} ", re.M).search(README, start + len(heading) + 2)
    return README[start : following.start() if following else len(README)]


def _table(columns: tuple[Column, ...]) -> list[str]:
    """The README table of these columns: each declared once, in crawler/report/columns.py."""
    rows = ["| column | type | meaning |", "| --- | --- | --- |"]
    for column in columns:
        meaning = column.meaning.replace("|", "\\|")  # a bare pipe would end the cell
        rows.append(f"| `{column.name}` | {column.type} | {meaning} |")
    return rows


@pytest.mark.parametrize(
    ("heading", "columns"),
    [
        ("### `links.csv` — one row per canonical link", LINKS[: -len(HISTORY)]),
        ("### `occurrences.csv` — one row per occurrence", OCCURRENCES),
        ("## History: confirm before condemning", HISTORY),
    ],
)
def test_the_readme_tables_are_the_declared_columns(heading, columns):
    tables = [line for line in _section(heading).splitlines() if line.startswith("|")]
    assert tables == _table(columns)


def test_the_history_columns_close_links_csv():
    # the README lists links.csv's columns in two tables: its own, then History's
    assert LINKS[-len(HISTORY) :] == HISTORY


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_every_reason_code_is_documented(reason):
    assert f"`{reason}`" in README


def test_every_cli_command_is_documented():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        assert f"linkhealth {name}" in README


@pytest.mark.parametrize(
    "heading",
    [
        "## Outputs",
        "## Settings",
        "## Commands",
        "## How it is built",
        "## Performance",
        "## Tests",
    ],
)
def test_readme_keeps_its_sections(heading):
    assert re.search(rf"^{re.escape(heading)}\b", README, re.M), heading


def test_every_cli_option_is_documented():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in README, f"linkhealth {name} {option}"


def test_readme_has_each_section_once():
    headings = re.findall(r"^## .+$", README, re.M)
    assert len(headings) == len(set(headings)), headings
