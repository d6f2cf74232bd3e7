"""The README tells the truth: every setting, column, reason code and command is documented."""

from __future__ import annotations

import re

import pytest

from crawler.cli import build_parser
from crawler.config import DEFAULTS
from crawler.reasons import REASONS
from crawler.report.frames import LINK_COLUMNS, OCCURRENCE_COLUMNS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    assert blocks[0].strip() == "python3 -m pip install -e . && scrapy crawl seeds"
    assert blocks[1].strip() == "bash scripts/test.sh"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in ci


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_every_setting_is_documented(name):
    assert f"`{name}`" in README


@pytest.mark.parametrize("column", LINK_COLUMNS)
def test_every_links_column_is_documented(column):
    assert f"| `{column}` |" in README


def test_occurrences_columns_documented():
    assert ", ".join(OCCURRENCE_COLUMNS) in README


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
