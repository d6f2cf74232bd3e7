"""``linkhealth``: a thin command line over the library.

The crawl is ``scrapy crawl seeds`` in this repository, ``linkhealth check`` anywhere (the same
command, see :mod:`crawler.check`); the other commands work on what it stored.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from crawler import __version__
from crawler.base.registry import SETTINGS, check_names
from crawler.base.rules import RulesError, load_rules
from crawler.base.urls import URLProblem
from crawler.report import NoRunError, fixes, write_reports
from crawler.run.config import DEFAULTS, ConfigError, load_config, parse_now, policy_from
from crawler.store.db import Store, StoreError, claim
from crawler.verdict.explain import explain


def _default(name: str) -> str:
    return os.environ.get(name) or str(DEFAULTS[name][0])


def cmd_report(args: argparse.Namespace) -> int:
    state = Path(args.state)
    if not state.exists():
        print(f"linkhealth report: no state file at {state}: run the crawl first", file=sys.stderr)
        return 2
    store = Store(state, load_rules(os.environ.get("LINKHEALTH_RULES") or None))
    try:
        paths = write_reports(
            store, Path(args.out), run_id=args.run, policy=policy_from(os.environ.get)
        )
    finally:
        store.close()
    for path in paths:
        print(path)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from crawler.check import check  # noqa: PLC0415 - loads Scrapy

    return check(args.paths, settings_args=args.set, changed_since=args.changed_since)


def cmd_fix(args: argparse.Namespace) -> int:
    links = Path(args.links)
    if not links.exists():
        print(f"linkhealth fix: no {links}: run the crawl first", file=sys.stderr)
        return 2
    seeds = Path(args.seeds)
    if not seeds.exists():
        print(f"linkhealth fix: no seeds at {seeds}", file=sys.stderr)
        return 2
    rules = load_rules(os.environ.get("LINKHEALTH_RULES") or None)
    planned = fixes.plan(seeds, fixes.states_from_links_csv(links), rules, style=args.style)
    if not planned:
        print("linkhealth fix: Nothing to change.", file=sys.stderr)
        return 0
    if args.apply:
        for path in fixes.apply(seeds, planned):
            print(f"fixed {path}")
        return 0
    sys.stdout.write(fixes.unified_diff(planned))
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    rules = load_rules(args.file)
    print(
        f"ok: {' + '.join(rules.sources)}: {len(rules.platforms)} platforms, "
        f"{len(rules.pages)} page types"
    )
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    rules = load_rules(args.rules or os.environ.get("LINKHEALTH_RULES") or None)
    try:
        body = Path(args.page).read_bytes()
    except OSError as exc:
        print(f"linkhealth rules explain: cannot read {args.page}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        _, lines = explain(
            body,
            args.url,
            rules,
            status=args.status,
            content_type=args.content_type,
            final_url=args.final_url,
            headers=dict(_header(h) for h in args.header),
            was=args.was,
            link_texts=args.link_text or (),
        )
    except URLProblem as exc:
        print(f"linkhealth rules explain: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def _header(text: str) -> tuple[str, str]:
    name, _, value = text.partition(":")
    return name.strip().lower(), value.strip()


def explain_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linkhealth rules explain",
        description="Judge a saved page offline, as the crawl would: the parameters the link "
        "drops or masks (values never shown), the verdict, the reason, the evidence and the "
        "rule that decided. Use it to check a wording or a content signal you add to a rules "
        "file (--rules, or $LINKHEALTH_RULES).",
    )
    parser.add_argument("page", help="the page as saved (HTML bytes, any charset)")
    parser.add_argument("--url", required=True, help="the link the page was served for")
    parser.add_argument("--rules", help="a rules TOML merged over the built-in rules")
    parser.add_argument("--status", type=int, default=200, help="the HTTP status (default 200)")
    parser.add_argument(
        "--content-type", default="text/html", help="the Content-Type (default text/html)"
    )
    parser.add_argument("--final-url", help="where redirects ended, if elsewhere")
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a response header the page came with (repeatable): a WAF's headers",
    )
    parser.add_argument(
        "--was",
        help="content drift: the link's oldest known title (its snapshot's, or the first "
        "recorded), compared with the page's",
    )
    parser.add_argument(
        "--link-text",
        action="append",
        help="content drift: the link's text in the seeds (repeat for several)",
    )
    parser.set_defaults(func=cmd_explain, command="rules explain")
    return parser


def _redis_default() -> str | None:
    return os.environ.get("LINKHEALTH_REDIS_URL") or None


def _prefix_default() -> str:
    return os.environ.get("LINKHEALTH_REDIS_PREFIX") or str(
        SETTINGS["LINKHEALTH_REDIS_PREFIX"].default
    )


def cmd_push(args: argparse.Namespace) -> int:
    from crawler.distributed import coordinator  # noqa: PLC0415 - optional extra (redis)

    config = load_config(os.environ.get, seeds=args.seeds)
    config = replace(config, state_db=Path(args.state))
    held = claim(config.state_db)  # one writer of the state file at a time
    try:
        client = coordinator.connect(args.redis)
        pushed = coordinator.push(client, config, prefix=args.prefix)
    except coordinator.DistributedError as exc:
        print(f"linkhealth push: {exc}", file=sys.stderr)
        return 2
    finally:
        os.close(held)
    print(
        f"run {pushed.run_id}: {pushed.links} links, {pushed.to_fetch} queued for the workers, "
        f"{pushed.preset} judged without a fetch; state in {config.state_db}"
    )
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from crawler.distributed import coordinator  # noqa: PLC0415 - optional extra (redis)

    try:
        client = coordinator.connect(args.redis)
        run = coordinator.status(client, prefix=args.prefix)[0]
        # the run's seeds (for fixes.md) and timestamp; the other settings from the environment
        config = replace(
            load_config(os.environ.get, seeds=run.seeds),
            state_db=Path(args.state),
            report_dir=Path(args.out),
            now=parse_now(run.now_iso),
        )
        held = claim(config.state_db)  # one writer of the state file at a time
        try:
            merged = coordinator.merge(client, config, prefix=args.prefix)
        finally:
            os.close(held)
    except coordinator.DistributedError as exc:
        print(f"linkhealth merge: {exc}", file=sys.stderr)
        return 2
    if merged.finished is None:
        print(
            f"linkhealth merge: run {merged.run_id} is not done: {merged.pending} links pending, "
            f"{merged.leased} leased by workers ({merged.verdicts} verdicts merged so far); "
            "run merge again when the workers have finished",
            file=sys.stderr,
        )
        return 1
    if merged.finished.not_checked:
        print(
            f"linkhealth merge: {merged.finished.not_checked} links got no verdict "
            "(recorded as error/not-checked)",
            file=sys.stderr,
        )
    for path in merged.finished.reports:
        print(path)
    return merged.finished.exit_code


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


if TYPE_CHECKING:
    #: what ``add_subparsers`` returns: each sub-command's parser is added to it
    _Commands = argparse._SubParsersAction[argparse.ArgumentParser]


def _check_parser(sub: _Commands) -> None:
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
    check.set_defaults(func=cmd_check)


def _report_parser(sub: _Commands) -> None:
    report = sub.add_parser(
        "report",
        help="rebuild the reports from the state file alone",
        description="Rebuild links.csv, occurrences.csv, report.html and summary.md "
        "from the SQLite state file, without fetching anything.",
    )
    _add_state(report, "the SQLite state file")
    _add_out(report)
    report.add_argument("--run", type=int, help="the run to report on (default: the latest)")
    report.set_defaults(func=cmd_report)


def _fix_parser(sub: _Commands) -> None:
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
    fix.set_defaults(func=cmd_fix)


def _rules_parser(sub: _Commands) -> None:
    rules = sub.add_parser(
        "rules",
        help="validate a rules file; `rules explain PAGE --url URL` judges a saved page",
        description="Load the built-in rules with FILE merged over them and report problems. "
        "`linkhealth rules explain PAGE.html --url URL` judges a saved page offline and names "
        "the rule that decided (see `linkhealth rules explain --help`).",
    )
    rules.add_argument("file", nargs="?", help="a rules TOML (default: the built-in rules only)")
    rules.set_defaults(func=cmd_rules)


def _push_parser(sub: _Commands) -> None:
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
    push.set_defaults(func=cmd_push)


def _merge_parser(sub: _Commands) -> None:
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
    merge.set_defaults(func=cmd_merge)


#: each sub-command's parser, in the order ``linkhealth --help`` lists them
_COMMAND_PARSERS = (
    _check_parser,
    _report_parser,
    _fix_parser,
    _rules_parser,
    _push_parser,
    _merge_parser,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="linkhealth",
        description="Link health of seed lists. The crawl is `scrapy crawl seeds`; "
        "these commands work on what it stored.",
    )
    parser.add_argument("--version", action="version", version=f"linkhealth {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_parser in _COMMAND_PARSERS:
        add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:2] == ["rules", "explain"]:
        args = explain_parser().parse_args(words[2:])
    else:
        args = build_parser().parse_args(words)
    try:
        check_names(os.environ, "an environment variable")
        return int(args.func(args))
    except (NoRunError, StoreError, RulesError, ConfigError) as exc:
        print(f"linkhealth {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
