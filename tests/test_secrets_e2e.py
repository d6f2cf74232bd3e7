"""Secrets end to end (issue 13): parameters nobody listed never leave the machine.

The real `scrapy crawl seeds` (logs at DEBUG, archiving on) against the fake web: a WeChat
article link with session-like and unknown parameters, and a link on another site with a
credential-like parameter. The WeChat extras are sent nowhere; the credential-like value goes to
its own site only, is masked in every output and the link is not archived.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb
from tests.test_archive import FAST_ARCHIVE, KEYS

pytestmark = pytest.mark.e2e

WX_EXTRA = {"wx_session_blob": "QJ7VXK2M9PLTRW4N", "devicekey": "H8ZC3BNV6QDW2XKA"}
WX = "https://mp.weixin.qq.com/s?__biz=MzSECRET==&mid=7&idx=1&sn=live0s&chksm=ab12&" + "&".join(
    f"{k}={v}" for k, v in WX_EXTRA.items()
)
TOKEN = "T0K3NVALUE9XQ2ZR"


def test_unlisted_secrets_reach_no_request_log_store_or_report(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario({"wayback": {"keys": {"ACC": "SEC"}, "snapshots": {}}})
        page = web.url("tok.test", "/doc") + f"?id=3&access_token={TOKEN}"
        seeds = tmp_path / "seeds"
        seeds.mkdir()
        (seeds / "list.md").write_text(
            f"- [文章](<{WX}>)\n- [doc]({page})\n- [{page}]({page})\n", encoding="utf-8"
        )
        env = web.env()
        env.update(KEYS)
        result = run_crawl(
            seeds, tmp_path, env=env, settings={**FAST_ARCHIVE, "LOG_LEVEL": "DEBUG"}, timeout=120
        )
        assert result.returncode == 0, result.stderr[-3000:]
        sent = web.requests()

    wx_requests = [
        r for r in sent if r.get("host") == "mp.weixin.qq.com" and r.get("method") != "CONNECT"
    ]
    assert len(wx_requests) == 1
    assert wx_requests[0]["url"].endswith("/s?__biz=MzSECRET==&mid=7&idx=1&sn=live0s&chksm=ab12")
    tok = [r for r in sent if r.get("host") == "tok.test" and r.get("method") != "CONNECT"]
    assert tok, sent
    assert TOKEN in tok[0]["url"]  # its own site gets it: the link may need it

    outputs = {
        "log": result.stdout + result.stderr,
        "wayback requests": json.dumps(wayback_requests_of(sent)),
        "every request": json.dumps([r for r in sent if r.get("host") != "tok.test"]),
        "store": result.state.read_bytes().decode("latin-1"),
        **{
            p.name: p.read_text(encoding="utf-8")
            for p in result.reports.iterdir()
            if p.suffix in (".csv", ".html", ".md", ".json")
        },
    }
    for where, text in outputs.items():
        for secret in (*WX_EXTRA.values(), TOKEN):
            assert secret not in text, (where, secret)
    rows = result.by_url()
    masked = rows[web.url("tok.test", "/doc") + "?id=3&access_token=REDACTED"]
    assert masked["status"] == "alive"
    assert "credential-like parameter masked: access_token" in masked["detail"]
    assert masked["archive_status"] == "skipped"
    # the masked link was never sent to the Wayback Machine; the article was
    assert not any("tok.test" in json.dumps(r) for r in wayback_requests_of(sent))
    assert any("live0s" in json.dumps(r) for r in wayback_requests_of(sent))
    assert (
        rows["https://mp.weixin.qq.com/s?__biz=MzSECRET==&mid=7&idx=1&sn=live0s&chksm=ab12"][
            "status"
        ]
        == "alive"
    )


def wayback_requests_of(sent: list[dict[str, object]]) -> list[dict[str, object]]:
    return [r for r in sent if "archive.org" in str(r.get("host", ""))]
