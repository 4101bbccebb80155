"""Customer messages on their way in: media downloads, identities and errors notifications.

Before a batch of customer messages is stored (and acknowledged to the network), each is
prepared here:

* **Media** (spec §8.2, §11.2): the message carries the network's media id. Types listed in
  ``media.auto_download`` (and referral media unless ``skip_referral_media_download``) are
  downloaded now with the network operation ``media.download`` into the media store, under
  that same id, so the business's ``GET /v1/media/{id}`` serves them. Other media is
  downloaded on the first ``GET /v1/media/{id}`` (``fetch``). A failed download produces an
  errors notification (spec §11.4, code 400 "Media download error"); the message still goes
  out, and a later ``GET`` tries again.
* **Failure episodes**: a download failure is notified at most once per media id until a
  download of that id succeeds. The first failure (on arrival, in the transaction that
  stores the message; at a ``GET``, in a transaction of its own through the webhook outbox)
  opens the episode; later failing ``GET``s answer 500/1014 without a new notification; a
  successful download closes it. Open episodes are kept in memory (the last
  ``EPISODES_REMEMBERED``), so after a restart the next failure is notified again.
* **Identity** (spec §11.2, §6.4): while ``show_security_notifications`` is on, each message
  gets the sender's ``identity`` object (``acknowledged``, ``created_timestamp`` in ms,
  ``hash``), recorded with the identity service; a ``user_identity_changed`` system message
  records the new identity too, so ``GET /v1/contacts/{wa_id}/identity`` shows it
  unacknowledged.

The network sends each sender's identity along with the contact; it is never forwarded to
the webhook.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.application_settings import ApplicationSettings
from waemu.coreapp.services.identity import IdentityService
from waemu.coreapp.services.media import MediaInfo, MediaService, canonical_id
from waemu.errors import ApiError, receipt_error

if TYPE_CHECKING:
    from waemu.coreapp.network_link import NetworkLink

log = logging.getLogger(__name__)

MEDIA_TYPES = ("image", "audio", "voice", "video", "document", "sticker")
REFERRAL_MEDIA = ("image", "video")
DOWNLOAD_ERROR = 400  # "Media download error" (spec §15)
EPISODES_REMEMBERED = 10_000  # media ids whose download failure was notified, newest kept

# Writes webhook payloads inside a transaction (the messages service's listeners: the outbox).
Listener = Callable[[AsyncSession, list[dict[str, Any]]], Awaitable[None]]


def _errors(details: str, version: str) -> dict[str, Any]:
    return {
        "errors": [receipt_error(DOWNLOAD_ERROR, details)],
        "meta": {"api_status": "stable", "version": version},
    }


def download_error(message_id: str, media_id: str, reason: str, version: str) -> dict[str, Any]:
    """An errors notification for a failed inbound media download (spec §11.4)."""
    details = f"Failed to download media {media_id} of message {message_id}: {reason}"
    return _errors(details, version)


def fetch_error(media_id: str, reason: str, version: str) -> dict[str, Any]:
    """An errors notification for a download failing at ``GET /v1/media/{id}`` (spec §11.4)."""
    return _errors(f"Failed to download media {media_id}: {reason}", version)


class InboundService:
    """Prepares customer messages before they are stored and sent to the webhook."""

    def __init__(
        self,
        media: MediaService,
        identities: IdentityService,
        settings: Callable[[], ApplicationSettings],
        version: str,
    ) -> None:
        self.version = version  # the ``meta.version`` of errors notifications
        self.media = media
        self.identities = identities
        self.settings = settings
        self.link: NetworkLink | None = None  # set once the link exists
        # Where errors notifications of failing GETs are written (set with the outbox).
        self.sessions: async_sessionmaker[AsyncSession] | None = None
        self.listeners: list[Listener] = []
        self._failing: dict[str, None] = {}  # open failure episodes, oldest first

    async def prepare(
        self, messages: list[dict[str, Any]], contacts: list[dict[str, Any]]
    ) -> list[tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]]:
        """Each message with its sender's contact (for the webhook) and the errors
        notifications it caused."""
        current = self.settings()
        senders: dict[str, dict[str, Any]] = {}
        identities: dict[str, dict[str, Any]] = {}
        for contact in contacts:
            wa_id = str(contact.get("wa_id"))
            identity = contact.get("identity")
            if isinstance(identity, dict):
                identities[wa_id] = identity
            senders[wa_id] = {k: v for k, v in contact.items() if k != "identity"}
        prepared = []
        for message in messages:
            sender = str(message.get("from"))
            errors = await self._media(message, current)
            await self._identity(message, identities.get(sender), current)
            prepared.append((message, senders.get(sender), errors))
        return prepared

    async def _media(
        self, message: dict[str, Any], current: ApplicationSettings
    ) -> list[dict[str, Any]]:
        wanted: list[dict[str, Any]] = []
        kind = str(message.get("type"))
        if kind in MEDIA_TYPES and kind in current.auto_download:
            wanted.append(message.get(kind) or {})
        referral = message.get("referral")
        if isinstance(referral, dict) and not current.skip_referral_media_download:
            wanted += [referral[k] for k in REFERRAL_MEDIA if isinstance(referral.get(k), dict)]
        errors = []
        for media in wanted:
            media_id = str(media.get("id", ""))
            try:
                await self._download(media_id)
            except ApiError as exc:
                log.warning("inbound media %s not downloaded: %s", media_id, exc.details)
                self._open_episode(media_id)  # notified with the message (always)
                errors.append(
                    download_error(str(message.get("id")), media_id, exc.details, self.version)
                )
            else:
                self._failing.pop(media_id, None)
        return errors

    async def _identity(
        self,
        message: dict[str, Any],
        identity: dict[str, Any] | None,
        current: ApplicationSettings,
    ) -> None:
        system = message.get("system") if message.get("type") == "system" else None
        changed = isinstance(system, dict) and system.get("type") == "user_identity_changed"
        if identity is None or not (changed or current.show_security_notifications):
            return
        created_ms = int(identity.get("created_timestamp", 0)) * 1000
        seen = await self.identities.observe(
            str(message.get("from")), str(identity.get("hash")), created_ms
        )
        if current.show_security_notifications and system is None:
            message["identity"] = seen.to_dict()

    async def _download(self, media_id: str) -> MediaInfo:
        """Fetch ``media_id`` from the network into the media store (once)."""
        if self.link is None:
            raise ApiError(1011, "The coreapp is not connected to the WhatsApp network")
        answer = await self.link.call("media.download", {"id": media_id}, 60)
        try:
            data = base64.b64decode(str(answer["data"]), validate=True)
            mime = str(answer["mime_type"])
        except (KeyError, TypeError, binascii.Error, ValueError):
            raise ApiError(1014, "The network sent a malformed media download") from None
        return await self.media.store_incoming(data, mime, media_id=media_id)

    async def fetch(self, media_id: str) -> MediaInfo | None:
        """``GET /v1/media/{id}`` of media not downloaded yet: fetch it from the network.

        None when the network does not know it for this business, or cannot be asked (not
        connected, not logged in): the caller answers 404/1006. 500/1014 when the network
        knows it but the download fails.
        """
        if canonical_id(media_id) is None or self.link is None or not self.link.connected:
            return None
        try:
            fetched = await self._download(media_id)
        except ApiError as exc:
            if exc.code != 1014:  # unknown here (1006), not logged in (1005), unreachable
                return None
            log.warning("inbound media %s not downloaded on request: %s", media_id, exc.details)
            await self._notify_failure(media_id, exc.details)
            raise ApiError(1014, f"Media download failed: {exc.details}") from None
        self._failing.pop(media_id, None)  # the episode, if any, is over
        return fetched

    def _open_episode(self, media_id: str) -> bool:
        """Start a failure episode for ``media_id``; False when one is already open."""
        if media_id in self._failing:
            return False
        self._failing[media_id] = None
        if len(self._failing) > EPISODES_REMEMBERED:
            self._failing.pop(next(iter(self._failing)))
        return True

    async def _notify_failure(self, media_id: str, reason: str) -> None:
        """The errors notification of a failing ``GET`` (spec §11.4), once per episode,
        written to the webhook outbox in its own transaction."""
        if self.sessions is None or not self._open_episode(media_id):
            return
        payload = fetch_error(media_id, reason, self.version)
        try:
            async with self.sessions.begin() as session:
                for listener in self.listeners:
                    await listener(session, [payload])
        except SQLAlchemyError:
            log.exception("errors notification for media %s not written", media_id)
            self._failing.pop(media_id, None)  # the next failure tries again
