"""The public suffix list is never downloaded (issue 22), not even by Scrapy's cookie handling.

tldextract, through Scrapy's cookies middleware, fetched the list at crawl time through the
crawl's proxy and cached what it got; on a network answering junk, an empty list made every page
that sets a cookie ``error/download-error``. Here the fake web is the only network and answers
junk for the list's hosts, a page sets a cookie, and tldextract's cache is a fresh directory:
nothing is asked of those hosts, nothing is cached, the page is alive.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_crawl
from tests.fakeweb import FakeWeb

pytestmark = pytest.mark.e2e

#: where tldextract 5 downloads the list from by default
PSL_HOSTS = ("publicsuffix.org", "raw.githubusercontent.com")


def test_a_page_that_sets_a_cookie_downloads_no_public_suffix_list(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    page = "http://cookie.test/page"
    (seeds / "list.md").write_text(f"- <{page}>\n- <http://blog.cookie.test/p>\n", encoding="utf-8")
    cookie = {"Set-Cookie": "sid=1; Domain=cookie.test; Path=/"}
    junk = {"shape": "html-title", "title": "Please log in to the Wi-Fi"}
    with FakeWeb(workdir=tmp_path / "web") as web:
        web.write_scenario(
            {
                "urls": {page: {"shape": "html-title", "title": "T", "headers": cookie}},
                "hosts": dict.fromkeys(PSL_HOSTS, junk),
            }
        )
        env = web.env()
        env["TLDEXTRACT_CACHE"] = str(tmp_path / "tldextract")
        result = run_crawl(
            seeds,
            tmp_path,
            env=env,
            settings={"LINKHEALTH_CANARY_URLS": "", "LINKHEALTH_PROCESSES": "1"},
        )
        asked = {r.get("host") for r in web.requests()}
    assert result.returncode == 0, result.stderr[-3000:]
    assert {row["url"]: row["status"] for row in result.links()} == {
        page: "alive",
        "http://blog.cookie.test/p": "alive",
    }
    assert asked == {"cookie.test", "blog.cookie.test"}
    assert not (tmp_path / "tldextract").exists()
