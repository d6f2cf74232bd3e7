from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.base.rules import load_rules
from crawler.base.urls import URLProblem, canonicalize, link_kind, redact, redact_text

RULES = load_rules()
WECHAT = (
    "https://mp.weixin.qq.com/s?__biz=MzUxNjcxMjQxNg==&mid=2247497267&idx=4"
    "&sn=c74d8e21650ef4c855a54d2b12f2bb33&chksm=f9a184bc&mpshare=1&scene=1&srcid=0516tpA"
    "&sharer_sharetime=1589613005073&sharer_shareid=1457b5&key=042d77279f4726135&ascene=1"
    "&uin=MjQ4OTg4MDUxMQ%3D%3D&devicetype=Windows+10+x64&version=62090070&lang=zh_CN"
    "&exportkey=A%2FQxp%2FimXUvM&pass_ticket=z07bwmrtJGVo64vo#rd"
)
SECRETS = ("042d77279f4726135", "MjQ4OTg4MDUxMQ", "A%2FQxp", "z07bwmrtJGVo64vo")


def test_wechat_identity_fetch_and_clean_urls():
    c = canonicalize(WECHAT, RULES)
    assert c.identity == (
        "https://mp.weixin.qq.com/s?__biz=MzUxNjcxMjQxNg==&mid=2247497267&idx=4"
        "&sn=c74d8e21650ef4c855a54d2b12f2bb33"
    )
    assert (
        c.clean_url
        == c.fetch_url
        == (
            "https://mp.weixin.qq.com/s?__biz=MzUxNjcxMjQxNg==&mid=2247497267&idx=4"
            "&sn=c74d8e21650ef4c855a54d2b12f2bb33&chksm=f9a184bc"
        )
    )
    assert c.had_credentials
    assert {"key", "uin", "pass_ticket", "exportkey", "mpshare", "scene"} <= set(c.removed)
    for form in (c.identity, c.fetch_url, c.clean_url):
        assert not any(secret in form for secret in SECRETS)


def test_wechat_identity_ignores_scheme_chksm_and_parameter_order():
    a = canonicalize(WECHAT, RULES)
    b = canonicalize(
        "http://mp.weixin.qq.com/s?sn=c74d8e21650ef4c855a54d2b12f2bb33&idx=4&mid=2247497267"
        "&__biz=MzUxNjcxMjQxNg==#wechat_redirect",
        RULES,
    )
    assert a.identity == b.identity
    assert "#" not in b.clean_url


def test_wechat_article_keeps_only_its_allowlist():
    # issue 13: an article link keeps __biz, mid, idx, sn and chksm; anything else is dropped
    c = canonicalize(
        "https://mp.weixin.qq.com/s?__biz=MzU2MDc1MjEyMQ==&mid=2247486182&idx=1"
        "&sn=6174593f&source=41&chksm=abc#wechat_redirect",
        RULES,
    )
    assert c.clean_url.endswith("&sn=6174593f&chksm=abc")
    assert c.fetch_url == c.clean_url
    assert "source" in c.removed
    assert c.page == "wechat-article"


def test_unknown_params_kept_off_the_page_types():
    # an album or an old /mp/appmsg/show link is no listed page type: ordinary stripping
    c = canonicalize(
        "https://mp.weixin.qq.com/mp/appmsgalbum?__biz=MzA==&album_id=42&scene=1", RULES
    )
    assert c.clean_url == "https://mp.weixin.qq.com/mp/appmsgalbum?__biz=MzA==&album_id=42"
    assert c.page is None


def test_generic_tracking_stripped_unknown_kept_and_fragment_only_in_clean_url():
    c = canonicalize("https://Example.COM:443/a?utm_source=x&id=3&fbclid=y#section-2", RULES)
    assert c.fetch_url == "https://example.com/a?id=3"
    assert c.clean_url == "https://example.com/a?id=3#section-2"
    assert "#" not in c.identity


def test_host_specific_tracking():
    z = canonicalize(
        "https://www.zhihu.com/question/390783647/answer/1223902660?from=groupmessage&s_r=1"
        "&utm_medium=social&scene=share&page=2",
        RULES,
    )
    # an answer link is a listed page type that keeps no parameter (issue 13)
    assert z.clean_url == "https://www.zhihu.com/question/390783647/answer/1223902660"
    other = canonicalize("https://example.com/?from=here&scene=share", RULES)
    assert other.clean_url == "https://example.com/?from=here&scene=share"
    b = canonicalize("https://www.bilibili.com/video/av30271782?from=search&seid=9&p=2&t=30", RULES)
    assert b.clean_url == "https://www.bilibili.com/video/av30271782?p=2&t=30"


def test_credentials_stripped_on_every_host_and_nested():
    c = canonicalize("https://example.com/x?pass_ticket=SECRET&a=1", RULES)
    assert "SECRET" not in c.fetch_url
    assert c.had_credentials
    nested = canonicalize(
        "https://link.zhihu.com/?target=https%3A//mp.weixin.qq.com/s%3F__biz%3DX%3D%3D"
        "%26key%3DSECRET%26sn%3D1",
        RULES,
    )
    assert "SECRET" not in nested.fetch_url
    assert nested.had_credentials
    userinfo = canonicalize("https://user:hunter2@example.com/", RULES)
    assert "hunter2" not in userinfo.fetch_url
    assert userinfo.had_credentials


def test_key_is_only_a_credential_on_wechat_hosts():
    assert "key=abc" in canonicalize("https://example.com/?key=abc", RULES).clean_url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://example.com:99999/", "malformed-url"),
        ("https://exa mple.com/", "malformed-url"),
        ("https:///nohost", "malformed-url"),
        ("https://-bad-.com/", "malformed-url"),
        ("https://example.com/\x00", "malformed-url"),
    ],
)
def test_malformed(url, reason):
    with pytest.raises(URLProblem) as info:
        canonicalize(url, RULES)
    assert info.value.reason == reason


def test_idn_and_cjk_path():
    c = canonicalize("https://例子.测试/路径?q=中文", RULES)
    assert c.host == "xn--fsqu00a.xn--0zwm56d"
    assert c.fetch_url == "https://xn--fsqu00a.xn--0zwm56d/%E8%B7%AF%E5%BE%84?q=%E4%B8%AD%E6%96%87"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://x.com", "http"),
        ("HTTP://x.com", "http"),
        ("#top", "anchor"),
        ("./Notes/a.md", "relative"),
        ("mailto:a@b.c", "mailto"),
        ("javascript:alert(1)", "javascript"),
        ("file:///etc/passwd", "file"),
        ("", "empty"),
    ],
)
def test_link_kind(url, kind):
    assert link_kind(url) == kind


def test_redact_hides_every_credential():
    shown = redact(WECHAT, RULES)
    assert not any(secret in shown for secret in SECRETS)
    assert "sn=c74d8e21650ef4c855a54d2b12f2bb33" in shown


_name = st.sampled_from(
    [
        "__biz",
        "mid",
        "idx",
        "sn",
        "chksm",
        "key",
        "uin",
        "pass_ticket",
        "exportkey",
        "appmsg_token",
        "wxtoken",
        "sessionid",
        "scene",
        "utm_source",
        "a",
        "KEY",
        "Pass_Ticket",
    ]
)
_value = st.text(alphabet="abcXYZ019=+-_", min_size=0, max_size=12)
_IDENTITY = ("__biz", "mid", "idx", "sn")
_CREDENTIALS = {"key", "uin", "pass_ticket", "exportkey", "appmsg_token", "wxtoken", "sessionid"}


@given(
    st.lists(st.tuples(_name, _value), max_size=12),
    st.tuples(_value, _value, _value, _value),
    st.sampled_from(["#rd", "", "#x"]),
)
def test_properties(noise, article, fragment):
    article_query = "&".join(f"{k}={v}" for k, v in zip(_IDENTITY, article, strict=True))
    noise = [(k, v) for k, v in noise if k not in _IDENTITY]
    query = "&".join([article_query, *(f"{k}={v}" for k, v in noise)])
    url = f"https://mp.weixin.qq.com/s?{query}{fragment}"
    c = canonicalize(url, RULES)
    # idempotent
    again = canonicalize(c.clean_url, RULES)
    assert (again.identity, again.fetch_url, again.clean_url) == (
        c.identity,
        c.fetch_url,
        c.clean_url,
    )
    # never keeps a credential parameter
    for form in (c.identity, c.fetch_url, c.clean_url):
        kept = {p.split("=")[0].lower() for p in form.split("?", 1)[-1].split("#")[0].split("&")}
        assert not kept & _CREDENTIALS
    # never changes the article identity: the same as the bare article link's
    bare = canonicalize(f"https://mp.weixin.qq.com/s?{article_query}", RULES)
    assert c.identity == bare.identity


def test_redact_text_hides_credentials_of_links_written_in_text():
    text = (
        "标题 https://mp.weixin.qq.com/s?__biz=A==&key=SECRET1&sn=1（https://x.com/?pass_ticket=S2）"
        " https://x.test/?auth_token=S3"
    )
    shown = redact_text(text, RULES)
    for secret in ("SECRET1", "S2", "S3"):
        assert secret not in shown
    # a link shows as its clean URL: credentials dropped, credential-like values masked
    assert shown.startswith("标题 https://mp.weixin.qq.com/s?__biz=A==&sn=1（")
    assert shown.endswith(" https://x.test/?auth_token=REDACTED")
    assert redact_text("no link here", RULES) == "no link here"
