"""Seed-link extraction (crawler/seeds/): the user's seed files, every link kind, bad input."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.seeds import (
    SEED_SUFFIXES,
    Occurrence,
    SeedProblem,
    extract_text,
    iter_seed_files,
    read_seed_file,
    scan_seeds,
)
from crawler.seeds import extraction as seeds

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def ext(text: str) -> list[Occurrence]:
    """The Markdown path without the never-raise safety net, so that a bug shows up here."""
    return seeds._extract(text, "t.md")


def one(text: str) -> Occurrence:
    found = ext(text)
    assert len(found) == 1, found
    return found[0]


def urls(text: str) -> list[str]:
    return [o.url for o in ext(text)]


def is_http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


# --------------------------------------------------------------------------------------------
# The user's seed files
# --------------------------------------------------------------------------------------------


def test_seed_files_http_counts():
    files = iter_seed_files(SEEDS)
    assert [f.suffix for f in files] == [".txt"] * 5
    occurrences, problems = scan_seeds(SEEDS)
    assert problems == []
    per_file = [sum(1 for o in occurrences if o.file == f.name and is_http(o.url)) for f in files]
    assert per_file == [16, 8, 94, 184, 19]
    assert sum(per_file) == 321
    # The same as a plain count of "http://" / "https://" substrings.  That holds because no
    # seed URL carries another URL in its query (`?u=https://...`): such a nested URL is one
    # substring more but, correctly, one occurrence only.  No seed link has a URL as its link
    # text either (`[https://a](https://a)` is one link, two substrings).
    for f, n in zip(files, per_file, strict=True):
        text = f.read_text(encoding="utf-8")
        assert len(re.findall(r"(?i)https?://", text)) == n


def test_seed_files_raw_text_line_and_titles():
    occurrences, _ = scan_seeds(SEEDS)
    lines = {f.name: f.read_text(encoding="utf-8").split("\n") for f in iter_seed_files(SEEDS)}
    for o in occurrences:
        assert o.raw
        assert o.raw in lines[o.file][o.line - 1]
        assert o.url == o.url.strip()
        assert "<" not in o.url
        assert len(o.text) <= 300
    by = {(o.file, o.line): o for o in occurrences}
    first = by[("000_3d8c2cec1347bbab.txt", 3)]
    assert first.kind == "bare"
    assert first.text == "1.【综述】盘点卷积神经网络中的池化操作"
    assert by[("000_3d8c2cec1347bbab.txt", 7)].text == "2.1 来聊聊ResNet及其变种"
    assert by[("002_96bf916bfcd447f1.txt", 36)].text == "Inception"
    assert (
        by[("002_96bf916bfcd447f1.txt", 26)].text
        == "ResNet及其变种的结构梳理、有效性分析与代码解读"
    )
    # a URL-only line under another URL-only line takes the heading above both
    assert by[("004_8453c2280335d72b.txt", 22)].text.startswith("1.More Is Less")
    # &amp; in a Markdown destination: raw keeps it, url is decoded
    amp = by[("003_f9e17168fe38c8fa.txt", 185)]
    assert "&amp;idx=1" in amp.raw
    assert "&idx=1" in amp.url
    assert "&amp;" not in amp.url
    kinds = {o.kind for o in occurrences if o.file.startswith("003")}
    assert kinds == {"inline", "autolink", "bare", "code", "html"}


# --------------------------------------------------------------------------------------------
# Each kind of link
# --------------------------------------------------------------------------------------------


def test_inline_link():
    o = one('See [Foo *bar*](https://x.com/a "T") now')
    assert (o.kind, o.line, o.raw, o.url, o.text, o.file) == (
        "inline",
        1,
        "https://x.com/a",
        "https://x.com/a",
        "Foo bar",
        "t.md",
    )


def test_reference_links_reported_at_their_definition():
    text = '# T\n\n[a][r] and [again][R]\n\n[r]: https://x.com/r "Title"\n[u]: <./unused.md>\n'
    r, u = ext(text)
    assert (r.kind, r.line, r.raw, r.url, r.text) == (
        "reference",
        5,
        "https://x.com/r",
        "https://x.com/r",
        "a",
    )
    assert (u.kind, u.line, u.raw, u.url, u.text) == (
        "reference",
        6,
        "./unused.md",
        "./unused.md",
        "u",
    )
    titled = ext('x\n\n[t]: https://x.com/t "The title"\n[T]: https://x.com/dup\n')
    assert [(o.line, o.url, o.text) for o in titled] == [
        (3, "https://x.com/t", "The title"),
        (4, "https://x.com/dup", "T"),  # duplicate definition: never used, still reported
    ]
    wrapped = ext('[b]\n\n[b]:\n  https://x.com/b\n  "t"\n')
    assert [(o.line, o.url, o.text) for o in wrapped] == [(4, "https://x.com/b", "b")]


def test_a_reference_definition_is_reported_as_written_with_escapes_and_entities():
    # markdown-it decodes the destination; ``raw`` is found back on the line as written, so a
    # fix-up replaces exactly it
    escaped, entity = ext(
        '[a][r] [b][s]\n\n[r]: https://x.com/a\\_b?x=1&amp;y=2 "T"\n[s]: <https://x.com/&#40;p&#41;>\n'
    )
    assert (escaped.line, escaped.raw, escaped.url) == (
        3,
        "https://x.com/a\\_b?x=1&amp;y=2",
        "https://x.com/a_b?x=1&y=2",
    )
    assert (entity.line, entity.raw, entity.url) == (
        4,
        "https://x.com/&#40;p&#41;",
        "https://x.com/(p)",
    )


def test_autolink():
    a, b = ext("Docs: <https://x.com/?a=1&amp;b=2> or <foo@bar.com>")
    assert (a.kind, a.raw, a.url, a.text) == (
        "autolink",
        "https://x.com/?a=1&amp;b=2",
        "https://x.com/?a=1&b=2",
        "Docs: or",
    )
    assert (b.kind, b.raw, b.url) == ("autolink", "foo@bar.com", "mailto:foo@bar.com")


def test_bare_url_with_cjk_around():
    o = one("参见https://x.com/a，这是文字")
    assert (o.kind, o.raw, o.url) == ("bare", "https://x.com/a", "https://x.com/a")
    assert o.text == "参见 ，这是文字"
    assert urls("见 https://x.com/b。然后") == ["https://x.com/b"]
    assert urls("https://a.com/x，https://b.com/y、https://c.com/z") == [
        "https://a.com/x",
        "https://b.com/y",
        "https://c.com/z",
    ]
    # CJK letters are kept: a Chinese Wikipedia path is a valid URL
    assert urls("https://zh.wikipedia.org/wiki/中文_(消歧义)。后面") == [
        "https://zh.wikipedia.org/wiki/中文_(消歧义)"
    ]
    assert urls("链接：https://x.com/c！") == ["https://x.com/c"]
    assert urls("《https://x.com/d》") == ["https://x.com/d"]


def test_parentheses():
    assert urls("(https://x.com/a_(b))") == ["https://x.com/a_(b)"]
    assert urls("（https://x.com/a）") == ["https://x.com/a"]
    assert urls("see (https://x.com/p) and https://x.com/q).") == [
        "https://x.com/p",
        "https://x.com/q",
    ]
    assert urls("[w](https://en.wikipedia.org/wiki/Foo_(bar))") == [
        "https://en.wikipedia.org/wiki/Foo_(bar)"
    ]


def test_code_fence():
    o = one("intro\n\n```python\nurl = 'https://x.com/code?a=1&amp;b=2'\n```\n")
    assert (o.kind, o.line, o.raw, o.url) == (
        "code",
        4,
        "https://x.com/code?a=1&amp;b=2",
        "https://x.com/code?a=1&b=2",
    )
    unclosed = ext("~~~\nfirst https://x.com/1\n\nthird https://x.com/3")
    assert [(o.kind, o.line) for o in unclosed] == [("code", 2), ("code", 4)]


def test_indented_code():
    o = one("para\n\n    curl https://x.com/indented\n")
    assert (o.kind, o.line, o.url, o.text) == ("code", 3, "https://x.com/indented", "curl")


def test_inline_code():
    o = one("Use `https://x.com/c` here")
    assert (o.kind, o.line, o.raw, o.text) == ("code", 1, "https://x.com/c", "Use here")
    spanning = one("x `code\nhttps://x.com/cs` y")
    assert (spanning.kind, spanning.line) == ("code", 2)
    assert urls("``a `https://x.com/t` b``") == ["https://x.com/t"]


def test_html_block():
    text = (
        "<div>\n  <a href=\"https://x.com/?a=1&amp;b=2\">x</a>\n  <a href='./rel.md'>r</a>\n</div>"
    )
    a, b = ext(text)
    assert (a.kind, a.line, a.raw, a.url, a.text) == (
        "html",
        2,
        "https://x.com/?a=1&amp;b=2",
        "https://x.com/?a=1&b=2",
        "x",
    )
    assert (b.kind, b.line, b.url, b.text) == ("html", 3, "./rel.md", "r")
    comment = ext("<!--\nold https://x.com/old\n-->\n")
    assert [(o.kind, o.line, o.url) for o in comment] == [("html", 2, "https://x.com/old")]


def test_inline_html():
    o = one('Go <a href="#top">up</a> now')
    assert (o.kind, o.url) == ("html", "#top")
    assert urls("<span title='x'>https://x.com/span</span>") == ["https://x.com/span"]


def test_amp_in_markdown_links_and_bare_urls():
    a, b, c = ext(
        "[m](https://x.com/?a=1&amp;b=2) https://y.com/?a=1&amp;b=2&#38;c=3 <https://z.com/?a&amp;b>"
    )
    assert (a.kind, a.raw, a.url) == (
        "inline",
        "https://x.com/?a=1&amp;b=2",
        "https://x.com/?a=1&b=2",
    )
    assert (b.kind, b.raw, b.url) == (
        "bare",
        "https://y.com/?a=1&amp;b=2&#38;c=3",
        "https://y.com/?a=1&b=2&c=3",
    )
    assert (c.kind, c.url) == ("autolink", "https://z.com/?a&b")


def test_link_in_table_cell():
    text = (
        "| a | b |\n|---|---|\n"
        "| [x](https://x.com/t) | https://x.com/u |\n"
        "| `https://x.com/v` | y |"
    )
    found = ext(text)
    assert [(o.kind, o.line, o.url) for o in found] == [
        ("inline", 3, "https://x.com/t"),
        ("bare", 3, "https://x.com/u"),
        ("code", 4, "https://x.com/v"),
    ]
    assert found[1].text == "x"


def test_link_in_list_item():
    found = ext(
        "- item\n- [x](https://x.com/l)\n  - nested https://x.com/n\n\n1. one\n2. https://x.com/o"
    )
    assert [(o.kind, o.line, o.url, o.text) for o in found] == [
        ("inline", 2, "https://x.com/l", "x"),
        ("bare", 3, "https://x.com/n", "nested"),
        ("bare", 6, "https://x.com/o", ""),  # a list item's line above is a sibling, not a title
    ]


def test_link_in_blockquote():
    found = ext("> quote\n> https://x.com/q\n> > [d](https://x.com/d)\nlazy https://x.com/z")
    assert [(o.kind, o.line, o.url, o.text) for o in found] == [
        ("bare", 2, "https://x.com/q", "quote"),
        ("inline", 3, "https://x.com/d", "d"),
        ("bare", 4, "https://x.com/z", "lazy"),
    ]


def test_link_in_heading():
    found = ext("# H [a](https://x.com/h)\n\nSetext https://x.com/s\n---\n")
    assert [(o.kind, o.line, o.url, o.text) for o in found] == [
        ("inline", 1, "https://x.com/h", "a"),
        ("bare", 3, "https://x.com/s", "Setext"),
    ]


def test_two_identical_links_on_one_line():
    found = ext("[a](https://x.com) and [b](https://x.com) and https://x.com")
    assert [(o.line, o.raw, o.text) for o in found] == [
        (1, "https://x.com", "a"),
        (1, "https://x.com", "b"),
        (1, "https://x.com", "a and b and"),
    ]
    same_text = ext("[https://x.com/s](https://x.com/s)")
    assert [o.url for o in same_text] == ["https://x.com/s"]  # the text is not a second link


def test_link_text_spanning_lines():
    o = one("intro\n[foo\nbar](https://x.com/m)")
    assert (o.line, o.text) == (3, "foo bar")
    o = one("[a](\nhttps://x.com/next-line)")
    assert (o.line, o.url) == (2, "https://x.com/next-line")


def test_non_http_links_are_all_returned():
    text = (
        "[r](./Notes/a.md) [h](#anchor) [m](mailto:a@b.c) [j](javascript:alert(1))"
        " [f](file:///etc/passwd) [ftp](ftp://x.org/f) [d](data:text/plain,hi) [e]()"
    )
    assert [(o.kind, o.url) for o in ext(text)] == [
        ("inline", "./Notes/a.md"),
        ("inline", "#anchor"),
        ("inline", "mailto:a@b.c"),
        ("inline", "javascript:alert(1)"),
        ("inline", "file:///etc/passwd"),
        ("inline", "ftp://x.org/f"),
        ("inline", "data:text/plain,hi"),
        ("inline", ""),  # an empty destination is still a link: the caller calls it empty
    ]
    bare = ext(
        "mail mailto:a@b.com, file file:///etc/passwd, ftp ftp://x.org/f, js javascript:alert(1)"
    )
    assert [(o.kind, o.url) for o in bare] == [
        ("bare", "mailto:a@b.com"),
        ("bare", "file:///etc/passwd"),
        ("bare", "ftp://x.org/f"),
    ]
    assert urls("./Notes/a.md and #anchor and example.com and //host.com/x") == []  # no fuzzy


def test_images():
    found = ext(
        "![alt *text*](./img.png) ![](https://x.com/i.png)\n[![badge](https://img.com/b.svg)](https://x.com/p)"
    )
    assert [(o.kind, o.line, o.url, o.text) for o in found] == [
        ("inline", 1, "./img.png", "alt text"),
        ("inline", 1, "https://x.com/i.png", "alt text"),  # no alt: the rest of the line
        ("inline", 2, "https://img.com/b.svg", "badge"),
        ("inline", 2, "https://x.com/p", "badge"),
    ]


def test_emphasis_around_bare_urls():
    text = "**https://x.com/a** ~~https://x.com/b~~ _https://x.com/c_ *https://x.com/d*."
    assert urls(text) == [
        "https://x.com/a",
        "https://x.com/b",
        "https://x.com/c",
        "https://x.com/d",
    ]


def test_escapes_and_angle_destinations():
    a, b = ext("[a](https://x.com/a\\_b) https://x.com/c\\_d")
    assert (a.raw, a.url) == ("https://x.com/a\\_b", "https://x.com/a_b")
    assert (b.kind, b.raw, b.url) == ("bare", "https://x.com/c\\_d", "https://x.com/c_d")
    o = one("[a](<https://x.com/a b>)")
    assert (o.raw, o.url) == ("https://x.com/a b", "https://x.com/a b")
    code = one("`https://x.com/c\\_d`")
    assert code.url == "https://x.com/c\\_d"  # backslashes are literal in code


def test_url_linkify_refuses_is_still_reported():
    o = one("port: http://bad.test:99999/x")
    assert (o.kind, o.url) == ("bare", "http://bad.test:99999/x")
    assert urls("just the prefix http:// here") == []
    assert urls("http://,https://x.com/ok") == ["https://x.com/ok"]


def test_line_numbers_crlf_and_cr():
    assert [o.line for o in ext("a\r\nhttps://x.com/1\r\n\r\n[b](https://x.com/2)")] == [2, 4]
    assert [o.line for o in ext("a\rhttps://x.com/1\r")] == [2]


def test_line_numbers_nested_containers():
    text = "1. a\n   - b\n     - [c](https://x.com/c)\n\n       para https://x.com/p\n> - q\n>   https://x.com/q"
    assert [(o.line, o.url) for o in ext(text)] == [
        (3, "https://x.com/c"),
        (5, "https://x.com/p"),
        (7, "https://x.com/q"),
    ]


def test_text_rule_for_bare_urls():
    text = (
        "# Title\n\n2.1 来聊聊ResNet及其变种\nhttps://x.com/a\nInception:   https://x.com/b\n"
        "## 1.Title\n\nhttps://x.com/1\n\nhttps://x.com/2\n"
        "**粗体标题** ： https://x.com/3\n| 表格 | https://x.com/4 |\n"
    )
    assert [(o.url, o.text) for o in ext(text)] == [
        ("https://x.com/a", "2.1 来聊聊ResNet及其变种"),
        ("https://x.com/b", "Inception"),
        ("https://x.com/1", "1.Title"),
        ("https://x.com/2", "1.Title"),
        ("https://x.com/3", "粗体标题"),
        ("https://x.com/4", "表格"),
    ]
    assert one("https://x.com/alone").text == ""
    long_title = one("标" * 400 + "\nhttps://x.com/t").text
    assert long_title == "标" * 300


def test_nul_stays_in_raw():
    o = one("[a](https://x.com/\0z)")
    assert o.raw == "https://x.com/\0z"  # as in the file; markdown-it itself sees U+FFFD
    assert o.url == "https://x.com/\ufffdz"


def test_order_is_line_then_column():
    text = "[b](https://x.com/b) <https://x.com/c>\n\n[r]: https://x.com/r\n\n`https://x.com/d` https://x.com/e"
    found = ext(text)
    assert [o.url for o in found] == [
        "https://x.com/b",
        "https://x.com/c",
        "https://x.com/r",
        "https://x.com/d",
        "https://x.com/e",
    ]
    assert extract_text(text, "t.md") == found


def test_dataclasses():
    o = one("https://x.com")
    with pytest.raises(AttributeError):
        o.url = "x"  # type: ignore[misc]
    assert not hasattr(o, "__dict__")
    assert SEED_SUFFIXES == (".md", ".markdown", ".txt")
    p = SeedProblem("a.md", "a.md is a binary file, skipped")
    assert p.file == "a.md"


# --------------------------------------------------------------------------------------------
# Files and bad input
# --------------------------------------------------------------------------------------------


def test_iter_seed_files(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.md").write_text("x")
    (tmp_path / "a.TXT").write_text("x")
    (tmp_path / "c.markdown").write_text("x")
    (tmp_path / "d.csv").write_text("x")
    (tmp_path / "b" / "a.md").write_text("x")
    found = iter_seed_files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.TXT",
        "b/a.md",
        "b/z.md",
        "c.markdown",
    ]
    assert iter_seed_files(tmp_path / "d.csv") == [tmp_path / "d.csv"]  # named explicitly
    with pytest.raises(FileNotFoundError, match="seed path not found"):
        iter_seed_files(tmp_path / "missing")


def test_scan_seeds_relative_names(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("[a](https://x.com/a)\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("https://x.com/b\n", encoding="utf-8")
    found, problems = scan_seeds(tmp_path)
    assert problems == []
    assert [(o.file, o.url) for o in found] == [
        ("b.md", "https://x.com/b"),
        ("sub/a.md", "https://x.com/a"),
    ]
    single, _ = scan_seeds(tmp_path / "sub" / "a.md")
    assert [o.file for o in single] == ["a.md"]


def test_gbk_file_is_decoded(tmp_path):
    text = "# 阅读列表\n1.【综述】盘点卷积神经网络中的池化操作\nhttps://mp.weixin.qq.com/s?a=1&amp;b=2\n"
    (tmp_path / "gbk.md").write_bytes(text.encode("gbk"))
    # short GBK texts, which charset-normalizer alone reads as Big5 or CP949
    (tmp_path / "short.md").write_bytes(
        "- [中文链接](http://gbk-seed.test/page) 说明\n".encode("gbk")
    )
    (tmp_path / "tiny.md").write_bytes("中文 https://x.com/t\n".encode("gb18030"))
    decoded, problem = read_seed_file(tmp_path / "gbk.md")
    assert problem is None
    assert decoded == text
    found, problems = scan_seeds(tmp_path)
    assert problems == []
    assert [(o.file, o.url, o.text) for o in found] == [
        ("gbk.md", "https://mp.weixin.qq.com/s?a=1&b=2", "1.【综述】盘点卷积神经网络中的池化操作"),
        ("short.md", "http://gbk-seed.test/page", "中文链接"),
        ("tiny.md", "https://x.com/t", "中文"),
    ]


def test_seed_files_in_gb18030_give_the_same_links(tmp_path):
    for f in iter_seed_files(SEEDS):
        (tmp_path / f.name).write_bytes(f.read_text(encoding="utf-8").encode("gb18030"))
    assert scan_seeds(tmp_path) == scan_seeds(SEEDS)


def test_other_cjk_encodings_are_not_read_as_gb(tmp_path):
    samples = {
        "big5.md": ("繁體中文的閱讀清單：機器學習 https://x.com/a\n", "big5"),
        "sjis.md": ("日本語のテキストです。リンク https://x.com/j\n", "shift_jis"),
        "kr.md": ("한국어 텍스트입니다. 한국어 링크 목록입니다 https://x.com/k\n", "euc_kr"),
    }
    for name, (text, encoding) in samples.items():
        (tmp_path / name).write_bytes(text.encode(encoding))
        assert read_seed_file(tmp_path / name) == (text, None), encoding


def test_utf8_bom_and_utf16(tmp_path):
    (tmp_path / "bom.md").write_bytes(b"\xef\xbb\xbf" + "标题\nhttps://x.com/b\n".encode())
    (tmp_path / "u16.md").write_bytes("标题\nhttps://x.com/u\n".encode("utf-16"))
    assert read_seed_file(tmp_path / "bom.md") == ("标题\nhttps://x.com/b\n", None)
    found, problems = scan_seeds(tmp_path)
    assert problems == []
    assert [(o.line, o.url, o.text) for o in found] == [
        (2, "https://x.com/b", "标题"),
        (2, "https://x.com/u", "标题"),
    ]


def test_binary_files_are_problems(tmp_path):
    (tmp_path / "img.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    rng = random.Random(7)
    noise = bytes(rng.randrange(1, 256) for _ in range(4000))
    (tmp_path / "noise.txt").write_bytes(noise)
    (tmp_path / "ok.md").write_text("https://x.com/ok\n", encoding="utf-8")
    found, problems = scan_seeds(tmp_path)
    assert [o.url for o in found] == ["https://x.com/ok"]
    assert [p.file for p in problems] == ["img.md", "noise.txt"]
    assert problems[0].message == "img.md is a binary file, skipped"
    assert problems[1].message.startswith("noise.txt is a binary file")
    text, problem = read_seed_file(tmp_path / "img.md")
    assert text is None
    assert problem is not None
    assert "binary" in problem.message


def test_unreadable_files_are_problems(tmp_path):
    directory = tmp_path / "x.md"
    directory.mkdir()
    text, problem = read_seed_file(directory)
    assert text is None
    assert problem is not None
    assert "x.md" in problem.message
    assert "Is a directory" in problem.message
    (tmp_path / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    _, problems = scan_seeds(tmp_path)
    assert [(p.file, "No such file or directory" in p.message) for p in problems] == [
        ("dangling.md", True)
    ]
    if os.geteuid() == 0:
        return  # root reads mode-000 files: the directory case above stands in for it
    locked = tmp_path / "locked.md"
    locked.write_text("https://x.com/secret")
    locked.chmod(0)
    try:
        text, problem = read_seed_file(locked)
    finally:
        locked.chmod(0o644)
    assert text is None
    assert problem is not None
    assert "Permission denied" in problem.message


def test_problem_messages_never_contain_urls(tmp_path):
    (tmp_path / "b.md").write_bytes(b"https://secret.example/\x00")
    _, problems = scan_seeds(tmp_path)
    assert len(problems) == 1
    assert "http" not in problems[0].message


def test_empty_file(tmp_path):
    (tmp_path / "empty.md").write_bytes(b"")
    assert read_seed_file(tmp_path / "empty.md") == ("", None)
    assert scan_seeds(tmp_path) == ([], [])
    assert ext("") == []
    assert ext("\n\n") == []


def test_five_megabyte_single_line():
    filler = "x" * 2_500_000
    text = filler + " http://long.test/needle " + filler + "\n"
    # how long these take is measured by benchmarks/seeds.py; here, pytest's timeout (300 s)
    # is what stops a parse that would not end
    found = extract_text(text, "long.md")
    assert [(o.line, o.url, o.kind) for o in found] == [(1, "http://long.test/needle", "bare")]
    # adversarial for markdown-it (tens of microseconds per "[" ): over-long lines skip it
    bomb = "[" * 5_000_000 + "\nnext https://x.com/after\n"
    found = extract_text(bomb, "bomb.md")
    assert [(o.line, o.url) for o in found] == [(2, "https://x.com/after")]
    glued = "中文https://x.com/a，" * 20_000  # long line, no spaces: must stay linear
    found = extract_text(glued, "glued.md")
    assert len(found) == 20_000
    assert {o.url for o in found} == {"https://x.com/a"}


def test_long_line_inside_code_block_keeps_its_kind():
    text = (
        "```\n"
        + "y" * 30_000
        + " https://x.com/in-code\n```\n"
        + "z" * 30_000
        + " https://x.com/out\n"
    )
    assert [(o.line, o.kind, o.url) for o in ext(text)] == [
        (2, "code", "https://x.com/in-code"),
        (4, "bare", "https://x.com/out"),
    ]


def test_hundred_thousand_links():
    n = 100_000
    text = "\n".join(f"https://example.com/p/{i}?a=1&amp;b=2" for i in range(n))
    found = extract_text(text, "big.md")  # its time: benchmarks/seeds.py
    assert len(found) == n
    assert found[-1].line == n
    assert found[-1].url == f"https://example.com/p/{n - 1}?a=1&b=2"


def test_extract_text_never_raises_even_if_the_parser_fails(monkeypatch):
    def broken(text: str, file: str) -> list[Occurrence]:
        raise RecursionError("simulated")

    monkeypatch.setattr(seeds, "_extract", broken)
    found = extract_text("[a](./x.md) https://x.com/fallback", "t.md")
    assert [(o.kind, o.url) for o in found] == [("bare", "https://x.com/fallback")]


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

MARKDOWNISH = st.lists(
    st.sampled_from(
        [
            *list("abc xyz中文，。：（）【】《》「」\n\t#>-*_`~|![]()<>&;:/\\=\"'1."),
            "```",
            "    ",
            "&amp;",
            "<a href='",
            "<!--",
            "-->",
            "[x]: ",
            "\r\n",
            "\u3000",
            "\x00",
            "https://",
            "http://x.com/",
            "mailto:a@b.cn",
            "file:///",
            "www.x.com",
            "(",
            ")",
        ]
    ),
    max_size=150,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=400), MARKDOWNISH))
def test_extract_never_raises(text):
    found = ext(text)
    assert extract_text(text, "t.md") == found
    n_lines = len(re.split(r"\r\n?|\n", text))
    for o in found:
        assert 1 <= o.line <= n_lines
        assert o.kind in {"inline", "reference", "autolink", "bare", "code", "html"}
        assert len(o.text) <= 300


HOST_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
PATH_PART = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-",
    min_size=1,
    max_size=12,
)


@st.composite
def planted_url(draw):
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    host = ".".join(draw(st.lists(HOST_LABEL, min_size=1, max_size=3)))
    host += "." + draw(st.sampled_from(["com", "cn", "org", "net", "io"]))
    path = "".join("/" + p for p in draw(st.lists(PATH_PART, max_size=4)))
    query = draw(st.lists(st.tuples(PATH_PART, PATH_PART), max_size=3))
    url = f"{scheme}://{host}{path}"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query)
    return url


# Markdown-ish filler without "http", "<a ...>" and with "]" only in "[x]: " (which may turn a
# planted URL into a reference definition: still reported, same line): nothing in it can make a
# planted URL the text of a link (`[https://x](y)`, `<a href=y>https://x</a>`), the one place
# where a URL is deliberately not reported.
FILLER = (
    st.lists(
        st.sampled_from(
            [
                *list("abc xyz中文，。：（）【】《》「」#>-*_`~|!([)<&;:/=\"'1."),
                "```",
                "~~~",
                "    ",
                "&amp;",
                "<div>",
                "<!--",
                "-->",
                "<b>",
                "- ",
                "1. ",
                "> ",
                "| a |",
                "\n",
                "\t",
                "\\",
                "href=",
                "<p ",
                "?",
                "*",
                "**",
                "[x]: ",
            ]
        ),
        max_size=20,
    )
    .map("".join)
    .filter(lambda s: "http" not in s.lower())
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(FILLER, planted_url(), st.sampled_from([" ", "\n", " \n ", "\n\n"])), max_size=8
    ),
    FILLER,
)
def test_planted_urls_are_found_on_their_line(parts, tail):
    text = ""
    planted: list[tuple[int, str]] = []
    for filler, url, sep in parts:
        text += filler + sep
        planted.append((text.count("\n") + 1, url))
        text += url + sep
    text += tail
    found = [(o.line, o.url) for o in ext(text) if is_http(o.url)]
    assert found == planted


def test_urls_in_a_reference_title_are_reported_on_their_line():
    # found by the property test above: a title is no link, but the URL is written in the list
    text = '[x]: http://a.com "see http://b.com"\n[y]: http://c.com\n"http://d.com"\n'
    found = [(o.line, o.url, o.kind) for o in ext(text)]
    assert found == [
        (1, "http://a.com", "reference"),
        (1, "http://b.com", "bare"),
        (2, "http://c.com", "reference"),
        (3, "http://d.com", "bare"),
    ]
