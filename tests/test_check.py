"""`linkhealth check`: the crawl from any folder (crawler/check.py, crawler/selection.py).

The end-to-end tests run the command in a temporary "other" repository (no scrapy.cfg) through
the fake web; one of them from a wheel built from this tree and installed in a fresh virtual
environment outside the repository.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.base.registry import ConfigError
from crawler.selection import added_lines, config_file, stage, workflow_annotations
from tests.conftest import FAST, ROOT, run_crawl
from tests.fakeweb import FakeWeb

NOW = "2026-12-01T10:00:00Z"


# ---------------------------------------------------------------------------------------------
# the config file, the diff, the staged seeds, the annotations


def test_config_file_linkhealth_toml_then_pyproject(tmp_path: Path) -> None:
    assert config_file(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.linkhealth]\nLINKHEALTH_CONFIRM_CHECKS = 2\n'
        "LINKHEALTH_RESUME = false\n",
        encoding="utf-8",
    )
    found = config_file(tmp_path)
    assert found is not None
    assert found[1] == {"LINKHEALTH_CONFIRM_CHECKS": "2", "LINKHEALTH_RESUME": "false"}
    (tmp_path / "linkhealth.toml").write_text(
        'LINKHEALTH_FAIL_ON = ["dead", "error"]\nDOWNLOAD_DELAY = 0.5\n', encoding="utf-8"
    )
    found = config_file(tmp_path)
    assert found is not None
    assert found[0] == tmp_path / "linkhealth.toml"
    assert found[1] == {"LINKHEALTH_FAIL_ON": "dead,error", "DOWNLOAD_DELAY": "0.5"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("LINKHEALTH_FAIL_OFF = 'dead'\n", "unknown setting LINKHEALTH_FAIL_OFF"),
        ("fail_on = 'dead'\n", "is not a setting name"),
        ("[LINKHEALTH_RULES]\nx = 1\n", "expected text"),
        ("LINKHEALTH_FAIL_ON = \n", "linkhealth.toml"),
    ],
)
def test_config_file_problems_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "linkhealth.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        config_file(tmp_path)


def test_added_lines_from_a_zero_context_diff() -> None:
    diff = (
        "diff --git a/l.md b/l.md\n--- a/l.md\n+++ b/l.md\n"
        "@@ -3 +3 @@\n-old\n+new\n"
        "@@ -10,0 +11,2 @@\n+a\n+b\n"
        "@@ -20,2 +22,0 @@\n-gone\n-gone\n"
    )
    assert added_lines(diff) == {3, 11, 12}


def test_stage_keeps_line_numbers_and_the_repository_around(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "docs" / "img").mkdir(parents=True)
    (repo / "docs" / "list.md").write_text("one\ntwo\nthree\nfour\n", encoding="utf-8")
    (repo / "docs" / "other.md").write_text("[x](http://a.test/)\n", encoding="utf-8")
    (repo / "docs" / "img" / "a.png").write_bytes(b"png")
    (repo / "README.md").write_text("[r](http://r.test/)\n", encoding="utf-8")
    (repo / ".git").mkdir()
    seeds = stage(repo, {repo / "docs" / "list.md": {2, 4}}, tmp_path / "staged")
    assert (seeds / "docs" / "list.md").read_text(encoding="utf-8") == "\ntwo\n\nfour\n"
    # the other lists exist, empty; the rest of the repository is reached through links
    assert (seeds / "docs" / "other.md").read_text(encoding="utf-8") == ""
    assert (seeds / "README.md").read_text(encoding="utf-8") == ""
    assert (seeds / "docs" / "img").is_symlink()
    assert (seeds / "docs" / "img" / "a.png").read_bytes() == b"png"
    assert not (seeds / ".git").exists()


def test_workflow_annotations_escape_and_pick_the_statuses(tmp_path: Path) -> None:
    document = {
        "links": [
            {
                "url": "http://a.test/x,y",
                "status": "dead",
                "reason": "http-404",
                "detail": "HTTP: 404\nmore",
                "occurrences": [
                    {"file": "lists/a,b.md", "line": 3, "link_text": "t"},
                    {"file": "c.md", "line": 9, "link_text": ""},
                ],
            },
            {
                "url": "http://b.test/",
                "status": "blocked",
                "reason": "http-403",
                "detail": "",
                "occurrences": [{"file": "c.md", "line": 1, "link_text": ""}],
            },
        ]
    }
    path = tmp_path / "links.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    lines = list(workflow_annotations(path, ["dead"]))
    assert lines == [
        "::error file=lists/a%2Cb.md,line=3,title=linkhealth%3A dead link (http-404)::dead link "
        "http://a.test/x,y: the server says the page does not exist (404) (HTTP: 404%0Amore)",
        "::error file=c.md,line=9,title=linkhealth%3A dead link (http-404)::dead link "
        "http://a.test/x,y: the server says the page does not exist (404) (HTTP: 404%0Amore)",
    ]


# ---------------------------------------------------------------------------------------------
# end to end, through the fake web


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


LIST = """# A reading list

- [alive](http://plain.test/ok)
- [gone](http://plain.test/status/404)
- [a note](notes.txt)
"""


def other_repository(root: Path) -> Path:
    """A repository that is not this one: a list, a note it links to, a README."""
    repo = root / "other"
    (repo / "lists").mkdir(parents=True)
    (repo / "lists" / "list.md").write_text(LIST, encoding="utf-8")
    (repo / "lists" / "notes.txt").write_text("no links here\n", encoding="utf-8")
    (repo / "LICENSE").write_text("MIT\n", encoding="utf-8")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "lists")
    return repo


def check_command(
    repo: Path,
    web: FakeWeb,
    *args: str,
    linkhealth: list[str] | None = None,
    environment: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`linkhealth check ARGS` in ``repo`` (from this checkout unless ``linkhealth`` says)."""
    env = web.env()
    for name in list(env):
        if name.startswith(("LINKHEALTH_", "SCRAPY_", "GITHUB_")):
            del env[name]
    env["LINKHEALTH_NOW"] = NOW
    env["LINKHEALTH_STATE_DB"] = str(repo.parent / "state.sqlite")
    env["LINKHEALTH_IGNORE_FILE"] = str(repo.parent / "ignore.toml")
    env.update(environment or {})
    if linkhealth is None:
        env["PYTHONPATH"] = str(ROOT)
        linkhealth = [sys.executable, "-m", "crawler.cli"]
    else:
        env.pop("PYTHONPATH", None)
    settings = [a for name, value in FAST.items() for a in ("-s", f"{name}={value}")]
    return subprocess.run(
        [*linkhealth, "check", *args, *settings],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.mark.e2e
def test_pull_request_mode_checks_and_annotates_only_what_the_change_adds(
    tmp_path: Path, fakeweb: FakeWeb
) -> None:
    repo = other_repository(tmp_path)
    # the scheduled run: the history
    first = check_command(repo, fakeweb, "lists")
    assert first.returncode == 0, first.stderr
    state = repo.parent / "state.sqlite"
    history = state.read_bytes()
    _git(repo, "checkout", "-q", "-b", "change")
    text = LIST.replace("[alive](http://plain.test/ok)", "[alive](http://plain.test/ok-moved)")
    text += "- [new and gone](http://plain.test/status/410)\n- [new](http://plain.test/new)\n"
    # relative links on added lines still reach the repository's files (a list, another file)
    text += "- [notes](notes.txt) and the [licence](../LICENSE)\n"
    (repo / "lists" / "list.md").write_text(text, encoding="utf-8")
    (repo / "README.md").write_text("[elsewhere](http://plain.test/status/404)\n", "utf-8")
    _git(repo, "commit", "-q", "-am", "change")
    before = len(fakeweb.requests())
    result = check_command(repo, fakeweb, "lists", "--changed-since", "main")
    assert result.returncode == 3, result.stdout + result.stderr  # the new dead link
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert annotations == [
        "::error file=lists/list.md,line=6,title=linkhealth%3A dead link (http-410)::dead link "
        "http://plain.test/status/410: the server says the page is gone for good (410) "
        "(HTTP: 410)"
    ]
    # only the added and altered links were fetched; the history was not touched
    fetched = {r["url"] for r in fakeweb.requests()[before:] if "plain.test" in r["url"]}
    assert {u.split("plain.test")[1] for u in fetched} == {"/ok-moved", "/status/410", "/new"}
    assert state.read_bytes() == history
    links = {
        row["url"]: row
        for row in json.loads((repo / "reports" / "links.json").read_text(encoding="utf-8"))[
            "links"
        ]
    }
    assert {url: link["status"] for url, link in links.items()} == {
        "http://plain.test/ok-moved": "alive",
        "http://plain.test/status/410": "dead",
        "http://plain.test/new": "alive",
        "lists/notes.txt": "alive",
        # reached through the staged folder's link to the repository: shown as written
        "lists/../LICENSE": "alive",
    }
    # nothing changed since HEAD: nothing to check, exit 0, nothing fetched
    again = check_command(repo, fakeweb, "--changed-since", "HEAD")
    assert again.returncode == 0, again.stderr
    assert "no seed line changed" in again.stderr


@pytest.mark.e2e
def test_the_config_file_is_validated_like_the_crawl_and_the_environment_wins(
    tmp_path: Path, fakeweb: FakeWeb
) -> None:
    repo = other_repository(tmp_path)
    (repo / "linkhealth.toml").write_text('LINKHEALTH_FAIL_ON = "gone"\n', encoding="utf-8")
    bad = check_command(repo, fakeweb, "lists")
    assert bad.returncode == 2, bad.stderr
    assert "linkhealth: configuration error: LINKHEALTH_FAIL_ON: unknown status gone" in (
        bad.stderr
    )
    assert not (repo / "reports").exists()
    # the environment wins over the file (and -s over both)
    env_wins = check_command(repo, fakeweb, "lists", environment={"LINKHEALTH_FAIL_ON": "dead"})
    assert env_wins.returncode == 3, env_wins.stderr
    s_wins = check_command(
        repo,
        fakeweb,
        "lists",
        "-s",
        "LINKHEALTH_FAIL_ON=error",
        environment={"LINKHEALTH_FAIL_ON": "x"},
    )
    assert s_wins.returncode == 0, s_wins.stderr
    (repo / "linkhealth.toml").write_text("NO_SUCH_SETTING = 1\n", encoding="utf-8")
    unknown = check_command(repo, fakeweb, "lists")
    assert unknown.returncode == 2
    assert "unknown setting NO_SUCH_SETTING" in unknown.stderr


# ---------------------------------------------------------------------------------------------
# the wheel, in a fresh virtual environment outside the repository


@pytest.mark.e2e
def test_a_built_wheel_checks_another_repository_like_scrapy_crawl_seeds(
    tmp_path: Path, fakeweb: FakeWeb, installed: Path
) -> None:
    linkhealth = installed / "bin" / "linkhealth"
    version = subprocess.run(
        [str(linkhealth), "--version"], capture_output=True, text=True, check=True, timeout=60
    )
    assert version.stdout.strip() == "linkhealth 0.1.0"
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import crawler; print(crawler.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout

    repo = other_repository(tmp_path)
    (repo / "linkhealth.toml").write_text(
        'LINKHEALTH_FAIL_ON = ["dead"]\nLINKHEALTH_REPORT_DIR = "out"\n', encoding="utf-8"
    )
    assert not (repo / "scrapy.cfg").exists()
    result = check_command(repo, fakeweb, "lists", linkhealth=[str(linkhealth)])
    assert result.returncode == 3, result.stdout + result.stderr  # linkhealth.toml: fail on dead
    assert not (repo / "reports").exists()

    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    reference = run_crawl(
        repo / "lists", reference_dir, env=fakeweb.env(), settings={"LINKHEALTH_NOW": NOW}
    )
    assert reference.returncode == 0, reference.stderr
    for name in ("links.csv", "occurrences.csv", "summary.md", "fixes.md"):
        ours = (repo / "out" / name).read_text(encoding="utf-8")
        assert ours == (reference.reports / name).read_text(encoding="utf-8"), name
    statuses = {row["url"]: row["status"] for row in reference.links()}
    assert statuses == {
        "http://plain.test/ok": "alive",
        "http://plain.test/status/404": "dead",
        "notes.txt": "alive",
    }
    ours_json = json.loads((repo / "out" / "links.json").read_text(encoding="utf-8"))
    assert (
        ours_json["links"]
        == json.loads((reference.reports / "links.json").read_text(encoding="utf-8"))["links"]
    )
    shutil.rmtree(repo / "out")


@pytest.mark.e2e
def test_without_paths_the_tracked_lists_and_several_paths_keep_their_repository_paths(
    tmp_path: Path, fakeweb: FakeWeb
) -> None:
    repo = other_repository(tmp_path)
    (repo / "README.md").write_text("[home](http://plain.test/home)\n", encoding="utf-8")
    (repo / "untracked.md").write_text("[x](http://plain.test/untracked)\n", encoding="utf-8")
    _git(repo, "add", "README.md")
    _git(repo, "commit", "-q", "-m", "readme")
    first = check_command(repo, fakeweb)
    assert first.returncode == 0, first.stderr
    sources = {row["url"]: row["sources"] for row in _links(repo / "reports")}
    assert sources == {
        "http://plain.test/home": "README.md:1",
        "http://plain.test/ok": "lists/list.md:3",
        "http://plain.test/status/404": "lists/list.md:4",
        "lists/notes.txt": "lists/list.md:5",
    }
    # the reports of the first run (summary.md, fixes.md) are not read as lists
    (repo / "reports" / "summary.md").rename(repo / "reports" / "kept.md")
    _git(repo, "add", "-f", "reports/kept.md")
    second = check_command(repo, fakeweb, "lists/list.md", "untracked.md")
    assert second.returncode == 0, second.stderr
    sources = {row["url"]: row["sources"] for row in _links(repo / "reports")}
    assert sources == {
        "http://plain.test/ok": "lists/list.md:3",
        "http://plain.test/status/404": "lists/list.md:4",
        "lists/notes.txt": "lists/list.md:5",
        "http://plain.test/untracked": "untracked.md:1",
    }
    third = check_command(repo, fakeweb)
    assert third.returncode == 0, third.stderr
    assert "http://plain.test/untracked" not in {r["url"] for r in _links(repo / "reports")}
    assert not any(r["sources"].startswith("reports/") for r in _links(repo / "reports"))


def _links(reports: Path) -> list[dict[str, str]]:
    with (reports / "links.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.e2e
def test_the_config_file_reaches_the_child_processes(tmp_path: Path, fakeweb: FakeWeb) -> None:
    repo = other_repository(tmp_path)
    (repo / "lists" / "more.md").write_text(
        "".join(f"- [p{i}](http://host{i}.test/ok)\n" for i in range(6)), encoding="utf-8"
    )
    (repo / "linkhealth.toml").write_text(
        'LINKHEALTH_PROCESSES = 2\nUSER_AGENT = "agent-from-linkhealth.toml"\n', encoding="utf-8"
    )
    result = check_command(repo, fakeweb, "lists")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("child process") >= 2, result.stderr[-3000:]
    agents = {
        str(r["headers"].get("user-agent"))
        for r in fakeweb.requests()
        if ".test" in r["url"] and r["method"] == "GET"
    }
    assert agents == {"agent-from-linkhealth.toml"}
