"""Settings of the distributed profile, read through the registry (:mod:`crawler.registry`)."""

from __future__ import annotations

from typing import Any

from crawler.registry import value


def setting(get: Any, name: str) -> Any:
    """``name`` from ``get`` (settings), the environment, or its default; checked."""
    return value(get, name)


def number(get: Any, name: str, *, whole: bool = False) -> float:
    """A number setting (its kind in the registry says positive, whole)."""
    return float(value(get, name))
