"""Every link accounted for: each occurrence in occurrences.csv, each link once in links.csv."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from urllib.parse import urlsplit

import pytest

from crawler.links.dedupe import build_links
from crawler.run.config import load_config
from crawler.seeds import scan_seeds
from tests.conftest import ROOT, run_crawl
from tests.fakeweb import FakeWeb

pytestmark = pytest.mark.e2e

# path → the share of links that get it, and the verdict (status, reason) the fake web's answer
# gets; the slow ones are few and spread over many hosts
MODES = [
    ("/page/{n}", 60, ("alive", "ok")),
    ("/status/404?n={n}", 10, ("dead", "http-404")),
    ("/status/410?n={n}", 3, ("dead", "http-410")),
    ("/status/403?n={n}", 5, ("blocked", "http-403")),
    ("/always-503?n={n}", 2, ("error", "http-503")),
    ("/redirect/2?n={n}", 5, ("alive", "ok")),
    ("/redirect-perm?n={n}", 3, ("alive", "redirected-permanent")),
    ("/redirect-loop?n={n}", 1, ("error", "too-many-redirects")),
    ("/empty?n={n}", 2, ("error", "empty-body")),
    ("/429?n={n}", 2, ("blocked", "http-429")),
    ("/reset-mid-body?n={n}", 2, ("error", "connection-lost")),
    ("/html-title/Caf%C3%A9%20%3Cb%3E{n}%3C%2Fb%3E", 3, ("alive", "ok")),
    ("/gb18030-undeclared?n={n}", 2, ("alive", "ok")),
]
#: the links that time out, on hosts of their own
HANG = ("/hang", ("error", "timeout"))


def _verdict_of(url: str) -> tuple[str, str]:
    """The verdict the link's path asks the fake web for (MODES, HANG)."""
    path = urlsplit(url).path
    for template, _, verdict in MODES:
        if path.startswith(template.split("{n}")[0].split("?")[0]):
            return verdict
    assert path == HANG[0], url
    return HANG[1]


FORMS = ["- [title {n}]({url})", "- <{url}>", "see {url} here", "{url}"]


def _generate(count: int, hosts: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    paths = [p for p, weight, _ in MODES for _ in range(weight)]
    lines = ["# Ten thousand links", ""]
    for n in range(count):
        host = f"h{n % hosts}.test"
        url = f"http://{host}{rng.choice(paths).format(n=n)}"
        if n % 500 == 0:
            url = f"http://slow{n // 500}.test/hang"  # a few that time out, on hosts of their own
        if n % 97 == 0:
            url += "&utm_source=x" if "?" in url else "?utm_source=x"  # dedupes with its twin
        lines.append(rng.choice(FORMS).format(n=n, url=url))
    # the same links again in another shape: every occurrence counts, each link once
    lines += [
        "",
        "```",
        *(f"http://h{n % hosts}.test/page/{n}" for n in range(0, count, 10)),
        "```",
    ]
    return "\n".join(lines) + "\n"


def _expected(seeds):
    occurrences, problems = scan_seeds(seeds)
    assert not problems
    config = load_config(lambda name: None, seeds=str(seeds))
    links = build_links(occurrences, seeds, config.rules, config.ignore, config.now.date())
    return occurrences, links


@pytest.mark.timeout(1200)
def test_ten_thousand_links_with_every_failure_mode(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "big.md").write_text(_generate(10_000, 200), encoding="utf-8")
    occurrences, links = _expected(seeds)
    assert len(occurrences) == 11_000
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        result = run_crawl(
            seeds,
            tmp_path,
            env=web.env(),
            timeout=1100,
            settings={"DOWNLOAD_TIMEOUT": "2", "CONCURRENT_REQUESTS": "128", "LOG_LEVEL": "INFO"},
        )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = result.links()
    assert len(rows) == len(links)
    assert len({r["url"] for r in rows}) == len(rows)
    # each link the verdict its mode asks for (the generator is seeded: every mode is there)
    assert {(r["status"], r["reason"]) for r in rows} == {v for _, _, v in MODES} | {HANG[1]}
    wrong = [
        (r["url"], r["status"], r["reason"])
        for r in rows
        if (r["status"], r["reason"]) != _verdict_of(r["url"])
    ]
    assert wrong == []
    occ = result.occurrences()
    assert len(occ) == len(occurrences)
    assert all(o["status"] for o in occ)
    assert sum(int(r["occurrences"]) for r in rows) == len(occurrences)


def test_the_real_seed_files(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    occurrences, links = _expected(seeds)
    http = [o for o in occurrences if o.url.lower().startswith(("http://", "https://"))]
    assert len(http) == 321
    with FakeWeb(workdir=tmp_path / "fakeweb") as web:
        result = run_crawl(seeds, tmp_path, env=web.env(), timeout=600)
        sent = [r["url"] for r in web.requests() if r["method"] == "GET"]
    assert result.returncode == 0, result.stderr[-3000:]
    rows = result.links()
    assert len(rows) == len(links)
    assert all(r["status"] for r in rows)
    occ = result.occurrences()
    assert len(occ) == len(occurrences)
    assert sum(1 for o in occ if o["url"].lower().startswith("http")) == 321
    # each link fetched once, no credential in anything sent
    fetched = Counter(u for u in sent if "baidu.com" not in u)
    assert max(fetched.values()) == 1
    for secret in ("pass_ticket", "exportkey", "&key=", "uin="):
        assert not any(secret in u for u in sent)
