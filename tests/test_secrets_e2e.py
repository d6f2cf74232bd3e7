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


#: issue 22's shapes: a session id (the real seed list's Web of Science link), a signed URL, an
#: OAuth implicit-flow fragment token, a Java path session id, a session id in a Location
SHAPES = {
    "SID": "http://wos.test/UA_GeneralSearch_input.do?product=UA&SID={}&preferencesSaved=",
    "sig": "http://store.test/blob/a.pdf?sv=2024&se=2030&sig={}",
    "fragment": "http://app.test/callback#access_token={}&token_type=bearer&state=s1",
    "jsessionid": "http://java.test/page.do;jsessionid={}?id=3",
}
LOCATION_SECRET = "L0CS3SS10NVALUE7"


def test_session_ids_signatures_fragment_tokens_and_locations_never_leave(tmp_path: Path) -> None:
    secrets = {shape: f"S3CR3T{shape.upper()[:3]}VALUE42" for shape in SHAPES}
    links = {shape: url.format(secrets[shape]) for shape, url in SHAPES.items()}
    with FakeWeb(workdir=tmp_path / "web") as web:
        landing = f"http://land.test/welcome?PHPSESSID={LOCATION_SECRET}"
        web.write_scenario(
            {
                "urls": {"http://hop.test/go": {"shape": "redirect", "location": landing}},
                # (the fake web's default title echoes the path, which holds the session id)
                "hosts": {"java.test": {"shape": "html-title", "title": "Java page"}},
                "wayback": {"keys": {"ACC": "SEC"}, "snapshots": {}},
            }
        )
        seeds = tmp_path / "seeds"
        seeds.mkdir()
        lines = [*links.values(), "http://hop.test/go", "http://plain.test/ok"]
        (seeds / "list.md").write_text("".join(f"- <{u}>\n" for u in lines), encoding="utf-8")
        env = web.env()
        env.update(KEYS)
        result = run_crawl(
            seeds, tmp_path, env=env, settings={**FAST_ARCHIVE, "LOG_LEVEL": "DEBUG"}, timeout=120
        )
        assert result.returncode == 0, result.stderr[-3000:]
        sent = web.requests()

    own_site = {
        "SID": "wos.test",
        "sig": "store.test",
        "jsessionid": "java.test",
        "location": "land.test",
    }
    everything = {**secrets, "location": LOCATION_SECRET}
    for shape, secret in everything.items():
        # each value went to its own site only (a fragment to none: it is never sent)
        hosts = {r.get("host") for r in sent if secret in json.dumps(r)}
        assert hosts == ({own_site[shape]} if shape in own_site else set()), (shape, hosts)
    outputs = {
        "log": result.stdout + result.stderr,
        "wayback requests": json.dumps(wayback_requests_of(sent)),
        "store": result.state.read_bytes().decode("latin-1"),
        **{
            p.name: p.read_text(encoding="utf-8")
            for p in result.reports.iterdir()
            if p.suffix in (".csv", ".html", ".md", ".json")
        },
    }
    for where, text in outputs.items():
        for shape, secret in everything.items():
            assert secret not in text, (where, shape)
    rows = result.by_url()
    masked = {
        shape: url.format("REDACTED").replace("&token_type=bearer", "&token_type=REDACTED")
        for shape, url in SHAPES.items()
    }
    for shape, url in masked.items():
        assert rows[url]["status"] == "alive", (shape, rows[url])
        assert rows[url]["archive_status"] == "skipped", (shape, rows[url])  # never archived
    assert rows["http://hop.test/go"]["final_url"] == (
        "http://land.test/welcome?PHPSESSID=REDACTED"
    )
    assert rows["http://plain.test/ok"]["archive_status"] != "skipped"
