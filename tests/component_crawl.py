"""One component in a crawl of its own, Scrapy's test style: ``get_crawler`` and a real server.

A test hands :func:`run_case` an ``async`` function of its own module (a *case*); the case runs
in a subprocess (the Twisted reactor is installed once per process, as in
tests/built_components.py) with the asyncio reactor running, and what it returns (JSON) comes
back to the test. A case usually calls :func:`crawl`: a :class:`Recorder` spider, built with
``get_crawler`` over Scrapy's defaults, the settings the case names (the component under test
wired in) on top, fetches the requests it is given from the fake web (through the proxy
variables of the subprocess's environment, ``FakeWeb.env()``) and reports what reached it.

``python -m tests.component_crawl PATH.py:FUNCTION '{"keyword": value, ...}'`` runs one case.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_MARK = "COMPONENT-CASE-RESULT "

#: what every component crawl starts from (over Scrapy's defaults): no pause, every status to
#: the spider, no retry unless a case turns it on
BASE: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "RANDOMIZE_DOWNLOAD_DELAY": False,
    "HTTPERROR_ALLOW_ALL": True,
    "RETRY_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 10,
    "LOG_LEVEL": "INFO",
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}


def run_case(
    case: Callable[..., Any], env: dict[str, str] | None = None, timeout: float = 120, **kwargs: Any
) -> Any:
    """Run ``case(**kwargs)`` in a subprocess (``env``: its environment); its result."""
    code = case.__code__
    target = f"{code.co_filename}:{case.__name__}"
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.component_crawl", target, json.dumps(kwargs)],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith(_MARK)]
    if proc.returncode != 0 or not lines:
        raise AssertionError(
            f"the case {target} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n"
            f"{proc.stderr[-5000:]}"
        )
    answer = json.loads(lines[-1][len(_MARK) :])
    if "error" in answer:
        raise AssertionError(f"the case {target} raised:\n{answer['error']}\n{proc.stderr[-3000:]}")
    return answer["value"]


# ------------------------------------------------------------------ inside the subprocess


def _spider_class() -> type:
    from scrapy import Request, Spider  # noqa: PLC0415 - after the reactor

    class Recorder(Spider):
        """Fetches the requests it is given; records each response (or failure) that reaches it."""

        name = "recorder"

        def __init__(self, requests: list[dict[str, Any]], **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.to_fetch = requests
            self.seen: list[dict[str, Any]] = []

        async def start(self) -> AsyncIterator[Any]:
            for spec in self.to_fetch:
                yield Request(
                    spec["url"],
                    meta=dict(spec.get("meta") or {}),
                    headers=spec.get("headers"),
                    callback=self.parse,
                    errback=self.failed,
                    dont_filter=True,
                )

        def parse(self, response: Any) -> None:
            self.seen.append(
                {
                    "asked": response.request.meta.get("asked", response.request.url),
                    "url": response.url,
                    "status": response.status,
                    "flags": list(response.flags),
                    "body_length": len(response.body),
                    "body_head": response.body[:200].decode("latin-1"),
                    "redirect_urls": response.request.meta.get("redirect_urls", []),
                    "retry_times": response.request.meta.get("retry_times", 0),
                    "download_maxsize": response.request.meta.get("download_maxsize"),
                    "proxy": response.request.meta.get("proxy"),
                }
            )

        def failed(self, failure: Any) -> None:
            request = failure.request
            self.seen.append(
                {
                    "asked": request.meta.get("asked", request.url),
                    "url": request.url,
                    "error": type(failure.value).__name__,
                    "message": str(failure.value),
                    "retry_times": request.meta.get("retry_times", 0),
                }
            )

    return Recorder


def _verdicts_class() -> type:
    from scrapy import Spider, signals  # noqa: PLC0415

    from crawler.items import LinkCheck  # noqa: PLC0415
    from crawler.run.config import load_config  # noqa: PLC0415
    from crawler.run.sources import LocalSource, attach  # noqa: PLC0415
    from crawler.verdict.judge import Verdict  # noqa: PLC0415

    class Verdicts(Spider):
        """Yields the verdict it is given (``{fetch URL: [status, reason]}``) for every link of
        its seeds, fetching nothing, then one item that is not a verdict; records every item
        that came through the pipelines. The link source is a real LocalSource (``with_source``)."""

        name = "verdicts"

        @classmethod
        def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
            spider = super().from_crawler(crawler, *args, **kwargs)
            spider.source = None
            if spider.with_source:
                config = load_config(crawler.settings.get, seeds=spider.seeds)
                spider.source = attach(crawler, LocalSource.from_crawler(crawler, config))
            spider.passed = []
            crawler.signals.connect(spider.item_scraped, signal=signals.item_scraped)
            return spider

        def item_scraped(self, item: Any) -> None:
            self.passed.append(item)

        async def start(self) -> AsyncIterator[Any]:
            if self.source is None:
                yield LinkCheck("no-source", "2026-01-01T00:00:00Z", Verdict("alive", "ok"))
            else:
                async for link in self.source.links():
                    if isinstance(link, LinkCheck):  # known without a fetch (offline…)
                        yield link
                        continue
                    status, reason = self.verdicts[link.fetch_url]
                    yield LinkCheck(link.identity, self.source.now_iso, Verdict(status, reason))
            yield {"not": "a verdict"}

        def closed(self, reason: str) -> None:
            if self.source is not None:
                self.source.close(reason)

    return Verdicts


async def verdict_crawl(
    settings: dict[str, Any],
    seeds: str,
    verdicts: dict[str, list[str]],
    *,
    with_source: bool = True,
) -> dict[str, Any]:
    """A crawl that fetches nothing: each link of ``seeds`` gets its verdict from ``verdicts``
    and goes through the pipelines and signals (the components under test in ``settings``):
    the stats, the WARNING (and worse) log lines, and the items that came through (the
    non-verdicts as they are, the verdicts counted)."""
    base = {
        "LINKHEALTH_PROCESSES": 1,
        "LINKHEALTH_CANARY_URLS": "",
        "LINKHEALTH_REPORTS_ENABLED": False,
    }
    crawler, warnings = await run(
        _verdicts_class(),
        {**base, **settings},
        seeds=seeds,
        verdicts=verdicts,
        with_source=with_source,
    )
    passed = crawler.spider.passed
    return {
        "stats": stats_of(crawler),
        "warnings": warnings,
        "passed": [item for item in passed if isinstance(item, dict)],
        "verdicts_passed": sum(1 for item in passed if not isinstance(item, dict)),
    }


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = f"{record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line += f" ({type(error).__name__}: {error})"
        self.messages.append(line)


async def run(spidercls: type, settings: dict[str, Any], **kwargs: Any) -> tuple[Any, list[str]]:
    """A crawl of ``spidercls`` (``kwargs`` to the spider) built by ``get_crawler`` with
    ``settings`` over :data:`BASE`: the crawler once the crawl ended, and the WARNING (and
    worse) lines it logged."""
    from scrapy.utils.defer import maybe_deferred_to_future  # noqa: PLC0415
    from scrapy.utils.test import get_crawler  # noqa: PLC0415

    crawler = get_crawler(spidercls, {**BASE, **settings})
    warnings = _Warnings()
    logging.getLogger().addHandler(warnings)
    try:
        await maybe_deferred_to_future(crawler.crawl(**kwargs))
    finally:
        logging.getLogger().removeHandler(warnings)
    return crawler, warnings.messages


def stats_of(crawler: Any) -> dict[str, int | float]:
    """The crawl's numeric stats."""
    stats = crawler.stats.get_stats().items()
    return {k: v for k, v in stats if isinstance(v, int | float) and not isinstance(v, bool)}


async def crawl(settings: dict[str, Any], requests: list[dict[str, Any]]) -> dict[str, Any]:
    """A Recorder crawl of ``requests`` (``{"url", "meta", "headers"}``, ``meta["asked"]`` a
    name for it) with ``settings`` over :data:`BASE`: what reached the spider (in the order it
    came), the crawl's stats and its WARNING (and worse) log lines."""
    crawler, warnings = await run(_spider_class(), settings, requests=requests)
    return {"seen": crawler.spider.seen, "stats": stats_of(crawler), "warnings": warnings}


def _main(target: str, kwargs: dict[str, Any]) -> None:
    from scrapy.utils.reactor import install_reactor  # noqa: PLC0415

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from scrapy.utils.defer import deferred_from_coro  # noqa: PLC0415
    from twisted.internet import reactor  # noqa: PLC0415

    path, name = target.rsplit(":", 1)
    spec = importlib.util.spec_from_file_location(f"_case_{Path(path).stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    answer: dict[str, Any] = {}

    def done(value: Any) -> None:
        answer["value"] = value

    def failed(failure: Any) -> None:
        answer["error"] = failure.getTraceback()

    def go() -> None:
        d = deferred_from_coro(getattr(module, name)(**kwargs))
        d.addCallbacks(done, failed)
        d.addBoth(lambda _: reactor.stop())  # type: ignore[attr-defined]

    reactor.callWhenRunning(go)  # type: ignore[attr-defined]
    reactor.run()  # type: ignore[attr-defined]
    print(_MARK + json.dumps(answer), flush=True)


if __name__ == "__main__":
    _main(sys.argv[1], json.loads(sys.argv[2]))
