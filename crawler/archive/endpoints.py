"""A request to one of the Wayback Machine's endpoints: built, sent when the endpoint's turn
comes (:mod:`~crawler.archive.scheduler`), and the endpoint rested when it answers 429.

The steps of :mod:`~crawler.archive.steps` send every request through :class:`Endpoints`; a
request that gets no answer raises :class:`Unreachable`, and a step that cannot go on raises
:class:`Failed` (the link's row says ``failed:<reason>``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.archive import wayback
from crawler.archive.config import ArchiveSettings
from crawler.archive.planner import Job
from crawler.archive.scheduler import CDX_SLOT, Scheduler
from crawler.fetch.backoff import parse_retry_after

Download = Callable[[scrapy.Request], Awaitable[Response]]
#: what makes an answer one the endpoint wants sent again after a rest (a 429): why, or None
Busy = Callable[[Response], str | None]


class Failed(Exception):
    """The link's archive work ends here: ``failed:<reason>``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unreachable(Failed):
    """A request got no answer (timeout, refused connection…)."""


def answered_429(why: str) -> Busy:
    return lambda response: why if response.status == 429 else None


def spn2_busy(response: Response) -> str | None:
    """A capture request the endpoint wants sent again after a rest (not a refusal)."""
    ext = str(wayback.parse_json(response.body).get("status_ext") or "")
    if response.status == 401 or ext == wayback.DAILY_LIMIT:
        return None
    if ext == wayback.SESSION_LIMIT:
        return "session limit"
    return "SPN2 answered 429" if response.status == 429 else None


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The requests of the archive work, each at its endpoint's turn."""

    settings: ArchiveSettings
    scheduler: Scheduler
    download: Download
    auth: str | None  # the SPN2 keys' Authorization header, if any

    async def ask(
        self,
        slot: str,
        make: Callable[[], scrapy.Request],
        *,
        busy: Busy,
        retry: bool = True,
        back: bool = False,
        floor: float = 0.0,
    ) -> Response:
        """Send ``make()`` when the endpoint's turn comes. An answer ``busy`` names (a 429)
        rests the endpoint; with ``retry`` the request waits for it again, first in line (or
        last: ``back``), otherwise that answer is returned."""
        front = False
        while True:
            async with self.scheduler.turn(slot, front=front):
                request = make()
                try:
                    response = await self.download(request)
                except Exception as exc:  # the answer that never came (CancelledError is not one)
                    raise Unreachable(f"{slot}-{type(exc).__name__}") from exc
                why = busy(response)
                if why is None:
                    return response
                retry_after = parse_retry_after(response.headers.get(b"Retry-After")) or 0.0
                self.scheduler.pause(slot, max(self.settings.pause, retry_after, floor), why)
                if not retry:
                    return response
            front = not back

    def request(
        self,
        url: str,
        slot: str,
        job: Job,
        *,
        formdata: dict[str, str] | None = None,
        auth: bool = False,
        redirect: bool = False,
    ) -> scrapy.Request:
        """The request for ``url`` at ``slot``'s endpoint, on behalf of ``job``'s link."""
        headers: dict[str, str] = {"Accept": "application/json"} if slot != CDX_SLOT else {}
        if auth and self.auth is not None:
            headers["Authorization"] = self.auth
        common: dict[str, Any] = {
            "headers": headers,
            "meta": {
                "download_slot": slot,
                "download_timeout": self.settings.timeout,
                "dont_retry": True,
                "dont_redirect": not redirect,
                "handle_httpstatus_all": True,
                "linkhealth_archive": job.identity,
            },
            "dont_filter": True,
        }
        if formdata is not None:
            return scrapy.FormRequest(url, formdata=formdata, **common)
        return scrapy.Request(url, **common)
