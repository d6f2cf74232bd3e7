"""How long to wait: ``Retry-After`` and exponential backoff (pure)."""

from __future__ import annotations

import datetime as dt
import random
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | bytes | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(attempt: int, base: float, cap: float = 300.0) -> float:
    """``base * 2**(attempt-1)`` with ±25 % jitter, at most ``cap`` (attempt counts from 1)."""
    if base <= 0:
        return 0.0
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return float(delay * random.uniform(0.75, 1.25))
