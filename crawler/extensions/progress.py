"""Progress on long runs: links checked of total, archive work done of planned, time left.

A log line every ``LOGSTATS_INTERVAL`` seconds (off with 0, like Scrapy's own stats line), and,
when stderr is a terminal, a bar on one line redrawn about every second (cleared before each log
record that goes to the terminal, drawn again after it). The counts come from the link source
(:meth:`crawler.run.sources.LinkSource.tally`) and the archive's progress its run follows; the
arithmetic is
:mod:`crawler.run.eta`.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any, Self, TextIO

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import AsyncioLoopingCall, create_looping_call
from twisted.internet.task import LoopingCall

from crawler.run.eta import Estimate, Meter, Sample, bar, line
from crawler.run.sources import source_of

logger = logging.getLogger(__name__)

#: seconds of samples the rates are measured over
WINDOW = 60.0
#: seconds between two drawings of the bar
REDRAW = 1.0
#: columns when the terminal does not say
DEFAULT_WIDTH = 80
#: back to the line's start, and clear it
_CLEAR = "\r\x1b[K"


class Progress:
    def __init__(self, crawler: Crawler, interval: float, terminal: TextIO | None) -> None:
        self.crawler = crawler
        self.interval = interval
        #: stderr, when it is a terminal: the bar goes there
        self.terminal = terminal
        self.meter = Meter(WINDOW)
        self.tasks: list[AsyncioLoopingCall | LoopingCall] = []
        self.clearer: _BarClearer | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("LOGSTATS_INTERVAL")
        if not interval:
            raise NotConfigured  # no message: Scrapy warns of none for an option off
        terminal = sys.stderr if sys.stderr.isatty() else None
        ext = cls(crawler, interval, terminal)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self._every(self.interval, self.log)
        if self.terminal is not None:
            self.clearer = _BarClearer(self.terminal)
            for handler in logging.getLogger().handlers:
                if getattr(handler, "stream", None) is self.terminal:
                    handler.addFilter(self.clearer)
            self._every(REDRAW, self.draw)

    def _every(self, seconds: float, call: Callable[[], object]) -> None:
        task = create_looping_call(call)
        task.start(seconds, now=False)
        self.tasks.append(task)

    def _measure(self) -> Estimate | None:
        source = source_of(self.crawler)
        if source is None:
            return None
        tally = source.tally()
        archive = source.run.archive if source.run is not None else None
        now = time.monotonic()
        deadline = archive.deadline if archive is not None else None
        return self.meter.add(
            Sample(
                now,
                tally.links,
                tally.checked,
                archive.planned if archive is not None else None,
                archive.done if archive is not None else 0,
                None if deadline is None else deadline - now,
            )
        )

    def log(self, *, ended: bool = False) -> None:
        found = self._measure()
        if found is not None:
            logger.info("progress: %s", line(found, ended=ended))

    def draw(self) -> None:
        found = self._measure()
        if found is None or self.terminal is None or self.clearer is None:
            return
        self.terminal.write(_CLEAR + bar(found, _width(self.terminal)))
        self.terminal.flush()
        self.clearer.drawn = True

    def spider_closed(self, spider: Any) -> None:
        for task in self.tasks:
            if task.running:
                task.stop()
        if self.clearer is not None and self.terminal is not None:
            self.clearer.clear()
            for handler in logging.getLogger().handlers:
                handler.removeFilter(self.clearer)
        self.log(ended=True)


def _width(terminal: TextIO) -> int:
    try:
        return os.get_terminal_size(terminal.fileno()).columns or DEFAULT_WIDTH
    except (OSError, ValueError):
        return DEFAULT_WIDTH


class _BarClearer(logging.Filter):
    """Clears the bar's line before a log record is written to the terminal (lets every record
    through): the record takes the line, the bar is drawn again below it."""

    def __init__(self, terminal: TextIO) -> None:
        super().__init__()
        self.terminal = terminal
        self.drawn = False

    def filter(self, record: logging.LogRecord) -> bool:
        self.clear()
        return True

    def clear(self) -> None:
        if self.drawn:
            self.terminal.write(_CLEAR)
            self.terminal.flush()
            self.drawn = False
