"""HTTP redirects without a Referer, and without Scrapy's warning about it on every run.

The links come from a private list, not from a page on the web: no request carries a
``Referer`` (``REFERRER_POLICY = "no-referrer"``), and Scrapy's ``RefererMiddleware`` is off
(it would cost every response a step, see ``crawler/settings.py``). Scrapy's redirect
middlewares look for it when the engine starts and, not finding it, log a WARNING in every run
saying the Referer will be removed on redirects, which is what is wanted here; their docs say to
override ``handle_referer()`` in a subclass instead, which is what :class:`NoReferer` does.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Response


class NoReferer:
    """A redirect middleware's Referer handling: none (the header is dropped)."""

    def handle_referer(self, request: Request, response: Response) -> None:
        request.headers.pop("Referer", None)

    def _engine_started(self) -> None:
        """Scrapy's looks for the RefererMiddleware that ``handle_referer`` would use (and warns
        when it is off); this ``handle_referer`` uses none."""


class NoRefererRedirectMiddleware(NoReferer, RedirectMiddleware):
    """Scrapy's 3xx redirects, the Referer dropped (see the module)."""
