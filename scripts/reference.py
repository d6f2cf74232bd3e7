"""The reference tables of docs/*.md, made from their single declarations (the cog pattern).

A table stands between two marker comments, ``<!-- reference:NAME -->`` and
``<!-- /reference:NAME -->``; this script rewrites what is between them from the declaration:

- ``settings`` (optionally ``settings PREFIX``: only the names that start with it): the settings
  of crawler/base/registry.py, with their default and help;
- ``links-columns``, ``occurrences-columns``, ``history-columns``: the CSV columns of
  crawler/report/columns.py (``links.csv``'s own, then those its history adds);
- ``reasons``: the reason codes of crawler/verdict/reasons.py, with their verdict and meaning.

``python3 scripts/reference.py`` rewrites the tables; ``--check`` changes nothing and exits 1,
naming the pages, when a committed table differs from what it would write (tests/test_docs.py
runs the check).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere: the package of this checkout
    sys.path.insert(0, str(ROOT))

from crawler.base.registry import SETTINGS  # noqa: E402
from crawler.report.columns import HISTORY, LINKS, OCCURRENCES, Column  # noqa: E402
from crawler.verdict.reasons import BY_VERDICT  # noqa: E402

FIX = "python3 scripts/reference.py"
MARKED = re.compile(
    r"(?P<open><!-- reference:(?P<name>[\w-]+)(?: (?P<arg>\S+))? -->\n)"
    r"(?P<body>.*?)"
    r"(?P<close><!-- /reference:(?P=name) -->)",
    re.S,
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")  # a bare pipe would end the cell


def default_cell(value: Any) -> str:
    if value == "":
        return "(none)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def settings(prefix: str = "") -> list[str]:
    rows = ["| setting | default | meaning |", "| --- | --- | --- |"]
    for name, setting in SETTINGS.items():
        if name.startswith(prefix):
            rows.append(f"| `{name}` | {default_cell(setting.default)} | {_cell(setting.help)} |")
    return rows


def columns(declared: Sequence[Column]) -> list[str]:
    rows = ["| column | type | meaning |", "| --- | --- | --- |"]
    rows += [f"| `{c.name}` | {c.type} | {_cell(c.meaning)} |" for c in declared]
    return rows


def reasons() -> list[str]:
    rows = ["| reason | verdict | meaning |", "| --- | --- | --- |"]
    for verdict, codes in BY_VERDICT.items():
        rows += [f"| `{code}` | {verdict} | {_cell(text)} |" for code, text in codes.items()]
    return rows


def table(name: str, arg: str | None) -> list[str]:
    """The rows of the table ``name`` (its marker's argument ``arg``)."""
    if name == "settings":
        return settings(arg or "")
    made = {
        "links-columns": lambda: columns(LINKS[: -len(HISTORY)]),
        "occurrences-columns": lambda: columns(OCCURRENCES),
        "history-columns": lambda: columns(HISTORY),
        "reasons": reasons,
    }
    if name not in made or arg is not None:
        raise ValueError(f"unknown reference table: {name} {arg or ''}".strip())
    return made[name]()


def render(text: str) -> str:
    """``text`` with every marked table made again."""

    def fill(match: re.Match[str]) -> str:
        rows = table(match["name"], match["arg"])
        return match["open"] + "\n".join(rows) + "\n" + match["close"]

    return MARKED.sub(fill, text)


def pages(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def stale(root: Path = ROOT) -> list[Path]:
    """The pages whose tables differ from what :func:`render` makes."""
    return [p for p in pages(root) if render(t := p.read_text(encoding="utf-8")) != t]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    out_of_date = stale()
    if args.check:
        for page in out_of_date:
            print(f"{page.relative_to(ROOT)}: a reference table is out of date; run: {FIX}")
        return 1 if out_of_date else 0
    for page in out_of_date:
        page.write_text(render(page.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"rewrote {page.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
