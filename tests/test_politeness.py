"""Politeness holds at the fake web: per-host concurrency, even with no download delay."""

from __future__ import annotations

import pytest

from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("per_host", [1, 3])
def test_per_host_concurrency_is_never_exceeded(tmp_path, per_host):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    urls = [f"http://polite{i % 3}.test/slow/0.5?n={i}" for i in range(18)]
    (seeds / "list.md").write_text("\n".join(f"- <{u}>" for u in urls) + "\n", encoding="utf-8")
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        result = run_crawl(
            seeds,
            tmp_path,
            env=web.env(),
            settings={"CONCURRENT_REQUESTS_PER_DOMAIN": str(per_host), "DOWNLOAD_DELAY": "0"},
        )
        peaks = {f"polite{i}.test": web.max_inflight(f"polite{i}.test") for i in range(3)}
    assert result.returncode == 0, result.stderr[-2000:]
    assert all(row["status"] == "alive" for row in result.links())
    assert peaks == dict.fromkeys(peaks, per_host)
