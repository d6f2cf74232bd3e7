"""The production settings with the Scrapy stack trimmed for checking a list of links.

Used by ``python benchmarks/run.py --settings-module benchmarks.fast_settings`` to measure what
the trimming buys before it is proposed for ``crawler/settings.py``. Everything that guards a
verdict stays: retries (our backoff middleware), redirects, proxies, timeouts, decompression,
the default headers and the user agent, the head reader, the store pipeline.
"""

from __future__ import annotations

import os

from crawler.settings import *  # noqa: F403
from crawler.settings import DOWNLOADER_MIDDLEWARES, EXTENSIONS

DOWNLOADER_MIDDLEWARES = {
    **DOWNLOADER_MIDDLEWARES,
    # Beyond what production already turns off: no cookies (a site that needs one to stop a
    # redirect loop would be misjudged, so production keeps them), no per-request stats, no
    # HTTP cache.
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
}
EXTENSIONS = {
    **EXTENSIONS,
    "scrapy.extensions.memusage.MemoryUsage": None,
    "scrapy.extensions.memdebug.MemoryDebugger": None,
    "scrapy.extensions.closespider.CloseSpider": None,
    "scrapy.extensions.feedexport.FeedExporter": None,
    "scrapy.extensions.spiderstate.SpiderState": None,
    "scrapy.extensions.throttle.AutoThrottle": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
}
if os.environ.get("BENCH_AIOHTTP", "1") == "1":
    DOWNLOAD_HANDLERS = {
        "http": "scrapy.core.downloader.handlers._aiohttp.AiohttpDownloadHandler",
        "https": "scrapy.core.downloader.handlers._aiohttp.AiohttpDownloadHandler",
    }
