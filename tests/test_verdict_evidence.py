"""Positive evidence for ``alive`` on every host (issue 21, parts 1 and 3).

Parked and for-sale domains are ``dead/parked-domain``; verification, captcha and firewall
pages on any host are ``blocked/anti-bot``; a platform message made of removal words is
``dead``. The pages are the fake web's own shapes (``tests/fakeweb/shapes.py``, "issue 21
corpus"), built as the server builds them, a redirect followed as the crawl follows it; once
crawled end to end. The Hypothesis properties say the same of pages nobody wrote.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.base.rules import RulesError, build_rules, load_rules
from crawler.base.verdicts import Fetched
from crawler.cli import main
from crawler.verdict.judge import WEAK_SIGNAL, judge
from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb
from tests.fakeweb.model import Req, Response
from tests.fakeweb.shapes import ISSUE21_SHAPES, SHAPES, World, default_dispatch, run_entry

RULES = load_rules()
PATH = "/2019/05/attention-is-all-you-need.html"


def _req(url: str) -> Req:
    parts = urlsplit(url)
    return Req("GET", parts.scheme, parts.hostname or "", parts.netloc, parts.path, parts.query)


def _fetched(url: str, result: object, final: str | None = None, hops: tuple = ()) -> Fetched:
    assert isinstance(result, Response)
    headers = {name.lower(): value for name, value in result.headers}
    return Fetched(url, final or url, result.status, headers, result.body, redirects=hops)


def crawled(url: str, entry: object = None) -> Fetched:
    """``url`` as the crawl sees it: the fake web's answer, one redirect followed."""
    first = run_entry(entry, _req(url), World()) if entry else default_dispatch(_req(url), World())
    assert isinstance(first, Response)
    location = first.header("Location")
    if 300 <= first.status < 400 and location:
        return _fetched(url, default_dispatch(_req(location), World()), location, ((302, url),))
    return _fetched(url, first)


def at(shape: str) -> str:
    return f"http://{shape}.test{PATH}"


PARKED = [
    # a redirect to a broker (Sedo, Afternic, a Chinese broker)
    ("parked-sedo-redirect", "redirected to: sedo.com", "parking: hosts"),
    ("parked-afternic-redirect", "redirected to: www.afternic.com", "parking: hosts"),
    ("parked-4cn-redirect", "redirected to: www.4.cn", "parking: hosts"),
    # a parking lander: a redirect to it, or a page whose whole content is a script to it
    ("parked-lander-redirect", "redirected to: /lander", "parking: url_patterns"),
    ("parked-lander-script", "/lander", "parking: script_patterns"),
    # parking scripts and frames
    ("parked-parking-scripts", "caf.js", "parking: script_patterns"),
    ("parked-frame", "bodis.com", "parking: script_patterns"),
    # for-sale templates, English and Chinese: the title, or the text of a page with little
    ("parked-sale-zh", "域名出售", "parking: sale_words + domain_words"),
    ("parked-sale-zh-body", "本域名转让", "parking: sale_words + domain_words"),
    ("parked-sale-en", "is for sale", "parking: sale_words + domain_words"),
    ("parked-buy-this-domain", "Buy this domain", "parking: sale_words + domain_words"),
]
CHALLENGES = [
    ("captcha-redirect-baidu", "redirected to: wappass.baidu.com", "challenge: hosts"),
    ("captcha-redirect-path", "redirected to: /captcha/", "challenge: url_patterns"),
    ("captcha-redirect-sorry", "redirected to: /sorry/index", "challenge: url_patterns"),
    ("verify-title-zh", "title (安全验证)", "challenge: titles"),
    ("verify-title-en", "title (Human Verification)", "challenge: titles"),
]
WAFS = [
    ("waf-aliyun-405", "HTTP 405, WAF: marker errors.aliyun.com", "waf: block_markers"),
    ("waf-aws-405", "HTTP 405, WAF: header x-amzn-waf-action: captcha", "waf: block_headers"),
    (
        "waf-cloudflare-403",
        "HTTP 403, WAF: marker Sorry, you have been blocked",
        "waf: block_markers",
    ),
    ("waf-modsecurity-406", "HTTP 406, WAF: marker Mod_Security", "waf: block_markers"),
    ("waf-block-501", "HTTP 501, WAF: title (拦截) 访问被拦截", "waf: block_words"),
    ("waf-akamai-403", "HTTP 403, WAF: title (access denied)", "waf: block_words"),
    ("waf-sucuri-403", "HTTP 403, WAF: marker Sucuri WebSite Firewall", "waf: block_markers"),
]


@pytest.mark.parametrize(("shape", "detail", "rule"), PARKED, ids=[p[0] for p in PARKED])
def test_a_parked_or_for_sale_domain_is_dead(shape, detail, rule):
    verdict = judge(crawled(at(shape)), RULES)
    assert (verdict.status, verdict.reason) == ("dead", "parked-domain"), verdict.detail
    assert detail in verdict.detail
    assert verdict.rule == rule


@pytest.mark.parametrize(("shape", "detail", "rule"), CHALLENGES, ids=[c[0] for c in CHALLENGES])
def test_a_verification_or_captcha_page_on_any_host_is_blocked(shape, detail, rule):
    verdict = judge(crawled(at(shape)), RULES)
    assert (verdict.status, verdict.reason) == ("blocked", "anti-bot"), verdict.detail
    assert detail in verdict.detail
    assert verdict.rule == rule


@pytest.mark.parametrize(("shape", "detail", "rule"), WAFS, ids=[w[0] for w in WAFS])
def test_a_firewall_block_page_is_blocked_not_error(shape, detail, rule):
    verdict = judge(crawled(at(shape)), RULES)
    assert (verdict.status, verdict.reason) == ("blocked", "anti-bot"), verdict.detail
    assert verdict.detail.startswith(detail)
    assert verdict.rule == rule


@pytest.mark.parametrize(
    ("shape", "reason"), [("cdn-origin-down", "http-522"), ("plain-405", "http-405")]
)
def test_a_cdn_error_or_a_plain_405_stays_an_error(shape, reason):
    """A CDN's name on a 5xx is no block: the site behind it is down (it counts toward dead)."""
    verdict = judge(crawled(at(shape)), RULES)
    assert (verdict.status, verdict.reason) == ("error", reason), verdict.detail


def test_a_block_wording_counts_on_a_page_a_waf_or_cdn_served():
    """A 503 whose text says it was blocked is a block when a known WAF or CDN served it; the
    same page from a bare server stays an error (its wording alone, outside the title, is not
    enough)."""
    url = "http://papers.test/pdf/1706.03762"
    body = _plain(
        "Error", "<div><p>Your request was blocked by the site's security rules.</p></div>"
    )
    served_by = {"server": "cloudflare", "cf-ray": "8e1f-FRA"}
    verdict = judge(Fetched(url, url, 503, served_by, body), RULES)
    assert (verdict.status, verdict.reason) == ("blocked", "anti-bot")
    assert verdict.detail == "HTTP 503, WAF: server: cloudflare, wording (blocked)"
    assert verdict.rule == "waf: headers + block_words"
    bare = judge(Fetched(url, url, 503, {"server": "nginx"}, body), RULES)
    assert (bare.status, bare.reason) == ("error", "http-503")


def test_parking_words_are_found_whole():
    """An English word must stand whole: "sale" is not in "wholesale", nor are the filler
    words "is", "a", "be" in "Isabel"."""
    url = "http://shop.test/"
    cases = [("Wholesale domains", "alive"), ("Isabel Domain Sale", "alive")]
    for title, status in [*cases, ("Domains for sale", "dead")]:
        verdict = judge(
            Fetched(url, url, 200, {}, _plain(title, "<p>" + "x " * 300 + "</p>")), RULES
        )
        assert verdict.status == status, (title, verdict.detail)


def test_a_link_to_a_broker_or_to_a_captcha_repository_is_no_sign():
    """A host or URL shape counts only when the redirect brought it: a link *to* them is not."""
    sale = crawled("https://sedo.com/search/details/?domain=example.com")
    assert judge(sale, RULES).status == "alive"
    # http -> https of a path named captcha: the link had that shape already
    url = "http://github.com/someone/captcha/"
    page = run_entry("live", _req(url), World())
    hop = _fetched(url, page, url.replace("http:", "https:"), ((301, url),))
    assert judge(hop, RULES).status == "alive"


# --------------------------------------------------------------------------- platform messages

#: message boxes the rules were not taught (fake web wordings, option ``wording``)
TAUGHT_NOTHING = [
    ("wechat-author-deleted", "https://mp.weixin.qq.com/s/abcNEW1", "该文章因违反平台规范已被删除"),
    ("wechat-author-deleted", "https://mp.weixin.qq.com/s/abcNEW2", "此文章已被作者本人删除"),
    ("wechat-deleted-en", "https://mp.weixin.qq.com/s/abcNEW3", "This article no longer exists."),
    ("wechat-account-banned", "https://mp.weixin.qq.com/s/abcNEW4", "该账号因违规已被封禁"),
    ("zhihu-author-deleted", "https://zhuanlan.zhihu.com/p/5550001", "这篇文章已经被删除了"),
    ("bilibili-invalid", "https://www.bilibili.com/video/BV1newAAA", "视频已下架"),
]


@pytest.mark.parametrize(("shape", "url", "wording"), TAUGHT_NOTHING)
def test_a_new_wording_made_of_removal_words_is_dead(shape, url, wording):
    verdict = judge(crawled(url, {"shape": shape, "wording": wording}), RULES)
    assert verdict.status == "dead", (verdict.reason, verdict.detail)
    assert verdict.reason.endswith("-removed")
    assert wording in verdict.detail
    assert verdict.rule == "messages: removal_words"


@pytest.mark.parametrize(
    "wording",
    [
        "该内容暂时无法查看，请稍后再试",
        "内容删除审核中，请完成验证后继续访问",
        "您的IP已被屏蔽",
        "Your session has expired",
    ],
)
def test_a_removal_word_beside_a_for_now_or_verification_word_is_not_dead(wording):
    url = "https://mp.weixin.qq.com/s/abcNEW9"
    verdict = judge(crawled(url, {"shape": "wechat-author-deleted", "wording": wording}), RULES)
    assert verdict.status == "blocked", (verdict.reason, verdict.detail)


# --------------------------------------------------------------------------- the whole corpus

#: the fake web's pages that main (9d09008) judged ``alive`` (measured: ``corpus_verdicts`` run
#: against main's crawler package), less the issue-21 shapes that are no live pages (parked,
#: captcha, verification: main judged those alive too, which is the bug)
ALIVE_ON_MAIN = {
    "bilibili", "bilibili-av", "bilibili-live", "bilibili-live-mentions", "chunked", "csdn",
    "csdn-live", "csdn-live-mentions", "default", "final", "gb18030-undeclared", "gbk",
    "html-title", "live", "live-captcha-article", "live-mentions-parking", "live-tiny",
    "meta-charset-gbk", "meta-refresh", "notitle", "pdf", "redirect", "redirect-perm",
    "reset-mid-body", "wechat", "wechat-big", "wechat-image-post", "wechat-late", "wechat-live",
    "wechat-live-mentions", "wechat-moved", "wrong-length", "zhihu", "zhihu-live",
    "zhihu-mentions",
}  # fmt: skip
_SKIP = {"wayback", "hang", "reset", "close", "tls-broken", "garbage", "slow", "trickle"}
_SKIP |= {"gzip-bomb", "big"}
_PLATFORM_URL = {
    "wechat": "https://mp.weixin.qq.com/s?__biz=MzI5NTc0MTQ1MA==&mid=2247490001&idx=1&sn=abc12",
    "zhihu": "https://zhuanlan.zhihu.com/p/123456789",
    "csdn": "https://blog.csdn.net/u/article/details/123456",
    "bilibili": "https://www.bilibili.com/video/BV1xx411c7mD",
}


def corpus_verdicts() -> dict[str, tuple[str, str]]:
    """Every shape of the fake web at one URL of its kind, judged as the crawl judges it."""
    found = {}
    for name in sorted(set(SHAPES) - _SKIP):
        kind = name.split("-", 1)[0]
        url = _PLATFORM_URL.get(kind, f"http://corpus.test/2019/05/{name}.html")
        result = run_entry(name, _req(url), World())
        if not isinstance(result, Response) or result.stream is not None:
            continue
        location = result.header("Location")
        fetched = _fetched(url, result)
        if 300 <= result.status < 400 and location:
            target = default_dispatch(_req(location), World())
            if isinstance(target, Response) and not 300 <= target.status < 400:
                fetched = _fetched(url, target, location, ((result.status, url),))
        verdict = judge(fetched, RULES)
        found[name] = (verdict.status, verdict.reason)
    return found


def test_no_live_page_of_the_corpus_changes_verdict():
    """0 new false dead/blocked: every page alive on main stays alive; the issue-21 shapes
    that are not live pages are the only pages main judged alive that are not any more."""
    verdicts = corpus_verdicts()
    alive = {name for name, (status, _) in verdicts.items() if status == "alive"}
    live_pages = ALIVE_ON_MAIN & set(verdicts)
    assert live_pages - alive == set(), {n: verdicts[n] for n in live_pages - alive}
    assert alive == live_pages  # nothing else became alive either
    not_live = {name for name, *_ in PARKED + CHALLENGES}
    assert not_live <= set(verdicts)
    assert not_live.isdisjoint(alive)
    assert len(live_pages) == 35


def test_a_page_with_almost_no_text_is_alive_on_a_weak_signal():
    verdict = judge(crawled(at("live-tiny")), RULES)
    assert (verdict.status, verdict.reason) == ("alive", "ok")
    assert f"{WEAK_SIGNAL}: almost no text (0 characters)" in verdict.detail
    # an ordinary page with its text is not weak
    assert WEAK_SIGNAL not in judge(crawled(at("live")), RULES).detail
    # nor a page longer than 16 KB: it is judged by its head alone
    url = "http://spa.test/"
    script = "<script>window.__STATE__ = " + '"' + "x" * 20_000 + '"' + ";</script>"
    shell = Fetched(url, url, 200, {}, _plain("App", '<div id="root"></div>' + script))
    assert WEAK_SIGNAL not in judge(shell, RULES).detail
    small = Fetched(url, url, 200, {}, _plain("App", '<div id="root"></div>'))
    assert WEAK_SIGNAL in judge(small, RULES).detail
    # nor is a platform's page (its own rules judged it)
    url = "https://www.zhihu.com/people/someone"
    tiny = Fetched(url, url, 200, {}, _plain("某人 - 知乎", '<div id="root"></div>'))
    assert WEAK_SIGNAL not in judge(tiny, RULES).detail


# --------------------------------------------------------------------------- properties

#: live pages of ordinary hosts in the corpus (their shapes, at an ordinary URL)
LIVE_ORDINARY = [
    "live", "html-title", "notitle", "gbk", "gb18030-undeclared", "meta-charset-gbk",
    "live-mentions-parking", "live-captcha-article", "live-tiny",
]  # fmt: skip
PARKING_MARKERS = [
    '<script src="https://www.google.com/adsense/domains/caf.js"></script>',
    '<script src="//img.sedoparking.com/templates/js/min.js"></script>',
    '<script>window.location.href="/lander"</script>',
    "<script>location.replace('https://x.test/lander?d=1')</script>",
    '<script>window.park = "eyJ1dWlkIjoiMSJ9";</script>',
    '<script src="https://parkingcrew.net/assets/scripts/js3.js"></script>',
    '<iframe src="https://www.bodis.com/park?d=x"></iframe>',
]
PARKING_TITLES = [
    "{host} 域名出售",
    "此域名正在出售",
    "This domain is for sale",
    "{host} is for sale!",
    "Buy this domain",
    "该域名可以转让 联系QQ 123456",
    "Domain for sale: {host}",
]
VERIFICATION_TITLES = [*RULES.challenge.titles]
_TITLE_RE = re.compile(r"<title>.*?</title>", re.S)


def _page(shape: str) -> tuple[str, str, bytes, dict[str, str]]:
    url = f"http://{shape}.test/posts/1"
    result = run_entry(shape, _req(url), World())
    assert isinstance(result, Response)
    headers = {n.lower(): v for n, v in result.headers}
    return url, shape, result.body, headers


def _with_title(body: bytes, title: str) -> bytes:
    """The page with ``title`` as its title, in the page's own charset."""
    try:
        text, charset = body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:  # the GBK pages
        text, charset = body.decode("gb18030"), "gb18030"
    tag = f"<title>{html.escape(title)}</title>"
    if _TITLE_RE.search(text):
        return _TITLE_RE.sub(lambda _: tag, text, count=1).encode(charset)
    return text.replace("<head>", "<head>" + tag, 1).encode(charset)


def _judged(url: str, body: bytes, headers: dict[str, str]) -> Fetched:
    return Fetched(url, url, 200, headers, body)


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(LIVE_ORDINARY),
    st.one_of(
        st.sampled_from(PARKING_MARKERS).map(lambda m: ("script", m)),
        st.sampled_from(PARKING_TITLES).map(lambda t: ("title", t)),
        st.sampled_from(VERIFICATION_TITLES).map(lambda t: ("verify", t)),
    ),
)
def test_a_parking_or_verification_marker_never_leaves_a_live_page_alive(shape, marker):
    url, _, body, headers = _page(shape)
    assert judge(_judged(url, body, headers), RULES).status == "alive"
    kind, what = marker
    if kind == "script":
        marked = body.replace(b"</head>", what.encode() + b"</head>", 1)
        assert marked != body
    else:
        marked = _with_title(body, what.format(host=urlsplit(url).hostname))
    verdict = judge(_judged(url, marked, headers), RULES)
    assert verdict.status != "alive", (shape, what, verdict.detail)
    expected = "blocked" if kind == "verify" else "dead"
    assert verdict.status == expected, (shape, what, verdict.reason, verdict.detail)


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(sorted(ISSUE21_SHAPES) + LIVE_ORDINARY), st.sampled_from(VERIFICATION_TITLES)
)
def test_a_verification_wording_never_yields_dead(shape, wording):
    """As a title, on any 2xx page of the corpus (parked ones too): ``blocked``, never
    ``dead``. (On the platforms, a message box's verification word: see
    tests/test_verdict_corpus.py and the removal-word test above.)"""
    url = at(shape)
    fetched = crawled(url)
    if fetched.status != 200:
        return
    marked = _with_title(fetched.body, wording)
    verdict = judge(
        Fetched(url, fetched.final_url, 200, fetched.headers, marked, redirects=fetched.redirects),
        RULES,
    )
    if fetched.redirects and verdict.rule.startswith("parking"):
        return  # the redirect to a broker decided before the page was read
    assert verdict.status != "dead", (shape, wording, verdict.reason, verdict.detail)
    assert verdict.status == "blocked", (shape, wording, verdict.reason, verdict.detail)


#: text that merely mentions the signs: parking and challenge vocabulary, markers, WAF words
MENTIONS = st.sampled_from(
    [
        *PARKING_TITLES,
        *VERIFICATION_TITLES,
        *RULES.waf.block_words,
        *RULES.waf.block_markers,
        *(h for h in RULES.parking.hosts),
        "window.park",
        "/lander",
        "caf.js",
        "验证码",
        "CAPTCHA",
    ]
)
_CHARS = st.characters(exclude_categories=("Cc", "Cs", "Co", "Cn"))
_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
AROUND = st.text(st.one_of(_CHARS, _CJK), min_size=12, max_size=60)


@settings(max_examples=150, deadline=None)
@given(AROUND, MENTIONS, AROUND)
def test_a_live_article_that_mentions_the_words_stays_alive(before, word, after):
    url = at("live-mentions-parking")
    text = before + word.format(host="example.com") + after
    verdict = judge(crawled(url, {"shape": "live-mentions-parking", "text": text}), RULES)
    assert (verdict.status, verdict.reason) == ("alive", "ok"), (word, verdict.detail)


@pytest.mark.parametrize("quoted", ["此域名正在出售", "This domain is for sale", "Buy this domain"])
def test_an_article_quoting_a_parking_line_on_its_own_stays_alive(quoted):
    """A line that is a parking wording counts only on a page with almost no text."""
    url = "http://notes.test/2023/parked-domains"
    paragraphs = "".join(f"<p>第 {i} 段：域名过期之后，旧链接会发生什么。</p>" for i in range(30))
    body = _plain("域名过期以后 - Notes", f"<article>{paragraphs}<blockquote>{quoted}</blockquote>")
    verdict = judge(Fetched(url, url, 200, {}, body), RULES)
    assert (verdict.status, verdict.reason) == ("alive", "ok"), verdict.detail


@pytest.mark.parametrize(
    "title",
    ["Is this domain for sale? - Quora", "How to buy a domain", "这个域名可以出售吗 - 知乎"],
)
def test_a_title_asking_about_a_sale_is_no_parking_page(title):
    url = "http://qa.test/questions/1"
    body = _plain(title, "<p>" + "An answer about domains. " * 20 + "</p>")
    verdict = judge(Fetched(url, url, 200, {}, body), RULES)
    assert (verdict.status, verdict.reason) == ("alive", "ok"), verdict.detail


# --------------------------------------------------------------------------- rules and explain


def test_the_new_rules_are_validated():
    with pytest.raises(RulesError, match=r"\[parking\] has unknown key\(s\) sale_word"):
        build_rules({"parking": {"sale_word": ["x"]}})
    with pytest.raises(RulesError, match=r"waf\.block_words: expected a list of strings"):
        build_rules({"waf": {"block_words": "blocked"}})
    with pytest.raises(RulesError, match=r"challenge\.url_patterns: bad regular expression"):
        build_rules({"challenge": {"url_patterns": ["(unclosed"]}})
    with pytest.raises(RulesError, match=r"\[messages\] holds only"):
        build_rules({"messages": {"removal_word": []}})


def test_a_user_rule_extends_the_parking_vocabulary(tmp_path: Path) -> None:
    url = "http://old-blog.test/post"
    body = _plain("old-blog.test", "<h1>Dieses Domain steht zum Verkauf</h1>")
    assert judge(Fetched(url, url, 200, {}, body), RULES).status == "alive"
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[parking]\nsale_words = ["for sale", "zum verkauf"]\ndomain_words = ["domain"]\n'
        'filler_words = ["dieses", "steht"]\n',
        encoding="utf-8",
    )
    verdict = judge(Fetched(url, url, 200, {}, body), load_rules(rules))
    assert (verdict.status, verdict.reason) == ("dead", "parked-domain")


def _plain(title: str, body: str) -> bytes:
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}</body></html>'
    ).encode()


def _explain(tmp_path: Path, shape: str, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    url, _, body, _headers = _page(shape)
    page = tmp_path / f"{shape}.html"
    page.write_bytes(body)
    assert main(["rules", "explain", str(page), "--url", url, *extra]) == 0
    return capsys.readouterr().out


def test_explain_shows_the_rule_and_evidence_of_each_new_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _explain(tmp_path, "parked-sale-zh", capsys)
    assert "verdict:    dead" in out
    assert "reason:     parked-domain (the domain is parked or for sale" in out
    assert "evidence:   parking: title parked-sale-zh.test 域名出售" in out
    assert "rule:       parking: sale_words + domain_words" in out

    out = _explain(tmp_path, "parked-lander-script", capsys)
    assert "rule:       parking: script_patterns" in out

    out = _explain(
        tmp_path, "live", capsys, "--final-url", "https://www.afternic.com/forsale/live.test"
    )
    assert "reason:     parked-domain" in out
    assert "evidence:   redirected to: www.afternic.com" in out
    assert "rule:       parking: hosts" in out

    out = _explain(tmp_path, "live", capsys, "--final-url", "https://live.test/captcha/?r=1")
    assert "reason:     anti-bot" in out
    assert "rule:       challenge: url_patterns" in out

    out = _explain(tmp_path, "verify-title-zh", capsys)
    assert "evidence:   title (安全验证): 安全验证 - 学术搜索" in out
    assert "rule:       challenge: titles" in out

    out = _explain(tmp_path, "waf-aliyun-405", capsys, "--status", "405")
    assert "verdict:    blocked" in out
    assert "evidence:   HTTP 405, WAF: marker errors.aliyun.com" in out
    assert "rule:       waf: block_markers" in out

    header = "x-amzn-waf-action: captcha"
    out = _explain(tmp_path, "waf-aws-405", capsys, "--status", "405", "--header", header)
    assert f"evidence:   HTTP 405, WAF: header {header}" in out
    assert "rule:       waf: block_headers" in out
    out = _explain(tmp_path, "waf-aws-405", capsys, "--status", "405")
    assert "reason:     http-405" in out  # without the header: no evidence of a WAF

    out = _explain(tmp_path, "live-tiny", capsys)
    assert f"evidence:   HTTP: 200; {WEAK_SIGNAL}: almost no text (0 characters)" in out


def test_explain_shows_a_message_judged_by_its_removal_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<html><head><title></title></head><body><div class="weui-msg">'
        '<p class="weui-msg__title">该文章因违反平台规范已被删除</p></div></body></html>',
        encoding="utf-8",
    )
    url = "https://mp.weixin.qq.com/s?__biz=MzA==&mid=1&idx=1&sn=abc"
    assert main(["rules", "explain", str(page), "--url", url]) == 0
    out = capsys.readouterr().out
    assert "verdict:    dead" in out
    assert "evidence:   message (删除): 该文章因违反平台规范已被删除" in out
    assert "rule:       messages: removal_words" in out


# --------------------------------------------------------------------------- end to end

E2E = {
    "parked-sedo-redirect": ("dead", "parked-domain"),
    "parked-sale-zh": ("dead", "parked-domain"),
    "parked-lander-script": ("dead", "parked-domain"),
    "captcha-redirect-baidu": ("blocked", "anti-bot"),
    "verify-title-zh": ("blocked", "anti-bot"),
    "waf-aliyun-405": ("blocked", "anti-bot"),
    "waf-aws-405": ("blocked", "anti-bot"),
    "plain-405": ("error", "http-405"),
    "live-mentions-parking": ("alive", "ok"),
    "live-tiny": ("alive", "ok"),
}


@pytest.mark.e2e
def test_parked_captcha_and_waf_pages_crawled_end_to_end(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    lines = [f"- [{shape}]({at(shape)})" for shape in E2E]
    (seeds / "list.md").write_text("# old links\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with FakeWeb(workdir=tmp_path / "web") as web:
        result = run_crawl(seeds, tmp_path, env=web.env())
        asked = {r.get("host") for r in web.requests()}
    assert result.returncode == 0, result.stderr[-3000:]
    rows = result.by_url()
    got = {shape: (rows[at(shape)]["status"], rows[at(shape)]["reason"]) for shape in E2E}
    assert got == E2E
    assert rows[at("parked-sedo-redirect")]["detail"] == "redirected to: sedo.com"
    assert "WAF: header x-amzn-waf-action: captcha" in rows[at("waf-aws-405")]["detail"]
    # the redirects were followed
    assert "sedo.com" in asked
    assert "wappass.baidu.com" in asked
    summary = (tmp_path / "reports" / "summary.md").read_text(encoding="utf-8")
    assert "| weak signal | Dashboard | 1 |" in summary
