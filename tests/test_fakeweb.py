"""The fake web itself, exercised through real clients (urllib, http.client, Scrapy)."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakeweb import FakeWeb  # noqa: E402
from tests.fakeweb.shapes import generic_html, gzip_bomb_payload  # noqa: E402
from tests.fakeweb.wayback import urlkey  # noqa: E402

TIMEOUT = 10


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeWeb]:
    with FakeWeb(workdir=tmp_path_factory.mktemp("fakeweb")) as server:
        yield server


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        return None


class Answer:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def fetch(
    web: FakeWeb,
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    follow: bool = False,
    timeout: float = TIMEOUT,
) -> Answer:
    """One request through the proxy with urllib; HTTP errors are answers too."""
    handlers: list[Any] = [urllib.request.ProxyHandler({"http": web.proxy_url})]
    if not follow:
        handlers.append(NoRedirect())
    opener = urllib.request.build_opener(*handlers)
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with opener.open(req, timeout=timeout) as resp:
            return Answer(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as err:
        with err:
            return Answer(err.code, err.headers, err.read())


def unverified() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def tunnel(web: FakeWeb, host: str) -> http.client.HTTPSConnection:
    conn = http.client.HTTPSConnection("127.0.0.1", web.port, context=unverified(), timeout=10)
    conn.set_tunnel(host)
    return conn


def get_https(web: FakeWeb, host: str, path: str) -> Answer:
    conn = tunnel(web, host)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return Answer(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def origin(web: FakeWeb, host: str, path: str, method: str = "GET") -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=TIMEOUT)
    try:
        conn.request(method, path, headers={"Host": f"{host}:{web.port}"})
        resp = conn.getresponse()
        return Answer(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def last(web: FakeWeb, url: str) -> dict[str, Any]:
    """The last log line for `url`, waiting a little for it."""
    deadline = time.monotonic() + 5
    while True:
        found = [r for r in web.requests() if r["url"] == url]
        if found or time.monotonic() > deadline:
            assert found, f"no log line for {url}"
            return found[-1]
        time.sleep(0.02)


def title_of(text: str) -> str:
    start = text.index("<title")
    start = text.index(">", start) + 1
    return text[start : text.index("</title>", start)]


# --------------------------------------------------------------------------- protocol


def test_proxy_http_live_page_and_log(web: FakeWeb) -> None:
    url = "http://example.test/some/page?b=2&a=1"
    ans = fetch(web, url, headers={"X-Probe": "yes"})
    assert ans.status == 200
    assert ans.headers["Content-Type"] == "text/html; charset=utf-8"
    assert title_of(ans.text) == "Page example.test/some/page"
    assert 'property="og:title"' in ans.text
    assert ans.body == generic_html(title_of(ans.text), title_of(ans.text)).encode()
    rec = last(web, url)
    assert rec["method"] == "GET"
    assert rec["host"] == "example.test"
    assert rec["path"] == "/some/page"
    assert rec["query"] == "b=2&a=1"
    assert rec["headers"]["x-probe"] == "yes"
    assert rec["status"] == 200
    assert rec["bytes_sent"] == len(ans.body)
    assert rec["aborted"] is False
    assert rec["inflight_host"] == 1
    assert rec["t"] <= rec["t_end"]


def test_connect_tls_keep_alive(web: FakeWeb) -> None:
    conn = tunnel(web, "tunnel.test")
    try:
        for path in ("/one", "/two"):
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read().decode()
            assert resp.status == 200
            assert f"<title>Page tunnel.test{path}</title>" in body
    finally:
        conn.close()
    records = [r for r in web.requests() if r["host"] == "tunnel.test"]
    methods = [r["method"] for r in records]
    assert methods == ["CONNECT", "GET", "GET"]
    assert records[0]["url"] == "tunnel.test:443"
    assert records[0]["status"] == 200
    assert records[0]["tls_ok"] is True
    assert [r["url"] for r in records[1:]] == ["https://tunnel.test/one", "https://tunnel.test/two"]


def test_origin_mode_by_host_header(web: FakeWeb) -> None:
    ans = origin(web, "alive.test", "/x?y=1")
    assert ans.status == 200
    assert title_of(ans.text) == "Page alive.test/x"
    rec = last(web, f"http://alive.test:{web.port}/x?y=1")
    assert rec["host"] == "alive.test"
    assert rec["path"] == "/x"


def test_post_body_and_head(web: FakeWeb) -> None:
    url = "http://forms.test/submit"
    fetch(web, url, method="POST", data=b"a=1&b=two")
    assert last(web, url)["body"] == "a=1&b=two"
    head = fetch(web, "http://forms.test/head", method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert last(web, "http://forms.test/head")["bytes_sent"] == 0
    # the length of the body a GET gets
    assert int(head.headers["Content-Length"]) == len(fetch(web, "http://forms.test/head").body)


def test_inflight_per_host(web: FakeWeb) -> None:
    def worker(i: int) -> None:
        fetch(web, f"http://busy.test/slow/0.4?i={i}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    web.requests(min_count=1)
    assert web.max_inflight("busy.test") == 3


def test_scenario_reload_and_precedence(web: FakeWeb) -> None:
    web.write_scenario(
        {
            "urls": {
                "http://scen.test/a?x=1&y=2": "status/410",
                "http://scen.test/b": {"shape": "html-title", "title": "Chosen"},
                "http://scen.test/d": "default",
                "http://scen.test/e": {"shape": "live", "status": 203, "headers": {"X-A": "1"}},
            },
            "hosts": {"scen.test": "wechat-removed"},
        }
    )
    assert fetch(web, "http://scen.test/a?x=1&y=2").status == 410
    assert fetch(web, "http://scen.test/a?y=2&x=1").status == 410  # query order ignored
    assert title_of(fetch(web, "http://scen.test/b").text) == "Chosen"
    other = fetch(web, "http://scen.test/c")
    assert "该内容已被发布者删除" in other.text  # host entry
    assert title_of(fetch(web, "http://scen.test/d").text) == "Page scen.test/d"
    options = fetch(web, "http://scen.test/e")
    assert options.status == 203
    assert options.headers["X-A"] == "1"
    web.write_scenario({"urls": {"http://scen.test/a?x=1&y=2": {"shape": "status", "code": 451}}})
    assert fetch(web, "http://scen.test/a?x=1&y=2").status == 451
    assert title_of(fetch(web, "http://scen.test/c").text) == "Page scen.test/c"
    web.write_scenario({})


# --------------------------------------------------------------------------- platforms


WX = "http://mp.weixin.qq.com/s?__biz=MzA5NzY0MjkxMw==&mid=2650&idx=1&sn="


def test_wechat_live_and_removed(web: FakeWeb) -> None:
    live = fetch(web, WX + "abc123").text
    assert '<meta property="og:title" content="WeChat article abc123">' in live
    assert '<h1 class="rich_media_title" id="activity-name">WeChat article abc123</h1>' in live
    assert 'id="js_content"' in live
    assert 'var msg_title = "WeChat article abc123";' in live
    # about the size of a real article page (the filler is sized roughly, not to the byte)
    assert 50_000 < len(live.encode()) < 80_000
    short = fetch(web, "http://mp.weixin.qq.com/s/AbCdEf").text
    assert "WeChat article AbCdEf" in short
    removed = fetch(web, WX + "removed1")
    assert removed.status == 200
    assert "js_content" not in removed.text
    assert '<p class="weui-msg__title">该内容已被发布者删除</p>' in removed.text
    for key, wording in [
        ("violation1", "此内容因违规无法查看"),
        ("complaint1", "此内容被多人投诉，相关的内容无法进行查看"),
        ("expired1", "链接已过期"),
        ("blocked1", "此帐号已被屏蔽, 内容无法查看"),
    ]:
        page = fetch(web, WX + key)
        assert page.status == 200
        assert wording in page.text
        assert "js_content" not in page.text
    new = fetch(web, "http://mp.weixin.qq.com/s/newwording9").text
    assert "global_error_msg" in new
    assert "该文章已被作者隐藏" in new


def test_wechat_verify_moved_big_late(web: FakeWeb) -> None:
    verify = fetch(web, WX + "verify1")
    assert verify.status == 302
    assert "/mp/wappoc_appmsgcaptcha?poc_token=" in verify.headers["Location"]
    page = fetch(web, WX + "verify1", follow=True)
    assert page.status == 200
    assert title_of(page.text) == "微信公众平台"
    assert "环境异常" in page.text
    assert "当前环境异常，完成验证后即可继续访问" in page.text
    moved = fetch(web, "http://mp.weixin.qq.com/s/moved1").text
    assert "该公众号已迁移" in moved
    assert "var transferTargetLink = 'https://mp.weixin.qq.com/s/movedtarget';" in moved
    big = fetch(web, "http://mp.weixin.qq.com/s/big1").text
    assert len(big) >= 3_000_000  # at least: the shape pads past it
    assert big.index('id="js_content"') < 10_000
    late = fetch(web, "http://mp.weixin.qq.com/s/late1").text
    assert late.index('property="og:title"') < 2_000
    assert late.index('id="js_content"') > 2_500_000


def test_zhihu_shapes(web: FakeWeb) -> None:
    live = fetch(web, "http://zhuanlan.zhihu.com/p/12345")
    assert live.status == 200
    assert title_of(live.text) == "知乎文章 12345 - 知乎"
    gone = fetch(web, "http://zhuanlan.zhihu.com/p/404111")
    assert gone.status == 404
    assert title_of(gone.text) == "你似乎来到了没有知识存在的荒原 - 知乎"
    deleted = fetch(web, "http://www.zhihu.com/question/1/answer/deleted2")
    assert deleted.status == 200
    assert "该回答已被删除" in deleted.text
    unhuman = fetch(web, "http://www.zhihu.com/question/unhuman3")
    assert unhuman.status == 302
    assert "/account/unhuman?type=unhuman&need_login=false" in unhuman.headers["Location"]
    followed = fetch(web, "http://www.zhihu.com/question/unhuman3", follow=True)
    assert "安全验证" in title_of(followed.text)
    blocked = fetch(web, "http://zhuanlan.zhihu.com/p/403json1")
    assert blocked.status == 403
    assert json.loads(blocked.body)["error"]["code"] == 40352
    assert fetch(web, "http://zhuanlan.zhihu.com/p/4035").status == 403
    web.write_scenario({"hosts": {"zhuanlan.zhihu.com": "zhihu-403"}})
    assert fetch(web, "http://zhuanlan.zhihu.com/p/12345").status == 403
    web.write_scenario({})


def test_csdn_and_bilibili(web: FakeWeb) -> None:
    url = "http://blog.csdn.net/someone/article/details/404999"
    ans = fetch(web, url)
    assert ans.status == 302
    assert ans.headers["Location"] == (
        "http://blog.csdn.net/error/404.html?from=" + quote(url, safe="")
    )
    error_page = fetch(web, url, follow=True)
    assert error_page.status == 200  # hostile: the verdict must come from the redirect
    waf = fetch(web, "http://blog.csdn.net/u/article/details/waf1")
    assert waf.status == 200
    assert "acw_sc__v2" in waf.text
    assert "<title>" not in waf.text
    live = fetch(web, "http://blog.csdn.net/u/article/details/777")
    assert title_of(live.text) == "CSDN article 777"
    av = fetch(web, "http://www.bilibili.com/video/av170001?p=2")
    assert av.status == 301
    assert av.headers["Location"] == "http://www.bilibili.com/video/BV1xx170001?p=2"
    bv = fetch(web, "http://www.bilibili.com/video/av170001", follow=True)
    assert title_of(bv.text) == "bilibili video BV1xx170001_哔哩哔哩_bilibili"


def test_chinese_encodings(web: FakeWeb) -> None:
    ans = fetch(web, "http://gbk.test/any")
    assert ans.headers["Content-Type"] == "text/html; charset=gbk"
    assert title_of(ans.body.decode("gbk")) == "中文标题 GBK"
    with pytest.raises(UnicodeDecodeError):
        ans.body.decode("utf-8")
    under = fetch(web, "http://plain.test/gbk/page")
    assert title_of(under.body.decode("gbk")) == "中文标题 GBK"
    und = fetch(web, "http://plain.test/gb18030-undeclared")
    assert und.headers["Content-Type"] == "text/html"
    assert b"charset" not in und.body
    assert title_of(und.body.decode("gb18030")) == "中文标题 GB18030"
    meta = fetch(web, "http://plain.test/meta-charset-gbk")
    assert meta.headers["Content-Type"] == "text/html"
    assert b'<meta charset="gbk">' in meta.body


# --------------------------------------------------------------------------- generic paths


def test_status_and_redirects(web: FakeWeb) -> None:
    assert fetch(web, "http://g.test/status/418").status == 418
    assert fetch(web, "http://g.test/status/500").status == 500
    chain = fetch(web, "http://g.test/redirect/3", follow=True)
    assert chain.status == 200
    paths = [r["path"] for r in web.requests() if r["host"] == "g.test"]
    assert paths[-4:] == ["/redirect/3", "/redirect/2", "/redirect/1", "/redirect/0"]
    perm = fetch(web, "http://g.test/redirect-perm")
    assert perm.status == 301
    assert perm.headers["Location"] == "http://g.test/final"
    loop1 = fetch(web, "http://g.test/redirect-loop")
    loop2 = fetch(web, loop1.headers["Location"])
    assert loop2.headers["Location"] == "http://g.test/redirect-loop"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))
    with pytest.raises(urllib.error.HTTPError, match="infinite loop") as info:
        opener.open("http://g.test/redirect-loop", timeout=TIMEOUT)
    info.value.close()
    assert fetch(web, "http://g.test/a/b/c/redirect-root").status == 200  # not a prefix
    root = fetch(web, "http://g.test/redirect-root/deep/er")
    assert root.headers["Location"] == "http://g.test/"


def test_small_pages(web: FakeWeb) -> None:
    empty = fetch(web, "http://g.test/empty")
    assert empty.status == 200
    assert empty.body == b""
    assert empty.headers["Content-Length"] == "0"
    planted = "<script>alert(1)</script>"
    page = fetch(web, "http://g.test/html-title/" + quote(planted, safe=""))
    assert f"<title>{planted}</title>" in page.text
    assert "<title" not in fetch(web, "http://g.test/notitle").text
    pdf = fetch(web, "http://g.test/pdf", method="HEAD")
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert int(pdf.headers["Content-Length"]) == 5 * 1024 * 1024


def test_throttling_counters(web: FakeWeb) -> None:
    url = "http://t.test/retry-after/7?ok_after=2"
    first = fetch(web, url)
    assert first.status == 429
    assert first.headers["Retry-After"] == "7"
    assert fetch(web, url).status == 429
    assert fetch(web, url).status == 200
    assert fetch(web, url).status == 200
    other = fetch(web, "http://t.test/retry-after/1")
    assert other.status == 429
    assert fetch(web, "http://t.test/retry-after/1").status == 200
    plain = fetch(web, "http://t.test/429")
    assert plain.status == 429
    assert "Retry-After" not in plain.headers
    assert fetch(web, "http://t.test/503-then-ok").status == 503
    assert fetch(web, "http://t.test/503-then-ok").status == 200
    assert fetch(web, "http://t.test/always-503").status == 503
    assert fetch(web, "http://t.test/always-503").status == 503


def test_slow_and_trickle(web: FakeWeb) -> None:
    start = time.monotonic()
    assert fetch(web, "http://s.test/slow/0.3").status == 200
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    ans = fetch(web, "http://s.test/trickle/3?interval=0.1")
    assert ans.body == b"..."
    assert time.monotonic() - start >= 0.3


def test_hang_is_logged_as_aborted(web: FakeWeb) -> None:
    for url in ("http://s.test/hang", "http://hang.test/anything"):
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            fetch(web, url, timeout=0.3)
        rec = last(web, url)
        assert rec["status"] is None
        assert rec["aborted"] is True


def test_connection_level_failures(web: FakeWeb) -> None:
    with pytest.raises((ConnectionError, http.client.HTTPException, urllib.error.URLError)):
        fetch(web, "http://reset.test/x")
    with pytest.raises(http.client.IncompleteRead):
        fetch(web, "http://w.test/wrong-length")
    with pytest.raises((ConnectionError, http.client.IncompleteRead)):
        fetch(web, "http://w.test/reset-mid-body")
    rec = last(web, "http://w.test/reset-mid-body")
    assert rec["status"] == 200
    # reset half-way through the default 40,000-character page
    page = generic_html("Page w.test/reset-mid-body", "Page w.test/reset-mid-body", 40_000)
    assert rec["bytes_sent"] == len(page.encode()) // 2
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        get_https(web, "reset.test", "/inside-the-tunnel")
    assert last(web, "https://reset.test/inside-the-tunnel")["status"] is None
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        get_https(web, "tls-broken.test", "/")
    connect = [r for r in web.requests() if r["host"] == "tls-broken.test"]
    assert connect[-1]["method"] == "CONNECT"


def test_big_page_client_goes_away(web: FakeWeb) -> None:
    url = "http://b.test/big/50000000"
    sock = socket.create_connection(("127.0.0.1", web.port), timeout=TIMEOUT)
    with sock:
        sock.sendall(f"GET {url} HTTP/1.1\r\nHost: b.test\r\n\r\n".encode())
        got = b""
        while len(got) < 200_000:
            got += sock.recv(65536)
        assert b"Content-Length: 50000000" in got
        assert b"<title>Big page 50000000</title>" in got
    rec = last(web, url)
    assert rec["aborted"] is True
    # what was sent before the server saw the client go away depends on the socket buffers
    assert 200_000 <= rec["bytes_sent"] < 50_000_000


def test_gzip_bomb(web: FakeWeb) -> None:
    head = fetch(web, "http://z.test/gzip-bomb", method="HEAD")
    assert head.headers["Content-Encoding"] == "gzip"
    assert int(head.headers["Content-Length"]) == len(gzip_bomb_payload(1 << 10))  # 1 GiB
    small = fetch(web, f"http://z.test/gzip-bomb?size={4 << 20}")
    assert gzip.decompress(small.body) == bytes(4 << 20)


# --------------------------------------------------------------------------- Wayback Machine

ARCHIVE = "http://web.archive.org"
AUTH = {"Authorization": "LOW ACC:SEC", "Accept": "application/json"}


def cdx(web: FakeWeb, url: str, extra: str = "") -> Any:
    query = (
        f"url={quote(url, safe='')}&output=json&fl=timestamp,original,statuscode"
        f"&filter=statuscode:200{extra}"
    )
    ans = fetch(web, f"{ARCHIVE}/cdx/search/cdx?{query}")
    assert ans.status == 200, ans.text
    return json.loads(ans.body)


def save(web: FakeWeb, url: str, headers: dict[str, str] | None = None) -> Answer:
    return fetch(
        web,
        f"{ARCHIVE}/save",
        method="POST",
        data=f"url={quote(url, safe='')}&skip_first_archive=1".encode(),
        headers=AUTH if headers is None else headers,
    )


def status(web: FakeWeb, job_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(fetch(web, f"{ARCHIVE}/save/status/{job_id}").body)
    return data


@pytest.fixture
def archive(web: FakeWeb) -> Iterator[FakeWeb]:
    web.reset()
    yield web
    web.write_scenario({})
    web.reset()


def test_cdx_lookups(archive: FakeWeb) -> None:
    page = "https://example.com/a?x=1"
    archive.write_scenario(
        {
            "wayback": {
                "snapshots": {
                    page: [
                        ["20190101000000", 200],
                        ["20200101000000", 404],
                        ["20240101000000", 200],
                    ],
                    "https://example.com/a/deeper": [["20210101000000", 200]],
                }
            }
        }
    )
    rows = cdx(archive, page)
    assert rows == [
        ["timestamp", "original", "statuscode"],
        ["20190101000000", page, "200"],
        ["20240101000000", page, "200"],
    ]
    assert cdx(archive, page, "&limit=-1")[1:] == [["20240101000000", page, "200"]]
    assert cdx(archive, page, "&limit=1")[1:] == [["20190101000000", page, "200"]]
    assert cdx(archive, page, "&from=2020&to=2025")[1:] == [["20240101000000", page, "200"]]
    assert cdx(archive, page.replace("x=1", "x=%31"), "&to=2019")[1:] == [
        ["20190101000000", page, "200"]
    ]
    everything = fetch(archive, f"{ARCHIVE}/cdx/search/cdx?url={quote(page, safe='')}")
    assert len(everything.text.splitlines()) == 3  # text output, no status filter
    assert cdx(archive, "https://example.com/nothing") == []
    prefix = cdx(archive, "example.com/a*")
    assert {row[1] for row in prefix[1:]} == {page, "https://example.com/a/deeper"}


def test_cdx_index_is_keyed_like_the_real_one_and_counts_what_a_query_reads(
    archive: FakeWeb,
) -> None:
    assert urlkey("https://www.Example.com:8080/A?b=2&A=1") == "com,example:8080)/a?a=1&b=2"
    wx = "https://mp.weixin.qq.com/s"
    article = f"{wx}?mid=1&__biz=MzAAAA==&idx=1&sn=a1"
    others = [f"{wx}?__biz=MzBBBB==&mid={i}&idx=1&sn=b{i}" for i in range(3)]
    snapshots = {u: [["20240101000000", 200]] for u in [article, f"{wx}/short", *others]}
    archive.write_scenario({"wayback": {"snapshots": snapshots}})
    # the key sorts __biz first and lower-cases it: a prefix on it reads one account
    assert cdx(archive, f"{wx}?__biz=mzaaaa==", "&matchType=prefix")[1:] == [
        ["20240101000000", article, "200"]
    ]
    assert cdx(archive, "mp.weixin.qq.com/s", "&matchType=prefix&filter=original:.*sn=a1")[1:] == [
        ["20240101000000", article, "200"]
    ]
    assert cdx(archive, article.upper())[1:] == [["20240101000000", article, "200"]]
    scans = [(s["key"], s["scanned"], s["answered"]) for s in archive.state()["cdx_scans"]]
    assert scans == [
        ("com,qq,weixin,mp)/s?__biz=mzaaaa==", 1, 1),
        ("com,qq,weixin,mp)/s", 5, 1),
        ("com,qq,weixin,mp)/s?__biz=mzaaaa==&idx=1&mid=1&sn=a1", 1, 1),
    ]


def test_cdx_429_every(archive: FakeWeb) -> None:
    archive.write_scenario({"wayback": {"cdx_429_every": 2}})
    url = f"{ARCHIVE}/cdx/search/cdx?url=a.test&output=json"
    assert fetch(archive, url).status == 200
    second = fetch(archive, url)
    assert second.status == 429
    assert "Retry-After" not in second.headers
    assert fetch(archive, url).status == 200


def test_spn2_flow(archive: FakeWeb) -> None:
    archive.write_scenario({"wayback": {"keys": {"ACC": "SEC"}, "pending_polls": 2}})
    target = "https://mp.weixin.qq.com/s?__biz=MzA==&mid=1&idx=1&sn=removedX"
    assert save(archive, target, headers={}).status == 401
    assert save(archive, target, headers={"Authorization": "LOW ACC:WRONG"}).status == 401
    job = save(archive, target)
    assert job.status == 200
    data = json.loads(job.body)
    assert data["url"] == target
    assert data["job_id"].startswith("spn2-")
    body = last(archive, f"{ARCHIVE}/save")["body"]
    assert "skip_first_archive=1" in body
    assert status(archive, data["job_id"])["status"] == "pending"
    assert status(archive, data["job_id"])["status"] == "pending"
    done = status(archive, data["job_id"])
    assert done["status"] == "success"
    assert done["original_url"] == target
    assert len(done["timestamp"]) == 14
    rows = cdx(archive, target)
    assert rows[1] == [done["timestamp"], target, "200"]
    copy = fetch(archive, f"{ARCHIVE}/web/{done['timestamp']}id_/{target}")
    assert copy.status == 200
    assert "该内容已被发布者删除" in copy.text  # an archived removal page is a removal page
    user = json.loads(fetch(archive, f"{ARCHIVE}/save/status/user", headers=AUTH).body)
    assert user["daily_captures"] == 1
    assert user["processing"] == 0


def test_spn2_limits_and_errors(archive: FakeWeb) -> None:
    archive.write_scenario({"wayback": {"session_limit": 1, "daily_limit": 2, "pending_polls": 1}})
    first = json.loads(save(archive, "https://a.test/1").body)
    busy = save(archive, "https://a.test/2")
    assert busy.status == 429
    assert json.loads(busy.body)["status_ext"] == "error:user-session-limit"
    status(archive, first["job_id"])
    assert status(archive, first["job_id"])["status"] == "success"
    assert save(archive, "https://a.test/3").status == 200
    daily = save(archive, "https://a.test/4")
    assert daily.status == 429
    assert json.loads(daily.body)["status_ext"] == "error:too-many-daily-captures"
    archive.reset()
    archive.write_scenario(
        {"wayback": {"pending_polls": 0, "job_error": "error:too-many-requests"}}
    )
    job = json.loads(save(archive, "https://a.test/5").body)
    failed = status(archive, job["job_id"])
    assert failed["status"] == "error"
    assert failed["status_ext"] == "error:too-many-requests"


def test_classic_save_and_replay(archive: FakeWeb) -> None:
    target = "https://zhuanlan.zhihu.com/p/777"
    ans = fetch(archive, f"{ARCHIVE}/save/{target}")
    assert ans.status == 302
    location = ans.headers["Location"]
    assert location.startswith(f"{ARCHIVE}/web/")
    assert location.endswith(f"/{target}")
    copy = fetch(archive, location)
    assert copy.status == 200
    assert title_of(copy.text) == "知乎文章 777 - 知乎"
    assert len(cdx(archive, target)) == 2
    archive.write_scenario(
        {
            "wayback": {
                "save_429": True,
                "snapshots": {"https://x.test/p": [["20190101000000", 200, "wechat-removed"]]},
            }
        }
    )
    assert fetch(archive, f"{ARCHIVE}/save/https://b.test/").status == 429
    old = fetch(archive, f"{ARCHIVE}/web/20190101000000/https://x.test/p")
    assert "该内容已被发布者删除" in old.text
    near = fetch(archive, f"{ARCHIVE}/web/2020/https://x.test/p")
    assert near.status == 302
    assert "/web/20190101000000/" in near.headers["Location"]
    assert fetch(archive, f"{ARCHIVE}/web/2020/https://never.test/").status == 404


def test_availability_api(archive: FakeWeb) -> None:
    archive.write_scenario(
        {"wayback": {"snapshots": {"https://av.test/": [["20200101000000", 200]]}}}
    )
    data = json.loads(fetch(archive, "http://archive.org/wayback/available?url=av.test").body)
    assert data["archived_snapshots"]["closest"]["timestamp"] == "20200101000000"
    none = json.loads(fetch(archive, "http://archive.org/wayback/available?url=no.test").body)
    assert none["archived_snapshots"] == {}


def test_wayback_slow(archive: FakeWeb) -> None:
    archive.write_scenario({"wayback": {"slow_seconds": 0.3}})
    start = time.monotonic()
    assert fetch(archive, f"{ARCHIVE}/cdx/search/cdx?url=a.test&output=json").status == 200
    assert time.monotonic() - start >= 0.3


# --------------------------------------------------------------------------- CLI and helper


def test_cli_ready_line_and_sigterm(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakeweb", "--port", "0", "--log", str(log)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("READY ")
        port = int(line.split()[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        conn.request("GET", "/x", headers={"Host": "cli.test"})
        assert conn.getresponse().read()
        conn.close()
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        assert proc.stdout is not None
        proc.stdout.close()
    assert json.loads(log.read_text().splitlines()[0])["host"] == "cli.test"


def test_env_sets_proxies(web: FakeWeb) -> None:
    env = web.env({"no_proxy": "x", "NO_PROXY": "y", "PATH": "/bin"})
    assert env["http_proxy"] == env["HTTPS_PROXY"] == web.proxy_url
    assert "no_proxy" not in env
    assert "NO_PROXY" not in env
    assert env["PATH"] == "/bin"


# --------------------------------------------------------------------------- DNS resolver

SPIDER = """
import json
import os

import scrapy


class Probe(scrapy.Spider):
    name = "probe"
    custom_settings = {
        "RETRY_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "DOWNLOAD_TIMEOUT": 5,
        "DNSCACHE_ENABLED": False,
    }

    async def start(self):
        for url in json.loads(os.environ["PROBE_URLS"]):
            yield scrapy.Request(url, callback=self.ok, errback=self.bad, dont_filter=True)

    def ok(self, response):
        title = response.css("title::text").get()
        yield {"url": response.url, "status": response.status, "title": title}

    def bad(self, failure):
        cause = failure.value.__cause__
        yield {
            "url": failure.request.url,
            "error": failure.type.__name__,
            "cause": type(cause).__name__ if cause is not None else None,
        }
"""


@pytest.mark.parametrize(
    ("setting", "resolver"),
    [
        ("DNS_RESOLVER", "FakeResolver"),
        ("TWISTED_DNS_RESOLVER", "FakeHostnameResolver"),
    ],
)
def test_resolver_with_real_scrapy(
    web: FakeWeb, tmp_path: Path, setting: str, resolver: str
) -> None:
    spider = tmp_path / "probe.py"
    spider.write_text(SPIDER)
    out = tmp_path / "out.jsonl"
    alive = web.url("alive.test", "/x")
    dead = web.url("dead.test", "/y")
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in ("http_proxy", "https_proxy", "pythonwarnings")
    }
    env["PYTHONPATH"] = str(ROOT)
    env["FAKEWEB_NXDOMAIN"] = "dead.test,other.test"
    env["PROBE_URLS"] = json.dumps([alive, dead])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "runspider",
            str(spider),
            "-s",
            f"{setting}=tests.fakeweb.resolver.{resolver}",
            "-s",
            "LOG_LEVEL=INFO",
            "-o",
            f"{out}:jsonlines",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    items = {i["url"]: i for i in map(json.loads, out.read_text().splitlines())}
    assert items[alive]["status"] == 200
    assert items[alive]["title"] == "Page alive.test/x"
    # Scrapy 2.19 wraps twisted's DNSLookupError into its own CannotResolveHostError.
    assert items[dead]["error"] == "CannotResolveHostError"
    assert items[dead]["cause"] == "DNSLookupError"


def test_real_scrapy_through_the_proxy(web: FakeWeb, tmp_path: Path) -> None:
    spider = tmp_path / "probe.py"
    spider.write_text(SPIDER.replace('"DNSCACHE_ENABLED": False,', '"DOWNLOAD_MAXSIZE": 1000000,'))
    out = tmp_path / "out.jsonl"
    urls = {
        "live": "https://mp.weixin.qq.com/s/scrapy1",
        "gone": "http://zhuanlan.zhihu.com/p/404scrapy",
        "big": "https://big.test/big/50000000",
        "tls": "https://tls-broken.test/scrapy",
    }
    env = {k: v for k, v in web.env().items() if k.lower() != "pythonwarnings"}
    env["PROBE_URLS"] = json.dumps(list(urls.values()))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "runspider",
            str(spider),
            "-s",
            "LOG_LEVEL=INFO",
            "-s",
            "HTTPERROR_ALLOW_ALL=True",
            "-o",
            f"{out}:jsonlines",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Remote certificate is not valid" not in proc.stderr
    items = {i["url"]: i for i in map(json.loads, out.read_text().splitlines())}
    assert items[urls["live"]]["title"] == "WeChat article scrapy1"
    assert items[urls["gone"]]["status"] == 404
    assert items[urls["big"]]["error"] == "DownloadCancelledError"
    assert "error" in items[urls["tls"]]
    big = last(web, urls["big"])
    assert big["aborted"] is True
    assert big["bytes_sent"] < 50_000_000
    assert "socket.send() raised exception" not in web.stderr_text()
