"""The docs tell the truth: the README is a newcomer's page, and the reference in docs/ documents
every setting, column, reason code, command and option, its tables made from the declarations."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from crawler.cli import build_parser
from crawler.report.columns import HISTORY, LINKS, OCCURRENCES, Column
from crawler.run.config import DEFAULTS
from crawler.verdict.reasons import BY_VERDICT, REASONS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reference", ROOT / "scripts" / "reference.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def test_the_readme_is_a_page_a_newcomer_reads():
    assert len(README.splitlines()) <= 300
    # no diary: issue numbers and rounds belong to the history (docs/performance.md)
    assert not re.search(r"\bissue \d+|before this round|\bround\b", README, re.I)


# ---- the reference tables: made by scripts/reference.py from their declarations


def test_the_reference_tables_are_made_from_their_declarations():
    stale = _reference().stale(ROOT)
    assert stale == [], "reference tables out of date: run python3 scripts/reference.py"


def test_a_changed_declaration_makes_the_table_stale():
    reference = _reference()
    page = _page("verdicts.md")
    edited = page.replace("| `ok` | alive |", "| `ok` | dead |", 1)
    assert edited != page
    assert reference.render(edited) == page  # the generator puts the declaration back
    with pytest.raises(ValueError, match="unknown reference table"):
        reference.render("<!-- reference:nothing -->\n<!-- /reference:nothing -->")


def _section(text: str, heading: str) -> str:
    """The text under ``heading``, up to the next heading of any level up to 3."""
    start = ("\n" + text).index(f"\n{heading}\n")
    following = re.compile(r"^#{1,3} ", re.M).search(text, start + len(heading) + 2)
    return text[start : following.start() if following else len(text)]


def _table(columns: tuple[Column, ...]) -> list[str]:
    """The table of these columns: each declared once, in crawler/report/columns.py."""
    rows = ["| column | type | meaning |", "| --- | --- | --- |"]
    for column in columns:
        meaning = column.meaning.replace("|", "\\|")  # a bare pipe would end the cell
        rows.append(f"| `{column.name}` | {column.type} | {meaning} |")
    return rows


@pytest.mark.parametrize(
    ("page", "heading", "columns"),
    [
        ("outputs.md", "## `links.csv` — one row per canonical link", LINKS[: -len(HISTORY)]),
        ("outputs.md", "## `occurrences.csv` — one row per occurrence", OCCURRENCES),
        ("history.md", "# History: confirm before condemning", HISTORY),
    ],
)
def test_the_column_tables_are_the_declared_columns(page, heading, columns):
    tables = [line for line in _section(_page(page), heading).splitlines() if line.startswith("|")]
    assert tables == _table(columns)


def test_the_history_columns_close_links_csv():
    # docs/outputs.md lists links.csv's columns in two tables: its own, then History's
    assert LINKS[-len(HISTORY) :] == HISTORY


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_every_setting_is_documented(name):
    default, meaning = DEFAULTS[name]
    cell = meaning.replace("|", "\\|")  # a bare pipe would end the cell
    row = f"| `{name}` | {_reference().default_cell(default)} | {cell} |"
    rows = [line for line in _page("settings.md").splitlines() if line.startswith(f"| `{name}` |")]
    assert rows == [row]


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_every_reason_code_is_documented_with_its_verdict(reason):
    verdict = next(v for v, codes in BY_VERDICT.items() if reason in codes)
    assert f"| `{reason}` | {verdict} | {REASONS[reason]} |" in _page("verdicts.md")


def test_the_verdicts_of_the_readme_are_those_of_the_reasons():
    table = _section(README, "## Verdicts")
    assert re.findall(r"^\| `(\w+)` \|", table, re.M) == list(BY_VERDICT)


# ---- commands and options: docs/commands.md


def _subcommands() -> dict[str, object]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices  # type: ignore[return-value]


def test_every_cli_command_is_documented():
    commands = _page("commands.md")
    for name in _subcommands():
        assert f"linkhealth {name}" in commands


def test_every_cli_option_is_documented():
    commands = _page("commands.md")
    for name, command in _subcommands().items():
        for action in command._actions:  # type: ignore[attr-defined]
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in commands, f"linkhealth {name} {option}"


# ---- the pages, their sections and the links between them

#: each reference page and its title; the README links to every one
PAGES = {
    "outputs.md": "# Outputs",
    "verdicts.md": "# Verdicts and reasons",
    "canonicalization.md": "# Canonicalization",
    "network.md": "# The network: what a link may reach, and a runner without one",
    "rules.md": "# Rules: the parts that change with the world",
    "settings.md": "# Settings",
    "run.md": "# A run: its exit status, stopping it, the seeds it reads",
    "archiving.md": "# Archiving (the Wayback Machine)",
    "history.md": "# History: confirm before condemning",
    "drift.md": "# Content drift: a live link that shows something else",
    "github-action.md": "# Scheduled link check (GitHub Actions)",
    "commands.md": "# Commands",
    "processes.md": "# Processes: several cores of one machine",
    "distributed.md": "# The distributed profile",
    "tests.md": "# Tests",
    "performance.md": "# Performance (benchmark)",
    "design.md": "# How linkhealth is built",
}


def test_every_page_of_docs_is_listed_and_linked_from_the_readme():
    assert sorted(p.name for p in DOCS.glob("*.md")) == sorted(PAGES)
    reference = _section(README, "## Reference")
    for name, title in PAGES.items():
        assert _page(name).startswith(f"{title}\n"), name
        assert f"](docs/{name})" in reference, name


@pytest.mark.parametrize(
    "heading",
    ["## A first run, walked through", "### Exit status", "## Verdicts", "### What to do next"],
)
def test_readme_keeps_its_sections(heading):
    assert re.search(rf"^{re.escape(heading)}$", README, re.M), heading


def test_the_first_run_names_every_report():
    outputs = set(re.findall(r"^## `([\w.]+)`", _page("outputs.md"), re.M))
    table = _section(README, "## A first run, walked through")
    named = {
        name
        for row in re.findall(r"^\| (.+?) \|", table, re.M)
        for name in re.findall(r"`([\w.]+)`", row)
    }
    assert named == outputs


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: p.name)
def test_each_section_once(path):
    headings = re.findall(r"^#{1,3} .+$", _without_code(path.read_text(encoding="utf-8")), re.M)
    assert len(headings) == len(set(headings)), headings


def _without_code(text: str) -> str:
    """The text with its fenced code blocks blanked (a ``# comment`` there is no heading)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def anchors(text: str) -> set[str]:
    """The #anchors GitHub gives the headings of a Markdown text."""
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", _without_code(text), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        count = 0
        while (candidate := slug if count == 0 else f"{slug}-{count}") in found:
            count += 1
        found.add(candidate)
    return found


def test_anchors_are_githubs():
    text = "# Archiving (the Wayback Machine)\n## `links.csv` — one row\n## A\n## A\n"
    assert anchors(text) == {"archiving-the-wayback-machine", "linkscsv--one-row", "a", "a-1"}


#: a Markdown link's target (an example such as ``[archived](…)`` is no link)
LINK = re.compile(r"\]\(([^)\s…]+)\)")


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: p.name)
def test_every_relative_link_and_anchor_resolves(path):
    text = path.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(_without_code(text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: …: not ours to check
            continue
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        found = linked.exists() and (
            not anchor or anchor in anchors(linked.read_text(encoding="utf-8"))
        )
        if not found:
            broken.append(target)
    assert broken == []
