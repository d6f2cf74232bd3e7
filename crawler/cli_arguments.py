"""The ``linkhealth`` command line's arguments: one parser per sub-command (the commands
themselves are in :mod:`crawler.cli`, which hands each sub-command its handler).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from crawler import __version__
from crawler.base.registry import SETTINGS
from crawler.report import fixes
from crawler.run.config import DEFAULTS

#: each sub-command's handler by name: it runs the command and returns the exit status
Handlers = Mapping[str, Callable[[argparse.Namespace], int]]

if TYPE_CHECKING:
    #: what ``add_subparsers`` returns: each sub-command's parser is added to it
    _Commands = argparse._SubParsersAction[argparse.ArgumentParser]


def _default(name: str) -> str:
    return os.environ.get(name) or str(DEFAULTS[name][0])


def _redis_default() -> str | None:
    return os.environ.get("LINKHEALTH_REDIS_URL") or None


def _prefix_default() -> str:
    return os.environ.get("LINKHEALTH_REDIS_PREFIX") or str(
        SETTINGS["LINKHEALTH_REDIS_PREFIX"].default
    )


def _add_state(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--state",
        default=_default("LINKHEALTH_STATE_DB"),
        help=f"{what} (default: $LINKHEALTH_STATE_DB or %(default)s)",
    )


def _add_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        default=_default("LINKHEALTH_REPORT_DIR"),
        help="the report directory (default: $LINKHEALTH_REPORT_DIR or %(default)s)",
    )


def _add_redis(parser: argparse.ArgumentParser) -> None:
    """--redis and --prefix, for the distributed profile's commands."""
    parser.add_argument(
        "--redis",
        default=_redis_default(),
        required=not _redis_default(),
        help="the Redis URL (default: $LINKHEALTH_REDIS_URL)",
    )
    parser.add_argument(
        "--prefix",
        default=_prefix_default(),
        help="prefix of the Redis keys (default: $LINKHEALTH_REDIS_PREFIX or %(default)s)",
    )


def _check_parser(sub: _Commands, handlers: Handlers) -> None:
    check = sub.add_parser(
        "check",
        help="the crawl, from any folder: check the links of PATHs (default: the folder's lists)",
        description="Run the crawl (`scrapy crawl seeds`: same settings, checks, reports and "
        "exit statuses) on seed files or folders, from any folder, no scrapy.cfg needed. "
        "Settings: -s NAME=VALUE, then the environment, then linkhealth.toml (or "
        "[tool.linkhealth] in pyproject.toml) in the current folder. Without PATH: "
        "LINKHEALTH_SEEDS if set, else the Markdown and text files git tracks here.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="seed files or folders")
    check.add_argument(
        "-s",
        dest="set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting (repeatable), as `scrapy crawl seeds -s`",
    )
    check.add_argument(
        "--changed-since",
        metavar="BASE",
        help="pull-request mode: check only the lines the change BASE...HEAD adds to the "
        "seed files, with a throwaway state file, and print each failing occurrence as a "
        "GitHub ::error annotation (fails on LINKHEALTH_FAIL_ON, default dead)",
    )
    check.set_defaults(func=handlers["check"])


def _report_parser(sub: _Commands, handlers: Handlers) -> None:
    report = sub.add_parser(
        "report",
        help="rebuild the reports from the state file alone",
        description="Rebuild links.csv, occurrences.csv, report.html and summary.md "
        "from the SQLite state file, without fetching anything.",
    )
    _add_state(report, "the SQLite state file")
    _add_out(report)
    report.add_argument("--run", type=int, help="the run to report on (default: the latest)")
    report.set_defaults(func=handlers["report"])


def _fix_parser(sub: _Commands, handlers: Handlers) -> None:
    fix = sub.add_parser(
        "fix",
        help="propose fixes to the seed files (a diff), or --apply them",
        description="Print a unified diff against the seed files as they are now: confirmed-dead "
        "links get their archived copy, permanent redirects their final URL, WeChat links with "
        "trackers and links with credentials their clean URL. The diff goes to the terminal "
        "only (its removed lines hold the raw links); --apply writes the files instead.",
    )
    fix.add_argument(
        "--seeds",
        default=_default("LINKHEALTH_SEEDS"),
        help="seed file or directory (default: $LINKHEALTH_SEEDS or %(default)s)",
    )
    fix.add_argument(
        "--links",
        default=str(Path(_default("LINKHEALTH_REPORT_DIR")) / "links.csv"),
        help="the crawl's links.csv (default: %(default)s)",
    )
    fix.add_argument(
        "--style",
        choices=fixes.STYLES,
        default=_default("LINKHEALTH_ARCHIVE_FIX_STYLE"),
        help="append an [archived](…) link, or replace the dead URL (default: %(default)s)",
    )
    fix.add_argument("--apply", action="store_true", help="write the changes to the seed files")
    fix.set_defaults(func=handlers["fix"])


def _rules_parser(sub: _Commands, handlers: Handlers) -> None:
    rules = sub.add_parser(
        "rules",
        help="validate a rules file; `rules explain PAGE --url URL` judges a saved page",
        description="Load the built-in rules with FILE merged over them and report problems. "
        "`linkhealth rules explain PAGE.html --url URL` judges a saved page offline and names "
        "the rule that decided (see `linkhealth rules explain --help`).",
    )
    rules.add_argument("file", nargs="?", help="a rules TOML (default: the built-in rules only)")
    rules.set_defaults(func=handlers["rules"])


def _push_parser(sub: _Commands, handlers: Handlers) -> None:
    push = sub.add_parser(
        "push",
        help="distributed profile: queue the seeds' links in Redis for the workers",
        description="Scan the seeds, start a run in the SQLite state file (links, occurrences "
        "and the verdicts known without a fetch) and queue every link to fetch in Redis. Then "
        "start any number of workers: `scrapy crawl seeds -s LINKHEALTH_REDIS_URL=URL`.",
    )
    _add_redis(push)
    push.add_argument(
        "--seeds",
        default=None,
        help="seed file or directory (default: $LINKHEALTH_SEEDS or seeds)",
    )
    _add_state(push, "the coordinator's SQLite state file")
    push.set_defaults(func=handlers["push"])


def _merge_parser(sub: _Commands, handlers: Handlers) -> None:
    merge = sub.add_parser(
        "merge",
        help="distributed profile: merge the workers' verdicts and write the reports",
        description="Write every verdict the workers left in Redis into the SQLite state file "
        "`linkhealth push` wrote, then finish the run like `scrapy crawl seeds` does: the "
        "reports and fixes.md (from the seeds the run was pushed with), and exit 3 if "
        "LINKHEALTH_FAIL_ON lists a status found. While links are still queued or leased it only "
        "merges what is there and exits 1.",
    )
    _add_redis(merge)
    _add_state(merge, "the coordinator's SQLite state file")
    _add_out(merge)
    merge.set_defaults(func=handlers["merge"])


#: each sub-command's parser, in the order ``linkhealth --help`` lists them
_COMMAND_PARSERS = (
    _check_parser,
    _report_parser,
    _fix_parser,
    _rules_parser,
    _push_parser,
    _merge_parser,
)


def build_parser(handlers: Handlers) -> argparse.ArgumentParser:
    """The ``linkhealth`` parser: each sub-command's ``func`` is its handler in ``handlers``."""
    parser = argparse.ArgumentParser(
        prog="linkhealth",
        description="Link health of seed lists. The crawl is `scrapy crawl seeds`; "
        "these commands work on what it stored.",
    )
    parser.add_argument("--version", action="version", version=f"linkhealth {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_parser in _COMMAND_PARSERS:
        add_parser(sub, handlers)
    return parser
