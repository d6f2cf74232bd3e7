"""Download failures → verdicts, by the exception's kind (pure: matches class names).

Scrapy 2.19 wraps Twisted's errors (``CannotResolveHostError``, ``DownloadTimeoutError`` …) and
keeps the original as ``__cause__``; Twisted's wrappers keep theirs in ``.reasons``. The whole
chain is searched, most specific first.
"""

from __future__ import annotations

from collections.abc import Iterator

from crawler.base.verdicts import DEAD, ERROR, SKIPPED, Verdict
from crawler.fetch.addresses import REASON as PRIVATE_ADDRESS
from crawler.fetch.addresses import PrivateAddressError

# class name → (status, reason); the first class found in the chain, in this order, wins
_BY_NAME: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("CannotResolveHostError", "DNSLookupError", "gaierror"), DEAD, "dns"),
    (("TunnelError",), ERROR, "proxy-error"),
    (("SSLError", "Error:OpenSSL.SSL", "TLSError", "CertificateError"), ERROR, "tls"),
    (
        ("DownloadTimeoutError", "TimeoutError", "TCPTimedOutError", "UserTimeoutError"),
        ERROR,
        "timeout",
    ),
    (("DownloadConnectionRefusedError", "ConnectionRefusedError"), ERROR, "connection-refused"),
    (("ResponseDataLossError", "_DataLoss", "PotentialDataLoss"), ERROR, "connection-lost"),
    (
        (
            "ResponseNeverReceived",
            "ConnectionLost",
            "ConnectionDone",
            "ConnectionResetError",
            "ConnectionAborted",
            "DownloadFailedError",
            "ResponseFailed",
            "ConnectError",
            "NoRouteError",
        ),
        ERROR,
        "connection-reset",
    ),
)


def _chain(exc: BaseException, depth: int = 0) -> Iterator[BaseException]:
    if depth > 8:
        return
    yield exc
    for reason in getattr(exc, "reasons", None) or ():
        value = getattr(reason, "value", reason)  # a twisted Failure, or an exception
        if isinstance(value, BaseException):
            yield from _chain(value, depth + 1)
    for linked in (exc.__cause__, exc.__context__):
        if linked is not None and linked is not exc:
            yield from _chain(linked, depth + 1)


def _names(exc: BaseException) -> set[str]:
    names = set()
    for cls in type(exc).__mro__:
        names.add(cls.__name__)
        if cls.__module__.startswith("OpenSSL"):
            names.add(f"{cls.__name__}:OpenSSL.SSL")
    return names


def verdict_for_exception(exc: BaseException) -> Verdict:
    """The verdict for a request that failed with ``exc`` (after retries)."""
    chain = list(_chain(exc))
    refused = next((e for e in chain if isinstance(e, PrivateAddressError)), None)
    if refused is not None:
        return Verdict(SKIPPED, PRIVATE_ADDRESS, detail=str(refused))
    message = str(exc)
    if "max redirections" in message.lower() or "redirect loop" in message.lower():
        return Verdict(ERROR, "too-many-redirects", detail="too many redirects")
    if "exceeded DOWNLOAD_MAXSIZE" in message or type(exc).__name__ == "DownloadCancelledError":
        return Verdict(ERROR, "too-large", detail="the body is larger than allowed")
    names_in_chain = [_names(e) for e in chain]
    for names, status, reason in _BY_NAME:
        if any(n in found for found in names_in_chain for n in names):
            return Verdict(status, reason, detail=type(chain[-1]).__name__)
    return Verdict(ERROR, "download-error", detail=type(exc).__name__)
