"""The head size middleware (crawler/middlewares/bodysize.py) in a crawl of its own against the
fake web, with the head reader it serves: a page larger than DOWNLOAD_MAXSIZE is read up to its
cap instead of cancelled, the limit still holds for other requests and for decompression."""

from __future__ import annotations

from typing import Any

import pytest

from crawler.base.meta import META_MAX_BYTES
from tests.component_crawl import crawl, run_case
from tests.fakeweb import FakeWeb

MAXSIZE = 1 << 20
SETTINGS = {
    "DOWNLOAD_MAXSIZE": MAXSIZE,
    "DOWNLOADER_MIDDLEWARES": {"crawler.middlewares.bodysize.HeadSizeMiddleware": 595},
    "EXTENSIONS": {"crawler.extensions.headreader.HeadReader": 100},
}


async def case(requests: list[dict[str, Any]]) -> dict[str, Any]:
    return await crawl(SETTINGS, requests)


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    with FakeWeb(workdir=tmp_path_factory.mktemp("web")) as web:
        out = run_case(
            case,
            env=web.env(),
            requests=[
                {"url": "http://big.test/big/5000000", "meta": {META_MAX_BYTES: 200_000}},
                {"url": "http://big.test/big/5000000?uncapped", "meta": {"asked": "uncapped"}},
                {
                    "url": "http://bomb.test/gzip-bomb?size=8388608",
                    "meta": {META_MAX_BYTES: 200_000},
                },
            ],
        )
    return {s["asked"]: s for s in out["seen"]}


def test_a_page_past_the_size_limit_is_read_up_to_its_cap(seen):
    page = seen["http://big.test/big/5000000"]
    assert page["status"] == 200
    assert "download_stopped" in page["flags"]
    assert 200_000 <= page["body_length"] < MAXSIZE
    assert page["body_head"].startswith("<!DOCTYPE html>")
    # the limit is back on the request for what comes after the download (decompression)
    assert page["download_maxsize"] == MAXSIZE


def test_a_request_without_a_cap_keeps_the_size_limit(seen):
    uncapped = seen["uncapped"]
    assert "status" not in uncapped  # cancelled at its declared size, by Scrapy
    assert "error" in uncapped


def test_a_gzip_bomb_is_stopped_at_the_size_limit(seen):
    # 8 MiB of zeros from a few KB: read whole (under the cap), stopped when decompressed
    bomb = seen["http://bomb.test/gzip-bomb?size=8388608"]
    assert bomb.get("error") == "IgnoreRequest", bomb
