"""Media providers (spec §9.3): credentials the coreapp adds when it downloads ``link`` media.

The official page (developers.facebook.com/docs/whatsapp/api/settings/media-providers)
shows GET returning the usernames, passwords and bearer tokens as they were set, and says a
provider can only be set up one at a time; posting an existing name overwrites it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.clock import Clock
from waemu.coreapp.services import rules
from waemu.errors import ApiError
from waemu.storage.repos import settings as repo
from waemu.storage.tables import MediaProviderRow

# Sinch's copy of the provider rules ("A-Z, a-z, -, and _ allowed. 200 characters
# maximum"); digits are accepted too (docs/settings.md).
NAME = re.compile(r"[A-Za-z0-9_-]{1,200}")
PROVIDER_TYPES = ("www",)
MAX_CREDENTIAL_LENGTH = 1024
MAX_BEARER_LENGTH = 8192


@dataclass(frozen=True, slots=True)
class MediaProvider:
    """One provider: Basic credentials or a bearer token for ``www`` (HTTP/HTTPS) links."""

    name: str
    type: str
    username: str | None = None
    password: str | None = None
    bearer: str | None = None

    def config(self) -> dict[str, Any]:
        """The ``config`` object, as it was set."""
        if self.bearer is not None:
            return {"bearer": self.bearer}
        return {"basic": {"username": self.username, "password": self.password}}

    def to_dict(self) -> dict[str, Any]:
        """The provider as GET lists it."""
        return {"name": self.name, "type": self.type, "config": self.config()}


def _required(data: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in data:
        raise ApiError(1008, f"Missing required parameter: {path}{key}")
    return data[key]


def _credential(data: Mapping[str, Any], key: str, path: str) -> str:
    value = _required(data, key, path)
    return rules.text(value, f"{path}{key}", max_length=MAX_CREDENTIAL_LENGTH, min_length=1)


def parse_provider(data: Any, path: str = "") -> MediaProvider:
    """Validate one provider object of a POST body."""
    if not isinstance(data, Mapping):
        raise rules.invalid(path.rstrip(".") or "body", "must be an object")
    for key in data:
        if key not in ("name", "type", "config"):
            raise ApiError(1010, f"Unexpected parameter: {path}{key}")
    name = rules.text(_required(data, "name", path), f"{path}name", max_length=200, min_length=1)
    if not NAME.fullmatch(name):
        raise rules.invalid(f"{path}name", "only letters, digits, '-' and '_' are allowed")
    kind = rules.choice(_required(data, "type", path), f"{path}type", PROVIDER_TYPES)
    config = _required(data, "config", path)
    where = f"{path}config"
    if not isinstance(config, Mapping):
        raise rules.invalid(where, "must be an object")
    for key in config:
        if key not in ("basic", "bearer"):
            raise ApiError(1010, f"Unexpected parameter: {where}.{key}")
    if "basic" in config and "bearer" in config:
        raise rules.invalid(where, "set either basic or bearer, not both")
    if "bearer" in config:
        bearer = rules.text(
            config["bearer"], f"{where}.bearer", max_length=MAX_BEARER_LENGTH, min_length=1
        )
        return MediaProvider(name, kind, bearer=bearer)
    if "basic" not in config:
        raise ApiError(1008, f"Missing required parameter: {where}.basic or {where}.bearer")
    basic = config["basic"]
    if not isinstance(basic, Mapping):
        raise rules.invalid(f"{where}.basic", "must be an object")
    for key in basic:
        if key not in ("username", "password"):
            raise ApiError(1010, f"Unexpected parameter: {where}.basic.{key}")
    username = _credential(basic, "username", f"{where}.basic.")
    password = _credential(basic, "password", f"{where}.basic.")
    return MediaProvider(name, kind, username=username, password=password)


def _from_row(row: MediaProviderRow) -> MediaProvider:
    config = orjson.loads(row.config)
    basic = config.get("basic") or {}
    return MediaProvider(
        row.name, row.type, basic.get("username"), basic.get("password"), config.get("bearer")
    )


class MediaProvidersService:
    """The provider list, cached in memory and written through to ``media_providers``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock
        self._rows: dict[str, int] = {}
        self._providers: dict[str, MediaProvider] = {}
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        """Read every provider."""
        async with self.sessions.begin() as session:
            rows = await repo.all_providers(session)
        self._rows = {row.name: row.id for row in rows}
        self._providers = {row.name: _from_row(row) for row in rows}

    def providers(self) -> tuple[MediaProvider, ...]:
        """The providers, oldest first (for the media download of ``link`` messages)."""
        return tuple(self._providers.values())

    def provider(self, name: str) -> MediaProvider | None:
        """The provider called ``name`` (names are case-sensitive)."""
        return self._providers.get(name)

    def get(self) -> list[dict[str, Any]]:
        """``GET /v1/settings/application/media/providers`` (spec §9.3)."""
        return [provider.to_dict() for provider in self._providers.values()]

    async def set(self, body: Any) -> None:
        """``POST``: add a provider, or overwrite the one with the same name (spec §9.3)."""
        if not isinstance(body, list):
            raise ApiError(1025, "Request body must be a JSON array of providers")
        if len(body) != 1:
            # The docs: "Currently, you can only set up one provider at a time."
            raise rules.invalid("body", "set exactly one provider per request")
        provider = parse_provider(body[0], "0.")
        config = orjson.dumps(provider.config()).decode()
        async with self._lock:
            async with self.sessions.begin() as session:
                row_id = self._rows.get(provider.name)
                row = None if row_id is None else await repo.provider_by_id(session, row_id)
                if row is None:
                    row = MediaProviderRow(
                        name=provider.name,
                        type=provider.type,
                        config=config,
                        created_at=self.clock.now(),
                    )
                    session.add(row)
                else:
                    row.type = provider.type
                    row.config = config
                await session.flush()
                row_id = row.id
            self._rows[provider.name] = row_id
            self._providers[provider.name] = provider

    async def delete(self, name: str) -> None:
        """``DELETE .../providers/{name}``; an unknown name is 404/1006."""
        async with self._lock:
            row_id = self._rows.get(name)
            if row_id is None:
                raise ApiError(1006, f"Media provider '{name}' not found")
            async with self.sessions.begin() as session:
                await repo.delete_provider(session, row_id)
            del self._rows[name]
            del self._providers[name]
