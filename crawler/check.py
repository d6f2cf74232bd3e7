"""``linkhealth check [PATH …]``: the crawl of ``scrapy crawl seeds``, from any folder.

No ``scrapy.cfg`` is needed: the command points Scrapy at linkhealth's own settings module
(``SCRAPY_SETTINGS_MODULE=crawler.settings``), lays the folder's config file under the
environment (``linkhealth.toml``, or ``[tool.linkhealth]`` in ``pyproject.toml``) and runs
Scrapy's own command line with ``crawl seeds -a seeds=… -s …``: the very command, checks, exit
statuses and reports of ``scrapy crawl seeds``. With ``--changed-since BASE`` (a pull request)
only the lines the change adds to the seed files are checked, with a throwaway state file (the
history is never read or written), and each failing occurrence is printed as a GitHub
``::error`` annotation on its file and line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from crawler.base.registry import ConfigError, value
from crawler.seeds.files import SEED_SUFFIXES
from crawler.selection import changed_lines, config_file, seed_files, stage, workflow_annotations

SETTINGS_MODULE = "crawler.settings"
#: what a pull request fails on when LINKHEALTH_FAIL_ON is not set
PULL_REQUEST_FAIL_ON = "dead"


def _pairs(given: Sequence[str]) -> dict[str, str]:
    pairs = {}
    for item in given:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"-s {item}: expected NAME=VALUE")
        pairs[name] = text
    return pairs


def _file_settings(repo: Path) -> dict[str, str]:
    """The folder's config file (see :func:`crawler.selection.config_file`); a name that is
    neither linkhealth's nor Scrapy's raises :class:`ConfigError`."""
    found = config_file(repo)
    if found is None:
        return {}
    from scrapy.settings import default_settings  # noqa: PLC0415 (Scrapy loads for the crawl)

    path, values = found
    for name in values:
        if not name.startswith("LINKHEALTH_") and not hasattr(default_settings, name):
            raise ConfigError(f"{path}: unknown setting {name}")
    return values


def _lists(repo: Path, report_dir: Path) -> list[Path]:
    """The folder's lists: the seed files git tracks there (else every seed file under it),
    not those in the report folder."""
    proc = subprocess.run(
        ["git", "ls-files", "-z", "--cached"], cwd=repo, capture_output=True, check=False
    )
    if proc.returncode == 0:
        names = [n for n in proc.stdout.decode("utf-8", "replace").split("\0") if n]
        files = [repo / n for n in names if n.lower().endswith(SEED_SUFFIXES)]
        files = [f for f in files if f.is_file()]
    else:
        files = seed_files([repo])
    reports = (repo / report_dir).resolve()
    return [f for f in files if reports not in f.resolve().parents]


def _seeds(
    repo: Path,
    paths: Sequence[str],
    read: Callable[[str], Any],
    *,
    seeds_given: bool,
    changed_since: str | None,
    scratch: Path,
) -> tuple[Path | None, dict[str, str]]:
    """The seeds to hand the crawl (None: no line changed), and the settings the mode adds."""
    report_dir = Path(str(value(read, "LINKHEALTH_REPORT_DIR")))
    if changed_since is not None:
        files = seed_files(Path(p) for p in paths) if paths else _lists(repo, report_dir)
        lines = changed_lines(repo, changed_since, files)
        if not lines:
            return None, {}
        extra = {
            "LINKHEALTH_STATE_DB": str(scratch / "state.sqlite"),
            "LINKHEALTH_RESUME": "false",
            "LINKHEALTH_REPORTS_ENABLED": "true",
        }
        if not value(read, "LINKHEALTH_FAIL_ON"):
            extra["LINKHEALTH_FAIL_ON"] = PULL_REQUEST_FAIL_ON
        return stage(repo, dict(lines), scratch / "seeds"), extra
    if len(paths) == 1 and Path(paths[0]).is_dir():
        return Path(paths[0]), {}  # as `scrapy crawl seeds -a seeds=PATH`
    if not paths and seeds_given:
        return Path(str(value(read, "LINKHEALTH_SEEDS"))), {}
    files = seed_files(Path(p) for p in paths) if paths else _lists(repo, report_dir)
    return stage(repo, dict.fromkeys(files), scratch / "seeds"), {}


def check(
    paths: Sequence[str],
    *,
    settings_args: Sequence[str] = (),
    changed_since: str | None = None,
) -> int:
    """The crawl of ``paths`` (default: the current folder's lists); its exit status."""
    repo = Path.cwd()
    os.environ["SCRAPY_SETTINGS_MODULE"] = SETTINGS_MODULE
    from scrapy.cmdline import execute  # noqa: PLC0415 (Scrapy loads once the variable is set)
    from scrapy.utils.project import get_project_settings  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="linkhealth-check-") as scratch:
        try:
            given = _pairs(settings_args)
            from_file = _file_settings(repo)
            settings = get_project_settings()
            # the file's values as if given with -s (so the child processes get them too),
            # but not over the environment; the real -s come after and win
            for name, text in from_file.items():
                if name not in os.environ:
                    settings.set(name, text, priority="cmdline")
            for name, text in given.items():
                settings.set(name, text, priority="cmdline")
            seeds, extra = _seeds(
                repo,
                paths,
                settings.get,
                seeds_given=any("LINKHEALTH_SEEDS" in d for d in (os.environ, from_file, given)),
                changed_since=changed_since,
                scratch=Path(scratch),
            )
        except ConfigError as exc:
            print(f"linkhealth: configuration error: {exc}", file=sys.stderr)
            return 2
        if seeds is None:
            print(f"linkhealth check: no seed line changed since {changed_since}", file=sys.stderr)
            return 0
        argv = ["linkhealth check", "crawl", "seeds", "-a", f"seeds={seeds}"]
        for name, text in {**given, **extra}.items():
            argv += ["-s", f"{name}={text}"]
        try:
            execute(argv, settings)
            code = 0  # execute always exits; never reached
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        if changed_since is not None and code in (0, 3):
            statuses = str(value(settings.get, "LINKHEALTH_FAIL_ON")).split(",")
            links_json = Path(str(value(settings.get, "LINKHEALTH_REPORT_DIR"))) / "links.json"
            for line in workflow_annotations(links_json, [s.strip() for s in statuses]):
                print(line)
    return code
