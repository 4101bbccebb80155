"""A transaction's writes written out as one SQL script, so they travel in one round trip.

On PostgreSQL and MySQL/MariaDB each statement the group-commit writer sends is a round trip
that wakes the database server and then the coreapp; under load, on two cores, each costs
about a millisecond of waiting, and a batch of sends and receipts held five or six of them.
The writer instead queues the statements of its write-only flushers and sends them together
(storage/server_writes.py): each statement is compiled once per shape by SQLAlchemy and its
values are written in as literals.

Literals are written the way each driver's own escaping does it: on MySQL/MariaDB by the
driver itself (PyMySQL always interpolates values on the client), on PostgreSQL by
``pg_literal`` with ``standard_conforming_strings`` on (quotes doubled, backslashes plain;
the writer's connection sets it), NUL refused (PostgreSQL text cannot hold it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import Compiled

Literal = Callable[[Any], str]
# An item a script is made of: a statement and its parameters (a dict, a list of dicts for
# many rows, or None).
Params = dict[str, Any] | Sequence[dict[str, Any]] | None

_DOLLAR = re.compile(r"\$(\d+)")
_CACHE_LIMIT = 256


class Shape:
    """A compiled statement made ready to fill: its SQL as a format string (one ``{n}`` per
    value), its parameters in order with their types' conversions, its own bound values.
    For an INSERT, ``row`` is the part after ``VALUES`` that many rows repeat."""

    def __init__(self, compiled: Compiled, dollar: bool, *, insert: bool = False) -> None:
        names: list[str] = list(compiled.positiontup or ())  # type: ignore[attr-defined]
        # The types' bind conversions (UtcDateTime to naive UTC); SQLAlchemy applies the same
        # table when it executes a statement.
        processors = compiled._bind_processors  # type: ignore[attr-defined]
        self.steps = [(name, processors.get(name)) for name in names]
        try:  # the values the statement holds itself (an IN list, a where clause)
            self.own: dict[str, Any] = dict(compiled.construct_params() or {})
        except sa.exc.InvalidRequestError:  # it takes its values from the parameters
            self.own = {}
        template = _format_string(compiled.string, dollar)
        self.head, self.row = "", template
        if insert:
            head, _, self.row = template.partition(" VALUES ")
            _one_row_group(self.row)
            self.head = head.replace("{{", "{").replace("}}", "}") + " VALUES "

    def fill(self, values: dict[str, Any], literal: Literal) -> str:
        """The template with ``values`` written in."""
        own = self.own
        written = [
            literal(
                (values[name] if name in values else own[name])
                if processor is None
                else processor(values[name] if name in values else own[name])
            )
            for name, processor in self.steps
        ]
        return self.row.format(*written)


def _format_string(sql: str, dollar: bool) -> str:
    """Compiled SQL as a ``str.format`` template: ``$n`` (PostgreSQL) or each ``%s`` (MySQL)
    becomes ``{n}``."""
    sql = sql.replace("{", "{{").replace("}", "}}")
    if dollar:
        return _DOLLAR.sub(lambda match: "{" + str(int(match.group(1)) - 1) + "}", sql)
    parts = sql.split("%%")
    counter = iter(range(sql.count("%s")))
    return "%".join(
        re.sub("%s", lambda _match: "{" + str(next(counter)) + "}", part) for part in parts
    )


class ScriptRenderer:
    """Writes statements out for one dialect, caching the shapes of the repeated ones."""

    def __init__(self, dialect: Dialect, literal: Literal) -> None:
        self.dialect = dialect
        self.literal = literal
        self.dollar = dialect.paramstyle == "numeric_dollar"
        self._shapes: dict[Any, Shape] = {}

    def render(self, statement: Any, params: Params) -> list[str]:
        """The SQL statements, values written in, that do what executing ``statement`` with
        ``params`` does."""
        if params is None:  # values of its own
            return [Shape(self._compile(statement, None), self.dollar).fill({}, self.literal)]
        if isinstance(params, dict):
            return [self._shape(statement, tuple(params)).fill(params, self.literal)]
        rows = list(params)
        if not rows:
            return []
        shape = self._shape(statement, tuple(rows[0]))
        if shape.head:  # one INSERT of many rows
            return [shape.head + ", ".join(shape.fill(row, self.literal) for row in rows)]
        return [shape.fill(row, self.literal) for row in rows]

    def _shape(self, statement: Any, keys: tuple[str, ...]) -> Shape:
        # Statements run with parameters are mostly the repos' constants; the cache holds the
        # statement, so its id is not reused while it is cached, and is emptied when full
        # (of statements built anew for each batch).
        shape = self._shapes.get((statement, keys))
        if shape is None:
            if len(self._shapes) >= _CACHE_LIMIT:
                self._shapes.clear()
            if isinstance(statement, sa.Insert):
                # No RETURNING of the new row's key; rows are repeated in the VALUES part.
                compiled = self._compile(statement.inline(), keys)
                shape = Shape(compiled, self.dollar, insert=True)
            else:
                shape = Shape(self._compile(statement, keys), self.dollar)
            self._shapes[(statement, keys)] = shape
        return shape

    def _compile(self, statement: Any, keys: tuple[str, ...] | None) -> Compiled:
        return statement.compile(  # type: ignore[no-any-return]
            dialect=self.dialect,
            column_keys=list(keys) if keys is not None else None,
            compile_kwargs={"render_postcompile": True},
        )


def _one_row_group(group: str) -> None:
    """Refuse an insert whose VALUES part is more than one parenthesised row (RETURNING,
    ON CONFLICT, ON DUPLICATE KEY ...): it cannot be repeated for many rows."""
    depth = 0
    for position, char in enumerate(group):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and position != len(group) - 1:
            raise ValueError("not a plain multi-row insert")
    if not group.startswith("("):
        raise ValueError("not a plain multi-row insert")


def pg_literal(value: Any) -> str:
    """``value`` as a PostgreSQL literal, for a connection with standard_conforming_strings on."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("PostgreSQL text cannot hold NUL")
        return "'" + value.replace("'", "''") + "'"
    if value is None:
        return "NULL"
    if isinstance(value, datetime | date):
        return "'" + value.isoformat() + "'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"'{value}'::float8"
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else f"'{value}'::numeric"
    if isinstance(value, list | tuple):
        return "ARRAY[" + ", ".join(pg_literal(item) for item in value) + "]"
    if isinstance(value, bytes | bytearray | memoryview):
        return "'\\x" + bytes(value).hex() + "'::bytea"
    raise TypeError(f"no PostgreSQL literal for {type(value).__name__}")
