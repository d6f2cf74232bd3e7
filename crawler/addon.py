"""The linkhealth add-on: the one place that wires linkhealth's components into Scrapy.

Both profiles are wired here. Embedded (the default): the polite downloader, the keep-alive
download handler, the retry, meta-refresh, redirect (no Referer) and size middlewares, the proxy
routing, the head reader, the canary, archive and progress extensions, the store pipeline, and
the link source (``LINKHEALTH_LINK_SOURCE``: this process, or child processes, fetch the run's
links; :mod:`crawler.run.sources`). With ``LINKHEALTH_REDIS_URL`` set (``-s`` or environment),
the spider leases its links from Redis instead and runs on scrapy-redis: the Redis scheduler and
dupefilter and a queue per worker, and the polite downloader shares its host slots with the
other workers through Redis (:mod:`crawler.fetch.hostslots`; docs/distributed.md).

Add-ons run after every other source of settings, so what a user gave stays as given: an entry of
a component dictionary (``DOWNLOADER_MIDDLEWARES``…) is only added when the user's dictionary does
not name that component already (``setdefault_in_component_priority_dict``; ``None`` disables it),
and a plain setting (``DOWNLOADER``, ``SCHEDULER``…) is written at add-on priority, below a
settings module and ``-s``. ``crawler/settings.py`` holds plain values and turns off the Scrapy
built-ins a list of links never uses; components are wired nowhere else.
"""

from __future__ import annotations

import os
import socket
import uuid

from scrapy.downloadermiddlewares import cookies as scrapy_cookies
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawler.base.suffixes import SUFFIXES
from crawler.core.downloader import PoliteDownloader
from crawler.downloadhandlers.keepalive import KeepAliveDownloadHandler
from crawler.extensions.archive import ArchiveExtension
from crawler.extensions.canaries import CanaryProbe
from crawler.extensions.headreader import HeadReader
from crawler.extensions.progress import Progress
from crawler.middlewares.addresses import PrivateAddressMiddleware
from crawler.middlewares.bodysize import HeadSizeMiddleware
from crawler.middlewares.metarefresh import HeadMetaRefreshMiddleware
from crawler.middlewares.proxyhosts import ProxyHostsMiddleware
from crawler.middlewares.redirect import NoRefererRedirectMiddleware
from crawler.middlewares.retry import BackoffRetryMiddleware
from crawler.pipelines.store import StorePipeline
from crawler.run.sources import SETTING as LINK_SOURCE
from crawler.run.sources import chosen

#: (setting, component, order): ``None`` turns off the Scrapy built-in ours replaces
_EMBEDDED: tuple[tuple[str, type, int | None], ...] = (
    # first: a request to an address that is not public goes no further (every redirect hop)
    ("DOWNLOADER_MIDDLEWARES", PrivateAddressMiddleware, 50),
    ("DOWNLOADER_MIDDLEWARES", RetryMiddleware, None),
    ("DOWNLOADER_MIDDLEWARES", BackoffRetryMiddleware, 550),
    ("DOWNLOADER_MIDDLEWARES", MetaRefreshMiddleware, None),
    ("DOWNLOADER_MIDDLEWARES", HeadMetaRefreshMiddleware, 580),
    ("DOWNLOADER_MIDDLEWARES", HeadSizeMiddleware, 595),
    ("DOWNLOADER_MIDDLEWARES", RedirectMiddleware, None),
    ("DOWNLOADER_MIDDLEWARES", NoRefererRedirectMiddleware, 600),
    ("DOWNLOADER_MIDDLEWARES", ProxyHostsMiddleware, 740),
    ("EXTENSIONS", HeadReader, 100),
    ("EXTENSIONS", CanaryProbe, 400),
    ("EXTENSIONS", ArchiveExtension, 500),
    ("EXTENSIONS", Progress, 600),
    ("ITEM_PIPELINES", StorePipeline, 300),
)


class LinkhealthAddon:
    def update_settings(self, settings: BaseSettings) -> None:
        for name, component, order in _EMBEDDED:
            settings.setdefault_in_component_priority_dict(name, component, order)
        # Connections stay open between requests to a host; a download the head reader stopped
        # closes its connection, and the handler makes sure it is never reused.
        for scheme in ("http", "https"):
            _setdefault_in_dict(settings, "DOWNLOAD_HANDLERS", scheme, KeepAliveDownloadHandler)
        # per-host concurrency that holds with DOWNLOAD_DELAY=0 too, and across the crawl
        # processes of one machine or the workers on one Redis (see crawler/core/downloader.py)
        settings.set("DOWNLOADER", PoliteDownloader, "addon")
        # Scrapy's cookie handling splits cookie domains with a TLDExtract of its own, which
        # downloads the public suffix list at crawl time (see crawler/base/suffixes.py): it uses
        # the bundled snapshot too (Scrapy offers no setting for it; the name is its module's)
        scrapy_cookies._split_domain = SUFFIXES
        # where the spider's links come from: this process, child processes, Redis (a child of
        # LINKHEALTH_PROCESSES is started with its own, -s LINKHEALTH_LINK_SOURCE=…)
        # (crawler/settings.py writes every LINKHEALTH_ default, this one empty, at its priority)
        if not settings.get(LINK_SOURCE):
            priority = settings.getpriority(LINK_SOURCE) or SETTINGS_PRIORITIES["addon"]
            settings.set(LINK_SOURCE, chosen(settings.get), priority)
        if settings.get("LINKHEALTH_REDIS_URL"):
            _distributed(settings)


def _distributed(settings: BaseSettings) -> None:
    settings.set("REDIS_URL", settings.get("LINKHEALTH_REDIS_URL"), "addon")
    settings.set("SCHEDULER", "scrapy_redis.scheduler.Scheduler", "addon")
    settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", "addon")
    settings.set("SCHEDULER_PERSIST", True, "addon")
    if settings.get("SCHEDULER_QUEUE_KEY") is None:
        # a queue per worker: a request (retries and redirects included) stays with the worker
        # that holds the link's lease
        worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        settings.set("SCHEDULER_QUEUE_KEY", f"%(spider)s:requests:{worker}", "addon")


def _setdefault_in_dict(settings: BaseSettings, name: str, key: str, value: object) -> None:
    """``key: value`` in the dictionary setting ``name`` unless the user gave ``key`` (even None).

    The setting keeps its priority, like ``setdefault_in_component_priority_dict``.
    """
    values = settings.getdict(name)
    if key in values:
        return
    values[key] = value
    settings.set(name, values, settings.getpriority(name) or 0)
