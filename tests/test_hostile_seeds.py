"""Hostile seed files: nothing crashes, every odd link is skipped with a reason, bad files named."""

from __future__ import annotations

import pytest

from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb

pytestmark = pytest.mark.e2e

ODD = """# Odd links

- spaces in the host: http://exa mple.com/page
- port out of range: http://bad.test:99999/x
- IDN host: https://例子.测试/路径
- [js](javascript:alert(document.cookie))
- nested [brackets [inside]](http://nested.test/a_(b)) and ((http://paren.test/x))
- unbalanced [link](http://unbalanced.test/x
- **unclosed emphasis http://emph.test/y
- <http://angle.test/ok>
- [empty]()
- [anchor](#section)
- ftp://ftp.test/file.txt
"""


def test_hostile_seed_files(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "odd.md").write_text(ODD, encoding="utf-8")
    (seeds / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 1000)
    (seeds / "gbk.md").write_bytes("- [中文链接](http://gbk-seed.test/page) 说明\n".encode("gbk"))
    # one line of nearly 4 MiB, the most a seed file may hold (a larger file is skipped whole:
    # tests/test_seed_bounds.py)
    (seeds / "long.md").write_text(
        "x" * 2_000_000 + " http://long.test/needle " + "y" * 2_000_000 + "\n", encoding="utf-8"
    )
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        result = run_crawl(seeds, tmp_path, env=web.env(), settings={"LOG_LEVEL": "INFO"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "binary.txt" in result.stderr  # reported by name, the other files went on
    rows = result.by_url()
    assert rows["http://gbk-seed.test/page"]["status"] == "alive"
    assert rows["http://gbk-seed.test/page"]["link_text"] == "中文链接"
    assert rows["http://long.test/needle"]["status"] == "alive"
    assert rows["http://angle.test/ok"]["status"] == "alive"
    assert rows["http://bad.test:99999/x"]["reason"] == "malformed-url"
    assert rows["javascript:…"]["reason"] == "not-http"
    assert rows["ftp://ftp.test/file.txt"]["reason"] == "not-http"
    assert rows["#section"]["reason"] == "anchor"
    idn = next(r for u, r in rows.items() if "xn--fsqu00a" in u)
    assert idn["status"] in {"alive", "dead", "error"}  # fetched, whatever the fake web said
    for row in rows.values():
        assert row["status"], row
        if row["status"] == "skipped":
            assert row["reason"] in {"not-http", "anchor", "malformed-url", "empty-link"}
