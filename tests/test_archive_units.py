"""The Wayback helpers and the archive table, without a crawl."""

from __future__ import annotations

import datetime as dt
import sqlite3
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.archive import wayback
from crawler.report.archive_columns import archive_record
from crawler.store import archive as store
from crawler.store.report_tables import ARCHIVE_COLUMNS
from crawler.store.schema import ARCHIVES

BASE = "https://web.archive.org"


def test_cdx_query_for_a_wechat_article_is_a_prefix_on_its_account_filtered_on_sn() -> None:
    url = "https://mp.weixin.qq.com/s?mid=1&__biz=MzA+b==&idx=1&sn=abc123"
    query = parse_qs(urlsplit(wayback.cdx_url(BASE, url, to="20240101000000", limit=-5)).query)
    # the index keys captures lower-cased, query sorted: __biz first
    assert query["url"] == ["mp.weixin.qq.com/s?__biz=mza+b=="]
    assert query["matchType"] == ["prefix"]
    assert "original:.*[?&]sn=abc123(&.*)?" in query["filter"]
    assert "statuscode:200" in query["filter"]
    assert query["to"] == ["20240101000000"]
    assert query["limit"] == ["-5"]


def test_cdx_query_for_a_wechat_link_without_its_account_is_exact() -> None:
    url = "https://mp.weixin.qq.com/s?mid=1&idx=1&sn=abc123"
    query = parse_qs(urlsplit(wayback.cdx_url(BASE, url)).query)
    assert query["url"] == [url]
    assert "matchType" not in query


def test_cdx_query_percent_encodes_the_url() -> None:
    link = wayback.cdx_url(BASE, "https://a.test/x?b=1&c=2")
    assert "url=https%3A%2F%2Fa.test%2Fx%3Fb%3D1%26c%3D2" in link
    assert parse_qs(urlsplit(link).query)["url"] == ["https://a.test/x?b=1&c=2"]


def test_parse_cdx_answers() -> None:
    body = b'[["timestamp","original","statuscode"],["2024","u","200"],["2019","u","200"]]'
    assert [c.timestamp for c in wayback.parse_cdx(body)] == ["2019", "2024"]
    assert wayback.parse_cdx(b"") == []
    assert wayback.parse_cdx(b"[]") == []
    with pytest.raises(wayback.CDXError):
        wayback.parse_cdx(b"<html><title>429 Too Many Requests</title></html>")


def test_store_keeps_the_last_snapshot_when_a_later_attempt_fails() -> None:
    db = sqlite3.connect(":memory:", isolation_level=None)
    store.ensure_schema(db)
    good = store.ArchiveRow(
        "id", "u", "rescued", "https://web.archive.org/web/1/u", "2026-01-01T00:00:00Z", "Old"
    )
    store.record(db, good, checked_at="2026-01-02T00:00:00Z", run_id=1)
    store.record(
        db, store.ArchiveRow("id", "u", "failed:x"), checked_at="2026-01-03T00:00:00Z", run_id=2
    )
    row = db.execute(
        f"SELECT {', '.join(ARCHIVE_COLUMNS)} FROM archives WHERE identity = 'id'"
    ).fetchone()
    assert archive_record(*row) == (
        "https://web.archive.org/web/1/u",
        "2026-01-01T00:00:00Z",
        "failed:x",
        "Old",
    )
    now = dt.datetime(2026, 1, 20, tzinfo=dt.UTC)
    assert store.is_fresh("2026-01-01T00:00:00Z", now, 30)
    assert not store.is_fresh("2026-01-01T00:00:00Z", now, 10)


def test_a_store_without_the_archive_table() -> None:
    db = sqlite3.connect(":memory:")
    assert not ARCHIVES.exists(db)
    store.ensure_schema(db)
    assert ARCHIVES.exists(db)
