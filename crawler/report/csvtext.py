"""The CSV reports' text: what pandas' ``to_csv`` writes, made faster a column at a time."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import pandas as pd


def _plain(dtype: str) -> bool:
    """Values :mod:`csv` writes as they are: text, integers, booleans."""
    return dtype in ("object", "str", "string", "bool", "boolean") or dtype.lower().startswith(
        ("int", "uint")
    )


#: what may make csv.writer quote a field (a superset: such fields go through csv itself)
_SPECIAL = re.compile(r'[,"\r\n]')


def _csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)  # to_csv's dialect on POSIX
    return buffer.getvalue()


def _csv_field(value: Any) -> str:
    """One field as csv.writer writes it in a row of several."""
    return _csv_line([value, ""])[:-2]


def _csv_texts(values: list[Any]) -> list[str]:
    """A column's values as csv.writer writes them (``str``; quoted where needed)."""
    found = [v if type(v) is str else str(v) if type(v) in (int, bool) else None for v in values]
    if _SPECIAL.search("\x00".join(t for t in found if t is not None)):
        found = [_csv_field(t) if t is not None and _SPECIAL.search(t) else t for t in found]
    if None in found:  # another type (a float…): csv's own rules
        found = [_csv_field(v) if t is None else t for v, t in zip(values, found, strict=True)]
    return cast("list[str]", found)


def csv_chunks(frame: pd.DataFrame, columns: list[str], *, header: bool = True) -> Iterator[str]:
    """``frame[columns].to_csv(index=False, header=header)`` in pieces, the same bytes made
    faster, without pandas' writer.

    pandas hands csv.writer each value as it is, a missing one as ``""``; this writes the
    same fields, a column at a time. Dtypes whose text pandas formats itself (floats, dates)
    go through pandas.
    """
    if len(columns) < 2 or not all(_plain(str(frame[name].dtype)) for name in columns):
        yield str(frame[columns].to_csv(index=False, header=header))
        return
    texts = [
        _csv_texts(frame[name].astype(object).where(frame[name].notna(), "").tolist())
        for name in columns
    ]
    if header:
        yield _csv_line(list(columns))
    if len(frame):
        yield "\n".join(map(",".join, zip(*texts, strict=True))) + "\n"


def csv_blocks(frames: Iterable[pd.DataFrame], columns: list[str]) -> Iterator[str]:
    """One CSV file from frames of its rows, one after the other (the header once)."""
    header = True
    for frame in frames:
        yield from csv_chunks(frame, columns, header=header)
        header = False
    if header:  # no rows
        yield _csv_line(list(columns))
