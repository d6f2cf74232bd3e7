"""The canary probe (crawler/extensions/canaries.py) in a crawl of its own: before the first link
is fetched it asks the canary hosts through the engine; an answer lets the links through, none
turns every link into ``error``/``offline`` and the run into a degraded one (exit 4)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.extensions.canaries import CanaryProbe
from tests.component_crawl import run_case, verdict_crawl
from tests.conftest import write_seeds
from tests.fakeweb import FakeWeb

VERDICTS = {"http://a.test/1": ["alive", "ok"], "http://b.test/2": ["dead", "http-404"]}


async def case(state_db: str, seeds: str, canaries: str) -> dict[str, Any]:
    settings = {
        "EXTENSIONS": {"crawler.extensions.canaries.CanaryProbe": 400},
        "ITEM_PIPELINES": {"crawler.pipelines.store.StorePipeline": 300},
        "LINKHEALTH_ARCHIVE_ENABLED": False,
        "LINKHEALTH_STATE_DB": state_db,
        "LINKHEALTH_CANARY_URLS": canaries,
        "LINKHEALTH_CANARY_TIMEOUT": 5,
    }
    return await verdict_crawl(settings, seeds, VERDICTS)


def _seeds(tmp_path: Path) -> str:
    return str(write_seeds(tmp_path, "".join(f"- <{url}>\n" for url in VERDICTS)))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_canary_that_answers_lets_the_links_through(tmp_path: Path) -> None:
    with FakeWeb(workdir=tmp_path / "web") as web:
        out = run_case(
            case,
            env=web.env(),
            state_db=str(tmp_path / "state.sqlite"),
            seeds=_seeds(tmp_path),
            canaries=web.url("canary.test", "/"),
        )
        asked = [r["url"] for r in web.requests()]
    stats = out["stats"]
    assert stats["linkhealth/verdict/alive"] == 1
    assert stats["linkhealth/verdict/dead"] == 1
    assert "linkhealth/reason/offline" not in stats
    assert stats["linkhealth/exit_code"] == 0
    assert asked == [web.url("canary.test", "/")]  # the links themselves are not fetched here


def test_no_canary_answering_makes_every_link_offline_and_the_run_degraded(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{_closed_port()}/"
    out = run_case(
        case, state_db=str(tmp_path / "state.sqlite"), seeds=_seeds(tmp_path), canaries=closed
    )
    stats = out["stats"]
    assert stats["linkhealth/reason/offline"] == 2
    assert "linkhealth/verdict/dead" not in stats
    assert stats["linkhealth/exit_code"] == 4
    assert any("network check: none of the 1 canary hosts answered" in w for w in out["warnings"])


def test_off_without_canaries() -> None:
    with pytest.raises(NotConfigured):
        CanaryProbe.from_crawler(get_crawler(settings_dict={"LINKHEALTH_CANARY_URLS": ""}))
