"""Read only as much of a body as the verdict and the title need.

Requests carry ``linkhealth_max_bytes`` (the platform's cap from the rules) and
``linkhealth_head_only`` (a page whose verdict and title are in its ``<head>``). The download
stops (``StopDownload(fail=False)``: the spider still gets what was read, flagged
``download_stopped``) when the cap is reached, when the head of an uncompressed page is complete,
or at the headers of a body that is not a page (PDF, images, video).

A page of known length whose end is near is read to its end instead (see ``FINISH_UNDER``):
stopping a download closes its connection, and a new one costs a TCP (often also a TLS)
handshake, more than the bytes left.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import StopDownload
from scrapy.http import Headers

from crawler.base.meta import META_HEAD_ONLY, META_MAX_BYTES

_READ = "_linkhealth_read"
_LENGTH = "_linkhealth_length"
#: a page of known length with fewer bytes than this left is read to its end (keep-alive)
FINISH_UNDER = 256 * 1024
_TAIL = "_linkhealth_tail"
_HEAD_END = (b"</head", b"</HEAD", b"<body", b"<BODY")
_PAGE_TYPES = (b"html", b"xml", b"text/plain", b"json")


class HeadReader:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        reader = cls()
        crawler.signals.connect(reader.headers_received, signal=signals.headers_received)
        crawler.signals.connect(reader.bytes_received, signal=signals.bytes_received)
        return reader

    def headers_received(self, headers: Headers, request: Request, **_: Any) -> None:
        if META_MAX_BYTES not in request.meta:
            return
        request.meta[_READ] = 0  # a retry or a redirect starts counting again
        request.meta[_TAIL] = b""
        length = headers.get(b"Content-Length") or b""
        request.meta[_LENGTH] = int(length) if length.isdigit() else None
        content_type = (headers.get(b"Content-Type") or b"").lower()
        if content_type and not any(t in content_type for t in _PAGE_TYPES):
            raise StopDownload(fail=False)
        if headers.get(b"Location"):  # a redirect: its body says nothing
            raise StopDownload(fail=False)
        if headers.get(b"Content-Encoding"):  # compressed: the head cannot be seen in the stream
            request.meta[META_HEAD_ONLY] = False

    def bytes_received(self, data: bytes, request: Request, **_: Any) -> None:
        limit = request.meta.get(META_MAX_BYTES)
        if limit is None:
            return
        read = request.meta.get(_READ, 0) + len(data)
        request.meta[_READ] = read
        length = request.meta.get(_LENGTH)
        if length is not None and length - read < FINISH_UNDER and length <= limit:
            return  # near the end: finish it, the connection stays usable
        if read >= limit:
            raise StopDownload(fail=False)
        if request.meta.get(META_HEAD_ONLY):
            window = request.meta.get(_TAIL, b"") + data
            if any(marker in window for marker in _HEAD_END):
                raise StopDownload(fail=False)
            request.meta[_TAIL] = data[-8:]
