"""The composite action (action.yml), its steps run in a temporary "other" repository.

A small runner plays GitHub's part for a composite action: it evaluates the ``${{ }}``
expressions the action uses (contexts ``inputs``, ``steps``, ``github``; ``==``, ``!=``, ``&&``,
``||``, ``!``, ``always()``, ``cancelled()``), runs each ``run:`` step with ``bash -eo pipefail``
and the step's ``env:``, collects ``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY``, and skips
the ``uses:`` steps (setup-python, upload-artifact: recorded, not run) and the install step (the
checkout's ``linkhealth`` is put on PATH instead). GitHub itself is a fake ``gh``
(tests/data/gh/fake_gh.py) and a local bare remote; the web is the fake web.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST, ROOT
from tests.fakeweb import FakeWeb
from tests.test_rolling_issue import FakeGh

yaml = pytest.importorskip("yaml", reason="PyYAML reads action.yml (a test dependency)")

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))

# ---------------------------------------------------------------------------------------------
# the runner

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))"
    r"|(?P<call>always|cancelled|success|failure)\(\)|(?P<name>[A-Za-z_][\w.-]*))"
)


def evaluate(expression: str, context: dict[str, Any], *, failed: bool = False) -> Any:
    """A GitHub expression (the subset action.yml uses) in ``context``."""
    python: list[str] = []
    values: dict[str, Any] = {}
    position = 0
    expression = expression.strip()
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        assert match, f"cannot read {expression[position:]!r}"
        position = match.end()
        if match["str"]:
            values[f"v{len(values)}"] = match["str"][1:-1].replace("''", "'")
            python.append(f"v{len(values) - 1}")
        elif match["op"]:
            python.append({"&&": " and ", "||": " or ", "!": " not "}.get(match["op"], match["op"]))
        elif match["call"]:
            python.append(
                {"always": "True", "cancelled": "False", "success": str(not failed)}.get(
                    match["call"], str(failed)
                )
            )
        else:
            value: Any = context
            for part in match["name"].split("."):
                value = value.get(part, "") if isinstance(value, dict) else ""
            values[f"v{len(values)}"] = value
            python.append(f"v{len(values) - 1}")
    return eval("".join(python), {"__builtins__": {}}, values)


def substitute(text: str, context: dict[str, Any]) -> str:
    """``text`` with each ``${{ expression }}`` replaced by its value."""
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(evaluate(m.group(1), context)), str(text))


@dataclass
class Run:
    outputs: dict[str, str]
    steps: dict[str, str] = field(default_factory=dict)  # step name → ran, skipped, failed
    logs: dict[str, str] = field(default_factory=dict)  # step name → stdout + stderr
    summary: str = ""
    uploaded: list[dict[str, str]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return "failed" in self.steps.values()


def run_action(
    workspace: Path,
    inputs: dict[str, str],
    env: dict[str, str],
    *,
    github: dict[str, Any] | None = None,
) -> Run:
    declared = ACTION["inputs"]
    assert set(inputs) <= set(declared), set(inputs) - set(declared)
    context: dict[str, Any] = {
        "github": {
            "action_path": str(ROOT),
            "token": "fake-token",
            "event_name": "schedule",
            "event": {},
            **(github or {}),
        },
        "steps": {},
    }
    context["inputs"] = {
        name: inputs.get(name, substitute(spec.get("default", ""), context))
        for name, spec in declared.items()
    }
    summary = workspace.parent / f"summary-{workspace.name}.md"
    summary.write_text("", encoding="utf-8")
    base_env = {
        **env,
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_REPOSITORY": "owner/other",
        "GITHUB_SERVER_URL": "https://github.invalid",
        "GITHUB_RUN_ID": "1",
        "GITHUB_EVENT_NAME": context["github"]["event_name"],
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    run = Run(outputs={})
    failed = False
    for number, step in enumerate(ACTION["runs"]["steps"]):
        name = step["name"]
        condition = str(step.get("if", "")).strip()
        if condition.startswith("${{"):
            condition = condition[3:-2]
        status_function = re.search(r"\b(always|cancelled|success|failure)\(\)", condition)
        if (failed and not status_function) or (
            condition and not evaluate(condition, context, failed=failed)
        ):
            run.steps[name] = "skipped"
            continue
        if "uses" in step:
            with_ = {k: substitute(v, context) for k, v in step.get("with", {}).items()}
            run.uploaded += [with_] if "upload-artifact" in step["uses"] else []
            run.steps[name] = "ran"
            continue
        if step.get("id") == "install":
            run.steps[name] = "skipped"
            continue
        output = workspace.parent / f"output-{workspace.name}-{number}"
        output.write_text("", encoding="utf-8")
        step_env = {k: substitute(v, context) for k, v in step.get("env", {}).items()}
        script = workspace.parent / f"step-{workspace.name}-{number}.sh"
        script.write_text(step["run"], encoding="utf-8")
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env={**base_env, **step_env, "GITHUB_OUTPUT": str(output)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        run.logs[name] = proc.stdout + proc.stderr
        outputs = dict(
            line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines() if line
        )
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": outputs}
        run.steps[name] = "ran" if proc.returncode == 0 else "failed"
        failed = failed or proc.returncode != 0
    run.outputs = {
        name: substitute(spec["value"], context) for name, spec in ACTION["outputs"].items()
    }
    run.summary = summary.read_text(encoding="utf-8")
    return run


def test_the_runner_reads_the_expressions_the_action_uses() -> None:
    context = {
        "inputs": {"state-branch": "s", "base": ""},
        "steps": {"crawl": {"outputs": {"exit_code": "3"}}},
        "github": {"event": {"pull_request": {"base": {"sha": "abc"}}}},
    }
    assert evaluate("inputs.base || github.event.pull_request.base.sha", context) == "abc"
    assert evaluate(
        "!cancelled() && inputs.state-branch != '' && (steps.crawl.outputs.exit_code == '0' "
        "|| steps.crawl.outputs.exit_code == '3')",
        context,
    )
    assert not evaluate("steps.crawl.outputs.exit_code == '0'", context)
    assert not evaluate("steps.nothing.outputs.x != ''", context)


# ---------------------------------------------------------------------------------------------
# the other repository


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()


LIST = """# Papers

- [alive](http://plain.test/ok)
- [gone](http://plain.test/status/404)
"""


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare remote holding the other repository: lists/list.md with a dead link."""
    bare = tmp_path / "origin.git"
    _git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    (seed / "lists").mkdir(parents=True)
    (seed / "lists" / "list.md").write_text(LIST, encoding="utf-8")
    _git(seed, "init", "-q", "-b", "main")
    _git(seed, "add", ".")
    _git(seed, "commit", "-q", "-m", "lists")
    _git(seed, "push", "-q", str(bare), "main")
    return bare


def checkout(origin: Path, name: str, ref: str = "main") -> Path:
    """What actions/checkout leaves: a clone (the origin remote) at ``ref``."""
    work = origin.parent / name
    _git(origin.parent, "clone", "-q", str(origin), str(work))
    _git(work, "checkout", "-q", ref)
    return work


def environment(web: FakeWeb, gh: FakeGh, now: str) -> dict[str, str]:
    env = web.env(gh.env())
    for name in list(env):
        if name.startswith(("LINKHEALTH_", "SCRAPY_", "GITHUB_", "GIT_", "STATE_", "REPORT_")):
            del env[name]
    bin_dir = gh.bin
    linkhealth = bin_dir / "linkhealth"
    linkhealth.write_text(
        f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m crawler.cli "$@"\n',
        encoding="utf-8",
    )
    linkhealth.chmod(0o755)
    env.update({name: value for name, value in FAST.items() if name.startswith("LINKHEALTH_")})
    env.update(
        {
            "DOWNLOAD_DELAY": "0",
            "DOWNLOAD_TIMEOUT": "4",
            "RETRY_TIMES": "1",
            "LINKHEALTH_NOW": now,
            "LINKHEALTH_IGNORE_FILE": str(web.workdir / "ignore.toml"),
            "STATE_PUSH_TRIES": "2",
        }
    )
    return env


def _log(origin: Path, branch: str) -> list[str]:
    return _git(origin, "log", "--format=%H", branch).splitlines()


@pytest.mark.e2e
def test_the_action_in_another_repository(origin: Path, fakeweb: FakeWeb, tmp_path: Path) -> None:
    (tmp_path / "gh").mkdir()
    gh = FakeGh(tmp_path / "gh")
    inputs = {"paths": "lists"}

    # first scheduled run: creates the state branch, the report branch and the rolling issue
    first = run_action(
        checkout(origin, "run1"), inputs, environment(fakeweb, gh, "2026-11-02T03:17:00Z")
    )
    assert not first.failed, first.logs
    assert first.outputs["exit_code"] == "0"
    assert first.outputs["mode"] == "scheduled"
    assert first.outputs["dead"] == "1"
    assert first.outputs["links"] == "2"
    assert json.loads(first.outputs["counts"]) == {"alive": 1, "dead": 1}
    assert (
        first.outputs["report-url"] == "https://github.invalid/owner/other/tree/link-health-report"
    )
    assert "# Link health" in first.summary
    assert first.uploaded == [
        {
            "name": "link-health-reports",
            "path": "reports/",
            "if-no-files-found": "warn",
            "retention-days": "30",
        }
    ]
    assert len(_log(origin, "link-health-state")) == 1
    assert len(_log(origin, "link-health-report")) == 1
    tree = _git(origin, "ls-tree", "--name-only", "link-health-report").splitlines()
    assert {"links.csv", "links.json", "links.sarif", "index.html"} <= set(tree)
    issues = gh.issues()
    assert len(issues) == 1
    assert "<http://plain.test/status/404>" in issues[0]["body"]

    # second scheduled run, a week later, on a fresh checkout: updates them
    second = run_action(
        checkout(origin, "run2"), inputs, environment(fakeweb, gh, "2026-11-09T03:17:00Z")
    )
    assert not second.failed, second.logs
    assert "restored" in second.logs["Restore state from the state branch"]
    state = _log(origin, "link-health-state")
    assert len(state) == 2
    assert len(_log(origin, "link-health-report")) == 2
    issues = gh.issues()
    assert len(issues) == 1, "never a second issue"
    assert "run 2" in issues[0]["body"]
    assert [c["argv"][:2] for c in gh.calls()].count(["issue", "edit"]) == 1

    # a pull request that adds a dead link next to the old one
    work = checkout(origin, "pr")
    base = _git(work, "rev-parse", "HEAD")
    _git(work, "checkout", "-q", "-b", "add-links")
    (work / "lists" / "list.md").write_text(
        LIST + "- [new, gone](http://plain.test/status/410)\n- [new](http://plain.test/new)\n",
        encoding="utf-8",
    )
    _git(work, "commit", "-q", "-am", "more links")
    calls_before = len(gh.calls())
    requests_before = len(fakeweb.requests())
    pr = run_action(
        work,
        inputs,
        environment(fakeweb, gh, "2026-11-10T12:00:00Z"),
        github={
            "event_name": "pull_request",
            "event": {"pull_request": {"base": {"sha": base}}},
        },
    )
    assert pr.outputs["mode"] == "pull-request"
    assert pr.outputs["exit_code"] == "3"  # the new dead link: fail-on is "dead" on a PR
    assert pr.failed
    assert pr.steps["Verdict"] == "failed"
    annotations = [
        line for line in pr.logs["Check the links"].splitlines() if line.startswith("::error file")
    ]
    assert annotations == [
        "::error file=lists/list.md,line=5,title=linkhealth%3A dead link (http-410)::dead link "
        "http://plain.test/status/410: the server says the page is gone for good (410) "
        "(HTTP: 410)"
    ]
    fetched = {r["url"] for r in fakeweb.requests()[requests_before:] if "plain.test" in r["url"]}
    assert {u.split("plain.test", 1)[1] for u in fetched} == {"/status/410", "/new"}
    # the state, the report branch and the issue are left alone
    for skipped in (
        "Restore state from the state branch",
        "Push the state file",
        "Publish the reports",
        "Create, update or close the rolling issue",
    ):
        assert pr.steps[skipped] == "skipped", skipped
    assert _log(origin, "link-health-state") == state
    assert len(_log(origin, "link-health-report")) == 2
    assert len(gh.calls()) == calls_before
    assert not (work / "state" / "linkhealth.sqlite").exists()
    assert json.loads(pr.outputs["counts"]) == {"alive": 1, "dead": 1}
