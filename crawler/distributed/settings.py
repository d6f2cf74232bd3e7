"""Settings of the distributed profile (merged into :data:`crawler.config.DEFAULTS`)."""

from __future__ import annotations

import os
from typing import Any

#: name → (default, description), like ``crawler.config.DEFAULTS``.
DISTRIBUTED_DEFAULTS: dict[str, tuple[Any, str]] = {
    "LINKHEALTH_REDIS_PREFIX": (
        "linkhealth:",
        "prefix of every Redis key the distributed profile uses (one crawl per prefix)",
    ),
    "LINKHEALTH_REDIS_LEASE": (
        120,
        "seconds a worker holds a link before it is handed to another worker "
        "(renewed while the worker lives)",
    ),
    "LINKHEALTH_REDIS_BATCH": (16, "links a worker leases from Redis at a time"),
    "LINKHEALTH_REDIS_HOST_TTL": (
        30,
        "seconds a host slot of a killed worker stays taken (live workers extend theirs)",
    ),
    "LINKHEALTH_REDIS_POLL": (0.5, "seconds a worker waits before asking Redis again"),
}


def setting(get: Any, name: str) -> Any:
    """``name`` from ``get`` (settings), the environment, or its default."""
    value = get(name)
    if value in (None, ""):
        value = os.environ.get(name)
    return DISTRIBUTED_DEFAULTS[name][0] if value in (None, "") else value


def number(get: Any, name: str, *, whole: bool = False) -> float:
    """A positive number setting, validated like the others (the message names it)."""
    from crawler.config import ConfigError  # noqa: PLC0415 - crawler.config imports this module

    value = setting(get, name)
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: expected a number, got {value!r}") from None
    if result <= 0 or (whole and result != int(result)):
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{name}: must be {kind} greater than 0, got {value!r}")
    return result
