"""Page shapes of the fake web, and the dispatch from a request to a shape.

A shape is a function ``(req, opts, world) -> Response | Hostile``. Every shape has a name
(see ``SHAPES``) so that a scenario file can pick it for a URL or a whole host. A scenario
entry is a shape name, a generic path such as ``"status/410"`` or ``"slow/2"``, or a dict
``{"shape": name, **options}``. Options understood by every shape: ``delay`` (seconds to
wait first), ``status`` (override the status code), ``headers`` (extra response headers).
"""

from __future__ import annotations

import functools
import hashlib
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from .model import (
    HeaderList,
    Hostile,
    Opts,
    Req,
    Response,
    Result,
    esc,
    html_response,
    json_response,
    pad_html,
    redirect,
)
from .wayback import WaybackState, wayback_shape

ShapeFn = Callable[[Req, Opts, "World"], Result]


@dataclass
class World:
    """Mutable state of one server process that shapes may use."""

    counters: dict[str, int] = field(default_factory=dict)
    wayback: WaybackState = field(default_factory=WaybackState)

    def count(self, kind: str, req: Req) -> int:
        """Increment and return the per-URL counter `kind` (the scheme is ignored)."""
        key = f"{kind} {req.authority.lower()}{req.target}"
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]

    def replay(self, req: Req, entry: Any = None) -> Result:
        """The shape of an archived copy: the snapshot's own entry, else the default."""
        if entry is not None:
            return run_entry(entry, req, self)
        return default_dispatch(req, self)


# --------------------------------------------------------------------------- helpers


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _seg(req: Req, index: int) -> str:
    segs = req.segments
    return segs[index] if len(segs) > index else ""


REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    410: "Gone",
    418: "I'm a teapot",
    429: "Too Many Requests",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    509: "Bandwidth Limit Exceeded",
    520: "Unknown Error",
    523: "Origin Is Unreachable",
}


def reason(code: int) -> str:
    return REASONS.get(code, "Unknown")


def generic_html(title: str | None, heading: str, size: int = 2048, raw_title: bool = False) -> str:
    if title is None:
        head = '<meta name="description" content="A page without a title">'
    else:
        shown = title if raw_title else esc(title)
        head = f"<title>{shown}</title>"
        if not raw_title:
            head += f'\n<meta property="og:title" content="{esc(title)}">'
    text = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"{head}\n</head>\n<body>\n<h1>{esc(heading)}</h1>\n"
    )
    text += pad_html(max(0, size - len(text) - 20))
    return text + "</body>\n</html>\n"


# --------------------------------------------------------------------------- generic shapes


def live(req: Req, opts: Opts, world: World) -> Result:
    title = str(opts.get("title") or f"Page {req.host}{req.path}")
    return html_response(generic_html(title, title, _int(opts.get("size"), 2048)))


def chunked(req: Req, opts: Opts, world: World) -> Result:
    """A live page sent chunked (no length): the client cannot know it has it all."""
    result = live(req, opts, world)
    result.chunked = True
    return result


def notitle(req: Req, opts: Opts, world: World) -> Result:
    return html_response(generic_html(None, f"No title at {req.host}{req.path}"))


def html_title(req: Req, opts: Opts, world: World) -> Result:
    title = opts.get("title")
    if title is None:
        prefix = "/html-title/"
        title = unquote(req.path[len(prefix) :]) if req.path.startswith(prefix) else ""
    return html_response(generic_html(str(title), "A page with a planted title", raw_title=True))


def status(req: Req, opts: Opts, world: World) -> Result:
    code = _int(opts.get("code"), 0) or _int(_seg(req, 1), 500)
    body = (
        f"<html><head><title>{code} {reason(code)}</title></head>"
        f"<body><h1>{code} {reason(code)}</h1><p>{esc(req.host + req.path)}</p></body></html>"
    )
    return html_response(body, status=code)


def redirect_to(req: Req, opts: Opts, world: World) -> Result:
    location = str(opts.get("location") or opts.get("to") or "/final")
    if location.startswith("/"):
        location = req.base + location
    return redirect(location, _int(opts.get("code"), 302))


def redirect_chain(req: Req, opts: Opts, world: World) -> Result:
    n = _int(opts.get("n"), -1)
    if n < 0:
        n = _int(_seg(req, 1), 1)
    if n <= 0:
        return live(req, {}, world)
    return redirect(f"{req.base}/redirect/{n - 1}")


def redirect_perm(req: Req, opts: Opts, world: World) -> Result:
    return redirect(f"{req.base}/final", 301)


def redirect_loop(req: Req, opts: Opts, world: World) -> Result:
    nxt = "/redirect-loop" if req.path == "/redirect-loop/b" else "/redirect-loop/b"
    return redirect(req.base + nxt)


def meta_refresh(req: Req, opts: Opts, world: World) -> Result:
    """A ``<meta http-equiv="refresh">`` to ``/status/404``, then 40 KB of inline script in the
    head; ``/meta-refresh/late`` puts the refresh after the script (browsers follow it, Scrapy
    looks at the first 4096 characters only)."""
    refresh = f'<meta http-equiv="refresh" content="0; url={req.base}/status/404">'
    script = "<script>var pad = '" + "x" * 40_000 + "';</script>"
    late = req.path.rstrip("/").endswith("/late")
    head = script + refresh if late else refresh + script
    return html_response(
        f"<html><head><title>Refresh</title>{head}</head><body>moved</body></html>"
    )


def redirect_root(req: Req, opts: Opts, world: World) -> Result:
    return redirect(req.base + "/")


def slow(req: Req, opts: Opts, world: World) -> Result:
    seconds = _float(opts.get("seconds"), -1.0)
    if seconds < 0:
        seconds = _float(_seg(req, 1), 2.0)
    then = opts.get("then")
    result = run_entry(then, req, world) if then else live(req, {}, world)
    result.delay += seconds
    return result


def hang(req: Req, opts: Opts, world: World) -> Result:
    return Hostile("hang")


def reset(req: Req, opts: Opts, world: World) -> Result:
    return Hostile("reset")


def close(req: Req, opts: Opts, world: World) -> Result:
    return Hostile("close")


def garbage(req: Req, opts: Opts, world: World) -> Result:
    return Hostile("garbage")


def trickle(req: Req, opts: Opts, world: World) -> Result:
    count = _int(opts.get("bytes"), 0) or _int(_seg(req, 1), 0) or _int(req.qs.get("bytes"), 120)
    interval = _float(opts.get("interval"), -1.0)
    if interval < 0:
        interval = _float(req.qs.get("interval"), 1.0)
    return Response(
        200,
        [("Content-Type", "text/html; charset=utf-8")],
        b"." * count,
        trickle_interval=interval,
    )


PAD_CHUNK = 65536


@functools.cache
def _pad_block() -> bytes:
    line = b"<p>padding padding padding padding padding padding padding padding.</p>\n"
    block = line * (PAD_CHUNK // len(line) + 1)
    return block[:PAD_CHUNK]


def big(req: Req, opts: Opts, world: World) -> Result:
    size = _int(opts.get("bytes"), 0) or _int(_seg(req, 1), 0) or 50_000_000
    title = str(opts.get("title") or f"Big page {size}")
    head = (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f'<meta property="og:title" content="{esc(title)}"></head>\n<body>\n<!--'
    ).encode()
    tail = b"-->\n</body></html>\n"
    size = max(size, len(head) + len(tail))

    def chunks() -> Iterator[bytes]:
        yield head
        left = size - len(head) - len(tail)
        block = _pad_block()
        while left > 0:
            piece = block if left >= len(block) else block[:left]
            left -= len(piece)
            yield piece
        yield tail

    return Response(200, [("Content-Type", "text/html; charset=utf-8")], stream=(size, chunks))


@functools.cache
def gzip_bomb_payload(mebibytes: int) -> bytes:
    """A gzip member inflating to `mebibytes` MiB of zeros, built from one repeated block."""
    zeros = bytes(1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    end = comp.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (mebibytes << 20) & 0xFFFFFFFF)
    return header + block * mebibytes + end + trailer


def gzip_bomb(req: Req, opts: Opts, world: World) -> Result:
    size = _int(opts.get("size"), 0) or _int(req.qs.get("size"), 1 << 30)
    payload = gzip_bomb_payload(max(1, size >> 20))
    headers: HeaderList = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Encoding", "gzip"),
    ]
    return Response(200, headers, payload)


def wrong_length(req: Req, opts: Opts, world: World) -> Result:
    resp = live(req, {"size": _int(opts.get("size"), 2048)}, world)
    assert isinstance(resp, Response)
    resp.declared_length = len(resp.body) + _int(opts.get("missing"), 1000)
    resp.close_after = True
    return resp


def reset_mid_body(req: Req, opts: Opts, world: World) -> Result:
    resp = live(req, {"size": _int(opts.get("size"), 40_000)}, world)
    assert isinstance(resp, Response)
    resp.reset_after = len(resp.body) // 2
    return resp


def empty(req: Req, opts: Opts, world: World) -> Result:
    return Response(200, [("Content-Type", "text/html; charset=utf-8")], b"")


def _too_many(retry_after: int | None) -> Response:
    extra: HeaderList = [] if retry_after is None else [("Retry-After", str(retry_after))]
    body = (
        "<html><head><title>429 Too Many Requests</title></head>"
        "<body><h1>Too Many Requests</h1><p>Slow down.</p></body></html>"
    )
    return html_response(body, status=429, extra=extra)


def retry_after(req: Req, opts: Opts, world: World) -> Result:
    seconds = _int(opts.get("seconds"), -1)
    if seconds < 0:
        seconds = _int(_seg(req, 1), 1)
    ok_after = _int(opts.get("ok_after"), -1)
    if ok_after < 0:
        ok_after = _int(req.qs.get("ok_after"), 1)
    if world.count("retry-after", req) > ok_after:
        return live(req, {}, world)
    return _too_many(seconds)


def always_429(req: Req, opts: Opts, world: World) -> Result:
    return _too_many(None)


def _unavailable() -> Response:
    body = (
        "<html><head><title>503 Service Unavailable</title></head>"
        "<body><h1>Service Unavailable</h1></body></html>"
    )
    return html_response(body, status=503)


def then_ok_503(req: Req, opts: Opts, world: World) -> Result:
    ok_after = _int(opts.get("ok_after"), -1)
    if ok_after < 0:
        ok_after = _int(req.qs.get("ok_after"), 1)
    if world.count("503-then-ok", req) > ok_after:
        return live(req, {}, world)
    return _unavailable()


def always_503(req: Req, opts: Opts, world: World) -> Result:
    return _unavailable()


@functools.cache
def _pdf_bytes(size: int) -> bytes:
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    tail = b"\n%%EOF\n"
    filler = b"% padding padding padding padding padding padding padding\n"
    body = filler * ((size - len(head) - len(tail)) // len(filler) + 1)
    return head + body[: max(0, size - len(head) - len(tail))] + tail


def pdf(req: Req, opts: Opts, world: World) -> Result:
    size = _int(opts.get("size"), 5 * 1024 * 1024)
    return Response(200, [("Content-Type", "application/pdf")], _pdf_bytes(size))


GBK_TEXT = "这是一个用中文写成的网页，用来检查编码的识别。我们的爬虫应该能够正确地读出标题。"


def _chinese_page(title: str, meta: str) -> str:
    paragraphs = "".join(f"<p>{GBK_TEXT}第{i}段。</p>\n" for i in range(40))
    return (
        f"<!DOCTYPE html>\n<html>\n<head>\n{meta}<title>{title}</title>\n</head>\n"
        f"<body>\n<h1>{title}</h1>\n{paragraphs}</body>\n</html>\n"
    )


def gbk(req: Req, opts: Opts, world: World) -> Result:
    title = str(opts.get("title") or "中文标题 GBK")
    body = _chinese_page(title, "").encode("gbk")
    return Response(200, [("Content-Type", "text/html; charset=gbk")], body)


def gb18030_undeclared(req: Req, opts: Opts, world: World) -> Result:
    title = str(opts.get("title") or "中文标题 GB18030")
    body = _chinese_page(title, "").encode("gb18030")
    return Response(200, [("Content-Type", "text/html")], body)


def meta_charset_gbk(req: Req, opts: Opts, world: World) -> Result:
    title = str(opts.get("title") or "中文标题 GBK META")
    body = _chinese_page(title, '<meta charset="gbk">\n').encode("gbk")
    return Response(200, [("Content-Type", "text/html")], body)


# --------------------------------------------------------------------------- WeChat


def _token(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def _js(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\x3c")


WX_HEAD = (
    '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
    '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
    '<meta name="viewport" content="width=device-width,initial-scale=1.0,maximum-scale=1.0,'
    'user-scalable=0,viewport-fit=cover">\n'
    '<link rel="shortcut icon" type="image/x-icon" '
    'href="//res.wx.qq.com/a/wx_fed/assets/res/NTI4MWU5.ico">\n'
)


def _wx_key(req: Req) -> str:
    segs = req.segments
    if len(segs) >= 2 and segs[0] == "s":
        return segs[1]
    return req.qs.get("sn", "")


def _wx_script_pad(size: int) -> str:
    line = "    window.__wx_pad && window.__wx_pad.push({k: 'abcdefghijklmnopqrstuvwxyz0123'});\n"
    return line * max(0, size // len(line))


def _wx_css_pad(size: int) -> str:
    line = ".rich_media_pad_x{margin:0 auto;padding:0;color:rgba(0,0,0,0.9);font-size:17px}\n"
    return line * max(0, size // len(line))


def wechat_article_html(req: Req, title: str, size: int, late_pad: int = 0) -> str:
    qs = req.qs
    key = _wx_key(req)
    head = (
        f"<!DOCTYPE html>\n<html>\n<head>\n{WX_HEAD}"
        f'<meta property="og:title" content="{esc(title)}">\n'
        f'<meta property="og:url" content="{esc(req.url)}">\n'
        '<meta property="og:type" content="article">\n'
        '<meta property="og:description" content="A fake WeChat article.">\n'
        f'<meta property="twitter:title" content="{esc(title)}">\n'
        f"<title>{esc(title)}</title>\n"
    )
    if late_pad:
        half = late_pad // 2
        head += f"<style>\n{_wx_css_pad(half)}</style>\n"
        head += f'<script type="text/javascript" nonce="1">\n{_wx_script_pad(half)}</script>\n'
    head += "</head>\n"
    content = "".join(
        f'<p style="margin-bottom: 0px;"><span>{GBK_TEXT}第{i}段。</span></p>\n' for i in range(20)
    )
    body = (
        '<body id="activity-detail" class="zh_CN wx_wap_page mm_appmsg">\n'
        '<div id="js_article" class="rich_media">\n<div class="rich_media_inner">\n'
        '<div id="page-content" class="rich_media_area_primary">\n'
        '<div class="rich_media_area_primary_inner">\n'
        f'<h1 class="rich_media_title" id="activity-name">{esc(title)}</h1>\n'
        '<div id="meta_content" class="rich_media_meta_list">\n'
        '<span class="rich_media_meta rich_media_meta_nickname" id="profileBt">'
        '<a href="javascript:void(0);" id="js_name">假的公众号</a></span>\n'
        '<em id="publish_time" class="rich_media_meta rich_media_meta_text">2024-01-01</em>\n'
        "</div>\n"
        f'<div class="rich_media_content" id="js_content">\n{content}</div>\n'
        "</div>\n</div>\n</div>\n</div>\n"
    )
    script = (
        '<script type="text/javascript" nonce="1">\n'
        f'    var biz = "{_js(qs.get("__biz", ""))}" || "";\n'
        f'    var sn = "{_js(key)}" || "";\n'
        f'    var mid = "{_js(qs.get("mid", ""))}" || "";\n'
        f'    var idx = "{_js(qs.get("idx", ""))}" || "";\n'
        f'    var msg_title = "{_js(title)}";\n'
        '    var msg_desc = "A fake WeChat article.";\n'
        '    var ct = "1704067200";\n'
        "</script>\n"
    )
    text = head + body + script
    pad = size - len(text.encode()) - 40
    if pad > 0:
        text += f'<script type="text/javascript" nonce="1">\n{_wx_script_pad(pad)}</script>\n'
    return text + "</body>\n</html>\n"


def wechat_live(req: Req, opts: Opts, world: World) -> Result:
    title = str(opts.get("title") or f"WeChat article {_wx_key(req)}")
    return html_response(wechat_article_html(req, title, _int(opts.get("size"), 60_000)))


def wechat_big(req: Req, opts: Opts, world: World) -> Result:
    title = str(opts.get("title") or f"WeChat article {_wx_key(req)}")
    size = _int(opts.get("size"), 3 * 1024 * 1024)
    return html_response(wechat_article_html(req, title, size))


def wechat_late(req: Req, opts: Opts, world: World) -> Result:
    title = str(opts.get("title") or f"WeChat article {_wx_key(req)}")
    late = _int(opts.get("late"), int(2.5 * 1024 * 1024))
    return html_response(wechat_article_html(req, title, 60_000, late_pad=late))


def wechat_message_html(
    wording: str, *, title: str = "", box: str = "weui", desc: str = "", script: str = ""
) -> str:
    if box == "global":
        msg = (
            '<div class="global_error_msg warn" id="js_global_error_msg">\n'
            f"{esc(wording)}\n</div>\n"
        )
    else:
        msg = (
            '<div class="weui-msg">\n<div class="weui-msg__icon-area">'
            '<i class="weui-icon-info weui-icon_msg"></i></div>\n'
            '<div class="weui-msg__text-area">\n'
            f'<p class="weui-msg__title">{esc(wording)}</p>\n'
            f'<p class="weui-msg__desc">{esc(desc)}</p>\n</div>\n</div>\n'
        )
    return (
        f"<!DOCTYPE html>\n<html>\n<head>\n{WX_HEAD}<title>{esc(title)}</title>\n"
        '<link rel="stylesheet" href="//res.wx.qq.com/open/libs/weui/2.4.4/weui.min.css">\n'
        '</head>\n<body class="zh_CN">\n'
        f"{msg}"
        '<script type="text/javascript" nonce="1">\n'
        f"    var __appmsg_err = 1;\n{script}"
        "</script>\n</body>\n</html>\n"
    )


def _wx_message(wording: str, title: str = "", box: str = "weui") -> ShapeFn:
    def shape(req: Req, opts: Opts, world: World) -> Result:
        return html_response(
            wechat_message_html(
                str(opts.get("wording") or wording),
                title=str(opts.get("title", title)),
                box=str(opts.get("box") or box),
            )
        )

    return shape


WX_MP = "微信公众平台"
wechat_removed = _wx_message("该内容已被发布者删除", "")
wechat_violation = _wx_message("此内容因违规无法查看", WX_MP, "global")
wechat_violation_old = _wx_message("此内容因违规已删除", WX_MP, "global")
wechat_complaint = _wx_message("此内容被多人投诉，相关的内容无法进行查看", WX_MP)
wechat_infringement = _wx_message("该内容被投诉且经审核涉嫌侵权，无法查看", WX_MP)
wechat_expired = _wx_message("链接已过期", WX_MP)
wechat_param_error = _wx_message("参数错误", WX_MP, "global")
wechat_blocked = _wx_message("此帐号已被屏蔽, 内容无法查看", WX_MP, "global")
wechat_newwording = _wx_message("该文章已被作者隐藏", WX_MP, "global")


def wechat_verify(req: Req, opts: Opts, world: World) -> Result:
    token = _token(req.url)
    target = quote(req.url, safe="")
    return redirect(f"{req.base}/mp/wappoc_appmsgcaptcha?poc_token={token}&target_url={target}")


def wechat_captcha(req: Req, opts: Opts, world: World) -> Result:
    return html_response(
        wechat_message_html(
            "环境异常",
            title=WX_MP,
            desc="当前环境异常，完成验证后即可继续访问",
            script="    var cap_appid = '2000000000';\n",
        ).replace(
            "</div>\n</div>\n<script",
            '</div>\n<a class="weui-btn weui-btn_primary" id="js_verify">去验证</a>\n'
            "</div>\n<script",
            1,
        )
    )


def wechat_moved(req: Req, opts: Opts, world: World) -> Result:
    target = str(opts.get("target") or "https://mp.weixin.qq.com/s/movedtarget")
    return html_response(
        wechat_message_html(
            "该公众号已迁移",
            title=WX_MP,
            desc="该公众号已迁移，点击访问迁移后的文章",
            script=f"    var transferTargetLink = '{target}';\n",
        )
    )


WX_PREFIXES: list[tuple[str, str]] = [
    ("removed", "wechat-removed"),
    ("oldviolation", "wechat-violation-old"),
    ("violation", "wechat-violation"),
    ("complaint", "wechat-complaint"),
    ("infringement", "wechat-infringement"),
    ("expired", "wechat-expired"),
    ("paramerror", "wechat-param-error"),
    ("blocked", "wechat-blocked"),
    ("newwording", "wechat-newwording"),
    ("verify", "wechat-verify"),
    ("moved", "wechat-moved"),
    ("big", "wechat-big"),
    ("late", "wechat-late"),
]


def wechat(req: Req, opts: Opts, world: World) -> Result:
    segs = req.segments
    if req.path.startswith("/mp/wappoc_appmsgcaptcha"):
        return wechat_captcha(req, opts, world)
    if not segs or segs[0] != "s":
        return live(req, opts, world)
    key = _wx_key(req)
    if not key:
        qs = req.qs
        if "src" in qs and "signature" in qs:  # Sogou temporary link
            return wechat_expired(req, opts, world)
        return wechat_param_error(req, opts, world)
    for prefix, name in WX_PREFIXES:
        if key.startswith(prefix):
            return SHAPES[name](req, opts, world)
    return wechat_live(req, opts, world)


# --------------------------------------------------------------------------- Zhihu

ZH_404_TITLE = "你似乎来到了没有知识存在的荒原 - 知乎"


def _zh_key(req: Req) -> str:
    segs = req.segments
    if "answer" in segs:
        i = segs.index("answer")
        if len(segs) > i + 1:
            return segs[i + 1]
    return segs[1] if len(segs) > 1 else ""


def _zh_page(title: str, main: str, size: int = 30_000) -> str:
    text = (
        '<!doctype html>\n<html lang="zh" data-hairline="true" data-theme="light">\n<head>\n'
        '<meta charSet="utf-8"/>\n'
        f'<title data-rh="true">{esc(title)}</title>\n'
        f'<meta property="og:title" content="{esc(title.removesuffix(" - 知乎"))}"/>\n'
        '<meta property="og:site_name" content="知乎专栏"/>\n</head>\n<body>\n'
        f'<div id="root"><main role="main" class="App-main">{main}</main></div>\n'
    )
    pad = size - len(text.encode()) - 40
    if pad > 0:
        line = '<script>window.__zh_pad=(window.__zh_pad||"")+"0123456789abcdef";</script>\n'
        text += line * (pad // len(line))
    return text + "</body>\n</html>\n"


def zhihu_live(req: Req, opts: Opts, world: World) -> Result:
    key = _zh_key(req)
    title = str(opts.get("title") or f"知乎文章 {key} - 知乎")
    main = (
        f'<article class="Post-Main"><h1 class="Post-Title">{esc(title.removesuffix(" - 知乎"))}'
        f'</h1><div class="RichText ztext Post-RichText">{GBK_TEXT * 10}</div></article>'
    )
    return html_response(_zh_page(title, main, _int(opts.get("size"), 30_000)))


def zhihu_404(req: Req, opts: Opts, world: World) -> Result:
    main = (
        '<div class="ErrorPage"><div class="ErrorPage-container">'
        '<h1 class="ErrorPage-title">404</h1>'
        '<p class="ErrorPage-subtitle">你似乎来到了没有知识存在的荒原</p>'
        '<a class="Button" href="https://www.zhihu.com">去往首页</a></div></div>'
    )
    return html_response(_zh_page(ZH_404_TITLE, main, 8_000), status=404)


def zhihu_deleted(req: Req, opts: Opts, world: World) -> Result:
    qid = _seg(req, 1)
    title = f"知乎问题 {qid} - 知乎"
    main = (
        f'<div class="QuestionHeader"><h1 class="QuestionHeader-title">知乎问题 {esc(qid)}</h1>'
        '</div><div class="Card AnswerCard"><div class="ErrorPage-text">该回答已被删除</div>'
        "</div>"
    )
    return html_response(_zh_page(title, main, 12_000))


def zhihu_unhuman(req: Req, opts: Opts, world: World) -> Result:
    return redirect(f"{req.base}/account/unhuman?type=unhuman&need_login=false")


def zhihu_unhuman_page(req: Req, opts: Opts, world: World) -> Result:
    main = (
        '<div class="Unhuman"><h2>系统监测到您的网络环境存在异常风险</h2>'
        "<p>为保证您的正常访问，请点击下方验证按钮进行验证。</p>"
        '<button class="Button Button--primary">开始验证</button></div>'
    )
    return html_response(_zh_page("安全验证 - 知乎", main, 6_000))


def zhihu_403json(req: Req, opts: Opts, world: World) -> Result:
    data = {
        "error": {
            "code": 40352,
            "message": "您当前请求存在异常，暂时限制本次访问。"
            "如有疑问，您可以通过手机摇一摇或登录后私信知乎小管家反馈。",
            "need_login": False,
            "redirect": "https://www.zhihu.com/account/unhuman?type=unhuman&need_login=false",
        }
    }
    return json_response(data, status=403)


def zhihu_403(req: Req, opts: Opts, world: World) -> Result:
    body = (
        "<html>\n<head><title>403 Forbidden</title></head>\n<body>\n"
        "<center><h1>403 Forbidden</h1></center>\n<hr><center>openresty</center>\n"
        "</body>\n</html>\n"
    )
    return html_response(body, status=403)


ZH_PREFIXES: list[tuple[str, str]] = [
    ("404", "zhihu-404"),
    ("deleted", "zhihu-deleted"),
    ("unhuman", "zhihu-unhuman"),
    ("403json", "zhihu-403json"),
    ("403", "zhihu-403"),
]


def zhihu(req: Req, opts: Opts, world: World) -> Result:
    segs = req.segments
    if segs[:2] == ["account", "unhuman"]:
        return zhihu_unhuman_page(req, opts, world)
    if not segs or segs[0] not in ("p", "question", "answer"):
        return live(req, opts, world)
    key = _zh_key(req)
    for prefix, name in ZH_PREFIXES:
        if key.startswith(prefix):
            return SHAPES[name](req, opts, world)
    return zhihu_live(req, opts, world)


# --------------------------------------------------------------------------- CSDN


def _csdn_id(req: Req) -> str:
    segs = req.segments
    if len(segs) >= 4 and segs[1] == "article" and segs[2] == "details":
        return segs[3]
    return ""


def csdn_live(req: Req, opts: Opts, world: World) -> Result:
    title = str(opts.get("title") or f"CSDN article {_csdn_id(req)}")
    text = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n"
        f'<meta property="og:title" content="{esc(title)}">\n</head>\n<body>\n'
        '<div class="article-header-box"><h1 class="title-article" id="articleContentId">'
        f"{esc(title)}</h1></div>\n"
        '<div id="content_views" class="markdown_views prism-atom-one-dark">\n'
        f"<p>{GBK_TEXT * 20}</p>\n</div>\n"
    )
    text += pad_html(40_000, "csdn")
    return html_response(text + "</body>\n</html>\n")


def csdn_404(req: Req, opts: Opts, world: World) -> Result:
    return redirect(f"{req.base}/error/404.html?from={quote(req.url, safe='')}")


def csdn_error_page(req: Req, opts: Opts, world: World) -> Result:
    text = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        "<title>CSDN博客</title>\n</head>\n<body>\n"
        '<div class="error-page"><img src="https://csdnimg.cn/release/blogv2/dist/pc/img/'
        'error404.png" alt="404"><p class="error-text">很抱歉，您要访问的页面不存在</p>'
        '<a href="https://blog.csdn.net">返回首页</a></div>\n</body>\n</html>\n'
    )
    return html_response(text)


def csdn_waf(req: Req, opts: Opts, world: World) -> Result:
    arg1 = _token(req.url).upper() * 2 + "0A1B2C3D"
    text = (
        "<html><script>\n"
        f"var arg1='{arg1}';\n"
        "var _0x4818=['\\x63\\x73\\x6e','\\x6c\\x65\\x6e\\x67\\x74\\x68'];"
        "(function(_0x4da6,_0x4818ff){var _0x1f2f=function(_0x2c7b){while(--_0x2c7b){"
        "_0x4da6['push'](_0x4da6['shift']());}};_0x1f2f(++_0x4818ff);}(_0x4818,0x15e));\n"
        "var setCookie=function(name,value){var expiredate=new Date();"
        "expiredate.setTime(expiredate.getTime()+(3600*1000));"
        "document.cookie=name+'='+value+';expires='+expiredate.toGMTString()+';max-age=3600;"
        "path=/';};\n"
        "var reload=function(x){setCookie('acw_sc__v2',x);document.location.reload();};\n"
        "reload(arg1.split('').reverse().join(''));\n"
        "</script></html>"
    )
    extra: HeaderList = [("Set-Cookie", f"acw_tc={_token(req.host)};path=/;HttpOnly;Max-Age=1800")]
    return html_response(text, extra=extra)


def csdn(req: Req, opts: Opts, world: World) -> Result:
    if req.path == "/error/404.html":
        return csdn_error_page(req, opts, world)
    key = _csdn_id(req)
    if not key:
        return live(req, opts, world)
    if key.startswith("404"):
        return csdn_404(req, opts, world)
    if key.startswith("waf"):
        return csdn_waf(req, opts, world)
    return csdn_live(req, opts, world)


# --------------------------------------------------------------------------- bilibili


def bilibili_av(req: Req, opts: Opts, world: World) -> Result:
    number = _seg(req, 1)[2:]
    location = f"{req.base}/video/BV1xx{number}"
    if req.path.endswith("/"):
        location += "/"
    if req.query:
        location += f"?{req.query}"
    return redirect(location, 301)


def bilibili_live(req: Req, opts: Opts, world: World) -> Result:
    bvid = _seg(req, 1)
    title = str(opts.get("title") or f"bilibili video {bvid}_哔哩哔哩_bilibili")
    text = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f'<title data-vue-meta="true">{esc(title)}</title>\n'
        f'<meta data-vue-meta="true" property="og:title" content="{esc(title)}">\n'
        '<meta data-vue-meta="true" property="og:type" content="video">\n</head>\n<body>\n'
        f'<div id="app"><h1 class="video-title" title="{esc(title)}">'
        f"{esc(title.split('_', maxsplit=1)[0])}</h1></div>\n"
    )
    text += pad_html(30_000, "bilibili")
    return html_response(text + "</body>\n</html>\n")


def bilibili(req: Req, opts: Opts, world: World) -> Result:
    segs = req.segments
    if len(segs) >= 2 and segs[0] == "video":
        if segs[1].lower().startswith("av"):
            return bilibili_av(req, opts, world)
        return bilibili_live(req, opts, world)
    return live(req, opts, world)


# --------------------------------------------------------------------------- registry

SHAPES: dict[str, ShapeFn] = {
    # generic
    "live": live,
    "final": live,
    "notitle": notitle,
    "html-title": html_title,
    "status": status,
    "redirect": redirect_to,
    "redirect-chain": redirect_chain,
    "redirect-perm": redirect_perm,
    "redirect-loop": redirect_loop,
    "redirect-root": redirect_root,
    "meta-refresh": meta_refresh,
    "chunked": chunked,
    "slow": slow,
    "hang": hang,
    "trickle": trickle,
    "big": big,
    "gzip-bomb": gzip_bomb,
    "wrong-length": wrong_length,
    "reset-mid-body": reset_mid_body,
    "reset": reset,
    "close": close,
    "tls-broken": garbage,
    "garbage": garbage,
    "empty": empty,
    "retry-after": retry_after,
    "429": always_429,
    "503-then-ok": then_ok_503,
    "always-503": always_503,
    "pdf": pdf,
    "gbk": gbk,
    "gb18030-undeclared": gb18030_undeclared,
    "meta-charset-gbk": meta_charset_gbk,
    # WeChat
    "wechat": wechat,
    "wechat-live": wechat_live,
    "wechat-removed": wechat_removed,
    "wechat-violation": wechat_violation,
    "wechat-violation-old": wechat_violation_old,
    "wechat-complaint": wechat_complaint,
    "wechat-infringement": wechat_infringement,
    "wechat-expired": wechat_expired,
    "wechat-param-error": wechat_param_error,
    "wechat-blocked": wechat_blocked,
    "wechat-newwording": wechat_newwording,
    "wechat-verify": wechat_verify,
    "wechat-captcha": wechat_captcha,
    "wechat-moved": wechat_moved,
    "wechat-big": wechat_big,
    "wechat-late": wechat_late,
    # Zhihu
    "zhihu": zhihu,
    "zhihu-live": zhihu_live,
    "zhihu-404": zhihu_404,
    "zhihu-deleted": zhihu_deleted,
    "zhihu-unhuman": zhihu_unhuman,
    "zhihu-unhuman-page": zhihu_unhuman_page,
    "zhihu-403json": zhihu_403json,
    "zhihu-403": zhihu_403,
    # CSDN
    "csdn": csdn,
    "csdn-live": csdn_live,
    "csdn-404": csdn_404,
    "csdn-error-page": csdn_error_page,
    "csdn-waf": csdn_waf,
    # bilibili
    "bilibili": bilibili,
    "bilibili-av": bilibili_av,
    "bilibili-live": bilibili_live,
    # Wayback Machine
    "wayback": wayback_shape,
}

# First path segment -> shape, for the generic path behaviours on any host.
GENERIC_PATHS: dict[str, str] = {
    "status": "status",
    "redirect": "redirect-chain",
    "redirect-perm": "redirect-perm",
    "redirect-loop": "redirect-loop",
    "redirect-root": "redirect-root",
    "meta-refresh": "meta-refresh",
    "chunked": "chunked",
    "slow": "slow",
    "hang": "hang",
    "trickle": "trickle",
    "big": "big",
    "gzip-bomb": "gzip-bomb",
    "wrong-length": "wrong-length",
    "reset-mid-body": "reset-mid-body",
    "empty": "empty",
    "retry-after": "retry-after",
    "429": "429",
    "503-then-ok": "503-then-ok",
    "always-503": "always-503",
    "html-title": "html-title",
    "pdf": "pdf",
    "notitle": "notitle",
    "gbk": "gbk",
    "gb18030-undeclared": "gb18030-undeclared",
    "meta-charset-gbk": "meta-charset-gbk",
    "final": "final",
}

HOSTS: dict[str, str] = {
    "mp.weixin.qq.com": "wechat",
    "zhuanlan.zhihu.com": "zhihu",
    "www.zhihu.com": "zhihu",
    "zhihu.com": "zhihu",
    "blog.csdn.net": "csdn",
    "www.bilibili.com": "bilibili",
    "m.bilibili.com": "bilibili",
    "bilibili.com": "bilibili",
    "gbk.test": "gbk",
    "web.archive.org": "wayback",
    "archive.org": "wayback",
    "tls-broken.test": "tls-broken",
    "reset.test": "reset",
    "hang.test": "hang",
}

# Hosts whose shape wins over the generic path behaviours.
HOSTS_FIRST = {"web.archive.org", "archive.org", "tls-broken.test", "reset.test", "hang.test"}


def generic_shape_for(path: str) -> tuple[str, Opts] | None:
    """The generic behaviour named by a path (first segment), with options it carries."""
    segs = [s for s in path.split("/") if s]
    if not segs:
        return None
    name = GENERIC_PATHS.get(segs[0])
    if name is None:
        return None
    opts: Opts = {}
    arg = segs[1] if len(segs) > 1 else ""
    if name == "status" and arg.isdigit():
        opts["code"] = int(arg)
    elif name == "redirect-chain":
        if not arg.isdigit():
            return None
        opts["n"] = int(arg)
    elif name == "slow" and arg:
        opts["seconds"] = _float(arg, 2.0)
    elif name in ("trickle", "big") and arg.isdigit():
        opts["bytes"] = int(arg)
    elif name in ("wrong-length", "reset-mid-body") and arg.isdigit():
        opts["size"] = int(arg)
    elif name == "retry-after" and arg.isdigit():
        opts["seconds"] = int(arg)
    elif name == "html-title":
        rest = path.split("/html-title/", 1)
        opts["title"] = unquote(rest[1]) if len(rest) == 2 else ""
    return name, opts


def default_dispatch(req: Req, world: World) -> Result:
    """The built-in behaviour of a URL, without any scenario."""
    host_shape = HOSTS.get(req.host)
    if req.host in HOSTS_FIRST and host_shape is not None:
        return SHAPES[host_shape](req, {}, world)
    generic = generic_shape_for(req.path)
    if generic is not None:
        name, opts = generic
        return SHAPES[name](req, opts, world)
    if host_shape is not None:
        return SHAPES[host_shape](req, {}, world)
    return live(req, {}, world)


def default_shape(req: Req, opts: Opts, world: World) -> Result:
    """The built-in behaviour, e.g. to exempt one URL from a scenario "hosts" entry."""
    return default_dispatch(req, world)


SHAPES["default"] = default_shape


def unknown_shape(name: str) -> Response:
    body = f"<html><head><title>fakeweb: unknown shape</title></head><body>{esc(name)}</body>"
    return html_response(body, status=500)


def run_entry(entry: Any, req: Req, world: World) -> Result:
    """Run a scenario entry: a shape name, a generic path like "status/404", or a dict."""
    if isinstance(entry, str):
        name, opts = entry, {}
    elif isinstance(entry, dict):
        name, opts = str(entry.get("shape", "live")), dict(entry)
    else:
        return unknown_shape(repr(entry))
    fn = SHAPES.get(name)
    if fn is None:
        generic = generic_shape_for(name)
        if generic is None:
            return unknown_shape(name)
        name, path_opts = generic
        fn = SHAPES[name]
        opts = {**path_opts, **{k: v for k, v in opts.items() if k != "shape"}}
    result = fn(req, opts, world)
    result.delay += _float(opts.get("delay"), 0.0)
    if isinstance(result, Response):
        if "status" in opts:
            result.status = _int(opts["status"], result.status)
        extra = opts.get("headers")
        if isinstance(extra, dict):
            result.headers.extend((str(k), str(v)) for k, v in extra.items())
    return result
