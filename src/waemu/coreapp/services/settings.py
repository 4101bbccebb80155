"""Application settings (spec §9.1): defaults, PATCH rules, persistence, and the snapshot.

The settings live in the ``config`` store under ``settings.application`` as the full object;
the service keeps the current value as a frozen :class:`ApplicationSettings`, which other
coreapp services read through :meth:`SettingsService.application` (the webhook dispatcher
reads ``webhooks`` and the ``callback_*`` values there). docs/settings.md lists every
parameter, its default and what the emulator does with it.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.application_settings import (
    AUTO_DOWNLOAD_TYPES,
    DEFAULTS,
    ApplicationSettings,
)
from waemu.coreapp.services import rules
from waemu.errors import ApiError
from waemu.storage.repos import config

log = logging.getLogger(__name__)

CONFIG_KEY = "settings.application"
# Written by the registration work (POST /v1/account/verify): {"wa_id": "...", ...}.
REGISTRATION_KEY = "account.registration"

MAX_CONCURRENT_REQUESTS = (6, 12, 18, 24)
LOG_LEVELS = ("debug", "info", "warning", "error")

# -- PATCH rules -------------------------------------------------------------------------


def _pass_through(value: Any, path: str) -> bool:
    enabled = rules.boolean(value, path)
    if enabled:
        # spec §16: since v2.35 pass_through can no longer be turned (back) on.
        raise ApiError(1009, f"Invalid value for {path}: pass_through can no longer be enabled")
    return enabled


def _pager(value: Any, path: str) -> str | None:
    # A wa_id or group id. wabclient passes its caller's value through, so a number arrives
    # too; the real webapp forwarded it unchanged. Kept (and shown by GET) as its digits.
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise rules.invalid(path, "must not be negative")
        value = str(value)
    elif not isinstance(value, str):
        raise rules.invalid(path, "must be a string or an integer")
    text = rules.text(value, path, max_length=128)
    return text or None


def _listen_address(value: Any, path: str) -> str:
    # wabclient sends "any" (its default); no documented version describes the key and the
    # real webapp never passed it on, so it is checked for its form and then ignored.
    if isinstance(value, str):
        if value == "any":
            return value
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            pass
    raise rules.invalid(path, 'must be "any" or an IP address')


def _rate_limit(value: Any, path: str) -> list[int]:
    # RapidPro sends ["15", "54600", "1000000"]; the real webapp passed the array on
    # unchanged. The emulator does not limit the request rate, so it is then ignored.
    if not isinstance(value, list):
        raise rules.invalid(path, "must be an array")
    if not 1 <= len(value) <= 3:
        raise rules.invalid(path, "must hold 1 to 3 numbers")
    return [rules.digits(item, f"{path}.{index}") for index, item in enumerate(value)]


def _auto_download(value: Any, path: str) -> list[str]:
    if not isinstance(value, list):
        raise ApiError(1009, f"Invalid value for {path}: must be an array")
    chosen: list[str] = []
    for index, item in enumerate(value):
        kind = rules.choice(item, f"{path}.{index}", AUTO_DOWNLOAD_TYPES)
        if kind not in chosen:
            chosen.append(kind)
    return chosen


# The accepted keys: a rule per leaf, nested dicts for objects; other keys get 1010.
PATCH_RULES: dict[str, Any] = {
    "axolotl_context_striping_disabled": rules.boolean,
    "callback_backoff_delay_ms": rules.milliseconds,
    "callback_persist": rules.boolean,
    "contacts_api_rate_limit": _rate_limit,
    "contacts_scrape_rate_limit": rules.digits,
    "db_garbagecollector_enable": rules.boolean,
    "garbagecollector_enable": {"media": rules.boolean, "messages": rules.boolean},
    "heartbeat_interval": rules.positive_int,
    "log_level": lambda v, p: rules.choice(v, p, LOG_LEVELS),
    "max_callback_backoff_delay_ms": rules.milliseconds,
    "media": {"auto_download": _auto_download},
    "messaging_api_rate_limit": _rate_limit,
    "notify_user_change_number": rules.boolean,
    "on_call_pager": _pager,
    "pass_through": _pass_through,
    "sent_status": rules.boolean,
    "show_security_notifications": rules.boolean,
    "skip_referral_media_download": rules.boolean,
    "tcp_listen_address": _listen_address,
    "unhealthy_interval": rules.positive_int,
    "verbose_logging": rules.boolean,
    "webhook_payload_conversation_pricingmodel_disabled": rules.boolean,
    "webhooks": {
        "max_concurrent_requests": lambda v, p: rules.choice(v, p, MAX_CONCURRENT_REQUESTS),
        "message": {"delivered": rules.boolean, "read": rules.boolean, "sent": rules.boolean},
        "url": rules.webhook_url,
    },
}


NESTED_KEYS = ("webhooks", "garbagecollector_enable", "media")
LEGACY_KEYS = ("sent_status", "db_garbagecollector_enable")
# Keys of older clients that are checked and then ignored: not stored, not shown by GET
# (docs/settings.md, "Older clients' keys").
IGNORED_KEYS = (
    "tcp_listen_address",
    "messaging_api_rate_limit",
    "contacts_api_rate_limit",
    "contacts_scrape_rate_limit",
)
# Keys where null means "leave it as it is": the real webapp forwarded an absent key and
# a null one alike (wabclient sends on_call_pager null when its caller has no pager).
NULL_IS_ABSENT = ("on_call_pager",)


def _agree(clean: Mapping[str, Any], legacy: str, path: tuple[str, ...]) -> Any:
    """A legacy flag and its nested successor must agree when both are sent."""
    node: Any = clean
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    old = clean.get(legacy)
    if old is not None and node is not None and old != node:
        raise ApiError(1009, f"Invalid value for {legacy}: contradicts {'.'.join(path)}")
    return node if node is not None else old


def apply_patch(
    current: ApplicationSettings, patch: Mapping[str, Any], *, require_https: bool
) -> ApplicationSettings:
    """``current`` with ``patch`` merged key by key; raises before anything is changed."""
    clean = rules.walk(
        {k: v for k, v in patch.items() if v is not None or k not in NULL_IS_ABSENT},
        PATCH_RULES,
    )
    hooks: dict[str, Any] = clean.get("webhooks", {})
    url = hooks.get("url")
    if require_https and url and not url.lower().startswith("https://"):
        # spec §9.1: the real client requires HTTPS; the emulator only with this switch.
        raise ApiError(1009, "Invalid value for webhooks.url: must be an https:// URL")
    # spec §9.1: sent_status is the legacy form of webhooks.message.sent (deprecated v2.45),
    # db_garbagecollector_enable that of garbagecollector_enable.messages.
    sent = _agree(clean, "sent_status", ("webhooks", "message", "sent"))
    messages_gc = _agree(
        clean, "db_garbagecollector_enable", ("garbagecollector_enable", "messages")
    )
    message = replace(current.webhooks.message, **hooks.get("message", {}))
    if sent is not None:
        message = replace(message, sent=sent)
    other_hooks = {key: value for key, value in hooks.items() if key != "message"}
    webhooks = replace(current.webhooks, message=message, **other_hooks)
    gc = replace(current.garbagecollector, **clean.get("garbagecollector_enable", {}))
    if messages_gc is not None:
        gc = replace(gc, messages=messages_gc)
    skipped = (*NESTED_KEYS, *LEGACY_KEYS, *IGNORED_KEYS)
    flat = {key: value for key, value in clean.items() if key not in skipped}
    if "auto_download" in clean.get("media", {}):
        flat["auto_download"] = tuple(clean["media"]["auto_download"])
    return replace(current, webhooks=webhooks, garbagecollector=gc, **flat)


def from_stored(stored: Any) -> ApplicationSettings:
    """Settings read back from the database: the stored object merged over the defaults.

    Keys this version does not know (or values it no longer accepts) are dropped with a
    warning rather than stopping the coreapp.
    """
    if not isinstance(stored, dict):
        return DEFAULTS
    known = {key: value for key, value in stored.items() if key in PATCH_RULES}
    try:
        return apply_patch(DEFAULTS, known, require_https=False)
    except ApiError as exc:
        log.warning("stored application settings ignored: %s", exc.details)
        return DEFAULTS


# -- the service -------------------------------------------------------------------------

Listener = Callable[[ApplicationSettings], None]


class SettingsService:
    """The application settings: cached, written through, and published to listeners."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, require_https: bool = False
    ) -> None:
        self.sessions = sessions
        self.require_https = require_https
        self._current = DEFAULTS
        self._listeners: list[Listener] = []

    async def load(self) -> None:
        """Read the persisted settings (defaults when none were ever saved)."""
        async with self.sessions.begin() as session:
            self._current = from_stored(await config.get(session, CONFIG_KEY))

    def application(self) -> ApplicationSettings:
        """The current settings, for other coreapp services (an immutable snapshot)."""
        return self._current

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with the new settings after every change."""
        self._listeners.append(listener)

    async def wa_id(self) -> str | None:
        """The registered number, once the registration work has stored one."""
        async with self.sessions.begin() as session:
            registration = await config.get(session, REGISTRATION_KEY)
        if isinstance(registration, dict) and isinstance(registration.get("wa_id"), str):
            return str(registration["wa_id"]) or None
        return None

    async def get(self) -> dict[str, Any]:
        """``GET /v1/settings/application``: every setting, defaults filled in (spec §9.1)."""
        return self._current.to_dict(await self.wa_id())

    async def update(self, patch: Mapping[str, Any]) -> None:
        """``PATCH``: merge ``patch``; nothing changes when any value is invalid (spec §9.1)."""
        patch = dict(patch)
        if "wa_id" in patch:
            sent = patch.pop("wa_id")
            if sent != await self.wa_id():
                # Read-only; sending back what GET returned is harmless, changing it is not.
                raise ApiError(1010, "Unexpected parameter: wa_id is read-only")
        updated = apply_patch(self._current, patch, require_https=self.require_https)
        await self._save(updated)

    async def reset(self) -> None:
        """``DELETE``: every setting back to its default (spec §9.1)."""
        await self._save(DEFAULTS)

    async def _save(self, updated: ApplicationSettings) -> None:
        async with self.sessions.begin() as session:
            await config.put(session, CONFIG_KEY, updated.to_dict())
        self._current = updated
        for listener in self._listeners:
            try:
                listener(updated)
            except Exception:
                log.exception("settings listener failed")
