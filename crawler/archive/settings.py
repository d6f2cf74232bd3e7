"""Archive settings: name → (default, description), merged into :data:`crawler.config.DEFAULTS`."""

from __future__ import annotations

from typing import Any

ARCHIVE_DEFAULTS: dict[str, tuple[Any, str]] = {
    "LINKHEALTH_ARCHIVE_ENABLED": (False, "look pages up in the Wayback Machine and capture them"),
}
