"""Media in business messages: media ids checked before a send is accepted, links
downloaded afterwards, as the real client does (spec §7.3).

An ``id`` that does not exist, or names media that cannot go as that type, is refused at
once (404/1006, 400/1009). A ``link`` is checked for its form at once; the download happens
after the 201, and a failed download fails the message with a ``failed`` receipt.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from waemu.background import stop_tasks
from waemu.coreapp.services.media import MediaInfo, MediaService
from waemu.errors import ApiError, receipt_error

log = logging.getLogger(__name__)

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")


def _described(info: MediaInfo, media: dict[str, Any]) -> dict[str, Any]:
    """The media object as it travels to the customer: what it is, not where it is."""
    return {**media, "id": info.id, "mime_type": info.mime_type, "sha256": info.sha256}


class MessageMedia:
    """Checks media ids and fetches links for business messages."""

    def __init__(self, media: MediaService) -> None:
        self.media = media
        self._tasks: set[asyncio.Task[None]] = set()
        # Resolves the id of a sticker pack's sticker (spec §10.7); None: not a pack sticker.
        self.pack_sticker: Callable[[str], Awaitable[dict[str, Any] | None]] | None = None

    async def prepare(self, message: dict[str, Any]) -> dict[str, Any]:
        """A preparer: resolve a media ``id``; check a ``link``'s form."""
        kind = str(message.get("type", "text"))
        if kind not in MEDIA_TYPES:
            return message
        media = message.get(kind)
        if not isinstance(media, dict):
            return message
        if "id" in media:
            if kind == "sticker" and self.pack_sticker is not None:
                found = await self.pack_sticker(str(media["id"]))
                if found is not None:
                    return {**message, kind: {**media, **found}}
            info = await self.media.resolve_id(media["id"], kind)
            return {**message, kind: _described(info, media)}
        if "link" in media:
            provider = media.get("provider")
            name = provider.get("name") if isinstance(provider, dict) else None
            self.media.check_link(media["link"], name)
        return message

    @staticmethod
    def needs_download(message: dict[str, Any]) -> bool:
        """Whether the message carries a ``link`` not downloaded yet."""
        media = message.get(str(message.get("type", "")))
        return isinstance(media, dict) and "link" in media and "sha256" not in media

    def download_then(
        self,
        message: dict[str, Any],
        ready: Callable[[dict[str, Any]], None],
        failed: Callable[[list[dict[str, Any]]], Awaitable[None]],
    ) -> None:
        """Download the message's link in the background; then hand it on, or fail it."""
        task = asyncio.create_task(self._download(message, ready, failed), name="media-link")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _download(
        self,
        message: dict[str, Any],
        ready: Callable[[dict[str, Any]], None],
        failed: Callable[[list[dict[str, Any]]], Awaitable[None]],
    ) -> None:
        kind = str(message["type"])
        media = dict(message[kind])
        provider = media.get("provider")
        name = provider.get("name") if isinstance(provider, dict) else None
        try:
            info = await self.media.fetch_link(str(media["link"]), name, message_type=kind)
        except ApiError as exc:
            log.info("media for %s not downloaded: %s", message["id"], exc.details)
            error = receipt_error(exc.code, exc.details)
            receipt = {
                "id": message["id"],
                "status": "failed",
                "timestamp": int(time.time()),
                "errors": [error],
            }
            await failed([receipt])
            return
        ready({**message, kind: _described(info, media)})

    async def close(self) -> None:
        """Cancel downloads still running (their messages stay accepted and are retried
        after the next start)."""
        await stop_tasks(list(self._tasks))
