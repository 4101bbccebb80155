"""Backup and restore of settings and registration (spec §9.7).

A backup is a JSON snapshot of what the real client backs up — application settings, media
providers, the profile (about, photo), the business profile and compliance info, two-step
state as stored, the shard count and the registration with the client identity it logs in
with — never messages or callbacks. It is encrypted with AES-256-GCM under a key derived
from the password with scrypt, and handed out as base64 text: ``magic | salt | nonce |
ciphertext``. A wrong password and a damaged blob both fail authentication (400/1009).

A restore needs a running, unregistered coreapp (spec §9.7). It writes everything in one
transaction, reloads the services' caches and logs in to the network with the restored
registration, without a restart: the real client "automatically initializes itself and
starts serving requests" in this case (docs/settings.md).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.coreapp.services import account as account_keys
from waemu.coreapp.services import profile as profile_keys
from waemu.coreapp.services import settings as settings_keys
from waemu.coreapp.services.account import AccountService
from waemu.coreapp.services.media_providers import MediaProvidersService
from waemu.coreapp.services.settings import SettingsService
from waemu.errors import ApiError
from waemu.storage.repos import config
from waemu.storage.repos import settings as settings_repo
from waemu.storage.tables import MediaProviderRow, ProfilePhotoRow

log = logging.getLogger(__name__)

MAGIC = b"WAB1"
SALT_BYTES, NONCE_BYTES = 16, 12
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
VERSION = 1
MAX_PASSWORD = 1024
# The config entries a backup holds; the rest (signing key, pending code, caches) stays.
CONFIG_KEYS = (
    settings_keys.CONFIG_KEY,
    profile_keys.ABOUT_KEY,
    profile_keys.BUSINESS_KEY,
    profile_keys.COMPLIANCE_KEY,
    account_keys.REGISTRATION,
    account_keys.CLIENT_ID,
    account_keys.SHARDS,
    account_keys.TWO_STEP,
)
REGISTRATION_FIELDS = ("cc", "phone_number", "wa_id", "vname", "secret")


def _key(password: str, salt: bytes) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return kdf.derive(password.encode())


def encrypt(snapshot: dict[str, Any], password: str) -> str:
    """The backup text for ``snapshot`` (blocking: the key derivation is slow by design)."""
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(password, salt)).encrypt(nonce, orjson.dumps(snapshot), MAGIC)
    return base64.b64encode(MAGIC + salt + nonce + sealed).decode()


def decrypt(data: str, password: str) -> dict[str, Any]:
    """The snapshot in ``data``, or 400/1009 (blocking)."""
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(1009, "Invalid value for data: not a backup (bad base64)") from None
    head = len(MAGIC) + SALT_BYTES + NONCE_BYTES
    if len(raw) <= head + 16 or not raw.startswith(MAGIC):
        raise ApiError(1009, "Invalid value for data: not a backup made by this client")
    salt = raw[len(MAGIC) : len(MAGIC) + SALT_BYTES]
    nonce = raw[len(MAGIC) + SALT_BYTES : head]
    try:
        plain = AESGCM(_key(password, salt)).decrypt(nonce, raw[head:], MAGIC)
    except InvalidTag:
        raise ApiError(
            1009, "Invalid value for password: wrong password, or the backup data is damaged"
        ) from None
    snapshot = orjson.loads(plain)
    if not isinstance(snapshot, dict) or snapshot.get("version") != VERSION:
        raise ApiError(1009, "Invalid value for data: unsupported backup version")
    return snapshot


def _password(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ApiError(1008, "Missing required parameter: password")
    if len(value) > MAX_PASSWORD:
        raise ApiError(1009, f"Invalid value for password: at most {MAX_PASSWORD} characters")
    return value


def _checked(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot's parts, or 400/1009 when it is not a complete backup."""
    stored = snapshot.get("config")
    providers = snapshot.get("media_providers")
    photo = snapshot.get("profile_photo")
    registration = stored.get(account_keys.REGISTRATION) if isinstance(stored, dict) else None
    if (
        not isinstance(stored, dict)
        or set(stored) - set(CONFIG_KEYS)
        or not isinstance(registration, dict)
        or not all(isinstance(registration.get(f), str) for f in REGISTRATION_FIELDS)
        or not isinstance(stored.get(account_keys.CLIENT_ID), str)
        or not isinstance(providers, list)
        or not all(isinstance(p, dict) for p in providers)
        or not (photo is None or isinstance(photo, dict))
    ):
        raise ApiError(1009, "Invalid value for data: the backup is incomplete")
    return {"config": stored, "media_providers": providers, "profile_photo": photo}


class BackupService:
    """``POST /v1/settings/backup`` and ``POST /v1/settings/restore``."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        account: AccountService,
        reload: Callable[[], Awaitable[None]],
    ) -> None:
        self.sessions = sessions
        self.account = account
        self.reload = reload  # refreshes the caches of the other services after a restore
        self._restoring = asyncio.Lock()  # one restore at a time

    async def backup(self, password: Any) -> str:
        """The encrypted snapshot; 1011 unless a number is registered (spec §9.7)."""
        secret = _password(password)
        self.account.require_registration()
        snapshot = await self._snapshot()
        return await asyncio.to_thread(encrypt, snapshot, secret)

    async def _snapshot(self) -> dict[str, Any]:
        async with self.sessions.begin() as session:
            stored = {}
            for key in CONFIG_KEYS:
                value = await config.get(session, key)
                if value is not None:
                    stored[key] = value
            providers = [
                {
                    "name": row.name,
                    "type": row.type,
                    "config": row.config,
                    "created_at": row.created_at.isoformat(),
                }
                for row in await settings_repo.all_providers(session)
            ]
            row = await settings_repo.photo(session)
            photo = None
            if row is not None:
                photo = {
                    "photo_id": row.photo_id,
                    "jpeg_base64": row.jpeg_base64,
                    "size": row.size,
                    "updated_at": row.updated_at.isoformat(),
                }
        return {
            "version": VERSION,
            "config": stored,
            "media_providers": providers,
            "profile_photo": photo,
        }

    async def restore(self, password: Any, data: Any) -> None:
        """Replace settings and registration with the backup's, then log in with it."""
        secret = _password(password)
        if not isinstance(data, str) or not data:
            raise ApiError(1008, "Missing required parameter: data")
        self._require_unregistered()
        parts = _checked(await asyncio.to_thread(decrypt, data, secret))
        async with self._restoring:
            # Checked again: another restore or a registration may have finished meanwhile.
            self._require_unregistered()
            try:
                await self._write(parts)
            except (KeyError, TypeError, ValueError) as exc:
                raise ApiError(
                    1009, f"Invalid value for data: the backup is damaged ({exc})"
                ) from None
            log.info("settings and registration restored from a backup")
            await self.reload()

    def _require_unregistered(self) -> None:
        """403/1005 unless the client is unregistered (spec §9.7: restore is for a running,
        unregistered client)."""
        if self.account.registration is not None:
            raise ApiError(
                1005,
                f"Restore needs an unregistered client; this one holds +{self.account.wa_id}",
            )

    async def _write(self, parts: dict[str, Any]) -> None:
        """Everything in one transaction: a failure changes nothing."""
        async with self.sessions.begin() as session:
            for key in CONFIG_KEYS:
                if key in parts["config"]:
                    await config.put(session, key, parts["config"][key])
                else:
                    await config.delete(session, key)
            await config.delete(session, account_keys.PENDING)
            for row in await settings_repo.all_providers(session):
                await settings_repo.delete_provider(session, row.id)
            for provider in parts["media_providers"]:
                session.add(
                    MediaProviderRow(
                        name=str(provider["name"]),
                        type=str(provider["type"]),
                        config=str(provider["config"]),
                        created_at=datetime.fromisoformat(provider["created_at"]),
                    )
                )
            await settings_repo.delete_photo(session)
            photo = parts["profile_photo"]
            if photo is not None:
                session.add(
                    ProfilePhotoRow(
                        id=settings_repo.PHOTO_ROW_ID,
                        photo_id=str(photo["photo_id"]),
                        jpeg_base64=str(photo["jpeg_base64"]),
                        size=int(photo["size"]),
                        updated_at=datetime.fromisoformat(photo["updated_at"]),
                    )
                )


def reloader(
    account: AccountService,
    app_settings: SettingsService,
    providers: MediaProvidersService,
    settings_changed: Callable[[], None],
) -> Callable[[], Awaitable[None]]:
    """What a restore runs after its transaction: every cache reads the restored state, and
    the link says hello with the restored client identity and logs in (spec §9.7)."""

    async def reload() -> None:
        await account.load()
        account.taken_over = False
        await app_settings.load()
        await providers.load()
        settings_changed()
        link = account.link
        if link is None:
            return
        link.client_id = account.client_id
        if link.connected:
            try:
                await link.call("hello", {"client_id": account.client_id})
            except ApiError as exc:
                log.warning("hello after restore failed: %s", exc.details)
        await link.login()

    return reload
