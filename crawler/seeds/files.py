"""Seed files on disk: which files are seed files, and their text.

A seed file is read as UTF-8 (with or without BOM), else UTF-16 when it starts with a BOM, else
GB18030 when the result looks like Chinese, else charset-normalizer's best guess.  A file that
cannot be read, holds NUL bytes near its start, or has no plausible text decoding is not used:
it comes back as a :class:`SeedProblem` that names the file and never quotes its content.

What is read is bounded: only regular files (not a device such as ``/dev/zero``, nor a pipe),
of at most :data:`MAX_SEED_BYTES` each (a larger file is skipped whole, never half-read: a fix
written back from half a file would lose the rest), and inside a seeds directory a symlink is
followed only to a file inside that directory.
"""

from __future__ import annotations

import codecs
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import charset_normalizer

SEED_SUFFIXES: Final = (".md", ".markdown", ".txt")

#: the most bytes read of one seed file (a larger one is skipped, and the log says so)
MAX_SEED_BYTES: Final = 4 * 1024 * 1024

#: a NUL byte in this many first bytes makes a file binary (unless it starts with a UTF-16 BOM)
_BINARY_CHECK_BYTES: Final = 8_192
#: non-ASCII characters of a GB18030 reading looked at to decide whether it is Chinese
_GB_CHECK_CHARS: Final = 20_000


@dataclass(frozen=True, slots=True)
class SeedProblem:
    """A seed file that could not be used (or not fully); ``message`` never contains a URL."""

    file: str
    message: str


def _has_seed_suffix(path: Path) -> bool:
    return path.name.lower().endswith(SEED_SUFFIXES)


def iter_seed_files(path: Path) -> list[Path]:
    """Seed files under ``path``: the file itself, or a directory searched recursively.

    Directory entries are kept when their name ends with one of :data:`SEED_SUFFIXES`
    (case-insensitive); a file given explicitly is kept whatever its suffix.  The result is
    sorted by path relative to ``path``.  Symlinked directories are not followed (no loops);
    symlinked files are kept (a dangling one then shows up as unreadable).
    """
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"seed path not found: {path}")
    if not path.is_dir():
        return [path]
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        here = Path(dirpath)
        for name in filenames:
            candidate = here / name
            if _has_seed_suffix(candidate):
                found.append((candidate.relative_to(path).as_posix(), candidate))
        # A directory named like a seed file can only be reported, not read: os.walk lists it
        # in dirnames, so it is searched, not returned.
    found.sort(key=lambda item: item[0])
    return [p for _, p in found]


def _looks_like_gb(text: str) -> bool:
    """True when the non-ASCII characters of ``text`` are (nearly all) common GB2312 text.

    Used to prefer GB18030 over charset-normalizer's guess: on short Chinese files the latter
    often answers Big5 or CP949 for GBK bytes.  Big5 or Shift-JIS bytes read as GB18030 give
    many characters outside the GB2312 hanzi / punctuation rows, so they fail this test.
    EUC-KR Hangul lands on GB2312 rows 0xB0-0xC8 only, where Chinese text of any length also
    uses the rows above: a dozen hanzi or more and none above row 0xC8 is Korean, not Chinese.
    """
    seen = good = hanzi = high = 0
    for ch in text:
        if ch < "\x80":
            continue
        seen += 1
        try:
            encoded = ch.encode("gb2312")
        except UnicodeEncodeError:
            pass
        else:
            lead = encoded[0]
            if len(encoded) == 2 and (0xA1 <= lead <= 0xA3 or 0xB0 <= lead <= 0xF7):
                good += 1
                if lead >= 0xB0:
                    hanzi += 1
                    high += lead > 0xC8
        if seen >= _GB_CHECK_CHARS:
            break
    if hanzi >= 12 and not high:
        return False
    return seen > 0 and good >= 0.9 * seen


def _decode_text(data: bytes) -> str | None:
    """Text of ``data``, or None when it is binary / has no plausible text decoding."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError:
            data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_like_gb(gb):
            return gb
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    return str(best)


def _outside(path: Path, root: Path | None) -> bool:
    """``path`` (a file found under the seeds directory ``root``) leads outside it."""
    if root is None:
        return False
    try:
        return not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return True


def _read_bounded(path: Path, name: str) -> tuple[bytes | None, SeedProblem | None]:
    """The bytes of a regular file of at most :data:`MAX_SEED_BYTES`, or why not."""
    try:
        # O_NONBLOCK: opening a pipe must not wait for a writer (a regular file ignores it)
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None, SeedProblem(name, f"{name} is not a regular file, skipped")
            data = fh.read(MAX_SEED_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return None, SeedProblem(name, f"{name}: cannot read the file ({reason}), skipped")
    if len(data) > MAX_SEED_BYTES:
        return None, SeedProblem(
            name,
            f"{name} is larger than {MAX_SEED_BYTES // (1024 * 1024)} MiB (the most read of "
            "one seed file), skipped",
        )
    return data, None


def read_named_seed_file(
    path: Path, name: str, root: Path | None = None
) -> tuple[str | None, SeedProblem | None]:
    """:func:`read_seed_file`, with ``name`` as the file's name in a problem; a file found
    under the seeds directory ``root`` must not lead outside it (a symlink)."""
    if _outside(path, root):
        return None, SeedProblem(
            name, f"{name} is a symlink that leads outside the seeds directory, skipped"
        )
    data, problem = _read_bounded(path, name)
    if data is None:
        return None, problem
    if b"\0" in data[:_BINARY_CHECK_BYTES] and not data.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        return None, SeedProblem(name, f"{name} is a binary file, skipped")
    text = _decode_text(data)
    if text is None:
        return None, SeedProblem(
            name, f"{name} is a binary file (no plausible text encoding), skipped"
        )
    return text, None


def read_seed_file(path: Path) -> tuple[str | None, SeedProblem | None]:
    """Decode one seed file: ``(text, None)`` or ``(None, problem)``.

    UTF-8 (with or without BOM) first, UTF-16 with a BOM, then GB18030 when the result looks
    like Chinese, then charset-normalizer's best guess.  NUL bytes in the first 8 KB, or no
    plausible decoding, make it a binary file.  ``SeedProblem.file`` is ``path`` as given.
    """
    return read_named_seed_file(path, path.as_posix())
