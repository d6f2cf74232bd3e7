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
    # A list of links: no offsite filter, no HTTP auth, no cookies, no <meta refresh> follow
    # (the verdict rules look at the page), no per-request stats, no HTTP cache.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
}
SPIDER_MIDDLEWARES = {
    # No links are followed from responses: depth, referer, URL length and meta-copy checks
    # only cost time per item.
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
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
