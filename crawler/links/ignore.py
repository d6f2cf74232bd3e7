"""The user's ignore list: URL patterns with an optional reason and expiry date.

File format (TOML, default name ``linkhealth-ignore.toml`` in the working directory)::

    [[ignore]]
    pattern = "https://sci-hub.*/*"      # a glob over the clean URL …
    reason = "dead mirror, kept for the record"
    expires = 2027-06-30                 # optional: from this day on the entry no longer applies

    [[ignore]]
    regex = "^https://example\\.com/tmp/"   # … or a regular expression (search)
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

_KEYS = {"pattern", "regex", "reason", "expires"}


class IgnoreError(ValueError):
    """An ignore file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    pattern: str
    regex: re.Pattern[str]
    reason: str
    expires: dt.date | None

    def active(self, today: dt.date) -> bool:
        return self.expires is None or today < self.expires


@dataclass(frozen=True)
class IgnoreList:
    rules: tuple[IgnoreRule, ...] = ()

    def match(self, url: str, today: dt.date) -> IgnoreRule | None:
        """The first active rule that matches the (clean) URL."""
        return next((r for r in self.rules if r.active(today) and r.regex.search(url)), None)

    def expired(self, today: dt.date) -> list[IgnoreRule]:
        return [r for r in self.rules if not r.active(today)]


def load_ignore_list(path: str | Path | None, *, required: bool = False) -> IgnoreList:
    """Read an ignore file; a missing file is an empty list unless ``required``."""
    if not path:
        return IgnoreList()
    file = Path(path)
    if not file.exists() and not required:
        return IgnoreList()
    try:
        with file.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise IgnoreError(f"ignore file {file}: cannot read it ({exc.strerror or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise IgnoreError(f"ignore file {file}: not valid TOML ({exc})") from exc
    entries = data.get("ignore", [])
    if set(data) - {"ignore"} or not isinstance(entries, list):
        raise IgnoreError(f"ignore file {file}: expected only [[ignore]] entries")
    rules = []
    for number, entry in enumerate(entries, 1):
        where = f"ignore file {file}, entry {number}"
        if not isinstance(entry, dict) or set(entry) - _KEYS:
            raise IgnoreError(f"{where}: keys are {', '.join(sorted(_KEYS))}")
        if ("pattern" in entry) == ("regex" in entry):
            raise IgnoreError(f"{where}: give exactly one of pattern or regex")
        text = str(entry.get("pattern") or entry.get("regex"))
        try:
            regex = re.compile(fnmatch.translate(text) if "pattern" in entry else text)
        except re.error as exc:
            raise IgnoreError(f"{where}: bad regular expression ({exc})") from exc
        expires = entry.get("expires")
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError as exc:
                raise IgnoreError(f"{where}: expires is not a date YYYY-MM-DD") from exc
        if isinstance(expires, dt.datetime):
            expires = expires.date()
        if expires is not None and not isinstance(expires, dt.date):
            raise IgnoreError(f"{where}: expires is not a date YYYY-MM-DD")
        rules.append(IgnoreRule(text, regex, str(entry.get("reason", "")), expires))
    return IgnoreList(tuple(rules))
