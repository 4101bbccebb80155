"""Configuration from the environment, with the real client's variable names (spec §1.3).

Every variable, its default and its meaning is listed in docs/configuration.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENGINES = ("SQLITE", "PGSQL", "MYSQL")
DEFAULT_DB_PORTS = {"PGSQL": 5432, "MYSQL": 3306}
DEFAULT_DB_USERS = {"PGSQL": "postgres", "MYSQL": "root"}


class ConfigError(ValueError):
    """A variable has a value the emulator cannot use."""


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "")
    if value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be a boolean (1/0/true/false), got {value!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _web_limits(env: Mapping[str, str]) -> WebLimits:
    default = WebLimits()
    limits = WebLimits(
        header_timeout=_float(env, "WA_WEB_HEADER_TIMEOUT_SECONDS", default.header_timeout),
        body_timeout=_float(env, "WA_WEB_BODY_TIMEOUT_SECONDS", default.body_timeout),
        keepalive_timeout=_float(env, "WA_WEB_KEEPALIVE_SECONDS", default.keepalive_timeout),
        max_connections=_int(env, "WA_WEB_MAX_CONNECTIONS", default.max_connections),
        max_header_bytes=_int(env, "WA_WEB_MAX_HEADER_BYTES", default.max_header_bytes),
        max_headers=_int(env, "WA_WEB_MAX_HEADERS", default.max_headers),
        max_url_bytes=_int(env, "WA_WEB_MAX_URL_BYTES", default.max_url_bytes),
    )
    for name, value in (
        ("WA_WEB_HEADER_TIMEOUT_SECONDS", limits.header_timeout),
        ("WA_WEB_BODY_TIMEOUT_SECONDS", limits.body_timeout),
        ("WA_WEB_KEEPALIVE_SECONDS", limits.keepalive_timeout),
        ("WA_WEB_MAX_CONNECTIONS", limits.max_connections),
        ("WA_WEB_MAX_HEADER_BYTES", limits.max_header_bytes),
        ("WA_WEB_MAX_HEADERS", limits.max_headers),
        ("WA_WEB_MAX_URL_BYTES", limits.max_url_bytes),
    ):
        if not value > 0:
            raise ConfigError(f"{name} must be greater than 0")
    if limits.max_url_bytes > limits.max_header_bytes:
        raise ConfigError("WA_WEB_MAX_URL_BYTES must not exceed WA_WEB_MAX_HEADER_BYTES")
    return limits


def _bcrypt_rounds(env: Mapping[str, str]) -> int:
    rounds = _int(env, "WA_BCRYPT_ROUNDS", 12)
    if not 4 <= rounds <= 16:
        raise ConfigError("WA_BCRYPT_ROUNDS must be between 4 and 16")
    return rounds


def _offline_drain(env: Mapping[str, str]) -> float:
    seconds = _float(env, "WA_OFFLINE_DRAIN_MAX_SECONDS", 360.0)
    if not 0 <= seconds <= 3600:
        raise ConfigError("WA_OFFLINE_DRAIN_MAX_SECONDS must be between 0 and 3600")
    return seconds


# A year: longer is no horizon at all, and far-off values would overflow a datetime.
MAX_WEBHOOK_RETRY_HORIZON_SECONDS = 365 * 24 * 3600


def _webhook_retry_horizon(env: Mapping[str, str]) -> float:
    """How long a notification is retried, from when it was written (Meta's webhooks page:
    "up to a certain timeout (typically 24 hours, though this may vary)")."""
    name = "WA_WEBHOOK_RETRY_HORIZON_SECONDS"
    seconds = _float(env, name, 86400.0)
    if not 0 < seconds <= MAX_WEBHOOK_RETRY_HORIZON_SECONDS:  # also refuses nan and inf
        raise ConfigError(
            f"{name} must be a number of seconds greater than 0 and at most "
            f"{MAX_WEBHOOK_RETRY_HORIZON_SECONDS} (365 days), got {env[name]!r}"
        )
    return seconds


def _contacts_max(env: Mapping[str, str]) -> int:
    limit = _int(env, "WA_CONTACTS_MAX_PER_CALL", 1000)
    if not 1 <= limit <= 100_000:
        raise ConfigError("WA_CONTACTS_MAX_PER_CALL must be between 1 and 100000")
    return limit


def _contacts_wait(env: Mapping[str, str]) -> float:
    seconds = _float(env, "WA_CONTACTS_WAIT_SECONDS", 20.0)
    if not 0 <= seconds <= 600:
        raise ConfigError("WA_CONTACTS_WAIT_SECONDS must be between 0 and 600")
    return seconds


def _listen(value: str | None) -> str:
    """A listen address; ``any`` means every interface, as in the real client."""
    if not value:
        return "127.0.0.1"
    return "0.0.0.0" if value == "any" else value  # noqa: S104


def _retention(env: Mapping[str, str], name: str) -> float:
    days = _float(env, name, 30.0)
    if not 0 <= days <= 36500:
        raise ConfigError(f"{name} must be between 0 and 36500 days")
    return days


def _log_level(env: Mapping[str, str]) -> str:
    level = (env.get("WA_LOG_LEVEL") or "INFO").upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError("WA_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return level


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """Where the coreapp keeps its state (``WA_DB_*``)."""

    engine: str = "SQLITE"
    hostname: str = "127.0.0.1"
    port: int = 0
    username: str = ""
    password: str = ""
    name_prefix: str = ""
    sqlite_dir: Path = Path("data")
    wait_seconds: float = 60.0

    @property
    def database_name(self) -> str:
        """One database holds every logical store; the prefix lets clients share a server."""
        return f"{self.name_prefix}waent"


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """High availability and multiconnect (spec §13.1, docs/cluster.md): the variables of
    Meta's multiconnect compose file. Off by default: one coreapp, as before."""

    enabled: bool = False  # WA_APP_MULTICONNECT
    master: bool = False  # WA_MASTER_NODE
    hostname: str = "127.0.0.1"  # COREAPP_HOSTNAME: how webapps and peers reach this node
    port: int = 6250  # the first of COREAPP_EXTERNAL_PORTS: the webapps' socket
    container_id: str = ""  # WA_CONTAINER_ID, else HOSTNAME (Docker's container id)

    @property
    def node_id(self) -> str:
        """The node's key in ``/v1/health``: ``<hostname>:<container-id>`` (spec §10.1)."""
        return f"{self.hostname}:{self.container_id}"


def _cluster(env: Mapping[str, str], engine: str, core_port: int) -> ClusterSettings:
    enabled = _flag(env, "WA_APP_MULTICONNECT", False)
    master = _flag(env, "WA_MASTER_NODE", False)
    if not enabled:
        return ClusterSettings(master=master)
    if engine == "SQLITE":
        raise ConfigError(
            "WA_APP_MULTICONNECT=1 needs a database the nodes share: set WA_DB_ENGINE to "
            "PGSQL or MYSQL (SQLite is a file of one process)"
        )
    ports = [p.strip() for p in env.get("COREAPP_EXTERNAL_PORTS", "").split(",") if p.strip()]
    if ports and not all(p.isdigit() and 0 < int(p) < 65536 for p in ports):
        raise ConfigError(
            "COREAPP_EXTERNAL_PORTS must be a comma-separated list of ports, got "
            f"{env['COREAPP_EXTERNAL_PORTS']!r}"
        )
    container = env.get("WA_CONTAINER_ID") or env.get("HOSTNAME") or f"pid{os.getpid()}"
    return ClusterSettings(
        enabled=True,
        master=master,
        hostname=env.get("COREAPP_HOSTNAME") or "127.0.0.1",
        port=int(ports[0]) if ports else core_port,
        container_id=container,
    )


@dataclass(frozen=True, slots=True)
class WebLimits:
    """The limits of the webapp's HTTP connections (``WA_WEB_*``, docs/security.md); the
    defaults are those of the Apache server in front of the real webapp's PHP."""

    header_timeout: float = 20.0  # seconds for a request's line and headers
    body_timeout: float = 20.0  # longest pause while a body arrives
    keepalive_timeout: float = 5.0  # an idle keep-alive connection closes after this
    max_connections: int = 1000
    max_header_bytes: int = 65536  # request line and headers together
    max_headers: int = 100
    max_url_bytes: int = 8190


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings of the emulator's processes."""

    data_dir: Path = Path("data")
    media_dir: Path = Path("data/media")
    db: DatabaseSettings = field(default_factory=DatabaseSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    # The internal socket (spec §1.2: the webapp reaches the coreapp on port 6250).
    core_host: str = "127.0.0.1"
    core_port: int = 6250
    core_listen: str = "127.0.0.1"
    core_call_timeout: float = 30.0
    core_connect_timeout: float = 3.0
    # The webapp.
    web_host: str = "0.0.0.0"  # noqa: S104 - the webapp is meant to be reachable
    web_port: int = 9090
    web_tls: bool = True
    jwt_key: str | None = None
    api_key: str | None = None
    api_version: str = "v2.53.2"
    max_json_bytes: int = 1024 * 1024
    max_upload_bytes: int = 64 * 1024 * 1024
    web_limits: WebLimits = field(default_factory=WebLimits)
    # Login throttling (docs/security.md).
    login_max_failures: int = 5
    login_lockout_seconds: float = 60.0
    bcrypt_rounds: int = 12
    log_level: str = "INFO"
    access_log: bool = False
    db_upgrade: bool = False
    # Webhooks: the real client refuses http:// webhook URLs; the emulator only when asked.
    webhook_require_https: bool = False
    # The simulated WhatsApp network (docs/network.md).
    network_host: str = "127.0.0.1"
    network_port: int = 5222
    network_listen: str = "127.0.0.1"
    network_control_port: int = 9190
    network_data_dir: Path = Path("data/network")
    network_seed: Path | None = None
    reconnect_min_seconds: float = 1.0
    reconnect_max_seconds: float = 30.0
    # The startup's offline-message drain ends after this at the latest (spec §12: 6 minutes).
    offline_drain_max_seconds: float = 360.0
    webhook_timeout_seconds: float = 20.0
    # Failed notifications are retried until this long after they were written, then given
    # up (docs/webhooks.md): Meta's "typically 24 hours".
    webhook_retry_horizon_seconds: float = 86400.0
    # Contact checks (docs/contacts.md): numbers per POST /v1/contacts, the "wait" bound.
    contacts_max_per_call: int = 1000
    contacts_wait_seconds: float = 20.0
    # Garbage collection (docs/stats.md): ages after which messages and unused media go.
    message_retention_days: float = 30.0
    media_retention_days: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every setting from ``env`` (default: the process environment)."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("WA_DATA_DIR") or "data")
        engine = (env.get("WA_DB_ENGINE") or "SQLITE").upper()
        if engine not in ENGINES:
            raise ConfigError(f"WA_DB_ENGINE must be one of {', '.join(ENGINES)}, got {engine!r}")
        db = DatabaseSettings(
            engine=engine,
            hostname=env.get("WA_DB_HOSTNAME") or "127.0.0.1",
            port=_int(env, "WA_DB_PORT", DEFAULT_DB_PORTS.get(engine, 0)),
            username=env.get("WA_DB_USERNAME") or DEFAULT_DB_USERS.get(engine, ""),
            password=env.get("WA_DB_PASSWORD", ""),
            name_prefix=env.get("WA_DB_NAME_PREFIX", ""),
            sqlite_dir=data_dir,
            wait_seconds=_float(env, "WA_DB_WAIT_SECONDS", 60.0),
        )
        core_port = _int(env, "WACORE_PORT", 6250)
        version = env.get("WA_API_VERSION") or "2.53.2"
        api_key = env.get("WA_API_KEY") or None
        if api_key is not None and not 12 <= len(api_key) <= 128:
            # spec §1.3: WA_API_KEY is 12-128 characters.
            raise ConfigError("WA_API_KEY must be 12 to 128 characters long")
        return cls(
            data_dir=data_dir,
            media_dir=Path(env.get("WA_MEDIA_DIR") or data_dir / "media"),
            db=db,
            cluster=_cluster(env, engine, core_port),
            core_host=env.get("WACORE_HOSTNAME") or "127.0.0.1",
            core_port=core_port,
            core_listen=_listen(env.get("WA_TCP_LISTEN_ADDRESS")),
            core_call_timeout=_float(env, "WA_CORE_CALL_TIMEOUT", 30.0),
            core_connect_timeout=_float(env, "WA_CORE_CONNECT_TIMEOUT", 3.0),
            web_host=env.get("WA_WEB_HOST") or "0.0.0.0",  # noqa: S104
            web_port=_int(env, "WA_WEB_PORT", 9090),
            web_tls=_flag(env, "WA_WEB_TLS", True),
            jwt_key=env.get("WA_WEB_JWT_CRYPTO_KEY") or None,
            api_key=api_key,
            api_version=version if version.startswith("v") else f"v{version}",
            max_json_bytes=_int(env, "WA_MAX_JSON_BYTES", 1024 * 1024),
            max_upload_bytes=_int(env, "WA_MAX_UPLOAD_BYTES", 64 * 1024 * 1024),
            web_limits=_web_limits(env),
            login_max_failures=_int(env, "WA_LOGIN_MAX_FAILURES", 5),
            login_lockout_seconds=_float(env, "WA_LOGIN_LOCKOUT_SECONDS", 60.0),
            bcrypt_rounds=_bcrypt_rounds(env),
            log_level=_log_level(env),
            access_log=_flag(env, "WA_WEB_ACCESS_LOG", False),
            db_upgrade=_flag(env, "WA_DB_UPGRADE", False),
            webhook_require_https=_flag(env, "WA_WEBHOOK_REQUIRE_HTTPS", False),
            network_host=env.get("WA_NETWORK_HOSTNAME") or "127.0.0.1",
            network_port=_int(env, "WA_NETWORK_PORT", 5222),
            network_listen=_listen(env.get("WA_NETWORK_LISTEN_ADDRESS")),
            network_control_port=_int(env, "WA_NETWORK_CONTROL_PORT", 9190),
            network_data_dir=Path(env.get("WA_NETWORK_DATA_DIR") or data_dir / "network"),
            network_seed=Path(env["WA_NETWORK_SEED"]) if env.get("WA_NETWORK_SEED") else None,
            reconnect_min_seconds=_int(env, "WA_NETWORK_RECONNECT_MIN_MS", 1000) / 1000,
            reconnect_max_seconds=_int(env, "WA_NETWORK_RECONNECT_MAX_MS", 30000) / 1000,
            offline_drain_max_seconds=_offline_drain(env),
            webhook_timeout_seconds=_float(env, "WA_WEBHOOK_TIMEOUT_SECONDS", 20.0),
            webhook_retry_horizon_seconds=_webhook_retry_horizon(env),
            contacts_max_per_call=_contacts_max(env),
            contacts_wait_seconds=_contacts_wait(env),
            message_retention_days=_retention(env, "WA_MESSAGE_RETENTION_DAYS"),
            media_retention_days=_retention(env, "WA_MEDIA_RETENTION_DAYS"),
        )
