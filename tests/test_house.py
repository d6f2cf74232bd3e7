"""The house rules a newcomer can read by: no module of ``crawler/`` over 400 lines, no function
over 60 (one that must be longer says why: ``# long: <reason>`` on its ``def`` line).

``python3 -m tests.test_house`` lists what breaks them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "crawler"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LONG = "# long:"


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def long_modules(paths: list[Path]) -> list[str]:
    return [
        f"{_shown(path)}: {n} lines"
        for path in paths
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def long_functions(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in _functions(ast.parse(text)):
            n = (node.end_lineno or node.lineno) - node.lineno + 1
            if n <= MAX_FUNCTION_LINES:
                continue
            # the ``def`` line, or the line of the signature's end (a long signature wraps)
            signature = lines[node.lineno - 1 : node.body[0].lineno - 1]
            reason = next((x.split(LONG, 1)[1] for x in signature if LONG in x), "")
            if not reason.strip():
                found.append(f"{_shown(path)}:{node.lineno} {node.name}: {n} lines")
    return found


def test_no_module_of_the_package_is_over_400_lines() -> None:
    assert long_modules(modules()) == []


def test_no_function_is_over_60_lines_without_saying_why() -> None:
    assert long_functions(modules()) == []


def _function(lines: int, def_line: str = "def f() -> None:") -> str:
    return def_line + "\n" + "    x = 1\n" * (lines - 1)


def test_the_checks_see_a_long_module_and_a_long_function(tmp_path: Path) -> None:
    at_limit, over = tmp_path / "at_limit.py", tmp_path / "over.py"
    at_limit.write_text(_function(60) + "\n" * 340, encoding="utf-8")  # 400 lines
    over.write_text(_function(61) + "\n" * 340, encoding="utf-8")  # 401 lines
    assert long_modules([at_limit, over]) == ["over.py: 401 lines"]
    assert long_functions([at_limit, over]) == ["over.py:1 f: 61 lines"]


def test_a_long_function_that_says_why_passes(tmp_path: Path) -> None:
    why, empty = tmp_path / "why.py", tmp_path / "empty.py"
    why.write_text(_function(80, "def f(  # long: one table of cases\n) -> None:"), "utf-8")
    empty.write_text(_function(80, "def f() -> None:  # long:"), encoding="utf-8")
    assert long_functions([why, empty]) == ["empty.py:1 f: 80 lines"]


if __name__ == "__main__":
    print("\n".join(long_modules(modules()) + long_functions(modules())))
