"""The head reader (crawler/extensions/headreader.py) in a crawl of its own against the fake web:
a body is read up to its cap, up to the end of its head, to its end when that is near, and not
at all when it is not a page."""

from __future__ import annotations

from typing import Any

import pytest

from crawler.base.meta import META_HEAD_ONLY, META_MAX_BYTES
from crawler.extensions.headreader import FINISH_UNDER
from tests.component_crawl import crawl, run_case
from tests.fakeweb import FakeWeb

SETTINGS = {"EXTENSIONS": {"crawler.extensions.headreader.HeadReader": 100}}
BIG = 3_000_000


async def case(requests: list[dict[str, Any]]) -> dict[str, Any]:
    return await crawl(SETTINGS, requests)


def _ask(asked: str, url: str, **meta: Any) -> dict[str, Any]:
    return {"url": url, "meta": {"asked": asked, **meta}}


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    with FakeWeb(workdir=tmp_path_factory.mktemp("web")) as web:
        out = run_case(
            case,
            env=web.env(),
            requests=[
                _ask("capped", f"http://h.test/big/{BIG}?a", **{META_MAX_BYTES: 100_000}),
                _ask(
                    "head",
                    f"http://h.test/big/{BIG}?b",
                    **{META_MAX_BYTES: 10_000_000, META_HEAD_ONLY: True},
                ),
                _ask(
                    "near the end",
                    "http://h.test/big/200000",
                    **{META_MAX_BYTES: 10_000_000, META_HEAD_ONLY: True},
                ),
                _ask("not a page", "http://h.test/pdf", **{META_MAX_BYTES: 1_000_000}),
                _ask("not read by it", f"http://h.test/big/{BIG}?c"),
            ],
        )
    return {s["asked"]: s for s in out["seen"]}


def test_a_body_is_read_up_to_its_cap(seen):
    capped = seen["capped"]
    assert capped["status"] == 200
    assert "download_stopped" in capped["flags"]
    # stopped at the first chunk that reached the cap, far from the end
    assert 100_000 <= capped["body_length"] < BIG - FINISH_UNDER


def test_a_page_is_read_up_to_the_end_of_its_head(seen):
    head = seen["head"]
    assert "download_stopped" in head["flags"]
    assert head["body_length"] < 100_000
    assert "</head>" in head["body_head"]


def test_a_page_whose_end_is_near_is_read_to_its_end(seen):
    near = seen["near the end"]
    assert near["body_length"] == 200_000
    assert "download_stopped" not in near["flags"]


def test_a_body_that_is_not_a_page_is_not_read(seen):
    pdf = seen["not a page"]
    assert pdf["status"] == 200
    assert "download_stopped" in pdf["flags"]
    assert pdf["body_length"] == 0


def test_a_request_without_a_cap_is_read_whole(seen):
    whole = seen["not read by it"]
    assert whole["body_length"] == BIG
    assert "download_stopped" not in whole["flags"]
