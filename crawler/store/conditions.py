"""Which links of the report's table a read takes, without SQL in the reports: a
:class:`Where` is made with :func:`equals`, :func:`one_of`, :func:`filled`, :func:`contains`
and ``&``, ``|``, ``~``; the store writes it as SQL whose values are parameters and whose
column names it checks against the table's (:mod:`crawler.store.report_tables`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Where:
    """Which links of the report's table a read takes (see the functions below)."""

    sql: str
    params: tuple[Any, ...] = ()
    #: the report columns it reads (checked against the table's)
    names: frozenset[str] = frozenset()

    def __and__(self, other: Where) -> Where:
        return _joined("AND", self, other)

    def __or__(self, other: Where) -> Where:
        return _joined("OR", self, other)

    def __invert__(self) -> Where:
        return Where(f"NOT ({self.sql})", self.params, self.names)


def _joined(word: str, left: Where, right: Where) -> Where:
    return Where(
        f"({left.sql}) {word} ({right.sql})", left.params + right.params, left.names | right.names
    )


def equals(name: str, value: Any) -> Where:
    """The column holds ``value``."""
    return Where(f"{name} = ?", (value,), frozenset({name}))


def one_of(name: str, values: Sequence[Any]) -> Where:
    """The column holds one of ``values``."""
    return Where(f"{name} IN ({', '.join('?' * len(values))})", tuple(values), frozenset({name}))


def filled(name: str) -> Where:
    """The column holds a value, not empty."""
    return Where(f"{name} IS NOT NULL AND {name} != ''", (), frozenset({name}))


def contains(name: str, text: str) -> Where:
    """The column's text contains ``text`` (ASCII letters in any case, as SQL's ``LIKE``)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Where(f"{name} LIKE ? ESCAPE '\\'", (f"%{escaped}%",), frozenset({name}))
