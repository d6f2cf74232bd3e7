"""Archive settings: name → (default, description), merged into :data:`crawler.config.DEFAULTS`."""

from __future__ import annotations

from typing import Any

ARCHIVE_DEFAULTS: dict[str, tuple[Any, str]] = {
    "LINKHEALTH_ARCHIVE_ENABLED": (
        True,
        "look pages up in the Wayback Machine, capture live ones (with keys), rescue dead ones",
    ),
    "LINKHEALTH_ARCHIVE_MAX_AGE": (30, "days a snapshot stays fresh; older ones are recaptured"),
    "LINKHEALTH_ARCHIVE_LOOKUPS_PER_MINUTE": (
        20,
        "CDX lookups and snapshot fetches per minute, whole crawl (at most 24)",
    ),
    "LINKHEALTH_ARCHIVE_CAPTURES_PER_MINUTE": (4, "capture requests (SPN2 or classic) per minute"),
    "LINKHEALTH_ARCHIVE_TIME_BUDGET": (
        600,
        "seconds of archive work per run after the first link; the rest carries over",
    ),
    "LINKHEALTH_ARCHIVE_CAPTURE_BLOCKED": (
        False,
        "also capture blocked/error pages (counts only if the snapshot passes the verdict rules)",
    ),
    "LINKHEALTH_ARCHIVE_ANONYMOUS_SAVE": (
        False,
        "without keys, try the classic anonymous GET /save/<url> (best effort)",
    ),
    "LINKHEALTH_ARCHIVE_FIX_STYLE": (
        "append",
        "how `linkhealth fix` adds an archive link: append (an [archived](…) link) or replace",
    ),
    "LINKHEALTH_ARCHIVE_PAUSE": (
        300,
        "seconds an endpoint rests after a 429 or a session-limit answer (at least 300 for saves)",
    ),
    "LINKHEALTH_ARCHIVE_TIMEOUT": (60, "seconds each Wayback request may take"),
    "LINKHEALTH_ARCHIVE_POLL_INTERVAL": (5, "seconds between SPN2 job status polls"),
    "LINKHEALTH_ARCHIVE_POLL_MAX": (
        300,
        "seconds a capture job is polled before the CDX index is asked instead",
    ),
    "LINKHEALTH_ARCHIVE_BASE": ("https://web.archive.org", "the Wayback Machine's address"),
}
