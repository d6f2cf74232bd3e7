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

from crawler import cli_arguments
from crawler.base.registry import check_names
from crawler.base.rules import RulesError, load_rules
from crawler.base.urls import URLProblem
from crawler.report import NoRunError, fixes, write_reports
from crawler.run.config import ConfigError, load_config, parse_now, policy_from
from crawler.store.db import Store, StoreError, claim
from crawler.verdict.explain import explain


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


def build_parser() -> argparse.ArgumentParser:
    """The ``linkhealth`` parser (see :mod:`crawler.cli_arguments`), bound to the commands."""
    return cli_arguments.build_parser(
        {
            "check": cmd_check,
            "report": cmd_report,
            "fix": cmd_fix,
            "rules": cmd_rules,
            "push": cmd_push,
            "merge": cmd_merge,
        }
    )


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
