"""The Wayback Machine's endpoints as plain functions: URLs to ask, answers to read (no I/O).

Only canonical URLs (``crawler.base.urls.canonicalize``) are ever passed in here; nothing in this
module logs or raises with a URL in the message.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus, urlencode, urlsplit

from crawler.base.rules import Rules
from crawler.base.urls import URLProblem, canonicalize

CDX_FIELDS = "timestamp,original,statuscode"
WECHAT_HOST = "mp.weixin.qq.com"

#: SPN2 answers that close the endpoint for a while / for the run
SESSION_LIMIT = "error:user-session-limit"
DAILY_LIMIT = "error:too-many-daily-captures"


@dataclass(frozen=True, slots=True)
class Capture:
    timestamp: str  # 14 digits, UTC
    original: str


def ts_of(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


def ts_of_iso(text: str) -> str:
    """The timestamp of an ISO 8601 time (one without a zone is UTC)."""
    when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return ts_of(when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC))


def ts_datetime(ts: str) -> dt.datetime:
    ts = (ts + "00000101000000"[len(ts) :])[:14]
    return dt.datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)


def iso_of_ts(ts: str) -> str:
    return ts_datetime(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


def snapshot_url(base: str, timestamp: str, url: str, *, raw: bool = False) -> str:
    """The public replay address; ``raw`` (``id_``) gives the page as archived, no toolbar."""
    return f"{base}/web/{timestamp}{'id_' if raw else ''}/{url}"


def wechat_article(url: str) -> tuple[str, str] | None:
    """``(__biz, sn)`` of a long WeChat article link (its captures may carry other parameters),
    ``__biz`` as written (raw text: a ``+`` in it stays a ``+``)."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() != WECHAT_HOST or parts.path != "/s":
        return None
    biz = sn = ""
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if name == "__biz" and not biz:
            biz = value
        elif name == "sn" and not sn:
            sn = unquote_plus(value)
    return (biz, sn) if biz and sn else None


def cdx_url(
    base: str,
    url: str,
    *,
    to: str | None = None,
    since: str | None = None,
    limit: int = -1,
) -> str:
    """A CDX query for the 200 captures of ``url`` (the last ``-limit`` of them).

    A WeChat article is looked up under every parameter set it was captured with: the index
    keys a capture by its URL lower-cased, query parameters sorted, so ``__biz`` comes first
    and a prefix on ``mp.weixin.qq.com/s?__biz=<biz>`` reads one account's captures (a prefix
    on ``/s`` alone would read the whole site's); the filter keeps the article's exact ``sn``.
    """
    params: list[tuple[str, str]] = []
    article = wechat_article(url)
    if article is not None:
        biz, sn = article
        params += [
            ("url", f"{WECHAT_HOST}/s?__biz={biz.lower()}"),
            ("matchType", "prefix"),
            ("filter", f"original:.*[?&]sn={re.escape(sn)}(&.*)?"),
        ]
    else:
        params.append(("url", url))
    params += [("output", "json"), ("fl", CDX_FIELDS), ("filter", "statuscode:200")]
    if since:
        params.append(("from", since))
    if to:
        params.append(("to", to))
    params.append(("limit", str(limit)))
    return f"{base}/cdx/search/cdx?" + urlencode(params, quote_via=quote)


class CDXError(ValueError):
    pass


def parse_cdx(body: bytes) -> list[Capture]:
    """Captures from a CDX JSON answer, oldest first (an empty body is no capture)."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise CDXError("the CDX answer is not JSON") from None
    if not isinstance(data, list) or not data:
        return []
    header = data[0]
    if not isinstance(header, list) or "timestamp" not in header or "original" not in header:
        raise CDXError("the CDX answer has no header row")
    t, o = header.index("timestamp"), header.index("original")
    rows = [
        Capture(str(row[t]), str(row[o]))
        for row in data[1:]
        if isinstance(row, list) and len(row) == len(header)
    ]
    return sorted(rows, key=lambda c: c.timestamp)


def without_credentials(captures: list[Capture], rules: Rules) -> list[Capture]:
    """Captures stored under a URL that carried someone's credentials are never used: their
    address would put the credential into our reports. (A prefix query finds such captures.)"""
    kept = []
    for capture in captures:
        try:
            canonical = canonicalize(capture.original, rules)
            if not (canonical.had_credentials or canonical.masked):
                kept.append(capture)
        except URLProblem:
            continue
    return kept


def spn2_form(url: str, max_age_seconds: int) -> dict[str, str]:
    return {
        "url": url,
        "if_not_archived_within": str(max_age_seconds),
        "skip_first_archive": "1",
    }


def authorization(access: str, secret: str) -> str:
    return f"LOW {access}:{secret}"


def parse_json(body: bytes) -> dict[str, object]:
    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
