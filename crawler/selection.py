"""What `linkhealth check` hands the crawl: the config file, the seed files, the changed lines.

Plain functions (no Scrapy): read a repository's ``linkhealth.toml`` (or ``[tool.linkhealth]``
in its ``pyproject.toml``); find the lines a change adds to the seed files (``git diff``);
stage a selection of seed files — whole, or only their added lines, the others blank so every
line keeps its number — in a directory the crawl reads as its seeds, with the files at their
paths relative to the repository; and turn the failing links of ``links.json`` into GitHub
workflow commands (``::error file=…,line=…::…``), one per occurrence.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from crawler.base.registry import SETTINGS, ConfigError
from crawler.seeds import iter_seed_files
from crawler.seeds.files import SEED_SUFFIXES
from crawler.verdict.reasons import describe

CONFIG_FILE = "linkhealth.toml"
_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def config_file(folder: Path) -> tuple[Path, dict[str, str]] | None:
    """The settings of ``folder``'s ``linkhealth.toml``, else of the ``[tool.linkhealth]``
    table of its ``pyproject.toml``, as the environment would give them (text; a list
    joined with commas); None when there is neither. Names are the settings' own
    (``LINKHEALTH_FAIL_ON``, ``DOWNLOAD_DELAY``); an unknown ``LINKHEALTH_`` name, a name
    not in capitals or a table as a value raises :class:`ConfigError`."""
    path = folder / CONFIG_FILE
    table: object
    if path.is_file():
        table = _toml(path)
    else:
        path = folder / "pyproject.toml"
        if not path.is_file():
            return None
        tool = _toml(path).get("tool")
        table = tool.get("linkhealth") if isinstance(tool, dict) else None
        if table is None:
            return None
        path = Path(f"{path} [tool.linkhealth]")
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: expected a table of settings")
    return path, {name: _text(path, name, raw) for name, raw in table.items()}


def _toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _text(path: Path, name: str, raw: object) -> str:
    if not _NAME.fullmatch(name):
        raise ConfigError(f"{path}: {name!r} is not a setting name (e.g. LINKHEALTH_FAIL_ON)")
    if name.startswith("LINKHEALTH_") and name not in SETTINGS:
        raise ConfigError(f"{path}: unknown setting {name}")
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, list):
        return ",".join(_text(path, name, item) for item in raw)
    if isinstance(raw, str | int | float):
        return str(raw)
    raise ConfigError(f"{path}: {name}: expected text, a number, true/false or a list")


# the lines a change adds -----------------------------------------------------------------------

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)


def added_lines(diff: str) -> set[int]:
    """The new file's line numbers a ``git diff --unified=0`` of one file adds or alters."""
    lines: set[int] = set()
    for match in _HUNK.finditer(diff):
        start, count = int(match.group(1)), int(match.group(2) or "1")
        lines.update(range(start, start + count))
    return lines


def _git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "core.quotePath=false", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise ConfigError(f"git {' '.join(args[:2])}: {proc.stderr.strip() or proc.returncode}")
    return proc.stdout


def changed_lines(repo: Path, base: str, files: Iterable[Path]) -> dict[Path, set[int]]:
    """For each of ``files`` (under ``repo``) the change from ``base`` to HEAD touches, the
    lines it adds or alters (``git diff BASE...HEAD``: what HEAD changed since it left
    ``base``). Files it does not touch are left out."""
    changed: dict[Path, set[int]] = {}
    wanted = {_relative(repo, f): f for f in files}
    if not wanted:
        return changed
    names = _git(repo, "diff", "--name-only", "-z", "--diff-filter=AMR", f"{base}...HEAD", "--")
    for name in (n for n in names.split("\0") if n):
        if name not in wanted:
            continue
        diff = _git(repo, "diff", "--unified=0", "--no-color", f"{base}...HEAD", "--", name)
        if lines := added_lines(diff):
            changed[wanted[name]] = lines
    return changed


def _relative(repo: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        raise ConfigError(f"{path}: not inside {repo}") from None


def seed_files(paths: Iterable[Path]) -> list[Path]:
    """The seed files of ``paths`` (files as given, folders searched), each once."""
    found: dict[Path, None] = {}
    for path in paths:
        if not path.exists():
            raise ConfigError(f"seeds: {path} does not exist")
        found.update(dict.fromkeys(iter_seed_files(path)))
    return list(found)


# the staged seeds ---------------------------------------------------------------------------------


def stage(repo: Path, files: Mapping[Path, set[int] | None], into: Path) -> Path:
    """A seeds folder for ``files`` (under ``repo``), at their paths relative to it: each
    whole (None) or with only the given lines (the others blank, so every line keeps its
    number). Relative links still reach the repository's files: on the way to each staged
    file, the other folders and files of the repository are symbolic links to them (the crawl
    does not follow linked folders), and the other seed files empty copies (they exist, with
    no link to check)."""
    into.mkdir(parents=True, exist_ok=True)
    repo = repo.resolve()
    staged = {_relative(repo, f): lines for f, lines in files.items()}
    folders = {""} | {
        "/".join(name.split("/")[:i]) for name in staged for i in range(1, name.count("/") + 1)
    }
    for folder in sorted(folders):
        (into / folder).mkdir(parents=True, exist_ok=True)
        for entry in (repo / folder).iterdir():
            name = f"{folder}/{entry.name}" if folder else entry.name
            target = into / name
            if name in staged or name in folders or entry.name == ".git":
                continue
            if entry.is_file() and entry.name.lower().endswith(SEED_SUFFIXES):
                target.touch()
            else:
                target.symlink_to(entry)
    for name, lines in staged.items():
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if lines is None:
            shutil.copyfile(repo / name, target)
        else:
            target.write_bytes(b"".join(_kept(repo / name, lines)))
    return into


def _kept(path: Path, lines: set[int]) -> Iterator[bytes]:
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number in lines:
                yield line
            else:
                yield b"\n" if line.endswith(b"\n") else b""


# annotations ----------------------------------------------------------------------------------


def _escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def workflow_annotations(links_json: Path, statuses: Iterable[str]) -> Iterator[str]:
    """A GitHub ``::error`` workflow command for each occurrence of a link of links.json with
    one of ``statuses``, on its file (relative to the seeds root) and line."""
    wanted = set(statuses)
    with links_json.open(encoding="utf-8") as fh:
        document = json.load(fh)
    for link in document["links"]:
        if link["status"] not in wanted:
            continue
        reason = str(link["reason"] or "")
        said = f" ({link['detail']})" if link.get("detail") else ""
        message = f"{link['status']} link {link['url']}: {describe(reason)}{said}"
        title = f"linkhealth: {link['status']} link ({reason})"
        for occurrence in link["occurrences"]:
            file, line = _escape(occurrence["file"], prop=True), int(occurrence["line"])
            yield (
                f"::error file={file},line={line},"
                f"title={_escape(title, prop=True)}::{_escape(message)}"
            )
