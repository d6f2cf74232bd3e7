"""`linkhealth rules explain` and `linkhealth rules`: the rules a user edits, checked offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.cli import main

WX = "https://mp.weixin.qq.com/s?__biz=MzA==&mid=1&idx=1&sn=abc"
PAGE = (
    '<html><head><title></title></head><body><div class="weui-msg">'
    '<p class="weui-msg__title">该文章已被作者隐藏</p></div></body></html>'
)


def test_explain_names_the_rule_and_a_new_wording_changes_the_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    url = f"{WX}&key=SECRETKEY000001&session_blob=SECRETSESS000002&scene=1"
    assert main(["rules", "explain", str(page), "--url", url]) == 0
    out = capsys.readouterr().out
    assert "SECRETKEY000001" not in out
    assert "SECRETSESS000002" not in out
    assert "key=•••  dropped: a credential" in out
    assert "session_blob=•••  dropped: not kept by page type wechat-article" in out
    assert "verdict:    blocked" in out
    assert "reason:     unrecognized-page" in out
    assert "evidence:   message: 该文章已被作者隐藏" in out
    assert "rule:       platform wechat: message_selectors" in out

    # docs/rules.md's recipe: add the wording to a rules file, check it with explain
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[platform]]\nname = "wechat"\n'
        'removal_markers = ["该内容已被发布者删除", "该文章已被作者隐藏"]\n',
        encoding="utf-8",
    )
    assert main(["rules", str(rules)]) == 0
    assert main(["rules", "explain", str(page), "--url", WX, "--rules", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "verdict:    dead" in out
    assert "rule:       platform wechat: removal_markers" in out


def test_a_page_type_may_not_keep_a_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[page]]\nname = "wechat-article"\nhosts = ["=mp.weixin.qq.com"]\npath = "^/s$"\n'
        'keep = ["__biz", "mid", "idx", "sn", "pass_ticket"]\n'
        'content_selectors = ["#js_content", "#activity-name"]\n',
        encoding="utf-8",
    )
    assert main(["rules", str(rules)]) == 2
    assert "keeps 'pass_ticket', a credential" in capsys.readouterr().err
    rules.write_text(
        rules.read_text(encoding="utf-8").replace('"pass_ticket"', '"user_token"'),
        encoding="utf-8",
    )
    assert main(["rules", str(rules)]) == 2
    assert "keeps 'user_token', a credential" in capsys.readouterr().err
    # one content signal is not enough
    rules.write_text(
        '[[page]]\nname = "x"\nhosts = ["x.test"]\npath = "^/a$"\ncontent_selectors = ["#a"]\n',
        encoding="utf-8",
    )
    assert main(["rules", str(rules)]) == 2
    assert "at least 2 content signals" in capsys.readouterr().err


def test_explain_refuses_an_unreadable_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "explain", str(tmp_path / "none.html"), "--url", WX]) == 2
    assert "cannot read" in capsys.readouterr().err
