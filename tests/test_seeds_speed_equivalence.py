"""The shortcuts of the pure stages give what the long way gives.

* seeds: a plain list of bare URLs is read without markdown-it (``run_simple_list``); the
  occurrences must be those of the Markdown path (``run_markdown``), and a file that is not
  such a list must not take the shortcut with a different answer;
* urls: ``safe_url_string`` is skipped when it would change nothing; the per-host parameter
  rules are remembered and matched through a set.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from w3lib.url import safe_url_string

from crawler.base.rules import ParamPattern, ParamSet, load_rules
from crawler.base.urls import _SAFE_PATH_RE, _SAFE_QUERY_RE, _matches, _safe_url, canonicalize
from crawler.seeds import extract_text
from crawler.seeds.extraction import _Extractor

_TITLE_CHARS = st.sampled_from(
    list("abcXYZ0129 .,:;!?@%$'\"()/_*#=+-^{}\t")
    + list("中文标题：，。（）【】")
    # the characters that make a line something else than a title
    + list("<>[]`~|\\&")
)
_URL_CHARS = st.sampled_from(list("abc019./-_~:?#=&%+!$'()*,;@|\\^\"`<>[]中，） \t"))


@st.composite
def _title_line(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["", "# ", "###### ", "- ", "* ", "+ ", "1. ", "2) ", " "]))
    return prefix + draw(st.text(_TITLE_CHARS, max_size=12))


@st.composite
def _url_line(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["", "- ", "* ", "+ ", "1. ", "10) ", "-  ", " "]))
    scheme = draw(
        st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "file:///", "mailto:"])
    )
    host = draw(st.sampled_from(["a.com", "x.org:8000", "bad.test:99999", "", "a@b.cd", "中.cn"]))
    path = draw(st.sampled_from(["", "/"])) + draw(st.text(_URL_CHARS, max_size=10))
    return prefix + scheme + host + path


_LINES = st.one_of(
    st.sampled_from(["", "", "  ", "\t"]),
    _title_line(),
    _url_line(),
    _url_line(),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINES, min_size=1, max_size=8), st.sampled_from(["\n", "\r\n"]))
def test_plain_url_list_reads_as_markdown_does(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    simple = _Extractor(text, "t.md").run_simple_list()
    markdown = _Extractor(text, "t.md").run_markdown()
    if simple is not None:
        assert simple == markdown
    assert extract_text(text, "t.md") == markdown


def test_benchmark_shaped_list_takes_the_shortcut() -> None:
    text = "# Links\n\n" + "".join(
        f"- http://127.1.0.{i % 9 + 1}:8000/page/{i}\n" for i in range(50)
    )
    simple = _Extractor(text, "t.md").run_simple_list()
    assert simple is not None
    assert simple == _Extractor(text, "t.md").run_markdown()
    assert [o.line for o in simple] == list(range(3, 53))
    assert simple[0].url == "http://127.1.0.1:8000/page/0"
    assert simple[0].kind == "bare"


def test_links_syntax_is_left_to_markdown() -> None:
    for text in (
        "[a](https://x.com/a)\nhttps://x.com/b",
        "```\nhttps://x.com/a\n```",
        "<div>\nhttps://x.com/a\n</div>",
        "title https://x.com/a",
        "https://x.com/a，https://x.com/b",
        "    https://x.com/a",
    ):
        assert _Extractor(text, "t.md").run_simple_list() is None, text


_SAFE = st.text(st.sampled_from(list("azAZ09-._~!$&()*+,;=:@/%?'\"#[]|^{} \\中\x7f")), max_size=16)


@settings(max_examples=1000, deadline=None)
@given(_SAFE, _SAFE, st.sampled_from(["http", "https"]))
def test_safe_url_is_w3lib_safe_url_string(path: str, query: str, scheme: str) -> None:
    path = "/" + path.replace("?", "").replace("#", "")
    query = query.replace("#", "")
    for netloc, host in (("a.com", "a.com"), ("127.1.0.7:8000", "127.1.0.7"), ("[::1]", "::1")):
        url = f"{scheme}://{netloc}{path}" + (f"?{query}" if query else "")
        assert _safe_url(scheme, netloc, host, path, query) == safe_url_string(url)
    if _SAFE_PATH_RE.fullmatch(path) and _SAFE_QUERY_RE.fullmatch(query):
        unchanged = f"{scheme}://a.com{path}" + (f"?{query}" if query else "")
        assert safe_url_string(unchanged) == unchanged


_NAMES = st.sampled_from(["utm_source", "UTM_x", "key", "Key", "from", "scene", "spm", "a", "b[1]"])


@given(_NAMES, st.sampled_from(["", "share", "x"]))
def test_param_set_matches_as_the_patterns_do(name: str, value: str) -> None:
    patterns = tuple(
        ParamPattern.parse(p) for p in ("utm_*", "key", "from", "scene=share", "b[[]1]", "sp?")
    )
    assert ParamSet.of(patterns).matches(name, value) == _matches(patterns, name, value)


def test_host_rules_are_the_same_every_time() -> None:
    rules = load_rules()
    url = "https://mp.weixin.qq.com/s?__biz=Mz==&mid=1&idx=2&sn=x&key=K&scene=1&chksm=c"
    first = canonicalize(url, rules)
    assert canonicalize(url, rules) == first
    assert first.identity == "https://mp.weixin.qq.com/s?__biz=Mz==&mid=1&idx=2&sn=x"
    assert first.fetch_url == "https://mp.weixin.qq.com/s?__biz=Mz==&mid=1&idx=2&sn=x&chksm=c"
    assert first.had_credentials
    assert set(first.removed) == {"key", "scene"}
