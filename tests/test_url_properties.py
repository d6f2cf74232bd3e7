"""Properties that hold on parameters never seen before (issue 13): Hypothesis at the URL level.

Random values are at least 12 characters, so finding one in an output is no accident.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crawler.base.logfilter import RedactingFilter
from crawler.base.rules import load_rules, name_words
from crawler.base.urls import canonicalize, has_masked_values, masked_names, redact, redact_text

RULES = load_rules()
WX_KEEP = {"__biz", "mid", "idx", "sn", "chksm"}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1)
_sep = st.sampled_from(["_", "-", ".", ""])
#: parameter names of any shape: words joined by separators, digits, case changes
_names = st.builds(
    lambda words, seps: "".join(w + s for w, s in zip(words, seps, strict=False)) or "x",
    st.lists(_word.map(lambda w: w[:10]), min_size=1, max_size=4),
    st.lists(_sep, min_size=4, max_size=4),
)
_secret = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=12, max_size=24)


def _query_names(url: str) -> list[str]:
    return [name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)]


@SETTINGS
@given(
    st.lists(st.tuples(_names, _secret), min_size=1, max_size=6),
    st.tuples(_secret, _secret, _secret, _secret),
    st.booleans(),
)
def test_a_wechat_article_url_keeps_only_its_allowlist(extra, ids, amp) -> None:
    biz, mid, idx, sn = ids
    params = [("__biz", biz + "=="), ("mid", mid), ("idx", idx), ("sn", sn), ("chksm", "c" * 12)]
    extra = [(n, v) for n, v in extra if n.lower() not in WX_KEEP]
    assume(not any(v in ident or ident in v for _, v in extra for ident in ids))
    sep = "&amp;" if amp else "&"
    query = sep.join(f"{n}={v}" for n, v in [*params[:2], *extra, *params[2:]])
    url = f"https://mp.weixin.qq.com/s?{query}#wechat_redirect".replace("&amp;", "&")
    canonical = canonicalize(url, RULES)
    for form in (canonical.fetch_url, canonical.clean_url, canonical.identity):
        assert set(_query_names(form)) <= WX_KEEP
    shown = " ".join(
        [
            canonical.fetch_url,
            canonical.clean_url,
            canonical.identity,
            redact(url, RULES),
            redact_text(f"see {url} here", RULES),
        ]
    )
    for _, value in extra:
        assert value not in shown
    assert canonical.identity == (
        f"https://mp.weixin.qq.com/s?__biz={biz}==&mid={mid}&idx={idx}&sn={sn}"
    )


@SETTINGS
@given(_names, _secret, st.sampled_from(["token", "Ticket", "SESSION", "secret", "password"]))
def test_a_credential_word_anywhere_in_a_name_masks_its_value_everywhere(
    prefix, secret, word
) -> None:
    name = f"{prefix}_{word}"
    url = f"https://example.com/a?q=1&{name}={secret}"
    canonical = canonicalize(url, RULES)
    assert name in canonical.masked
    assert secret in canonical.fetch_url  # still sent to its own site
    for shown in (canonical.clean_url, canonical.identity, redact(url, RULES)):
        assert secret not in shown
        assert f"{name}=REDACTED" in shown


@pytest.mark.parametrize(
    "name", ["keyword", "author", "authuser", "design", "resourcekey", "sign", "monkey", "tokenize"]
)
def test_names_that_only_contain_a_credential_word_do_not_match(name: str) -> None:
    assert not RULES.host_params("example.com").credential_like(name)
    assert not RULES.host_params("mp.weixin.qq.com").credential_like(name)
    url = f"https://example.com/a?{name}=VALUEVALUE1234"
    assert canonicalize(url, RULES).clean_url == url


def test_name_words_split_at_separators_case_changes_and_digits() -> None:
    assert name_words("X-Amz-Security-Token") == {"x", "amz", "security", "token"}
    assert name_words("sessionId") == {"session", "id"}
    assert name_words("HTTPToken2") == {"http", "token", "2"}
    assert name_words("keyword") == {"keyword"}
    # `key` is a credential word on the platforms only
    assert RULES.host_params("zhuanlan.zhihu.com").credential_like("share_key")
    assert not RULES.host_params("example.com").credential_like("share_key")


@SETTINGS
@given(_secret)
def test_log_lines_show_urls_masked(secret) -> None:
    record = logging.LogRecord(
        "scrapy.core.engine",
        logging.DEBUG,
        __file__,
        1,
        "Crawled (%d) <GET %s> (referer: None)",
        (200, f"https://example.com/a?user_token={secret}&x=1"),
        None,
    )
    assert RedactingFilter(RULES).filter(record)
    assert secret not in record.getMessage()
    assert "user_token=REDACTED" in record.getMessage()


def test_a_link_nested_in_a_parameter_is_masked_and_known_to_be():
    url = "https://link.zhihu.com/?target=https%3A//example.com/a%3Fauth_token%3DZZZZZZZZZZZZ"
    canonical = canonicalize(url, RULES)
    assert "ZZZZZZZZZZZZ" not in canonical.clean_url + canonical.identity
    assert canonical.masked == ("auth_token",)
    assert has_masked_values(canonical.clean_url)  # so it is never archived or proposed


#: the secret shapes of issue 22: session ids, signatures of signed URLs, OAuth tokens
_SECRET_NAMES = st.sampled_from(
    [
        "SID",
        "sid",
        "PHPSESSID",
        "JSESSIONID",
        "jsessionid",
        "ASPSESSIONID",
        "sessid",
        "sig",
        "signature",
        "X-Amz-Signature",
        "X-Goog-Signature",
        "access_token",
        "id_token",
    ]
)
_HOSTS = st.sampled_from(["apps.webofknowledge.com", "example.com", "bucket.s3.amazonaws.com"])
#: where the secret stands: a query parameter, a path parameter, a fragment (the OAuth implicit
#: flow's ``#access_token=…``, a single-page app's ``#/callback?…``)
_PLACES = st.sampled_from(["query", "path", "fragment", "fragment-route"])


def _url_with(host: str, name: str, secret: str, place: str, other: str) -> str:
    base = f"https://{host}/search/input.do"
    if place == "query":
        return f"{base}?product=UA&{name}={secret}&{other}=1"
    if place == "path":
        return f"{base};{name}={secret}?{other}=1"
    if place == "fragment":
        return f"{base}?{other}=1#{name}={secret}&state=xyz"
    return f"{base}?{other}=1#/callback?{name}={secret}&scope=read"


@SETTINGS
@given(_HOSTS, _SECRET_NAMES, _secret, _PLACES, _names)
def test_session_ids_signatures_and_fragment_tokens_are_masked_everywhere(
    host, name, secret, place, other
) -> None:
    assume(not RULES.host_params(host).credential_like(other))
    url = _url_with(host, name, secret, place, other)
    canonical = canonicalize(url, RULES)
    assert name in canonical.masked
    # sent to its own site only when the site needs it: a fragment is never sent
    assert (secret in canonical.fetch_url) == (place in ("query", "path"))
    record = logging.LogRecord(
        "scrapy", logging.DEBUG, __file__, 1, "Redirecting to %s", (url,), None
    )
    RedactingFilter(RULES).filter(record)
    for shown in (
        canonical.clean_url,
        canonical.identity,
        redact(url, RULES),
        redact_text(f"see {url} here", RULES),
        record.getMessage(),
    ):
        assert secret not in shown
    for shown in (canonical.clean_url, redact(url, RULES), record.getMessage()):
        assert f"{name}=REDACTED" in shown
    # a link that needs it is never sent to the Wayback Machine nor proposed by `fix`
    assert has_masked_values(canonical.clean_url)
    assert name in masked_names(canonical.clean_url)


@SETTINGS
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_0123456789", min_size=1, max_size=20))
def test_a_meaningful_fragment_is_kept(fragment) -> None:
    assume(fragment not in RULES.junk_fragments)
    url = f"https://example.com/doc#{fragment}"
    assert canonicalize(url, RULES).clean_url == url
