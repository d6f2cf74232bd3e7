#!/usr/bin/env python3
"""Keep ONE rolling GitHub issue listing the dead links of the latest link-health run.

Usage::

    python scripts/rolling_issue.py --reports reports [--label link-health]
                                    [--repo OWNER/NAME] [--dry-run]

Reads ``run.json`` and ``links.csv`` from the report directory and talks to GitHub only through
the ``gh`` CLI (``GH_TOKEN`` in the environment; the workflow passes ``github.token``):

* run state ``degraded`` or ``running``: nothing is done (no ``gh`` call at all); the reason is
  printed and the exit status is 0 (the crawl step already made the job red);
* dead links to list: the open issue carrying the label has its body replaced
  (``gh issue edit``), or one is created if none is open (``gh issue create``); never a second;
* nothing dead: the open issue, if any, is closed with a comment.

A link is listed when its status is ``dead`` and it is newly dead (``change`` is
``newly-failing`` or ``newly-confirmed-dead``), confirmed dead (``confirmed_dead`` True), or
still failing since an earlier run but not confirmed yet (``fail_streak`` ≥ 1): without that
last group the issue would close and reopen while a dead link waits for its confirmation.

Everything in the body comes from ``links.csv`` and ``run.json``, escaped for Markdown, and the
body stays under GitHub's 65,536-character limit (the table is cut with an "… and N more" line).

Exit status: 0 done (or nothing to do), 1 a ``gh`` call failed, 2 unreadable reports or usage.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_LABEL = "link-health"
ISSUE_TITLE = "Link health: dead links"
LABEL_COLOR = "B60205"
LABEL_DESCRIPTION = "Dead links found by the scheduled link-health crawl"
MARKER = "<!-- link-health rolling issue: written by scripts/rolling_issue.py -->"
#: GitHub refuses issue bodies over 65,536 characters; stay well under it.
BODY_LIMIT = 60_000
TITLE_MAX = 120
SOURCES_MAX = 5

#: the links.csv columns read here: some of crawler/report/columns.py's (a test checks it). The
#: Action runs this script without installing the package, so it keeps its own list.
REQUIRED_COLUMNS = (
    "url",
    "status",
    "reason",
    "title",
    "link_text",
    "sources",
    "archive_url",
    "first_failed_at",
    "fail_streak",
    "confirmed_dead",
    "change",
)
NEWLY_DEAD_CHANGES = frozenset({"newly-failing", "newly-confirmed-dead"})
SKIP_STATES = frozenset({"degraded", "running"})

#: Markdown (GFM) punctuation that could start markup inside a table cell; each gets a backslash.
_MD_SPECIAL = frozenset("\\`*_{}[]<>|!~&$")
#: Characters GitHub turns into mentions / references: a zero-width space after them defuses it.
_ZWSP = "\u200b"
_DEFUSE = frozenset("@#")


class ReportError(Exception):
    """The report directory cannot be used."""


class GhError(Exception):
    """A ``gh`` call failed."""


@dataclass(frozen=True)
class DeadLink:
    url: str
    label: str
    reason: str
    archive_url: str
    sources: tuple[str, ...]
    first_failed_at: str
    newly: bool
    confirmed: bool

    @property
    def kind(self) -> str:
        if self.newly and self.confirmed:
            return "newly confirmed"
        if self.newly:
            return "new"
        if self.confirmed:
            return "confirmed"
        return "still failing"

    @property
    def order(self) -> tuple[int, str]:
        rank = 0 if self.newly else 1 if self.confirmed else 2
        return (rank, self.url)


# ---------------------------------------------------------------------------------------------
# Markdown


def md_text(value: object, limit: int | None = None) -> str:
    """Plain text safe inside a GFM table cell: no markup, links, HTML, mentions or line breaks."""
    text = " ".join(str(value or "").split())
    text = "".join(ch for ch in text if ch.isprintable())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    out: list[str] = []
    for ch in text:
        if ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch in _DEFUSE:
            out.append(ch + _ZWSP)
        else:
            out.append(ch)
    return "".join(out)


def _is_web_url(url: str) -> bool:
    lowered = url.lower()
    return (
        lowered.startswith(("http://", "https://"))
        and not any(ch.isspace() or ch in "<>\\" for ch in url)
        and url.isprintable()
    )


def md_url(url: str) -> str:
    """An http(s) URL as an autolink (pipes escaped for the table); anything else as text."""
    if _is_web_url(url):
        return "<" + url.replace("|", "\\|") + ">"
    return md_text(url)


def md_link(text: str, url: str) -> str:
    if _is_web_url(url):
        return f"[{md_text(text)}](<{url.replace('|', '%7C')}>)"
    return ""


# ---------------------------------------------------------------------------------------------
# Reports


def read_run(reports: Path) -> dict[str, Any]:
    path = reports / "run.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReportError(f"no run.json in {reports}") from exc
    except (OSError, ValueError) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object")
    return data


def read_links(reports: Path) -> list[dict[str, str]]:
    path = reports / "links.csv"
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ReportError(f"{path}: missing column(s): {', '.join(missing)}")
            return [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]
    except FileNotFoundError as exc:
        raise ReportError(f"no links.csv in {reports}") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from exc


def _true(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes")


def _int(value: str) -> int:
    try:
        return int(float(value))
    except ValueError:
        return 0


def dead_links(rows: Iterable[dict[str, str]]) -> list[DeadLink]:
    found: list[DeadLink] = []
    for row in rows:
        if row["status"].strip() != "dead":
            continue
        newly = row["change"].strip() in NEWLY_DEAD_CHANGES
        confirmed = _true(row["confirmed_dead"])
        still_failing = _int(row["fail_streak"]) >= 1
        if not (newly or confirmed or still_failing):
            continue
        sources = tuple(s.strip() for s in row["sources"].split(";") if s.strip())
        found.append(
            DeadLink(
                url=row["url"].strip(),
                label=(row["title"] or row["link_text"]).strip(),
                reason=row["reason"].strip(),
                archive_url=row["archive_url"].strip(),
                sources=sources,
                first_failed_at=row["first_failed_at"].strip(),
                newly=newly,
                confirmed=confirmed,
            )
        )
    return sorted(found, key=lambda link: link.order)


def _date(value: object) -> str:
    if not isinstance(value, str) or not value:
        return "unknown date"
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return md_text(value, 40)
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")


def _day(value: str) -> str:
    return md_text(value[:10]) if value else ""


# ---------------------------------------------------------------------------------------------
# Body


def _row(link: DeadLink) -> str:
    sources = [md_text(s, 200) for s in link.sources[:SOURCES_MAX]]
    if len(link.sources) > SOURCES_MAX:
        sources.append(f"(+{len(link.sources) - SOURCES_MAX} more)")
    cells = [
        link.kind,
        md_url(link.url),
        md_text(link.label, TITLE_MAX),
        md_text(link.reason, 80),
        _day(link.first_failed_at),
        md_link("snapshot", link.archive_url),
        "<br>".join(sources),
    ]
    return "| " + " | ".join(cells) + " |"


def render_body(run: dict[str, Any], links: Sequence[DeadLink], total: int) -> str:
    run_id = md_text(run.get("run_id", "?"))
    when = _date(run.get("finished_at") or run.get("started_at"))
    n_new = sum(1 for link in links if link.newly)
    n_confirmed = sum(1 for link in links if link.confirmed)
    n_failing = sum(1 for link in links if not (link.newly or link.confirmed))
    counts = run.get("counts")
    if not isinstance(counts, dict):
        counts = {}
    count_text = " · ".join(f"{md_text(k)} {md_text(v)}" for k, v in counts.items())
    head = [
        MARKER,
        f"## Dead links — run {run_id}, {when}",
        "",
        f"**{len(links)}** dead link(s) out of {total}: **{n_new}** newly dead, "
        f"**{n_confirmed}** confirmed dead, **{n_failing}** still failing (not confirmed yet).",
        "",
    ]
    if count_text:
        head += [f"Counts: {count_text}", ""]
    head += [
        "| | URL | title / link text | reason | failing since | archive | sources |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    foot = [
        "",
        "This issue is updated by each scheduled link-health run and closed when no link is "
        "dead. Edits to this text are overwritten.",
    ]
    body = "\n".join(head)
    size = len(body) + len("\n".join(foot)) + 200  # room for the "… and N more" line
    shown = 0
    for link in links:
        row = "\n" + _row(link)
        if size + len(row) > BODY_LIMIT:
            break
        body += row
        size += len(row)
        shown += 1
    if shown < len(links):
        body += f"\n\n… and {len(links) - shown} more (the full list is in links.csv)."
    return body + "\n" + "\n".join(foot) + "\n"


def close_comment(run: dict[str, Any]) -> str:
    run_id = md_text(run.get("run_id", "?"))
    when = _date(run.get("finished_at") or run.get("started_at"))
    return f"No dead links in run {run_id} ({when}): closing."


# ---------------------------------------------------------------------------------------------
# gh


class Gh:
    def __init__(self, repo: str | None, *, dry_run: bool) -> None:
        self.repo = repo
        self.dry_run = dry_run

    def _repo_args(self) -> list[str]:
        return ["--repo", self.repo] if self.repo else []

    def run(self, args: Sequence[str], *, writes: bool = True) -> str:
        argv = ["gh", *args, *self._repo_args()]
        if writes and self.dry_run:
            print("dry run, would call:", " ".join(argv))
            return ""
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise GhError(f"cannot run gh: {exc}") from exc
        if proc.returncode != 0:
            raise GhError(f"{' '.join(args[:2])} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc.stdout

    def open_issues(self, label: str) -> list[dict[str, Any]]:
        out = self.run(
            [
                "issue",
                "list",
                "--label",
                label,
                "--state",
                "open",
                "--json",
                "number,title,body",
                "--limit",
                "100",
            ],
            writes=False,
        )
        data = json.loads(out or "[]")
        if not isinstance(data, list):
            raise GhError("gh issue list: expected a JSON list")
        return [issue for issue in data if isinstance(issue, dict)]

    def ensure_label(self, label: str) -> None:
        try:
            self.run(
                [
                    "label",
                    "create",
                    label,
                    "--color",
                    LABEL_COLOR,
                    "--description",
                    LABEL_DESCRIPTION,
                ]
            )
        except GhError as exc:
            if "already exists" not in str(exc):
                raise

    def _with_body(self, args: list[str], body: str) -> None:
        if self.dry_run:
            self.run([*args, "--body-file", "BODY"])
            print(body)
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "body.md"
            path.write_text(body, encoding="utf-8")
            self.run([*args, "--body-file", str(path)])

    def create(self, label: str, body: str) -> None:
        self.ensure_label(label)
        self._with_body(["issue", "create", "--title", ISSUE_TITLE, "--label", label], body)

    def edit(self, number: int, body: str) -> None:
        self._with_body(["issue", "edit", str(number)], body)

    def close(self, number: int, comment: str) -> None:
        self.run(["issue", "close", str(number), "--comment", comment])


def pick_issue(issues: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The rolling issue: one written by this script if any, else the oldest open one."""
    if not issues:
        return None
    ours = [i for i in issues if MARKER in str(i.get("body") or "")]
    return min(ours or issues, key=lambda i: int(i.get("number", 0)))


# ---------------------------------------------------------------------------------------------
# Main


def sync(reports: Path, label: str, gh: Gh) -> str:
    """Bring the rolling issue in line with the reports; return what was done."""
    run = read_run(reports)
    state = run.get("state")
    if state in SKIP_STATES:
        reason = run.get("degraded_reason") if state == "degraded" else None
        why = f": {reason}" if isinstance(reason, str) and reason else ""
        return f"run state is {state}{why}; the rolling issue is left as it is"
    if state != "finished":
        raise ReportError(f"run.json: unknown run state {state!r}")
    rows = read_links(reports)
    links = dead_links(rows)
    try:
        issues = gh.open_issues(label)
    except GhError:
        if not gh.dry_run:
            raise
        print("dry run: cannot list issues; assuming none is open")
        issues = []
    issue = pick_issue(issues)
    if links:
        body = render_body(run, links, len(rows))
        if issue is None:
            gh.create(label, body)
            return f"created the rolling issue: {len(links)} dead link(s)"
        number = int(issue["number"])
        if issue.get("body") == body:
            return f"issue #{number} is up to date"
        gh.edit(number, body)
        return f"updated issue #{number}: {len(links)} dead link(s)"
    if issue is None:
        return "no dead links and no open issue: nothing to do"
    number = int(issue["number"])
    gh.close(number, close_comment(run))
    return f"no dead links: closed issue #{number}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Create, update or close the rolling link-health issue from the reports."
    )
    parser.add_argument("--reports", type=Path, required=True, help="the report directory")
    parser.add_argument("--label", default=DEFAULT_LABEL, help="label of the rolling issue")
    parser.add_argument("--repo", help="OWNER/NAME (default: gh's current repository)")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be done; change nothing"
    )
    args = parser.parse_args(argv)
    gh = Gh(args.repo, dry_run=args.dry_run)
    try:
        print(f"rolling_issue: {sync(args.reports, args.label, gh)}")
    except ReportError as exc:
        print(f"rolling_issue: {exc}", file=sys.stderr)
        return 2
    except GhError as exc:
        print(f"rolling_issue: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
