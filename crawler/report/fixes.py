"""Proposed fixes to the seed files, as a unified diff (pure: no network, no Scrapy).

* a confirmed-dead link with a snapshot → an "archived" link next to it (or in its place);
* a live link that now shows something else (its ``drift``) with a snapshot from before → the
  same (never the final URL of its redirect: that is the page it drifted to);
* a permanent redirect → the final URL;
* a WeChat link with trackers, or any link with credentials → its clean URL.

Lines nobody needs to touch stay byte-identical. The diff's removed lines hold the raw links,
credentials included: print it to the terminal only. :func:`render_fixes_md` lists the same
changes with clean URLs only.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.base.rules import Rules
from crawler.base.urls import (
    CanonicalURL,
    URLProblem,
    canonicalize,
    has_masked_values,
    masked_original,
)
from crawler.seeds import Occurrence, extract_text, seed_texts

WECHAT_HOST = "mp.weixin.qq.com"
STYLES = ("append", "replace")
ARCHIVE = "archive"
REDIRECT = "redirect"
CLEAN = "clean"
DRIFT = "drift"


@dataclass(frozen=True, slots=True)
class LinkState:
    """What the reports know of one link (a ``links.csv`` row), keyed by its clean URL."""

    status: str
    reason: str
    final_url: str = ""
    confirmed_dead: bool = False
    archive_url: str = ""
    #: it now shows something else (links.csv's ``drift``), and its snapshot from before
    drift: str = ""
    drift_snapshot: str = ""

    @property
    def dead_now(self) -> bool:
        """Confirmed dead and dead in the latest check: only then is the link rewritten."""
        return self.confirmed_dead and self.status == "dead"


@dataclass(frozen=True, slots=True)
class Fix:
    file: str  # relative to the seeds root
    line: int  # 1-based
    kind: str  # archive | redirect | clean | drift
    clean_url: str  # the link, clean (safe to show)
    target: str  # the clean URL, final URL or archive URL it points to after the fix
    #: the link before the fix, safe to show (a credential fix: as written, values masked)
    was: str = ""


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int
    end: int
    text: str
    fix: Fix


def _truthy(text: str) -> bool:
    return text.strip().lower() in ("true", "1", "yes")


def states_from_links_csv(path: Path) -> dict[str, LinkState]:
    """Read ``links.csv`` (columns url, status, reason, final_url, confirmed_dead, archive_url,
    drift, drift_snapshot):
    the states that can change a link (a permanent redirect, a dead link's snapshot; :func:`plan`
    does the same without the others), so memory goes with the fixes, not with the links.

    Read as :class:`csv.DictReader` reads it (a short row's missing fields are None), with one
    lookup per column instead of one dict per row.
    """
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            return {}
        index = {name: i for i, name in enumerate(header)}  # a repeated name: the last one
        if "url" not in index:
            raise KeyError("url")
        url, status, reason, final_url, confirmed_dead, archive_url, drift, drift_snapshot = (
            index.get(name)
            for name in (
                "url",
                "status",
                "reason",
                "final_url",
                "confirmed_dead",
                "archive_url",
                "drift",
                "drift_snapshot",
            )
        )
        assert url is not None  # checked above

        def field(row: list[str], i: int | None, default: str) -> Any:
            if i is None:
                return default
            return row[i] if i < len(row) else None

        states = (
            (
                field(row, url, ""),
                LinkState(
                    status=field(row, status, ""),
                    reason=field(row, reason, ""),
                    final_url=field(row, final_url, "") or "",
                    confirmed_dead=_truthy(field(row, confirmed_dead, "")),
                    archive_url=field(row, archive_url, "") or "",
                    drift=field(row, drift, "") or "",
                    drift_snapshot=field(row, drift_snapshot, "") or "",
                ),
            )
            for row in reader
            if row
        )
        return {link: state for link, state in states if _state_matters(state)}


def _markdown_link(label: str, url: str) -> str:
    return f"[{label}](<{url}>)" if any(c in url for c in " ()<>") else f"[{label}]({url})"


def _escape_like(raw: str, url: str) -> str:
    """Write ``url`` the way the raw link was written (``&amp;`` in Markdown/HTML)."""
    return url.replace("&", "&amp;") if "&amp;" in raw else url


def _construct_end(line: str, occ: Occurrence, end: int) -> int | None:
    """Where the link construct holding the raw URL ends on the line (None: cannot tell)."""
    if occ.kind == "bare":
        return end
    if occ.kind == "autolink":
        close = line.find(">", end)
        return close + 1 if close >= 0 else None
    if occ.kind == "inline":
        close = line.find(")", end)
        return close + 1 if close >= 0 else None
    if occ.kind == "html":
        close = line.lower().find("</a>", end)
        return close + 4 if close >= 0 else None
    return None  # reference definitions and code: leave them alone


def _edits_for(
    line: str,
    occ: Occurrence,
    start: int,
    state: LinkState | None,
    canonical: CanonicalURL,
    *,
    style: str,
) -> list[_Edit]:
    clean = canonical.clean_url
    end = start + len(occ.raw)
    if occ.kind == "code":
        return []
    if canonical.masked:
        return []  # a URL that needs a credential-like value is never proposed (issue 13)
    moved = state.final_url if state is not None and state.reason == "redirected-permanent" else ""
    if state is not None and state.drift:
        moved = ""  # the final URL is the page it drifted to: never proposed
    if moved and has_masked_values(moved):
        moved = ""
    if moved and moved != clean:
        fix = Fix(occ.file, occ.line, REDIRECT, clean, moved)
        return [_Edit(start, end, _escape_like(occ.raw, moved), fix)]
    edits: list[_Edit] = []
    is_wechat = canonical.host == WECHAT_HOST
    if (canonical.had_credentials or (is_wechat and canonical.removed)) and clean != occ.url:
        fix = Fix(occ.file, occ.line, CLEAN, clean, clean, masked_original(occ.url, clean))
        edits.append(_Edit(start, end, _escape_like(occ.raw, clean), fix))
    snapshot = _snapshot(state)
    if state is not None and snapshot:
        archive = snapshot
        if archive in line or _escape_like(occ.raw, archive) in line:
            return edits  # already there
        fix = Fix(occ.file, occ.line, ARCHIVE if state.dead_now else DRIFT, clean, archive)
        if style == "replace" and occ.kind in ("inline", "autolink", "bare", "html"):
            return [_Edit(start, end, _escape_like(occ.raw, archive), fix)]
        after = _construct_end(line, occ, end)
        if after is None:
            return edits
        if occ.kind == "html":
            extra = f' (<a href="{_escape_like("&amp;", archive)}">archived</a>)'
        else:
            extra = " " + _markdown_link("archived", archive)
        edits.append(_Edit(after, after, extra, fix))
    return edits


def plan(
    seeds: Path,
    states: Mapping[str, LinkState],
    rules: Rules,
    *,
    style: str = "append",
) -> dict[str, tuple[list[str], list[str], list[Fix]]]:
    """file → (old lines, new lines, fixes), for every seed file with something to change.

    The seeds are scanned again, a file at a time: the files as they stand now are the ones
    rewritten.
    """
    if style not in STYLES:
        raise ValueError(f"fix style: one of {', '.join(STYLES)}, got {style!r}")
    root = seeds if seeds.is_dir() else seeds.parent
    # A link's state matters only for a permanent redirect or a dead link with a snapshot.
    # Without one, only a link with credentials or trackers changes, and canonicalize finds
    # those in the user part (``@``) or the query (``?``) alone: the rest is left untouched
    # without canonicalizing it (tests/test_report_speed_equivalence.py holds this).
    any_state = any(_state_matters(state) for state in states.values())
    out: dict[str, tuple[list[str], list[str], list[Fix]]] = {}
    canonical_of: dict[str, CanonicalURL | None] = {}  # a link in several places: once
    for file, seed_text, _problem in seed_texts(seeds):
        if seed_text is None or not (any_state or _may_hold_a_change(seed_text)):
            continue  # nothing in it can change (not even read)
        occs = [occ for occ in extract_text(seed_text, file) if "\n" not in occ.raw and occ.raw]
        if not any(_may_change(occ, any_state) for occ in occs):
            continue  # nothing in it can change
        try:
            text = (root / file).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # only UTF-8 files are rewritten
        old = text.splitlines(keepends=True)
        edits = _file_edits(
            old, occs, states, rules, canonical_of, any_state=any_state, style=style
        )
        new, fixes = _applied(old, edits)
        if new != old:
            out[file] = (old, new, sorted(fixes, key=lambda f: (f.line, f.kind)))
    return dict(sorted(out.items()))


def _file_edits(
    old: list[str],
    occs: list[Occurrence],
    states: Mapping[str, LinkState],
    rules: Rules,
    canonical_of: dict[str, CanonicalURL | None],
    *,
    any_state: bool,
    style: str,
) -> dict[int, list[_Edit]]:
    """line index → the edits of a seed file's lines (``old``) its occurrences ask for;
    ``canonical_of`` keeps each URL's canonical form across files."""
    searched: dict[tuple[int, str], int] = {}
    per_line: dict[int, list[_Edit]] = {}
    for occ in occs:
        index = occ.line - 1
        if not 0 <= index < len(old):
            continue
        line = old[index]
        start = line.find(occ.raw, searched.get((index, occ.raw), 0))
        if start < 0:
            continue
        searched[(index, occ.raw)] = start + len(occ.raw)
        if not _may_change(occ, any_state):
            continue
        if occ.url not in canonical_of:
            try:
                canonical_of[occ.url] = canonicalize(occ.url, rules)
            except URLProblem:
                canonical_of[occ.url] = None
        canonical = canonical_of[occ.url]
        if canonical is None:
            continue  # not a URL to fix
        state = states.get(canonical.clean_url)
        per_line.setdefault(index, []).extend(
            _edits_for(line, occ, start, state, canonical, style=style)
        )
    return per_line


def _applied(old: list[str], per_line: dict[int, list[_Edit]]) -> tuple[list[str], list[Fix]]:
    """The lines with their edits made (of two that overlap, the first), and the fixes made."""
    new = list(old)
    fixes: list[Fix] = []
    for index, edits in per_line.items():
        line = old[index]
        last = len(line) + 1
        for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
            if edit.end > last:
                continue  # overlapping: keep the first
            line = line[: edit.start] + edit.text + line[edit.end :]
            last = edit.start
            fixes.append(edit.fix)
        new[index] = line
    return new, fixes


def _may_hold_a_change(text: str) -> bool:
    """False when no link in a seed file's text has ``@`` or ``?``: a link's URL is its text
    with entities (``&…;``) and backslash escapes decoded, so it can have them only if the
    text has ``@``, ``?`` or ``&``."""
    return "@" in text or "?" in text or "&" in text


def _snapshot(state: LinkState | None) -> str:
    """The snapshot proposed for a link: a confirmed-dead link's, or a drifted link's from
    before the drift ("": none)."""
    if state is None:
        return ""
    if state.dead_now and state.archive_url:
        return state.archive_url
    if state.status == "alive" and state.drift and state.drift_snapshot:
        return state.drift_snapshot
    return ""


def _state_matters(state: LinkState) -> bool:
    """Whether the state may change a link: a permanent redirect, a dead or drifted link's
    snapshot."""
    return bool((state.reason == "redirected-permanent" and state.final_url) or _snapshot(state))


def _may_change(occ: Occurrence, any_state: bool) -> bool:
    """False when no fix can apply to the occurrence (code is never touched)."""
    if occ.kind == "code":
        return False
    return any_state or "@" in occ.url or "?" in occ.url


def unified_diff(planned: Mapping[str, tuple[list[str], list[str], list[Fix]]]) -> str:
    """A diff for ``patch -p1`` run in the seeds directory."""
    chunks: list[str] = []
    for file, (old, new, _fixes) in planned.items():
        for line in difflib.unified_diff(old, new, fromfile=f"a/{file}", tofile=f"b/{file}"):
            chunks.append(
                line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            )
    return "".join(chunks)


def apply(seeds: Path, planned: Mapping[str, tuple[list[str], list[str], list[Fix]]]) -> list[Path]:
    root = seeds if seeds.is_dir() else seeds.parent
    written = []
    for file, (_old, new, _fixes) in planned.items():
        path = root / file
        path.write_bytes("".join(new).encode("utf-8"))
        written.append(path)
    return written


def all_fixes(planned: Mapping[str, tuple[list[str], list[str], list[Fix]]]) -> list[Fix]:
    return [fix for _old, _new, fixes in planned.values() for fix in fixes]


_KIND_TEXT = {
    ARCHIVE: "dead: add the archived copy",
    REDIRECT: "moved permanently: use the final URL",
    CLEAN: "credentials or trackers: use the clean URL",
    DRIFT: "now shows something else: add the snapshot from before",
}


def render_fixes_md(fixes: Iterable[Fix]) -> str:
    """``fixes.md``: the proposed changes, clean URLs only (never the raw links); written with
    the reports (:func:`crawler.report.write_reports`)."""
    rows = sorted(fixes, key=lambda f: (f.file, f.line, f.kind))
    lines = ["# Proposed fixes", ""]
    if not rows:
        lines.append("Nothing to change.")
    else:
        lines += [
            f"{len(rows)} changes. `linkhealth fix` shows them as a diff; "
            "`linkhealth fix --apply` writes them.",
            "",
            "| where | change | was (values masked) | becomes |",
            "| --- | --- | --- | --- |",
        ]
        for fix in rows:
            lines.append(
                f"| {fix.file}:{fix.line} | {_KIND_TEXT[fix.kind]} | "
                f"{_cell(fix.was or fix.clean_url)} | {_cell(fix.target)} |"
            )
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "%7C")
