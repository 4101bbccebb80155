"""A helper of the network's pending store (``persistence.py``): grouping buffered SQLite
statements into few ``executemany`` calls."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Op = tuple[str, tuple[Any, ...]]  # a statement and its parameters


def batched(ops: list[Op]) -> Iterable[tuple[str, list[tuple[Any, ...]]]]:
    """``ops`` as (statement, rows) for ``executemany``, grouped by ``grouped``."""
    return runs(grouped(ops))


RANKS = {"INSERT": 0, "UPDATE": 1, "DELETE": 2}


def grouped(ops: list[Op]) -> list[Op]:
    """The buffered operations with inserts first, then updates, then deletes, each statement's
    rows together (so a commit makes a few ``executemany`` calls, not one per row), in their
    order otherwise. Safe because no row is deleted and created again within one batch: ids,
    sequence numbers and timer stages are never reused, and a number change commits alone."""
    first: dict[str, int] = {}
    for index, (sql, _params) in enumerate(ops):
        first.setdefault(sql, index)
    return sorted(ops, key=lambda op: (RANKS[op[0].split(" ", 1)[0]], first[op[0]]))


def runs(ops: list[Op]) -> Iterable[tuple[str, list[tuple[Any, ...]]]]:
    """Consecutive operations with the same statement, grouped for ``executemany``."""
    current: str | None = None
    rows: list[tuple[Any, ...]] = []
    for sql, params in ops:
        if sql != current:
            if current is not None:
                yield current, rows
            current, rows = sql, []
        rows.append(params)
    if current is not None:
        yield current, rows
