"""The add-on wires linkhealth's components in both profiles, and leaves what a user set alone.

Each case builds a crawler with Scrapy's own ``get_crawler`` over the project settings and asks
its engine what it built (tests/built_components.py, in a subprocess: one reactor per process).
No redis-server is needed: nothing connects while the components are built.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.conftest import ROOT

REDIS = {"LINKHEALTH_REDIS_URL": "redis://127.0.0.1:1/0"}
# set, so that the proxy middleware is built rather than NotConfigured
PROXY = {"LINKHEALTH_PROXY_HOSTS": "slow.example=http://127.0.0.1:1"}

RETRY = "crawler.middlewares.retry.BackoffRetryMiddleware"
HEAD_SIZE = "crawler.middlewares.bodysize.HeadSizeMiddleware"
KEEP_ALIVE = "crawler.downloadhandlers.keepalive.KeepAliveDownloadHandler"
ARCHIVE = "crawler.extensions.archive.ArchiveExtension"

#: the downloader middlewares of the embedded profile, in order
EMBEDDED_CHAIN = [
    "crawler.middlewares.addresses.PrivateAddressMiddleware",
    "scrapy.downloadermiddlewares.downloadtimeout.DownloadTimeoutMiddleware",
    "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware",
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware",
    RETRY,
    "crawler.middlewares.metarefresh.HeadMetaRefreshMiddleware",
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware",
    HEAD_SIZE,
    "crawler.middlewares.redirect.NoRefererRedirectMiddleware",
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
    "crawler.middlewares.proxyhosts.ProxyHostsMiddleware",
    "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware",
    "scrapy.downloadermiddlewares.stats.DownloaderStats",
]


def built(**settings: Any) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.built_components", json.dumps(settings)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def test_the_embedded_profile_builds_linkhealths_components() -> None:
    got = built(**PROXY)
    assert got["downloader"] == "crawler.core.downloader.PoliteDownloader"
    assert got["handlers"] == {"http": KEEP_ALIVE, "https": KEEP_ALIVE}
    assert got["downloader_middlewares"] == EMBEDDED_CHAIN
    assert got["pipelines"] == ["crawler.pipelines.store.StorePipeline"]
    assert got["extensions"][-4:] == [
        "crawler.extensions.headreader.HeadReader",
        "crawler.extensions.canaries.CanaryProbe",
        ARCHIVE,
        "crawler.extensions.progress.Progress",
    ]
    # LINKHEALTH_PROCESSES is auto: child processes fetch the links (this one, when few)
    assert got["link_source"] == "crawler.run.parent.ChildProcesses"
    assert "scrapy.extensions.telnet.TelnetConsole" not in got["extensions"]
    assert got["spider_middlewares"] == [
        "scrapy.spidermiddlewares.start.StartSpiderMiddleware",
        "scrapy.spidermiddlewares.httperror.HttpErrorMiddleware",
    ]
    assert got["scheduler"] == "scrapy.core.scheduler.Scheduler"


def test_the_redis_profile_adds_the_redis_scheduler_and_keeps_the_components() -> None:
    """The host slots shared through Redis are the downloader's (crawler/fetch/hostslots.py): the
    middleware chain is the embedded one."""
    embedded = built(**PROXY)
    got = built(**PROXY, **REDIS)
    assert got["downloader_middlewares"] == EMBEDDED_CHAIN
    assert got["scheduler"] == "scrapy_redis.scheduler.Scheduler"
    same = ("downloader", "handlers", "pipelines", "spider_middlewares")
    assert {k: got[k] for k in same} == {k: embedded[k] for k in same}
    assert got["link_source"] == "crawler.distributed.worker.RedisSource"


def test_the_add_on_chooses_the_link_source_and_a_child_is_given_its_own() -> None:
    assert built(LINKHEALTH_PROCESSES="1")["link_source"] == "crawler.run.sources.LocalSource"
    assert built(LINKHEALTH_PROCESSES="3")["link_source"] == "crawler.run.parent.ChildProcesses"
    # what the parent gives its children (-s, above the add-on), and the canaries stay off
    child = built(LINKHEALTH_LINK_SOURCE="crawler.run.child.ChildSource", **REDIS)
    assert child["link_source"] == "crawler.run.child.ChildSource"
    off = built(LINKHEALTH_CANARY_URLS="")
    assert "crawler.extensions.canaries.CanaryProbe" not in off["extensions"]


def test_what_a_user_disables_stays_disabled_and_the_rest_is_still_wired() -> None:
    """A user's own dictionaries (a settings module or -s; either replaces ours whole) name only
    what they change: the add-on wires the rest, and leaves a ``None`` as ``None``."""
    got = built(
        **REDIS,
        DOWNLOADER_MIDDLEWARES={HEAD_SIZE: None},
        EXTENSIONS={ARCHIVE: None},
        DOWNLOAD_HANDLERS={"https": None},
        DOWNLOADER="scrapy.core.downloader.Downloader",
    )
    chain = got["downloader_middlewares"]
    assert HEAD_SIZE not in chain
    assert RETRY in chain
    assert "crawler.middlewares.metarefresh.HeadMetaRefreshMiddleware" in chain
    # the built-ins ours replace stay off
    assert "scrapy.downloadermiddlewares.retry.RetryMiddleware" not in chain
    assert "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware" not in chain
    assert ARCHIVE not in got["extensions"]
    assert "crawler.extensions.headreader.HeadReader" in got["extensions"]
    assert got["handlers"] == {"http": KEEP_ALIVE, "https": None}
    assert got["downloader"] == "scrapy.core.downloader.Downloader"
    assert got["pipelines"] == ["crawler.pipelines.store.StorePipeline"]


def test_a_user_order_for_one_of_ours_stays() -> None:
    got = built(DOWNLOADER_MIDDLEWARES={RETRY: 10})
    assert got["downloader_middlewares"][0] == RETRY
