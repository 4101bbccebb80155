"""Settings.from_env: the real client's variable names, defaults and parsing (spec §1.3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from waemu.settings import ConfigError, DatabaseSettings, Settings

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - compared with, never bound


def test_from_env_gives_documented_defaults_when_env_is_empty() -> None:
    settings = Settings.from_env({})
    assert settings.data_dir == Path("data")
    assert settings.media_dir == Path("data/media")
    assert settings.db == DatabaseSettings(
        engine="SQLITE",
        hostname="127.0.0.1",
        port=0,
        username="",
        password="",
        name_prefix="",
        sqlite_dir=Path("data"),
        wait_seconds=60.0,
    )
    assert settings.db.database_name == "waent"
    assert (settings.core_host, settings.core_port, settings.core_listen) == (
        "127.0.0.1",
        6250,
        "127.0.0.1",
    )
    assert settings.core_call_timeout == 30.0
    assert settings.core_connect_timeout == 3.0
    assert (settings.web_host, settings.web_port, settings.web_tls) == (ALL_INTERFACES, 9090, True)
    assert settings.jwt_key is None
    assert settings.api_key is None
    assert settings.api_version == "v2.53.2"
    assert settings.max_json_bytes == 1024 * 1024
    assert settings.max_upload_bytes == 64 * 1024 * 1024
    assert settings.login_max_failures == 5
    assert settings.login_lockout_seconds == 60.0
    assert settings.bcrypt_rounds == 12
    assert settings.log_level == "INFO"
    assert settings.access_log is False


def test_from_env_matches_dataclass_defaults_when_env_is_empty() -> None:
    assert Settings.from_env({}) == Settings()


def test_from_env_reads_process_environment_when_no_mapping_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WA_WEB_PORT", "9443")
    monkeypatch.setenv("WA_DB_NAME_PREFIX", "envtest_")
    settings = Settings.from_env()
    assert settings.web_port == 9443
    assert settings.db.database_name == "envtest_waent"


@pytest.mark.parametrize(
    ("raw", "engine"),
    [
        ("SQLITE", "SQLITE"),
        ("sqlite", "SQLITE"),
        ("PGSQL", "PGSQL"),
        ("pgsql", "PGSQL"),
        ("MYSQL", "MYSQL"),
        ("MySql", "MYSQL"),
        ("", "SQLITE"),
    ],
)
def test_engine_is_upper_cased_when_valid(raw: str, engine: str) -> None:
    assert Settings.from_env({"WA_DB_ENGINE": raw}).db.engine == engine


@pytest.mark.parametrize("raw", ["postgres", "mariadb", "ORACLE", "sqlite3"])
def test_engine_raises_config_error_when_unknown(raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"WA_DB_ENGINE": raw})
    message = str(caught.value)
    assert message.startswith("WA_DB_ENGINE must be one of SQLITE, PGSQL, MYSQL")
    assert repr(raw.upper()) in message


@pytest.mark.parametrize(
    ("engine", "port", "username"),
    [("SQLITE", 0, ""), ("PGSQL", 5432, "postgres"), ("MYSQL", 3306, "root")],
)
def test_database_port_and_user_default_per_engine(engine: str, port: int, username: str) -> None:
    db = Settings.from_env({"WA_DB_ENGINE": engine}).db
    assert (db.port, db.username, db.password, db.hostname) == (port, username, "", "127.0.0.1")


@pytest.mark.parametrize("engine", ["PGSQL", "MYSQL"])
def test_database_settings_follow_env_when_set(engine: str) -> None:
    env = {
        "WA_DB_ENGINE": engine,
        "WA_DB_HOSTNAME": "db.internal",
        "WA_DB_PORT": "15432",
        "WA_DB_USERNAME": "wa",
        "WA_DB_PASSWORD": "pw",
        "WA_DB_NAME_PREFIX": "prod_",
        "WA_DB_WAIT_SECONDS": "2.5",
        "WA_DATA_DIR": "/srv/wa",
    }
    db = Settings.from_env(env).db
    assert db == DatabaseSettings(
        engine=engine,
        hostname="db.internal",
        port=15432,
        username="wa",
        password="pw",
        name_prefix="prod_",
        sqlite_dir=Path("/srv/wa"),
        wait_seconds=2.5,
    )
    assert db.database_name == "prod_waent"


def test_data_dir_moves_media_and_sqlite_when_set() -> None:
    settings = Settings.from_env({"WA_DATA_DIR": "/var/lib/wa"})
    assert settings.data_dir == Path("/var/lib/wa")
    assert settings.media_dir == Path("/var/lib/wa/media")
    assert settings.db.sqlite_dir == Path("/var/lib/wa")


def test_media_dir_overrides_data_dir_when_set() -> None:
    settings = Settings.from_env({"WA_DATA_DIR": "/d", "WA_MEDIA_DIR": "/m"})
    assert settings.media_dir == Path("/m")


@pytest.mark.parametrize("length", [12, 13, 64, 128])
def test_api_key_is_accepted_when_12_to_128_characters(length: int) -> None:
    key = "k" * length
    assert Settings.from_env({"WA_API_KEY": key}).api_key == key


@pytest.mark.parametrize("length", [1, 11, 129, 500])
def test_api_key_raises_config_error_when_length_out_of_range(length: int) -> None:
    with pytest.raises(ConfigError, match=r"^WA_API_KEY must be 12 to 128 characters long$"):
        Settings.from_env({"WA_API_KEY": "k" * length})


def test_api_key_is_none_when_empty() -> None:
    assert Settings.from_env({"WA_API_KEY": ""}).api_key is None


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        *[(raw, True) for raw in ("1", "true", "TRUE", "yes", "On")],
        *[(raw, False) for raw in ("0", "false", "False", "no", "OFF")],
    ],
)
def test_booleans_parse_when_spelled_any_accepted_way(raw: str, value: bool) -> None:
    settings = Settings.from_env({"WA_WEB_TLS": raw, "WA_WEB_ACCESS_LOG": raw})
    assert settings.web_tls is value
    assert settings.access_log is value


def test_booleans_take_default_when_empty() -> None:
    settings = Settings.from_env({"WA_WEB_TLS": "", "WA_WEB_ACCESS_LOG": ""})
    assert settings.web_tls is True
    assert settings.access_log is False


@pytest.mark.parametrize("name", ["WA_WEB_TLS", "WA_WEB_ACCESS_LOG"])
@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled"])
def test_booleans_raise_config_error_when_unrecognised(name: str, raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: raw})
    assert f"{name} must be a boolean (1/0/true/false)" in str(caught.value)
    assert repr(raw) in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "listen"),
    [("any", ALL_INTERFACES), ("", "127.0.0.1"), ("10.1.2.3", "10.1.2.3"), ("::1", "::1")],
)
def test_tcp_listen_address_maps_any_to_all_interfaces(raw: str, listen: str) -> None:
    assert Settings.from_env({"WA_TCP_LISTEN_ADDRESS": raw}).core_listen == listen


@pytest.mark.parametrize(
    ("raw", "version"),
    [("2.51.1", "v2.51.1"), ("v2.51.1", "v2.51.1"), ("", "v2.53.2"), ("v2.53.2", "v2.53.2")],
)
def test_api_version_gets_one_leading_v_when_set_with_or_without_it(raw: str, version: str) -> None:
    assert Settings.from_env({"WA_API_VERSION": raw}).api_version == version


def test_core_socket_settings_follow_env_when_set() -> None:
    settings = Settings.from_env(
        {
            "WACORE_HOSTNAME": "wacore",
            "WACORE_PORT": "6252",
            "WA_CORE_CALL_TIMEOUT": "4.5",
            "WA_CORE_CONNECT_TIMEOUT": "0.5",
        }
    )
    assert settings.core_host == "wacore"
    assert settings.core_port == 6252
    assert settings.core_call_timeout == 4.5
    assert settings.core_connect_timeout == 0.5


@pytest.mark.parametrize(
    "name",
    ["WA_DB_PORT", "WACORE_PORT", "WA_WEB_PORT", "WA_MAX_JSON_BYTES", "WA_LOGIN_MAX_FAILURES"],
)
@pytest.mark.parametrize("raw", ["abc", "1.5", "80x"])
def test_integers_raise_config_error_naming_variable_when_not_integers(name: str, raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: raw})
    assert str(caught.value) == f"{name} must be an integer, got {raw!r}"


@pytest.mark.parametrize(
    "name",
    ["WA_DB_WAIT_SECONDS", "WA_CORE_CALL_TIMEOUT", "WA_LOGIN_LOCKOUT_SECONDS"],
)
def test_numbers_raise_config_error_naming_variable_when_not_numbers(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: "soon"})
    assert str(caught.value) == f"{name} must be a number, got 'soon'"


@pytest.mark.parametrize("rounds", [4, 10, 16])
def test_bcrypt_rounds_accepted_when_between_4_and_16(rounds: int) -> None:
    assert Settings.from_env({"WA_BCRYPT_ROUNDS": str(rounds)}).bcrypt_rounds == rounds


@pytest.mark.parametrize("rounds", [0, 3, 17, 31])
def test_bcrypt_rounds_raise_config_error_when_out_of_range(rounds: int) -> None:
    with pytest.raises(ConfigError, match=r"^WA_BCRYPT_ROUNDS must be between 4 and 16$"):
        Settings.from_env({"WA_BCRYPT_ROUNDS": str(rounds)})


def test_log_level_is_upper_cased_when_set() -> None:
    assert Settings.from_env({"WA_LOG_LEVEL": "debug"}).log_level == "DEBUG"


def test_jwt_key_is_kept_when_set_and_none_when_empty() -> None:
    assert Settings.from_env({"WA_WEB_JWT_CRYPTO_KEY": "s3cret"}).jwt_key == "s3cret"
    assert Settings.from_env({"WA_WEB_JWT_CRYPTO_KEY": ""}).jwt_key is None


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_web_limits_follow_env_when_set() -> None:
    limits = Settings.from_env(
        {
            "WA_WEB_HEADER_TIMEOUT_SECONDS": "3.5",
            "WA_WEB_BODY_TIMEOUT_SECONDS": "7",
            "WA_WEB_KEEPALIVE_SECONDS": "2",
            "WA_WEB_MAX_CONNECTIONS": "10",
            "WA_WEB_MAX_HEADER_BYTES": "9000",
            "WA_WEB_MAX_HEADERS": "20",
            "WA_WEB_MAX_URL_BYTES": "4000",
        }
    ).web_limits
    assert (limits.header_timeout, limits.body_timeout, limits.keepalive_timeout) == (3.5, 7, 2)
    assert (limits.max_connections, limits.max_header_bytes) == (10, 9000)
    assert (limits.max_headers, limits.max_url_bytes) == (20, 4000)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("WA_WEB_HEADER_TIMEOUT_SECONDS", "0"),
        ("WA_WEB_BODY_TIMEOUT_SECONDS", "-1"),
        ("WA_WEB_MAX_CONNECTIONS", "0"),
        ("WA_WEB_MAX_HEADERS", "-5"),
    ],
)
def test_web_limits_raise_config_error_when_not_positive(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name} must be greater than 0$"):
        Settings.from_env({name: raw})


def test_web_url_limit_raises_config_error_when_over_the_header_limit() -> None:
    with pytest.raises(ConfigError, match="WA_WEB_MAX_URL_BYTES must not exceed"):
        Settings.from_env({"WA_WEB_MAX_URL_BYTES": "70000"})
