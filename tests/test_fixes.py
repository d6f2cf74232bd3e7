"""The fix-up diff: applies cleanly with patch, changes only what it should."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from crawler.base.rules import load_rules
from crawler.cli import main
from crawler.report.fixes import LinkState, all_fixes, apply, plan, render_fixes_md, unified_diff

WX = (
    "https://mp.weixin.qq.com/s?__biz=MzAAAA==&amp;mid=1&amp;idx=1&amp;sn=live01"
    "&amp;scene=1&amp;key=SECRETKEY1&amp;uin=SECRETUIN2#rd"
)
WX_CLEAN = "https://mp.weixin.qq.com/s?__biz=MzAAAA==&mid=1&idx=1&sn=live01"
ARCHIVED = "https://web.archive.org/web/20200101000000/https://dead.test/page"
LIST = (
    "# list\r\n"
    "untouched line\r\n"
    f"- [文章]({WX})\r\n"
    "- [dead](https://dead.test/page) and <https://dead.test/page>\r\n"
    "- moved http://old.test/x here\r\n"
    '<p><a href="https://dead.test/page">d</a></p>\r\n'
    "- [fine](https://fine.test/)\r\n"
    "`https://dead.test/page` in code\r\n"
    "last line without newline https://fine.test/"
)


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    root = tmp_path / "seeds"
    root.mkdir()
    (root / "list.md").write_bytes(LIST.encode("utf-8"))
    (root / "other.md").write_bytes(b"nothing to fix https://fine.test/\n")
    return root


STATES = {
    "https://dead.test/page": LinkState(
        "dead", "http-404", confirmed_dead=True, archive_url=ARCHIVED
    ),
    "http://old.test/x": LinkState("alive", "redirected-permanent", final_url="https://new.test/x"),
    "https://fine.test/": LinkState("alive", "ok"),
    WX_CLEAN: LinkState("alive", "ok"),
}


def test_diff_applies_with_patch_and_changes_only_what_it_should(seeds: Path) -> None:
    rules = load_rules()
    planned = plan(seeds, STATES, rules)
    diff = unified_diff(planned)
    assert "other.md" not in diff
    before = (seeds / "list.md").read_bytes()
    if shutil.which("patch"):
        subprocess.run(
            ["patch", "-p1", "--dry-run", "--binary"],
            cwd=seeds,
            input=diff.encode(),
            check=True,
            capture_output=True,
        )
    apply(seeds, planned)
    after = (seeds / "list.md").read_bytes().decode("utf-8")
    old_lines = before.decode("utf-8").splitlines(keepends=True)
    new_lines = after.splitlines(keepends=True)
    assert len(old_lines) == len(new_lines)
    changed = {i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b}
    assert changed == {2, 3, 4, 5}
    assert new_lines[0] == old_lines[0]
    assert new_lines[1] == old_lines[1]
    assert new_lines[-1] == old_lines[-1]  # no newline at the end, untouched
    wx_line = new_lines[2]
    assert "SECRET" not in wx_line
    assert WX_CLEAN.replace("&", "&amp;") in wx_line
    assert wx_line.endswith("\r\n")
    assert new_lines[3] == (
        f"- [dead](https://dead.test/page) [archived]({ARCHIVED}) and "
        f"<https://dead.test/page> [archived]({ARCHIVED})\r\n"
    )
    assert new_lines[4] == "- moved https://new.test/x here\r\n"
    assert f'<a href="{ARCHIVED}">archived</a>' in new_lines[5]
    assert (seeds / "other.md").read_bytes() == b"nothing to fix https://fine.test/\n"
    # idempotent: nothing left to propose
    assert unified_diff(plan(seeds, STATES, rules)) == ""


def test_fixes_md_has_clean_urls_only(seeds: Path) -> None:
    planned = plan(seeds, STATES, load_rules())
    text = render_fixes_md(all_fixes(planned))
    assert "SECRET" not in text
    assert WX_CLEAN in text
    assert ARCHIVED in text
    assert "https://new.test/x" in text
    # every fix shows what was there (its values masked) and what it becomes, credentials too
    rows = {line.split(" | ")[1]: line for line in text.splitlines() if line.startswith("| list")}
    was_wx = (
        "https://mp.weixin.qq.com/s?__biz=MzAAAA==&mid=1&idx=1&sn=live01"
        "&scene=REDACTED&key=REDACTED&uin=REDACTED#rd"
    )
    assert rows["credentials or trackers: use the clean URL"] == (
        f"| list.md:3 | credentials or trackers: use the clean URL | {was_wx} | {WX_CLEAN} |"
    )
    assert "| http://old.test/x | https://new.test/x |" in text


def test_cli_prints_then_applies(
    seeds: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    links = tmp_path / "links.csv"
    rows = ["url,status,reason,final_url,confirmed_dead,archive_url"]
    rows += [
        f"{url},{s.status},{s.reason},{s.final_url},{s.confirmed_dead},{s.archive_url}"
        for url, s in STATES.items()
    ]
    links.write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = (seeds / "list.md").read_bytes()
    args = ["fix", "--seeds", str(seeds), "--links", str(links)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("--- a/list.md")
    assert (seeds / "list.md").read_bytes() == before
    assert main([*args, "--apply"]) == 0
    assert (seeds / "list.md").read_bytes() != before
    assert main(args) == 0
    assert "Nothing to change" in capsys.readouterr().err


def test_no_proposal_for_a_link_not_dead_now_or_holding_a_credential_like_value(
    tmp_path: Path,
) -> None:
    # issue 13: a link confirmed dead that is now blocked is not rewritten; a URL that needs a
    # credential-like value (masked in every output) is never proposed
    root = tmp_path / "seeds"
    root.mkdir()
    masked = "https://tok.test/a?access_token=SECRETTOKEN12345&utm_source=x"
    (root / "list.md").write_text(
        f"- [dead](https://dead.test/page)\n- [tok]({masked})\n- [moved](http://old.test/y)\n",
        encoding="utf-8",
    )
    rules = load_rules()
    states = {
        "https://dead.test/page": LinkState(
            "blocked", "anti-bot", confirmed_dead=True, archive_url=ARCHIVED
        ),
        "https://tok.test/a?access_token=REDACTED": LinkState(
            "dead", "http-404", confirmed_dead=True, archive_url=ARCHIVED
        ),
        "http://old.test/y": LinkState(
            "alive", "redirected-permanent", final_url="https://new.test/y?session_id=REDACTED"
        ),
    }
    assert plan(root, states, rules) == {}
    # the same dead link, dead now: rewritten
    states["https://dead.test/page"] = LinkState(
        "dead", "http-404", confirmed_dead=True, archive_url=ARCHIVED
    )
    planned = plan(root, states, rules)
    assert [f.kind for f in all_fixes(planned)] == ["archive"]
