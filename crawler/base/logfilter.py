"""A logging filter that masks credentials in every log line (pure: no Scrapy).

Scrapy logs the URL of each request it makes (``Crawled (200) <GET …>`` at DEBUG, retries,
redirects, errors). A link's credential-like parameter is sent to its own site (see
docs/canonicalization.md), so its value is in that URL; the filter shows every URL of a log line
the way the reports show it (:func:`crawler.base.urls.redact_text`), so no value reaches a log.
"""

from __future__ import annotations

import logging

from crawler.base.rules import Rules
from crawler.base.urls import redact_text


class RedactingFilter(logging.Filter):
    def __init__(self, rules: Rules) -> None:
        super().__init__()
        self.rules = rules

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to the handler
            return True
        if "://" in message:
            shown = redact_text(message, self.rules)
            if shown != message:
                record.msg, record.args = shown, None
        return True


def install(rules: Rules) -> None:
    """Mask credentials in every record that reaches the root logger's handlers."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(rules))


def quiet_scrapy() -> None:
    """A console that tells the run's story: Scrapy's own INFO records (its banner, the
    component lists, the stats dump) are left out; its warnings and errors stay, and every
    record of ours. (``scrapy crawl -v`` or ``LOG_LEVEL`` keep Scrapy's log as it is.)"""
    logging.getLogger("scrapy").setLevel(logging.WARNING)
