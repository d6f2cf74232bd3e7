"""Hostile servers: each ends in the right verdict within the timeouts, memory stays bounded.

One crawl holds every case (each on a host of its own, so the slow ones overlap); boundedness is
shown by what the fake web counts — the bytes it got out before the client stopped reading.
"""

from __future__ import annotations

import pytest

from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb

pytestmark = pytest.mark.e2e
MB = 1024 * 1024

CASES = {
    "http://loop.test/redirect-loop": ("error", "too-many-redirects"),
    "http://chain.test/redirect/30": ("error", "too-many-redirects"),
    "http://chain5.test/redirect/5": ("alive", "ok"),
    "http://hang.test/x": ("error", "timeout"),
    "http://trickle.test/trickle": ("error", "timeout"),
    "http://big.test/big/50000000": ("alive", "ok"),
    "http://bomb.test/gzip-bomb": ("error", "too-large"),
    "http://charset.test/gb18030-undeclared": ("alive", "ok"),
    # large pages: the head arrives whole and the download stops there (no more is needed)
    "http://length.test/wrong-length/600000": ("alive", "ok"),
    "http://midreset.test/reset-mid-body/600000": ("alive", "ok"),
    # small pages are read to their end (their connection stays usable): the loss is seen
    "http://length.test/wrong-length": ("error", "connection-lost"),
    "http://midreset.test/reset-mid-body": ("error", "connection-lost"),
    # a platform page is read to the article: there the loss is seen
    "https://mp.weixin.qq.com/s/reset01": ("error", "connection-lost"),
    "https://mp.weixin.qq.com/s/length01": ("error", "connection-lost"),
    "https://tls-broken.test/x": ("error", "tls"),
    "http://storm.test/429": ("blocked", "http-429"),
    "http://patient.test/retry-after/1?ok_after=1": ("alive", "ok"),
    "http://impatient.test/retry-after/3600": ("blocked", "http-429"),
    "http://flaky.test/503-then-ok": ("alive", "ok"),
    "http://empty.test/empty": ("error", "empty-body"),
    "http://pdf.test/pdf": ("alive", "ok"),
    "http://reset.test/x": ("error", "connection-reset"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    seeds = work / "seeds"
    seeds.mkdir()
    (seeds / "hostile.md").write_text(
        "\n".join(f"- <{url}>" for url in CASES) + "\n", encoding="utf-8"
    )
    with FakeWeb(workdir=work / "fakeweb") as web:
        web.write_scenario(
            {
                "urls": {
                    "https://mp.weixin.qq.com/s/reset01": "reset-mid-body",
                    "https://mp.weixin.qq.com/s/length01": "wrong-length",
                }
            }
        )
        result = run_crawl(
            seeds,
            work,
            env=web.env(),
            settings={"DOWNLOAD_TIMEOUT": "2", "RETRY_TIMES": "1"},
        )
        requests = web.requests()
    return result, requests


def test_every_case_gets_its_verdict(hostile):
    result, _ = hostile
    assert result.returncode == 0, result.stderr[-3000:]
    got = {url: (row["status"], row["reason"]) for url, row in result.by_url().items()}
    assert got == CASES


def test_titles_survive_hostile_pages(hostile):
    result, _ = hostile
    rows = result.by_url()
    assert rows["http://charset.test/gb18030-undeclared"]["title"] == "中文标题 GB18030"
    assert rows["http://big.test/big/50000000"]["title"]


def _sent(requests, host):
    return [r for r in requests if r["host"] == host and r["method"] == "GET"]


def test_big_page_and_bomb_are_not_read_whole(hostile):
    _, requests = hostile
    big = _sent(requests, "big.test")
    assert len(big) == 1
    assert big[0]["aborted"]
    # the head reader stops after the <head>; what left the server is its socket buffers
    assert big[0]["bytes_sent"] < 12 * MB
    bomb = _sent(requests, "bomb.test")
    assert bomb
    assert all(r["bytes_sent"] <= 4 * MB for r in bomb)


def test_429_storms_are_not_hammered(hostile):
    _, requests = hostile
    assert len(_sent(requests, "storm.test")) == 2  # the request and one retry (RETRY_TIMES)
    assert len(_sent(requests, "impatient.test")) == 1  # Retry-After too long: no retry
    assert len(_sent(requests, "patient.test")) == 2  # waited, then succeeded
