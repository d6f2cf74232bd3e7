"""What the downloader saw, as the verdict rules read it: :class:`~crawler.base.verdicts.Fetched`
from a Scrapy response (the spider's pages and the archive's snapshots alike)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.base.verdicts import Fetched

if TYPE_CHECKING:
    from scrapy.http import Response


def fetched_from(response: Response, url: str) -> Fetched:
    """The answer to ``url`` in ``response``: its first value of each header (names
    lower-cased), the body as read, whether reading stopped early, the redirects followed."""
    meta = response.meta
    hops = zip(meta.get("redirect_reasons", []), meta.get("redirect_urls", []), strict=False)
    return Fetched(
        url=url,
        final_url=response.url,
        status=response.status,
        headers={
            k.decode("latin-1").lower(): v[0].decode("latin-1")
            for k, v in response.headers.items()
            if v
        },
        body=response.body,
        truncated="download_stopped" in response.flags or "dataloss" in response.flags,
        redirects=tuple((int(code), hop) for code, hop in hops if isinstance(code, int)),
    )
