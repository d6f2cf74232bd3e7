"""Print, as JSON, the components Scrapy builds for the seeds spider (tests/test_addon.py).

``python -m tests.built_components '{"NAME": value, ...}'``: the project settings
(``crawler.settings``) with those on top, like a user's settings module that imports ours, go
through Scrapy's own ``get_crawler``; the crawler's engine is then built the way ``crawl`` builds
it (downloader and its handlers and middlewares, scraper with its spider middlewares and item
pipelines, the scheduler class, the link source) and each component named by its class. A
subprocess, because the Twisted reactor is installed once per process.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from scrapy.settings import BaseSettings
from scrapy.utils.reactor import install_reactor


def _name(obj: Any) -> str | None:
    if obj is None:  # a scheme whose handler is disabled
        return None
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def built(overrides: dict[str, Any]) -> dict[str, Any]:
    from scrapy.utils.test import get_crawler  # noqa: PLC0415 - after the reactor

    from crawler.spiders.seeds import SeedsSpider  # noqa: PLC0415

    project = BaseSettings()  # only what the module sets: get_crawler gives it project priority
    project.setmodule("crawler.settings")
    settings = {**project.copy_to_dict(), **overrides}
    crawler = get_crawler(SeedsSpider, settings)
    engine = crawler._create_engine()
    handlers = engine.downloader.handlers
    return {
        "downloader": _name(engine.downloader),
        "handlers": {s: _name(handlers._get_handler(s)) for s in ("http", "https")},
        "downloader_middlewares": [_name(m) for m in engine.downloader.middleware.middlewares],
        "spider_middlewares": [_name(m) for m in engine.scraper.spidermw.middlewares],
        "pipelines": [_name(m) for m in engine.scraper.itemproc.middlewares],
        "extensions": [_name(m) for m in crawler.extensions.middlewares],
        "scheduler": _name(engine.scheduler_cls),
        "link_source": str(crawler.settings.get("LINKHEALTH_LINK_SOURCE")),
    }


if __name__ == "__main__":
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    print(json.dumps(built(json.loads(sys.argv[1]))))
