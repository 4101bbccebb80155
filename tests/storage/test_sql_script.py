"""Writing statements out with their values (storage/sql_script.py), without a server: what
the scripts look like, and what is refused so that it runs statement by statement instead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from pymysql.converters import escape_item
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.mysql import aiomysql
from sqlalchemy.dialects.postgresql import asyncpg

from waemu.storage.repos import messages as repo
from waemu.storage.sql_script import ScriptRenderer, pg_literal

TABLE = sa.Table(
    "t",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(20)),
    sa.Column("rate", sa.Float),
)


def pg() -> ScriptRenderer:
    return ScriptRenderer(asyncpg.dialect(), pg_literal)


def mysql() -> ScriptRenderer:
    return ScriptRenderer(aiomysql.dialect(), lambda value: escape_item(value, "utf8mb4"))


def test_pg_literals() -> None:
    assert pg_literal("it's") == "'it''s'"
    assert pg_literal("back\\slash") == "'back\\slash'"  # standard_conforming_strings on
    assert pg_literal(None) == "NULL"
    assert pg_literal(True) == "TRUE"
    assert pg_literal(-5) == "-5"
    assert pg_literal(float("nan")) == "'nan'::float8"
    assert pg_literal(b"\x00\xff") == "'\\x00ff'::bytea"
    assert pg_literal(["a", None]) == "ARRAY['a', NULL]"
    assert pg_literal(datetime(2026, 1, 2, 3, 4, 5, 6)) == "'2026-01-02T03:04:05.000006'"
    with pytest.raises(ValueError, match="NUL"):
        pg_literal("a\x00b")
    with pytest.raises(TypeError):
        pg_literal(object())


@pytest.mark.parametrize(
    ("renderer", "expected"),
    [
        (
            pg,
            "INSERT INTO t (name, rate) VALUES "
            "('a''b'::VARCHAR, 1.5::FLOAT), ('{0}'::VARCHAR, NULL::FLOAT)",
        ),
        (mysql, "INSERT INTO t (name, rate) VALUES ('a\\'b', 1.5e0), ('{0}', NULL)"),
    ],
)
def test_rows_of_an_insert_share_one_statement(renderer: Any, expected: str) -> None:
    rows = [{"name": "a'b", "rate": 1.5}, {"name": "{0}", "rate": None}]
    assert renderer().render(sa.insert(TABLE), rows) == [expected]


def test_each_row_of_an_update_is_a_statement_and_types_convert_their_values() -> None:
    at = datetime(2026, 12, 3, 21, 0, tzinfo=UTC)
    written = pg().render(
        repo._SET_STATUS,
        [
            {"b_id": "m1", "b_status": "sent", "b_at": at},
            {"b_id": "m2", "b_status": "read", "b_at": at},
        ],
    )
    assert written == [  # UtcDateTime writes naive UTC
        "UPDATE messages SET status='sent'::VARCHAR, updated_at='2026-12-03T21:00:00'"
        "::TIMESTAMP WITHOUT TIME ZONE WHERE messages.id = 'm1'::VARCHAR",
        "UPDATE messages SET status='read'::VARCHAR, updated_at='2026-12-03T21:00:00'"
        "::TIMESTAMP WITHOUT TIME ZONE WHERE messages.id = 'm2'::VARCHAR",
    ]


def test_a_statement_with_values_of_its_own_and_percent_signs() -> None:
    statement = sa.delete(TABLE).where(TABLE.c.id.in_([1, 2]), TABLE.c.name.like("x%"))
    assert mysql().render(statement, None) == [
        "DELETE FROM t WHERE t.id IN (1, 2) AND t.name LIKE 'x%'"
    ]


def test_an_insert_that_is_more_than_rows_is_refused() -> None:
    upsert = postgresql.insert(TABLE).on_conflict_do_nothing()
    with pytest.raises(ValueError, match="plain multi-row insert"):
        pg().render(upsert, [{"name": "a", "rate": 1.0}])


def test_a_missing_value_is_refused_not_written_as_null() -> None:
    with pytest.raises(KeyError):
        pg().render(repo._SET_STATUS, [{"b_id": "m1", "b_status": "sent"}])
