"""Reason codes: short stable strings in the data, and the text people read for them."""

from __future__ import annotations

import re

#: every reason code under the verdict it goes with, and the text people read for it (the
#: reference table of docs/verdicts.md is made from it: scripts/reference.py)
BY_VERDICT: dict[str, dict[str, str]] = {
    "alive": {
        "ok": "the page answered 2xx",
        "redirected-permanent": "the page moved permanently; the final URL is in final_url",
        "moved": "the account moved; the article lives on at a new link",
        "local-file": "the relative link names a file that exists",
    },
    "dead": {
        "http-404": "the server says the page does not exist (404)",
        "http-410": "the server says the page is gone for good (410)",
        "wechat-removed": "WeChat shows a removal message instead of the article",
        "zhihu-removed": "Zhihu says the content was deleted",
        "csdn-removed": "CSDN says the article was deleted",
        "bilibili-removed": "bilibili says the video is gone",
        "redirect-to-error-page": "the link redirects to the site's error page",
        "redirect-to-root": "a deep link redirects to the site's home page",
        "soft-404": "the page's title says it does not exist",
        "parked-domain": "the domain is parked or for sale: the linked page is no longer there",
        "dns": "the host name does not resolve",
        "local-missing": "the relative link names a file that does not exist",
    },
    "blocked": {
        "wechat-verification": "WeChat asked for a human verification: we could not tell",
        "zhihu-verification": "Zhihu asked for a human verification: we could not tell",
        "csdn-verification": "CSDN served a bot challenge: we could not tell",
        "bilibili-verification": "bilibili served a bot challenge: we could not tell",
        "anti-bot": "a challenge, captcha or firewall block page: we could not tell",
        "unrecognized-page": "the page shows neither the content nor a removal message",
        "truncated-page": "the part of the page read shows neither content nor a removal message",
        "http-401": "the server asks for a login (401): we could not tell",
        "http-403": "the server refused us (403): we could not tell",
        "http-407": "the proxy asks for credentials (407)",
        "http-429": "the server rate-limited us (429): we could not tell",
        "http-451": "unavailable for legal reasons (451) where the crawler runs",
    },
    "error": {
        "timeout": "the server did not answer in time",
        "connection-refused": "the server refused the connection",
        "connection-reset": "the connection was dropped before a complete answer",
        "connection-lost": "the connection was lost while reading the answer",
        "tls": "the TLS (https) handshake failed",
        "too-many-redirects": "the link redirects in a loop or too many times",
        "redirect-unfollowed": "a redirect without a usable target",
        "empty-body": "the server answered 2xx with an empty page",
        "too-large": "the body is larger than allowed (a decompression bomb?)",
        "not-checked": "the crawl ended before this link got an answer",
        "offline": "the crawler had no usable network: nothing can be said of the link",
        "proxy-error": "the proxy could not reach the site",
        "download-error": "the download failed",
    },
    "skipped": {
        "not-http": "not an http(s) link",
        "anchor": "an in-page anchor",
        "malformed-url": "the link is not a valid URL",
        "empty-link": "the link is empty",
        "private-address": "the link reaches a loopback, private or otherwise non-public address",
    },
    "ignored": {
        "ignore-list": "on the ignore list",
    },
}

#: the text people read for each reason code
REASONS: dict[str, str] = {
    code: text for codes in BY_VERDICT.values() for code, text in codes.items()
}

_HTTP_RE = re.compile(r"^http-(\d{3})$")


def describe(reason: str) -> str:
    """The text people read for a reason code."""
    if reason in REASONS:
        return REASONS[reason]
    match = _HTTP_RE.match(reason)
    if match:
        return f"the server answered HTTP {match.group(1)}"
    return reason.replace("-", " ")
