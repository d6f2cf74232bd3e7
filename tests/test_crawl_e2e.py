"""End to end: the real `scrapy crawl seeds` against the fake web, links.csv row by row."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest

from crawler.report.html import ROW_FIELDS
from tests.conftest import ROOT, run_crawl
from tests.fakeweb import FakeWeb

pytestmark = pytest.mark.e2e
FIXTURE = ROOT / "tests" / "data" / "e2e"
SECRETS = (
    "SECRETKEY123",
    "SECRETUIN456",
    "SECRETPT789",
    "SECRETEXP000",
    "SECRETKEY999",
    "SECRETTOKEN",
    "SECRETINTEXT",  # in a link text that is itself the link
)
WX_LIVE = "https://mp.weixin.qq.com/s?__biz=MzAAAA==&mid=1&idx=1&sn=live01&chksm=abc123"

EXPECTED = {
    WX_LIVE: ("alive", "ok"),
    "https://mp.weixin.qq.com/s?__biz=MzBBBB==&mid=2&idx=1&sn=removed01": (
        "dead",
        "wechat-removed",
    ),
    "https://mp.weixin.qq.com/s/violation01": ("dead", "wechat-removed"),
    # a wording the rules do not know: we could not tell (issue 13; it was dead before)
    "https://mp.weixin.qq.com/s/newwording01": ("blocked", "unrecognized-page"),
    "https://mp.weixin.qq.com/s/verify01": ("blocked", "wechat-verification"),
    "https://mp.weixin.qq.com/s/moved01": ("alive", "moved"),
    "https://mp.weixin.qq.com/s/big01": ("alive", "ok"),
    "https://mp.weixin.qq.com/s/textlink01": ("alive", "ok"),
    "https://zhuanlan.zhihu.com/p/12345": ("alive", "ok"),
    "https://zhuanlan.zhihu.com/p/404000": ("dead", "http-404"),
    "https://zhuanlan.zhihu.com/p/unhuman01": ("blocked", "zhihu-verification"),
    "https://blog.csdn.net/u/article/details/404001": ("dead", "redirect-to-error-page"),
    "https://www.bilibili.com/video/av30271782": ("alive", "redirected-permanent"),
    "http://gbk.test/gbk/page": ("alive", "ok"),
    "http://plain.test/status/410": ("dead", "http-410"),
    "http://plain.test/always-503": ("error", "http-503"),
    "http://plain.test/status/403": ("blocked", "http-403"),
    "http://plain.test/redirect-loop": ("error", "too-many-redirects"),
    "http://plain.test/redirect-perm": ("alive", "redirected-permanent"),
    "http://plain.test/redirect-root/deep/page": ("dead", "redirect-to-root"),
    # the refresh is followed from a head larger than what is decoded to find it
    "http://plain.test/meta-refresh": ("dead", "http-404"),
    "http://plain.test/meta-refresh/late": ("alive", "ok"),
    "http://hang.test/x": ("error", "timeout"),
    "http://reset.test/x": ("error", "connection-reset"),
    "https://tls-broken.test/x": ("error", "tls"),
    "other.md": ("alive", "local-file"),
    "nope.md": ("dead", "local-missing"),
    "#top": ("skipped", "anchor"),
    "mailto:someone@example.com": ("skipped", "not-http"),
    "javascript:…": ("skipped", "not-http"),
    "http://bad.test:99999/x": ("skipped", "malformed-url"),
    "https://ignored.test/page": ("ignored", "ignore-list"),
    "https://example.com/in-code?a=1&b=2": ("alive", "ok"),
    "https://example.com/in-html?x=1&y=2": ("alive", "ok"),
    "https://example.com/other": ("alive", "ok"),
}


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    work = tmp_path_factory.mktemp("e2e")
    seeds = work / "seeds"
    shutil.copytree(FIXTURE, seeds)
    (work / "ignore.toml").write_text(
        '[[ignore]]\npattern = "https://ignored.test/*"\nreason = "known"\n', encoding="utf-8"
    )
    with FakeWeb(workdir=work / "fakeweb") as web:
        result = run_crawl(
            seeds, work, env=web.env(), settings={"LOG_LEVEL": "DEBUG", "DOWNLOAD_TIMEOUT": "2"}
        )
        requests = web.requests()
    return result, requests


def test_exit_status_and_summary_line(crawl):
    result, _ = crawl
    assert result.returncode == 0, result.stderr[-3000:]
    assert "linkhealth: run 1 finished:" in result.stderr


def test_no_warning_and_no_referer_even_after_a_redirect(crawl):
    """The links come from a private list: no request names a page as its referrer, a followed
    redirect included, and the run says nothing about the Referer middleware being off."""
    result, requests = crawl
    warnings = [line for line in result.stderr.splitlines() if "] WARNING: " in line]
    assert not [w for w in warnings if "Referer" in w], warnings
    redirected = [r for r in requests if r["path"] == "/status/404"]  # a meta refresh's target
    assert redirected
    assert all("referer" not in {k.lower() for k in r["headers"]} for r in requests)


def test_links_csv_row_by_row(crawl):
    result, _ = crawl
    rows = result.by_url()
    got = {url: (row["status"], row["reason"]) for url, row in rows.items()}
    assert got == EXPECTED


def test_columns_titles_and_sources(crawl):
    result, _ = crawl
    rows = result.by_url()
    live = rows[WX_LIVE]
    assert live["occurrences"] == "2"
    assert live["sources"] == "list.md:4; list.md:7"
    assert live["title"] == "WeChat article live01"
    assert "活着的微信文章" in live["link_text"]
    assert rows["http://gbk.test/gbk/page"]["title"] == "中文标题 GBK"
    # a link text that is a link shows as its clean URL (issue 13: it showed key=REDACTED)
    text_link = rows["https://mp.weixin.qq.com/s/textlink01"]["link_text"]
    assert text_link == "https://mp.weixin.qq.com/s/textlink01"
    assert rows["https://mp.weixin.qq.com/s/moved01"]["moved_to"].startswith("https://mp.weixin")
    assert rows["http://plain.test/redirect-perm"]["final_url"] == "http://plain.test/final"
    assert rows["https://www.bilibili.com/video/av30271782"]["final_url"].startswith(
        "https://www.bilibili.com/video/BV"
    )


def test_the_csv_columns_are_the_contract_and_hold_their_declared_types(crawl):
    result, _ = crawl
    with (result.reports / "links.csv").open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    # the contract (docs/outputs.md): written here, not read from crawler/report/columns.py
    assert header == [
        "url",
        "status",
        "reason",
        "http_status",
        "final_url",
        "title",
        "link_text",
        "sources",
        "occurrences",
        "checked_at",
        "archive_url",
        "archived_at",
        "archive_status",
        "domain",
        "reason_text",
        "detail",
        "moved_to",
        "first_seen",
        "last_alive_at",
        "first_failed_at",
        "fail_streak",
        "confirmed_dead",
        "change",
        "drift",
        "drift_snapshot",
    ]
    with (result.reports / "occurrences.csv").open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == ["file", "line", "url", "link_text", "status"]
    assert result.type_mismatches() == []


def test_occurrences_csv_keeps_every_occurrence(crawl):
    result, _ = crawl
    occurrences = result.occurrences()
    assert len(occurrences) == len(EXPECTED) + 1  # the live WeChat article stands twice
    assert sum(1 for o in occurrences if o["url"] == WX_LIVE) == 2
    assert all(o["status"] for o in occurrences)


def test_each_identity_fetched_once_and_no_fragment_sent(crawl):
    _, requests = crawl
    wechat_live = [r for r in requests if "sn=live01" in r["url"]]
    assert len(wechat_live) == 1
    assert all("#" not in r["url"] for r in requests)
    assert not any("ignored.test" in r["url"] or "bad.test" in r["url"] for r in requests)


def test_no_credential_ever_leaves_or_is_kept(crawl):
    result, requests = crawl
    sent = "\n".join(f"{r['url']} {r.get('headers')} {r.get('body')}" for r in requests)
    logs = result.stdout + result.stderr
    reports = "".join(p.read_text(encoding="utf-8") for p in result.reports.iterdir())
    database = b"".join(p.read_bytes() for p in result.state.parent.glob("state.sqlite*"))
    assert "DEBUG" in logs  # the logs were as verbose as they get
    for secret in SECRETS:
        assert secret not in sent
        assert secret not in logs
        assert secret not in reports
        assert secret.encode() not in database


def test_store_has_one_check_per_link(crawl):
    result, _ = crawl
    db = sqlite3.connect(result.state)
    try:
        (checks,) = db.execute("SELECT COUNT(*) FROM checks").fetchone()
        (links,) = db.execute("SELECT COUNT(*) FROM links").fetchone()
        assert checks == links == len(EXPECTED)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


def test_report_rebuilt_from_the_store_alone(crawl, tmp_path):
    result, _ = crawl
    out = tmp_path / "rebuilt"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler.cli",
            "report",
            "--state",
            str(result.state),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "links.csv").read_text(encoding="utf-8") == (
        result.reports / "links.csv"
    ).read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    # the seed's [js](javascript:alert(1)) is shown by its scheme alone, and never as a link
    assert "alert(1)" not in html
    data = html.split('<script type="application/json" id="report-data">', 1)[1]
    rows = json.loads(data.split("</script>", 1)[0])["rows"]
    by_url = {row[ROW_FIELDS.index("url")]: row for row in rows}
    assert by_url["javascript:…"][ROW_FIELDS.index("href")] == 0
    assert by_url["https://zhuanlan.zhihu.com/p/12345"][ROW_FIELDS.index("href")] == 1


def test_summary_lists_the_not_alive(crawl):
    result, _ = crawl
    summary = (result.reports / "summary.md").read_text(encoding="utf-8")
    assert "| dead |" in summary
    assert "wechat-removed" in summary
    html = (result.reports / "report.html").read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>")  # written whole
    assert "wechat-removed" in html


def test_finished_at_is_the_start_plus_the_measured_duration(tmp_path):
    """LINKHEALTH_NOW fixes the start; the end is that plus the seconds the crawl took."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "list.md").write_text("- [slow](http://slow.test/slow/2)\n", encoding="utf-8")
    now = "2026-05-04T03:00:00Z"
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        result = run_crawl(seeds, tmp_path, env=web.env(), settings={"LINKHEALTH_NOW": now})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.by_url()["http://slow.test/slow/2"]["status"] == "alive"
    run = json.loads((result.reports / "run.json").read_text(encoding="utf-8"))
    started = dt.datetime.fromisoformat(run["started_at"])
    finished = dt.datetime.fromisoformat(run["finished_at"])
    assert run["started_at"] == now
    assert (finished - started).total_seconds() >= 2
    with sqlite3.connect(result.state) as db:
        stored = db.execute("SELECT started_at, finished_at FROM runs").fetchall()
    assert stored == [(run["started_at"], run["finished_at"])]
    took = re.search(r"took (\d+) s\b", (result.reports / "report.html").read_text("utf-8"))
    assert took is not None
    assert int(took[1]) == int((finished - started).total_seconds())
