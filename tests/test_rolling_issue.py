"""scripts/rolling_issue.py against a fake ``gh`` (tests/data/gh/fake_gh.py) first on PATH."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.report.columns import LINK_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "rolling_issue.py"
DATA = ROOT / "tests" / "data" / "gh"
FAKE_GH = DATA / "fake_gh.py"
LABEL = "link-health"
HOSTILE = "| [x](javascript:alert(1)) <script>"


def _load_module():
    spec = importlib.util.spec_from_file_location("rolling_issue", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["rolling_issue"] = module
    spec.loader.exec_module(module)
    return module


ri = _load_module()


def test_the_columns_it_reads_are_links_csv_columns() -> None:
    # the script keeps its own list (the Action runs it without the package installed)
    missing = [name for name in ri.REQUIRED_COLUMNS if name not in LINK_COLUMNS]
    assert missing == []


class FakeGh:
    """The fake gh's bin dir, call log and issue state."""

    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.bin.mkdir()
        self.log = root / "gh-calls.jsonl"
        self.state = root / "gh-state.json"
        gh = self.bin / "gh"
        gh.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_GH}" "$@"\n', encoding="utf-8")
        gh.chmod(0o755)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["FAKE_GH_LOG"] = str(self.log)
        env["FAKE_GH_STATE"] = str(self.state)
        env.pop("GH_TOKEN", None)
        env.pop("GITHUB_TOKEN", None)
        return env

    def calls(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def issues(self) -> list[dict]:
        if not self.state.exists():
            return []
        return json.loads(self.state.read_text(encoding="utf-8"))["issues"]

    def run(self, reports: Path, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(SCRIPT), "--reports", str(reports), "--label", LABEL, *extra],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def gh(tmp_path: Path) -> FakeGh:
    return FakeGh(tmp_path)


def _ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _write_calls(gh: FakeGh) -> list[list[str]]:
    """The argv of every call that is not the read-only ``issue list``."""
    return [c["argv"] for c in gh.calls() if c["argv"][:2] != ["issue", "list"]]


def test_first_run_creates_one_labelled_issue(gh: FakeGh) -> None:
    out = _ok(gh.run(DATA / "run1", "--repo", "owner/repo"))
    assert "created" in out
    issues = gh.issues()
    assert len(issues) == 1
    issue = issues[0]
    assert issue["labels"] == [LABEL]
    assert issue["state"] == "open"
    creates = [c for c in gh.calls() if c["argv"][:2] == ["issue", "create"]]
    assert len(creates) == 1
    argv = creates[0]["argv"]
    assert argv[argv.index("--label") + 1] == LABEL
    assert argv[argv.index("--repo") + 1] == "owner/repo"
    assert "--body-file" in argv
    assert creates[0]["body"] == issue["body"]
    body = issue["body"]
    # Newly dead and confirmed dead are listed, with archive links and sources.
    assert "<https://blog.csdn.net/u012526003/article/details/80009014>" in body
    assert "<http://www.robots.ox.ac.uk/~vgg/research/very_deep/>" in body
    assert "sn=c74d8e21650ef4c855a54d2b12f2bb33>" in body
    assert "[snapshot](<https://web.archive.org/web/20230115093000/" in body
    assert "seeds/003\\_f9e17168fe38c8fa.txt:18" in body
    assert "run 12, 2025-03-03 03:21 UTC" in body
    # Not dead (blocked, error, alive, skipped, ignored) is not listed.
    for absent in ("jianshu.com", "paperswithcode.com", "zhuanlan.zhihu.com", "ftp://"):
        assert absent not in body
    # The label was made (or found) before the issue was created with it.
    names = [c["argv"][:2] for c in gh.calls()]
    assert names.index(["label", "create"]) < names.index(["issue", "create"])


def test_second_run_edits_the_same_issue(gh: FakeGh) -> None:
    _ok(gh.run(DATA / "run1"))
    first_body = gh.issues()[0]["body"]
    out = _ok(gh.run(DATA / "run2"))
    assert "updated issue #1" in out
    issues = gh.issues()
    assert len(issues) == 1, "never a second issue"
    body = issues[0]["body"]
    assert body != first_body
    edits = [c for c in gh.calls() if c["argv"][:2] == ["issue", "edit"]]
    assert len(edits) == 1
    assert edits[0]["argv"][2] == "1"
    assert edits[0]["body"] == body
    assert [c["argv"][:2] for c in gh.calls()].count(["issue", "create"]) == 1
    # run 2: the recovered WeChat article is gone, the new ones are in.
    assert "sn=c74d8e21650ef4c855a54d2b12f2bb33" not in body
    assert "sn=7c66026857da7615c425315652dc2ebe>" in body
    assert "<https://www.zhihu.com/question/34789255>" in body
    assert "run 13, 2025-03-10" in body
    # Still failing but not confirmed yet: kept listed, so the issue does not flap.
    assert "| still failing | <https://example.org/hostile> |" in body


def test_existing_label_is_tolerated(gh: FakeGh) -> None:
    gh.state.write_text(json.dumps({"next": 7, "issues": [], "labels": [LABEL]}), encoding="utf-8")
    _ok(gh.run(DATA / "run1"))
    issues = gh.issues()
    assert [i["number"] for i in issues] == [7]


def test_nothing_dead_closes_the_issue(gh: FakeGh) -> None:
    _ok(gh.run(DATA / "run1"))
    out = _ok(gh.run(DATA / "clean"))
    assert "closed issue #1" in out
    issues = gh.issues()
    assert len(issues) == 1
    assert issues[0]["state"] == "closed"
    assert issues[0]["comments"]
    assert "run 14" in issues[0]["comments"][0]
    closes = [c["argv"] for c in gh.calls() if c["argv"][:2] == ["issue", "close"]]
    assert len(closes) == 1
    assert closes[0][2] == "1"
    assert "--comment" in closes[0]


def test_nothing_dead_and_no_issue_does_nothing(gh: FakeGh) -> None:
    out = _ok(gh.run(DATA / "clean"))
    assert "nothing to do" in out
    assert _write_calls(gh) == []
    assert gh.issues() == []


def test_dead_again_after_close_opens_a_new_issue(gh: FakeGh) -> None:
    _ok(gh.run(DATA / "run1"))
    _ok(gh.run(DATA / "clean"))
    _ok(gh.run(DATA / "run2"))
    issues = gh.issues()
    assert [(i["number"], i["state"]) for i in issues] == [(1, "closed"), (2, "open")]


@pytest.mark.parametrize("fixture", ["degraded", "running"])
def test_degraded_or_running_run_touches_nothing(gh: FakeGh, fixture: str) -> None:
    _ok(gh.run(DATA / "run1"))
    before = gh.issues()
    n_calls = len(gh.calls())
    proc = gh.run(DATA / fixture)
    out = _ok(proc)
    assert f"run state is {fixture}" in out
    assert "left as it is" in out
    assert len(gh.calls()) == n_calls, "no gh call at all"
    assert gh.issues() == before


def test_degraded_run_on_a_fresh_repo_calls_no_gh(gh: FakeGh) -> None:
    out = _ok(gh.run(DATA / "degraded"))
    assert "no usable network" in out
    assert gh.calls() == []


def test_hostile_title_is_escaped(gh: FakeGh) -> None:
    _ok(gh.run(DATA / "run1"))
    body = gh.issues()[0]["body"]
    assert HOSTILE not in body
    escaped = "\\| \\[x\\](javascript:alert(1)) \\<script\\>"
    assert escaped in body
    row = next(line for line in body.splitlines() if "example.org/hostile" in line)
    # Seven cells: the hostile pipe did not open an eighth column.
    unescaped_pipes = row.replace("\\|", "").count("|")
    assert unescaped_pipes == 8
    assert "<script>" not in body
    assert "](javascript:" not in body.replace("\\](javascript:", "")


def test_md_text_escapes_markup_and_mentions() -> None:
    text = ri.md_text("a|b [c](d) `e` <f> *g* _h_ @team #12 $x$ ~s~ &amp;\nnext\\")
    for raw in ("|", "[", "]", "`", "<", ">", "*", "_", "$", "~", "&", "\\"):
        assert all(text[i - 1] == "\\" for i, ch in enumerate(text) if ch == raw and raw != "\\")
    assert "@\u200bteam" in text
    assert "#\u200b12" in text
    assert "\n" not in text
    assert ri.md_text("x" * 300, 120).endswith("…")
    assert len(ri.md_text("x" * 300, 120)) == 120


def test_md_url_only_links_http() -> None:
    assert ri.md_url("https://a.example/x|y") == "<https://a.example/x\\|y>"
    assert ri.md_url("javascript:alert(1)") == "javascript:alert(1)"
    assert ri.md_url("https://a.example/<x>").startswith("https://a.example/\\<")
    assert ri.md_link("snapshot", "javascript:alert(1)") == ""
    assert ri.md_link("snapshot", "https://web.archive.org/x|y") == (
        "[snapshot](<https://web.archive.org/x%7Cy>)"
    )


def test_body_is_capped_with_and_n_more(gh: FakeGh, tmp_path: Path) -> None:
    reports = tmp_path / "big"
    reports.mkdir()
    shutil.copy(DATA / "run1" / "run.json", reports / "run.json")
    with (DATA / "run1" / "links.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        template = next(r for r in reader if r["confirmed_dead"] == "True")
    with (reports / "links.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        for i in range(3000):
            row = dict(template)
            row["url"] = f"https://example.com/{i:05d}/{'segment/' * 20}"
            row["link_text"] = f"link {i} " + "长标题" * 60
            writer.writerow(row)
    _ok(gh.run(reports))
    body = gh.issues()[0]["body"]
    assert len(body) < 65536
    assert "… and " in body
    assert "more (the full list is in links.csv)" in body
    rows = [line for line in body.splitlines() if "| <https://example.com/" in line]
    shown = len(rows)
    # as many rows as fit: the body is within one row (and the room kept for the "… and N
    # more" line) of the limit
    longest = max(len(row) + 1 for row in rows)
    assert ri.BODY_LIMIT - 200 - longest < len(body) <= ri.BODY_LIMIT
    assert f"… and {3000 - shown} more" in body


def test_dry_run_changes_nothing(gh: FakeGh) -> None:
    out = _ok(gh.run(DATA / "run1", "--dry-run"))
    assert "would call: gh issue create" in out
    assert _write_calls(gh) == []
    assert gh.issues() == []


def test_missing_reports_exit_2(gh: FakeGh, tmp_path: Path) -> None:
    proc = gh.run(tmp_path / "nowhere")
    assert proc.returncode == 2
    assert "no run.json" in proc.stderr
    assert gh.calls() == []


def test_gh_failure_exits_1(gh: FakeGh) -> None:
    gh.state.write_text("{not json", encoding="utf-8")
    proc = gh.run(DATA / "run1")
    assert proc.returncode == 1
    assert "failed" in proc.stderr


def test_prints_only_what_links_csv_holds(gh: FakeGh) -> None:
    proc = gh.run(DATA / "run1")
    out = _ok(proc)
    assert out.strip() == "rolling_issue: created the rolling issue: 4 dead link(s)"
    assert proc.stderr == ""


def test_a_confirmed_link_that_is_not_dead_now_is_not_listed() -> None:
    # issue 13: past false verdicts do not act (a link confirmed dead, now blocked or alive)
    row = dict.fromkeys(ri.REQUIRED_COLUMNS, "")
    row.update(url="https://x.test/a", reason="http-404", confirmed_dead="True", fail_streak="3")
    listed = [link.url for link in ri.dead_links([{**row, "status": "dead"}])]
    assert listed == ["https://x.test/a"]
    for now in ("blocked", "alive", "error"):
        assert ri.dead_links([{**row, "status": now}]) == [], now
