"""Every repository path named in code, docstrings, docs and the workflow exists.

A path is text such as ``crawler/archive/wayback.py`` or ``tests/fakeweb/`` that starts with one
of the repository's top-level folders (``PREFIXES``); a ``*`` in it is a glob that must match a
file. Text after a placeholder (``{name}``, ``<date>``) is not read: the folder before it must
exist. Files are those git tracks or would (``git ls-files``), as a fresh clone has them.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = ("crawler", "docs", "tests", "scripts", "benchmarks", ".github", ".ci")
#: a path starts a word (not inside a URL or another path) and ends on a name character
PATH_RE = re.compile(
    r"(?<![\w./-])((?:" + "|".join(re.escape(p) for p in PREFIXES) + r")/[\w.*/-]*[\w*])"
)
READ_SUFFIXES = (".py", ".md", ".toml", ".yml", ".yaml", ".sh", ".mjs", ".cfg")


def tracked_files() -> list[str]:
    proc = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in proc.stdout.split("\0") if name]


def named_paths(text: str) -> list[tuple[int, str]]:
    """(line, path) of each repository path the text names."""
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in PATH_RE.finditer(text)]


def test_named_paths_are_found() -> None:
    text = (
        "See ``crawler/archive/wayback.py``; tests in tests/fakeweb/, "
        'f"tests/data/{name}.md", https://example.org/docs/x.md, '
        "tests/test_archive*.py and scripts/test.sh."
    )
    assert [p for _, p in named_paths(text)] == [
        "crawler/archive/wayback.py",
        "tests/fakeweb",
        "tests/data",
        "tests/test_archive*.py",
        "scripts/test.sh",
    ]


def test_every_named_repository_path_exists() -> None:
    files = tracked_files()
    known = set(files)
    for name in files:
        parts = name.split("/")
        known.update("/".join(parts[:i]) for i in range(1, len(parts)))
    missing = []
    for name in files:
        if not (name.endswith(READ_SUFFIXES) or name == ".ci/run"):
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        for line, path in named_paths(text):
            found = (
                any(fnmatch.fnmatchcase(f, path) for f in files) if "*" in path else path in known
            )
            if not found:
                missing.append(f"{name}:{line}: {path}")
    assert missing == []
