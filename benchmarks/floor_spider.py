"""Scrapy's own floor on the benchmark's web: a spider that does nothing with its responses.

``python -m scrapy runspider benchmarks/floor_spider.py -a seeds=SEEDS.md -o counts.json``
(run by ``benchmarks/run.py --floor``): one request per link of the seed file, the same
concurrency as our crawl, every built-in downloader and spider middleware and every extension
but the stats off, an empty callback, no item. What it costs per URL is what any crawl built on
Scrapy pays before it does anything of its own (no retries, redirects, cookies, titles,
verdicts, store or reports). ``run.py`` gives the concurrency with ``-s``, and for its aiohttp
line Scrapy's (experimental) aiohttp download handler in place of Twisted's HTTP/1.1 client.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response


class FloorSpider(scrapy.Spider):
    name = "floor"
    custom_settings = {  # noqa: RUF012 - Scrapy's own attribute
        "HTTPERROR_ALLOW_ALL": True,
        "ROBOTSTXT_OBEY": False,
        "CONCURRENT_ITEMS": 1,
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "SPIDER_MIDDLEWARES_BASE": {},
        "DOWNLOADER_MIDDLEWARES_BASE": {},
        "EXTENSIONS_BASE": {"scrapy.extensions.corestats.CoreStats": 0},
        "LOG_LEVEL": "WARNING",
    }

    def __init__(self, seeds: str, out: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seeds = Path(seeds)
        self.out = Path(out)
        self.statuses: Counter[int] = Counter()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for line in self.seeds.read_text(encoding="utf-8").splitlines():
            if line.startswith("- http"):
                yield scrapy.Request(line[2:].strip(), dont_filter=True)

    def parse(self, response: Response) -> None:
        self.statuses[response.status] += 1

    def closed(self, reason: str) -> None:
        self.out.write_text(json.dumps({str(k): v for k, v in self.statuses.items()}))
