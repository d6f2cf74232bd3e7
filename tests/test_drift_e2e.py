"""Content drift through the real crawl: a fake-web host whose page changes hands between runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_crawl, write_seeds
from tests.fakeweb import FakeWeb

pytestmark = pytest.mark.e2e

#: a blog post linked by its bare URL (no descriptive text), and one linked by its title
BARE = "http://zhangsan-blog.test/2019/rnn-notes"
TITLED = "http://lisi-notes.test/posts/attention"
BLOG = {"shape": "live", "title": "RNN 学习笔记 | 张三的技术博客"}
NOTES = {"shape": "live", "title": "注意力机制详解 - 李四的笔记"}
#: the domains lapsed and changed hands: the new owners' pages answer 200
CASINO = {"shape": "live", "title": "澳门新葡京 - 官方网站"}
WATCHES = {"shape": "live", "title": "Buy Cheap Watches Online - Best Replica Deals"}


def _seeds(tmp_path):
    return write_seeds(tmp_path, f"- <{BARE}>\n- [注意力机制详解]({TITLED})\n")


def _crawl(web, seeds, tmp_path, day: str, urls: dict[str, object]) -> dict[str, dict[str, str]]:
    """A crawl of ``seeds`` on ``day``, the fake web serving ``urls``: its links.csv by URL."""
    web.write_scenario({"urls": urls})
    result = run_crawl(seeds, tmp_path, env=web.env(), settings={"LINKHEALTH_NOW": day})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.type_mismatches() == []
    return result.by_url()


def test_a_page_that_changed_hands_is_flagged_from_its_link_text_then_from_the_history(tmp_path):
    seeds = _seeds(tmp_path)
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:

        def crawl(day: str, urls: dict[str, object]) -> dict[str, dict[str, str]]:
            return _crawl(web, seeds, tmp_path, day, urls)

        # first run: both pages are what was linked
        first = crawl("2026-03-02T03:00:00Z", {BARE: BLOG, TITLED: NOTES})
        assert (first[BARE]["drift"], first[TITLED]["drift"]) == ("", "")
        # second run: both changed hands; the bare link has only its first title as evidence
        second = crawl("2026-03-09T03:00:00Z", {BARE: CASINO, TITLED: WATCHES})
    bare, titled = second[BARE], second[TITLED]
    assert (bare["status"], bare["reason"], bare["change"]) == ("alive", "ok", "drifted")
    assert bare["drift"] == (
        'title "RNN 学习笔记 | 张三的技术博客" (first seen 2026-03-02) → "澳门新葡京 - 官方网站"'
    )
    assert (titled["status"], titled["change"]) == ("alive", "drifted")
    # both evidences fail: the oldest title is named
    assert titled["drift"].startswith('title "注意力机制详解 - 李四的笔记" (first seen 2026-03-02)')
    run = json.loads((tmp_path / "reports" / "run.json").read_text(encoding="utf-8"))
    assert run["drifted"] == 2
    assert run["changes"] == {"drifted": 2}
    summary = (tmp_path / "reports" / "summary.md").read_text(encoding="utf-8")
    assert "## Links that now show something else (2)" in summary
    assert "澳门新葡京" in summary
    html = (tmp_path / "reports" / "report.html").read_text(encoding="utf-8")
    assert 'id="drifted"' in html
    assert "Links that now show something else" in html


def test_a_page_that_changed_hands_is_flagged_on_the_first_run_from_its_link_text(tmp_path):
    seeds = _seeds(tmp_path)
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        web.write_scenario({"urls": {BARE: CASINO, TITLED: WATCHES}})
        result = run_crawl(
            seeds, tmp_path, env=web.env(), settings={"LINKHEALTH_NOW": "2026-03-02T03:00:00Z"}
        )
        assert result.returncode == 0, result.stderr[-2000:]
        rows = result.by_url()
        again = run_crawl(
            seeds, tmp_path, env=web.env(), settings={"LINKHEALTH_NOW": "2026-03-09T03:00:00Z"}
        )
    assert again.returncode == 0, again.stderr[-2000:]
    # the title the first run recorded was already drifted: it is no evidence of the link
    later = again.by_url()[TITLED]
    assert (later["drift"], later["change"]) == (rows[TITLED]["drift"], "")
    # the bare URL says nothing of what was linked: no evidence, no drift
    assert (rows[BARE]["status"], rows[BARE]["drift"]) == ("alive", "")
    titled = rows[TITLED]
    assert (titled["status"], titled["reason"], titled["change"]) == ("alive", "ok", "new")
    assert titled["drift"] == (
        'link text "注意力机制详解" → "Buy Cheap Watches Online - Best Replica Deals"'
    )


def test_a_renamed_article_and_a_redesigned_site_do_not_drift(tmp_path):
    seeds = _seeds(tmp_path)
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:

        def crawl(day: str, urls: dict[str, object]) -> dict[str, dict[str, str]]:
            return _crawl(web, seeds, tmp_path, day, urls)

        crawl("2026-03-02T03:00:00Z", {BARE: BLOG, TITLED: NOTES})
        later = crawl(
            "2026-03-09T03:00:00Z",
            {
                BARE: {"shape": "live", "title": "RNN 学习笔记（2026 修订版）- 张三的博客"},
                TITLED: {"shape": "live", "title": "注意力机制详解（附代码） | 李四的笔记 - 新站"},
            },
        )
    assert (later[BARE]["drift"], later[BARE]["change"]) == ("", "title-changed")
    assert (later[TITLED]["drift"], later[TITLED]["change"]) == ("", "title-changed")


def test_a_page_that_changed_hands_is_flagged_on_the_first_run_from_its_snapshot(tmp_path):
    from tests.test_archive import FAST_ARCHIVE  # noqa: PLC0415

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    listing = seeds / "list.md"
    listing.write_text(f"- <{BARE}>\n- <{TITLED}>\n", encoding="utf-8")
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        web.write_scenario(
            {
                "urls": {BARE: CASINO, TITLED: NOTES},
                "wayback": {
                    "snapshots": {
                        # archived in 2019 as what was linked; in 2026, the new owner's page
                        BARE: [["20190301000000", 200, BLOG], ["20260101000000", 200, CASINO]],
                        TITLED: [["20200301000000", 200, NOTES]],
                    }
                },
            }
        )
        result = run_crawl(
            seeds,
            tmp_path,
            env=web.env(),
            settings={**FAST_ARCHIVE, "LINKHEALTH_NOW": "2025-06-01T00:00:00Z"},
        )
        assert result.returncode == 0, result.stderr[-3000:]
        replayed = [r["path"] for r in web.requests() if "id_/" in str(r.get("path", ""))]
        fixed = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "fix", "--seeds", str(seeds),
             "--links", str(result.reports / "links.csv")],
            cwd=ROOT, capture_output=True, text=True, check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
    rows = result.by_url()
    bare = rows[BARE]
    snapshot = f"https://web.archive.org/web/20190301000000/{BARE}"
    assert (bare["status"], bare["change"]) == ("alive", "new")
    assert bare["drift"] == (
        'title "RNN 学习笔记 | 张三的技术博客" (Wayback 2019-03-01) → "澳门新葡京 - 官方网站"'
    )
    assert bare["drift_snapshot"] == snapshot
    # the snapshot that matches is no drift; each reference was fetched as archived, once
    assert (rows[TITLED]["drift"], rows[TITLED]["drift_snapshot"]) == ("", "")
    assert sorted(replayed) == sorted(
        [f"/web/20190301000000id_/{BARE}", f"/web/20200301000000id_/{TITLED}"]
    )
    # linkhealth fix proposes the snapshot from before, as a change to review
    assert fixed.returncode == 0, fixed.stderr
    assert f"+- <{BARE}> [archived]({snapshot})" in fixed.stdout
    assert listing.read_text(encoding="utf-8") == f"- <{BARE}>\n- <{TITLED}>\n"
    fixes_md = (result.reports / "fixes.md").read_text(encoding="utf-8")
    assert "now shows something else" in fixes_md


def test_a_deep_link_moved_to_another_domain_with_an_unrelated_title_is_a_drift(tmp_path):
    seeds = _seeds(tmp_path)
    landing = "http://casino-new.test/welcome"
    moved_here = "http://lisi.example.test/posts/attention"
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        web.write_scenario(
            {
                "urls": {
                    # the bare link moved to its author's new domain: the same page
                    BARE: {"shape": "redirect", "location": moved_here, "code": 301},
                    moved_here: {"shape": "live", "title": "RNN 学习笔记 | 张三的技术博客"},
                    TITLED: {"shape": "redirect", "location": landing, "code": 301},
                    landing: WATCHES,
                }
            }
        )
        result = run_crawl(
            seeds, tmp_path, env=web.env(), settings={"LINKHEALTH_NOW": "2026-03-02T03:00:00Z"}
        )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = result.by_url()
    titled = rows[TITLED]
    assert (titled["status"], titled["reason"], titled["final_url"]) == (
        "alive",
        "redirected-permanent",
        landing,
    )
    assert titled["drift"] == (
        'link text "注意力机制详解" → "Buy Cheap Watches Online - Best Replica Deals" '
        "on casino-new.test"
    )
    # no evidence for the bare link: its move is an ordinary permanent redirect
    assert (rows[BARE]["reason"], rows[BARE]["drift"]) == ("redirected-permanent", "")
    fixes_md = (result.reports / "fixes.md").read_text(encoding="utf-8")
    assert moved_here in fixes_md  # the ordinary redirect is proposed
    assert landing not in fixes_md  # the page it drifted to never is
