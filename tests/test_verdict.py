from __future__ import annotations

import pytest

from crawler.base.rules import load_rules
from crawler.base.verdicts import Fetched
from crawler.verdict.judge import judge
from crawler.verdict.signs import title_says

RULES = load_rules()
HTML = {"content-type": "text/html; charset=utf-8"}
WX = "https://mp.weixin.qq.com/s/abc"


def page(body: str, url: str = WX, status: int = 200, **kw) -> Fetched:
    return Fetched(
        url,
        kw.pop("final_url", url),
        status,
        kw.pop("headers", HTML),
        body.encode(kw.pop("encoding", "utf-8")),
        **kw,
    )


LIVE = (
    '<html><head><meta property="og:title" content="OG"></head><body>'
    '<h1 class="rich_media_title" id="activity-name">\n  真 标题 &amp; more </h1>'
    '<div id="js_content">正文提到 参数错误 与 环境异常</div></body></html>'
)


def test_wechat_live_article_even_when_its_text_mentions_markers():
    v = judge(page(LIVE), RULES)
    assert (v.status, v.reason, v.title) == ("alive", "ok", "真 标题 & more")


@pytest.mark.parametrize(
    "wording",
    [
        "该内容已被发布者删除",
        "此内容因违规无法查看",
        "此内容被多人投诉，相关的内容无法进行查看",
        "链接已过期",
    ],
)
def test_wechat_removal_wordings(wording):
    body = f'<div class="weui-msg"><p class="weui-msg__title">{wording}</p></div>'
    v = judge(page(body), RULES)
    assert (v.status, v.reason, v.title) == ("dead", "wechat-removed", None)


def test_wechat_unknown_wording_in_the_message_box_is_not_dead():
    # issue 13: a message box is classified by its wording, not assumed to be a removal
    v = judge(
        page('<html><body><div class="global_error_msg">该文章已被作者隐藏</div></body></html>'),
        RULES,
    )
    assert (v.status, v.reason) == ("blocked", "unrecognized-page")
    assert v.detail == "message: 该文章已被作者隐藏"


def test_wechat_verification_is_never_dead():
    body = (
        "<head><title>微信公众平台</title></head><body>当前环境异常，完成验证后即可继续访问</body>"
    )
    assert judge(page(body), RULES).status == "blocked"
    redirected = page(
        "<html></html>",
        final_url="https://mp.weixin.qq.com/mp/wappoc_appmsgcaptcha?poc_token=x",
        redirects=((302, WX),),
    )
    assert (judge(redirected, RULES).status, judge(redirected, RULES).reason) == (
        "blocked",
        "wechat-verification",
    )


def test_a_cut_short_page_without_markers_is_not_dead():
    body = "<html><head><title>x</title><script>" + "var a=1;" * 1000
    v = judge(page(body, truncated=True), RULES)
    assert (v.status, v.reason) == ("blocked", "truncated-page")


def test_wechat_moved_account_lives_on():
    body = "<html><body>该公众号已迁移<script>var transferTargetLink = 'https://mp.weixin.qq.com/s/new';</script></body></html>"
    v = judge(page(body), RULES)
    assert (v.status, v.reason, v.moved_to) == ("alive", "moved", "https://mp.weixin.qq.com/s/new")


@pytest.mark.parametrize(
    ("status", "verdict", "reason"),
    [
        (404, "dead", "http-404"),
        (410, "dead", "http-410"),
        (403, "blocked", "http-403"),
        (429, "blocked", "http-429"),
        (401, "blocked", "http-401"),
        (451, "blocked", "http-451"),
        (500, "error", "http-500"),
        (503, "error", "http-503"),
        (521, "error", "http-521"),
        (522, "error", "http-522"),
        (400, "error", "http-400"),
        (999, "blocked", "http-999"),
    ],
)
def test_statuses(status, verdict, reason):
    v = judge(page("<html></html>", url="https://example.com/a", status=status), RULES)
    assert (v.status, v.reason, v.http_status) == (verdict, reason, status)


def test_zhihu_shapes():
    gone = page(
        "<title>你似乎来到了没有知识存在的荒原 - 知乎</title>",
        "https://zhuanlan.zhihu.com/p/1",
        404,
    )
    assert judge(gone, RULES).status == "dead"
    json403 = page(
        '{"error": {"code": 40352, "message": "x"}}',
        "https://zhuanlan.zhihu.com/p/1",
        403,
        headers={"content-type": "application/json"},
    )
    assert (judge(json403, RULES).status, judge(json403, RULES).reason) == (
        "blocked",
        "zhihu-verification",
    )
    unhuman = page(
        "<title>安全验证 - 知乎</title>",
        "https://zhuanlan.zhihu.com/p/1",
        final_url="https://www.zhihu.com/account/unhuman?type=unhuman",
        redirects=((302, "https://zhuanlan.zhihu.com/p/1"),),
    )
    assert judge(unhuman, RULES).status == "blocked"
    deleted = page(
        '<html><body><div class="ErrorPage-text">该回答已被删除</div></body></html>',
        "https://www.zhihu.com/question/1/answer/2",
    )
    assert (judge(deleted, RULES).status, judge(deleted, RULES).reason) == ("dead", "zhihu-removed")
    # the wording outside a message element is no removal (issue 13)
    loose = page(
        "<html><body>该回答已被删除</body></html>", "https://www.zhihu.com/question/1/answer/2"
    )
    assert judge(loose, RULES).status == "blocked"


def test_redirect_to_error_page_and_root():
    csdn = page(
        "<title>404</title>",
        "https://blog.csdn.net/u/article/details/1",
        final_url="https://blog.csdn.net/error/404.html?from=x",
        redirects=((302, "https://blog.csdn.net/u/article/details/1"),),
    )
    assert (judge(csdn, RULES).status, judge(csdn, RULES).reason) == (
        "dead",
        "redirect-to-error-page",
    )
    root = page(
        "<title>Home</title>",
        "https://example.com/deep/page",
        final_url="https://www.example.com/",
        redirects=((301, "https://example.com/deep/page"),),
    )
    assert judge(root, RULES).reason == "redirect-to-root"
    home = page(
        "<title>Home</title>",
        "https://example.com/",
        final_url="https://www.example.com/",
        redirects=((301, "https://example.com/"),),
    )
    assert (judge(home, RULES).status, judge(home, RULES).reason) == (
        "alive",
        "redirected-permanent",
    )


def test_titles_and_charsets():
    gbk = page(
        "<html><head><title>中文标题 GBK</title></head></html>",
        "https://example.com/",
        headers={"content-type": "text/html; charset=gbk"},
        encoding="gbk",
    )
    assert judge(gbk, RULES).title == "中文标题 GBK"
    undeclared = page(
        "<html><head><title>没有声明的编码 GB18030</title></head><body>" + "正文" * 50,
        "https://example.com/",
        headers={"content-type": "text/html"},
        encoding="gb18030",
    )
    assert judge(undeclared, RULES).title == "没有声明的编码 GB18030"
    lying = page("<title>声明是UTF-8其实是GBK</title>", "https://example.com/", encoding="gbk")
    assert judge(lying, RULES).title == "声明是UTF-8其实是GBK"
    og_only = page(
        '<head><meta property="og:title" content="Only &lt;OG&gt;"></head>', "https://e.com/"
    )
    assert judge(og_only, RULES).title == "Only <OG>"


def test_empty_body_pdf_and_soft_404():
    assert judge(page("", "https://example.com/"), RULES).reason == "empty-body"
    pdf = Fetched(
        "https://arxiv.org/pdf/1",
        "https://arxiv.org/pdf/1",
        200,
        {"content-type": "application/pdf"},
        b"",
        truncated=True,
    )
    assert (judge(pdf, RULES).status, judge(pdf, RULES).reason) == ("alive", "ok")
    soft = page("<title>404 Not Found</title>", "https://example.com/x")
    assert (judge(soft, RULES).status, judge(soft, RULES).reason) == ("dead", "soft-404")


def test_generic_anti_bot_page():
    cf = page(
        "<title>Just a moment...</title><script src='/cdn-cgi/challenge-platform/x'></script>",
        "https://example.com/x",
    )
    assert judge(cf, RULES).status == "blocked"


@pytest.mark.parametrize(
    ("title", "says"),
    [
        ("404 - 页面不存在", True),
        ("Error 404 Not Found", True),
        ("Page Not Found | Example Blog", True),
        ("页面找不到了_CSDN博客", True),
        ("网页打开显示 404 Not Found 是什么原因？ - 知乎", False),
        ("微信文章链接已过期怎么恢复？", False),
        ("How to fix a Page Not Found error in nginx", False),
    ],
)
def test_a_title_says_a_wording_only_when_a_segment_is_it(title, says):
    markers = (*RULES.generic.removal_markers, "链接已过期")
    assert (title_says(title, markers) is not None) is says


def test_a_question_about_verification_on_a_platform_is_not_a_verification_page():
    # a Zhihu question (no listed page type) whose title mentions a verification word
    question = page(
        "<html><head><title>如何验证一个模型是否过拟合？ - 知乎</title></head>"
        "<body>x</body></html>",
        "https://www.zhihu.com/question/123",
    )
    assert judge(question, RULES).status == "alive"
    wall = page(
        "<html><head><title>安全验证 - 知乎</title></head><body></body></html>",
        "https://www.zhihu.com/question/123",
    )
    assert (judge(wall, RULES).status, judge(wall, RULES).reason) == (
        "blocked",
        "zhihu-verification",
    )
