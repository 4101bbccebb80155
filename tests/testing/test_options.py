"""How the plugin's options become the emulator's variables (docs/testing.md#options)."""

from __future__ import annotations

import re

import pytest

from waemu.testing.options import EmulatorOptions, OptionError, parse_env, resolve


def options(**given: object) -> EmulatorOptions:
    values: dict[str, object] = {
        "engine": None,
        "db_url": None,
        "tls": False,
        "start_seconds": None,
        "env": {},
        "worker": "main",
        "environ": {},
    }
    values.update(given)
    return resolve(**values)  # type: ignore[arg-type]


def test_defaults_are_sqlite_plain_http_and_a_minute() -> None:
    chosen = options()
    assert (chosen.engine, chosen.tls, chosen.start_seconds) == ("sqlite", False, 60.0)
    env = chosen.database_env()
    assert env["WA_DB_ENGINE"] == "SQLITE"
    assert re.fullmatch(r"waemu_main_[0-9a-f]{8}_", env["WA_DB_NAME_PREFIX"])


def test_url_names_the_engine_and_the_server() -> None:
    chosen = options(db_url="postgresql://bot:p%40ss@db.internal:6543", worker="gw3")
    assert chosen.engine == "postgres"
    env = chosen.database_env()
    assert {k: v for k, v in env.items() if k != "WA_DB_NAME_PREFIX"} == {
        "WA_DB_ENGINE": "PGSQL",
        "WA_DB_HOSTNAME": "db.internal",
        "WA_DB_PORT": "6543",
        "WA_DB_USERNAME": "bot",
        "WA_DB_PASSWORD": "p@ss",
    }
    assert env["WA_DB_NAME_PREFIX"].startswith("waemu_gw3_")


def test_engine_without_url_leaves_the_server_to_wa_db_variables() -> None:
    env = options(engine="mysql").database_env()
    assert set(env) == {"WA_DB_ENGINE", "WA_DB_NAME_PREFIX"} and env["WA_DB_ENGINE"] == "MYSQL"


def test_environment_fills_what_the_command_line_left_out() -> None:
    chosen = options(environ={"WAEMU_DB": "MySQL", "WAEMU_DB_URL": "mariadb://root@127.0.0.1"})
    assert chosen.engine == "mysql"
    assert options(engine="sqlite", environ={"WAEMU_DB": "postgres"}).engine == "sqlite"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"engine": "oracle"}, "--waemu-db must be one of sqlite, postgres, mysql"),
        ({"db_url": "ftp://x"}, "--waemu-db-url must be a postgresql:// or mysql:// URL"),
        ({"engine": "mysql", "db_url": "postgresql://h"}, "does not match --waemu-db-url"),
        ({"start_seconds": 0}, "--waemu-start-timeout must be a positive number"),
    ],
)
def test_bad_options_are_refused_saying_which(given: dict[str, object], message: str) -> None:
    with pytest.raises(OptionError, match=re.escape(message)):
        options(**given)


def test_env_pairs_are_parsed() -> None:
    assert parse_env(["A=1", " B =x=y", "C="]) == {"A": "1", "B": "x=y", "C": ""}
    with pytest.raises(OptionError, match="NAME=VALUE"):
        parse_env(["novalue"])
