"""History across simulated days: real crawls with LINKHEALTH_NOW, the fake web changing."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb

pytestmark = pytest.mark.e2e
PAGE = "http://history.test/article"
WALL = "http://wall.test/page"


def test_confirmation_recovery_and_title_change_across_runs(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "list.md").write_text(f"- [article]({PAGE})\n- [wall]({WALL})\n", encoding="utf-8")
    days = {}
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:

        def crawl(day: str, page, wall="status/403"):
            web.write_scenario({"urls": {PAGE: page, WALL: wall}})
            result = run_crawl(seeds, tmp_path, env=web.env(), settings={"LINKHEALTH_NOW": day})
            assert result.returncode == 0, result.stderr[-2000:]
            assert result.type_mismatches() == []
            days[day] = result.by_url()
            return days[day]

        first = crawl("2026-03-02T03:00:00Z", {"shape": "live", "title": "Deep learning"})
        assert first[PAGE]["change"] == "new"
        renamed = crawl("2026-03-03T03:00:00Z", {"shape": "live", "title": "Buy cheap watches"})
        # a title unrelated to the first one recorded: the page drifted (README, "Content drift")
        assert (renamed[PAGE]["change"], renamed[PAGE]["title"]) == (
            "drifted",
            "Buy cheap watches",
        )
        same = crawl("2026-03-04T03:00:00Z", {"shape": "live", "title": "Buy cheap watches"})
        assert same[PAGE]["change"] == ""  # reported once
        gone1 = crawl("2026-03-05T03:00:00Z", "status/404")
        assert (gone1[PAGE]["change"], gone1[PAGE]["fail_streak"]) == ("newly-failing", "1")
        gone2 = crawl("2026-03-06T03:00:00Z", "status/404")
        assert (gone2[PAGE]["fail_streak"], gone2[PAGE]["confirmed_dead"]) == ("2", "False")
        gone3 = crawl("2026-03-08T03:00:00Z", "status/404")
        assert (gone3[PAGE]["confirmed_dead"], gone3[PAGE]["change"]) == (
            "True",
            "newly-confirmed-dead",
        )
        assert gone3[PAGE]["first_failed_at"] == "2026-03-05T03:00:00Z"
        assert gone3[PAGE]["last_alive_at"] == "2026-03-04T03:00:00Z"
        back = crawl("2026-03-09T03:00:00Z", {"shape": "live", "title": "Buy cheap watches"})
        assert (back[PAGE]["change"], back[PAGE]["fail_streak"]) == ("recovered", "0")
        assert back[PAGE]["confirmed_dead"] == "False"

    # the wall answered 403 on every one of the seven runs: blocked never confirms
    assert {d[WALL]["status"] for d in days.values()} == {"blocked"}
    assert all(d[WALL]["confirmed_dead"] == "False" for d in days.values())
    assert all(d[WALL]["fail_streak"] == "0" for d in days.values())
    run = json.loads((tmp_path / "reports" / "run.json").read_text(encoding="utf-8"))
    assert (run["run_id"], run["state"], run["changes"]) == (7, "finished", {"recovered": 1})
    summary = (tmp_path / "reports" / "summary.md").read_text(encoding="utf-8")
    assert summary.index("What changed") < summary.index("| status | links |")


def test_seeds_edited_between_runs(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    listing = seeds / "list.md"
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        listing.write_text("- <http://a.test/1>\n- <http://a.test/2>\n", encoding="utf-8")
        first = run_crawl(seeds, tmp_path, env=web.env(), settings={"LINKHEALTH_NOW": "2026-01-01"})
        first_urls = set(first.by_url())
        listing.write_text("- <http://a.test/2>\n- <http://a.test/3>\n", encoding="utf-8")
        second = run_crawl(
            seeds, tmp_path, env=web.env(), settings={"LINKHEALTH_NOW": "2026-01-08"}
        )
    assert first_urls == {"http://a.test/1", "http://a.test/2"}
    rows = second.by_url()
    assert set(rows) == {"http://a.test/2", "http://a.test/3"}
    assert (rows["http://a.test/3"]["change"], rows["http://a.test/2"]["change"]) == ("new", "")
    assert rows["http://a.test/2"]["first_seen"] == "2026-01-01T00:00:00Z"
