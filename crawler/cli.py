"""``linkhealth``: a thin command line over the library.

The crawl itself is ``scrapy crawl seeds``; these commands work on what it stored.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from crawler.config import DEFAULTS, ConfigError, policy_from
from crawler.report import NoRunError, write_reports
from crawler.rules import RulesError, load_rules
from crawler.store import Store, StoreError


def _default(name: str) -> str:
    return os.environ.get(name) or str(DEFAULTS[name][0])


def cmd_report(args: argparse.Namespace) -> int:
    state = Path(args.state)
    if not state.exists():
        print(f"linkhealth report: no state file at {state}: run the crawl first", file=sys.stderr)
        return 2
    store = Store(state)
    try:
        paths = write_reports(
            store, Path(args.out), run_id=args.run, policy=policy_from(os.environ.get)
        )
    finally:
        store.close()
    for path in paths:
        print(path)
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    rules = load_rules(args.file)
    print(f"ok: {' + '.join(rules.sources)}: {len(rules.platforms)} platforms")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linkhealth",
        description="Link health of seed lists. The crawl is `scrapy crawl seeds`; "
        "these commands work on what it stored.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    report = sub.add_parser(
        "report",
        help="rebuild the reports from the state file alone",
        description="Rebuild links.csv, occurrences.csv, report.html and summary.md "
        "from the SQLite state file, without fetching anything.",
    )
    report.add_argument(
        "--state",
        default=_default("LINKHEALTH_STATE_DB"),
        help="the SQLite state file (default: $LINKHEALTH_STATE_DB or %(default)s)",
    )
    report.add_argument(
        "--out",
        default=_default("LINKHEALTH_REPORT_DIR"),
        help="the report directory (default: $LINKHEALTH_REPORT_DIR or %(default)s)",
    )
    report.add_argument("--run", type=int, help="the run to report on (default: the latest)")
    report.set_defaults(func=cmd_report)

    rules = sub.add_parser(
        "rules",
        help="validate a rules file",
        description="Load the built-in rules with FILE merged over them and report problems.",
    )
    rules.add_argument("file", nargs="?", help="a rules TOML (default: the built-in rules only)")
    rules.set_defaults(func=cmd_rules)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (NoRunError, StoreError, RulesError, ConfigError) as exc:
        print(f"linkhealth {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
