"""A fake ``gh`` CLI for the rolling-issue tests (no network, no GitHub).

Reads two environment variables:

* ``FAKE_GH_LOG``: a JSON-lines file; every invocation appends ``{"argv": [...], "body": ...}``
  (``body`` is the content of ``--body-file`` when given, else null);
* ``FAKE_GH_STATE``: a JSON file ``{"next": int, "issues": [...], "labels": [...]}`` holding the
  issues (number, title, body, labels, state, comments); created when missing.

Understands just the calls scripts/rolling_issue.py makes: ``issue list --label L --state open
--json FIELDS``, ``issue create --title T --label L --body-file F``, ``issue edit N --body-file F``,
``issue close N --comment C`` and ``label create L``; ``--repo`` and ``--limit`` are accepted.
Anything else exits 2, so an unexpected call fails the test.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

FLAGS = {"--force"}


def _options(args: list[str]) -> tuple[list[str], dict[str, str]]:
    positional: list[str] = []
    options: dict[str, str] = {}
    i = 0
    while i < len(args):
        if args[i] in FLAGS:
            options[args[i][2:]] = ""
            i += 1
        elif args[i].startswith("--"):
            options[args[i][2:]] = args[i + 1]
            i += 2
        else:
            positional.append(args[i])
            i += 1
    return positional, options


def main(argv: list[str]) -> int:
    log = Path(os.environ["FAKE_GH_LOG"])
    state_path = Path(os.environ["FAKE_GH_STATE"])
    positional, options = _options(argv)
    body = None
    if "body-file" in options:
        body = Path(options["body-file"]).read_text(encoding="utf-8")
    with log.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"argv": argv, "body": body}) + "\n")

    if state_path.exists():
        state = json.loads(state_path.read_text(encoding="utf-8"))
    else:
        state = {"next": 1, "issues": [], "labels": []}

    def save() -> None:
        state_path.write_text(json.dumps(state, indent=1), encoding="utf-8")

    def find(number: str) -> dict:
        for issue in state["issues"]:
            if str(issue["number"]) == number:
                return issue
        print(f"could not resolve to an Issue with the number of {number}", file=sys.stderr)
        raise SystemExit(1)

    match positional:
        case ["issue", "list"]:
            fields = options["json"].split(",")
            rows = [
                {f: issue[f] for f in fields}
                for issue in state["issues"]
                if issue["state"] == options.get("state", "open")
                and ("label" not in options or options["label"] in issue["labels"])
            ]
            print(json.dumps(rows))
        case ["issue", "create"]:
            if options["label"] not in state["labels"]:
                print(f"could not add label: '{options['label']}' not found", file=sys.stderr)
                return 1
            number = state["next"]
            state["next"] += 1
            state["issues"].append(
                {
                    "number": number,
                    "title": options["title"],
                    "body": body,
                    "labels": [options["label"]],
                    "state": "open",
                    "comments": [],
                }
            )
            save()
            print(f"https://github.invalid/owner/repo/issues/{number}")
        case ["issue", "edit", number]:
            find(number)["body"] = body
            save()
        case ["issue", "close", number]:
            issue = find(number)
            issue["state"] = "closed"
            if "comment" in options:
                issue["comments"].append(options["comment"])
            save()
        case ["label", "create", name]:
            if name in state["labels"] and "force" not in options:
                print(f'label with name "{name}" already exists; use `--force`', file=sys.stderr)
                return 1
            if name not in state["labels"]:
                state["labels"].append(name)
            save()
        case _:
            print(f"fake gh: unsupported call: {argv}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
