"""The media store (spec §8): uploads, link downloads and customers' media, by UUID.

Files live in the media folder webapp and coreapp share (``WA_MEDIA_DIR``, the real
``/usr/local/wamedia``, spec §1.4); the ``media`` table records each one. The webapp writes
an upload to ``tmp/`` and calls ``register``, which checks it against spec §8.4, moves it to
``outgoing/`` and records it; any failure removes the file. The message pipeline uses
``resolve_id`` (media ``id`` of a message), ``fetch_link`` (media ``link``, with a media
provider's credentials, spec §9.3) and ``store_incoming`` (media a customer sends).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu import media_files
from waemu.clock import Clock
from waemu.coreapp.services import media_types
from waemu.coreapp.services.media_links import LinkDownloader, LinkTimeouts, check_url
from waemu.coreapp.services.media_providers import MediaProvidersService
from waemu.errors import ApiError
from waemu.storage.repos import media as repo
from waemu.storage.tables.media import MediaRow

log = logging.getLogger(__name__)

SHA256 = re.compile(r"[0-9a-f]{64}")
# Temporary files older than this are left by a crashed upload or download (swept on start).
STALE_TEMP_SECONDS = 3600.0
DEFAULT_MAX_UPLOAD = 64 * 1024 * 1024  # spec §8.1


def new_media_id() -> str:
    """A fresh media id: a random UUID in canonical form, as the real client's (spec §8.1)."""
    return str(uuid.uuid4())


def canonical_id(text: object) -> str | None:
    """``text`` if it is a UUID in canonical lower-case form, else None."""
    if not isinstance(text, str):
        return None
    try:
        value = uuid.UUID(text)
    except ValueError:
        return None
    return text if str(value) == text else None


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """One stored media file, as the rest of the coreapp sees it."""

    id: str
    mime_type: str
    size: int
    sha256: str
    path: str  # relative to the media folder
    direction: str  # "outgoing" or "incoming"
    created_at: datetime
    last_used_at: datetime | None

    @property
    def kind(self) -> str:
        """The message type this media is sent as by default (spec §8.4)."""
        return media_types.kind_of(media_types.parse(self.mime_type))

    def to_wire(self) -> dict[str, object]:
        """What the webapp needs to serve the file (``GET /v1/media/{id}``)."""
        return {
            "id": self.id,
            "mime_type": self.mime_type,
            "size": self.size,
            "sha256": self.sha256,
            "path": self.path,
        }


def _info(row: MediaRow) -> MediaInfo:
    return MediaInfo(
        row.id,
        row.mime_type,
        row.size,
        row.sha256,
        row.path,
        row.direction,
        row.created_at,
        row.last_used_at,
    )


def _not_found(media_id: object) -> ApiError:
    return ApiError(1006, f"Media {str(media_id)[:100]!r} not found")


class MediaService:
    """Uploads, downloads and deletions of media files, and their lookups for messages."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        root: Path,
        providers: MediaProvidersService | None = None,
        *,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD,
        timeouts: LinkTimeouts | None = None,
        new_id: Callable[[], str] = new_media_id,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.root = root
        self.max_upload_bytes = max_upload_bytes
        self.new_id = new_id
        self.links = LinkDownloader(root, providers, timeouts)
        # Fetches inbound media that was not downloaded on arrival (services/inbound.py).
        self.fetch_missing: Callable[[str], Awaitable[MediaInfo | None]] | None = None

    async def load(self) -> None:
        """Remove temporary files a crash left in ``tmp/``."""
        removed = await media_files.sweep_temp(self.root, STALE_TEMP_SECONDS)
        if removed:
            log.info("removed %d abandoned temporary media files", removed)

    async def close(self) -> None:
        """Release the link downloader's connections."""
        await self.links.close()

    # -- the /v1/media nodes ------------------------------------------------------------

    async def register(
        self, media_id: object, mime_type: object, size: object, sha256: object, temp: object
    ) -> MediaInfo:
        """``POST /v1/media``: record an upload the webapp wrote to ``temp`` (spec §8.1).

        The MIME type must be one spec §8.4 supports (400/1009), the body not empty
        (400/1008) and within the upload limit (413/1025). On any failure the file is gone.
        """
        if not isinstance(temp, str) or not media_files.is_temp(temp):
            raise ApiError(1009, "Invalid value for path: not a temporary upload file")
        try:
            canonical = canonical_id(media_id)
            if canonical is None:
                raise ApiError(1009, "Invalid value for id: must be a UUID")
            if not isinstance(mime_type, str):
                raise ApiError(1008, "Missing required parameter: Content-Type")
            mime = media_types.supported(mime_type)
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise ApiError(1009, "Invalid value for size: must be a byte count")
            if size == 0:
                raise ApiError(1008, "Missing required parameter: media data (the body is empty)")
            if size > self.max_upload_bytes:
                raise ApiError(
                    1025,
                    f"Media is larger than the upload limit of {self.max_upload_bytes} bytes",
                    413,
                )
            if not isinstance(sha256, str) or not SHA256.fullmatch(sha256):
                raise ApiError(1009, "Invalid value for sha256: must be 64 hex digits")
            on_disk = await media_files.size_of(self.root, temp)
            if on_disk != size:
                raise ApiError(1014, f"Upload failed: {on_disk} bytes on disk, {size} announced")
        except BaseException:
            await self._drop(temp)
            raise
        return await self._record(canonical, temp, str(mime), size, sha256, media_files.OUTGOING)

    async def info(self, media_id: object, *, fetch: bool = True) -> MediaInfo:
        """``GET /v1/media/{id}``: the media's record; 404/1006 when unknown (spec §8.2).
        With ``fetch`` false only media stored here counts (no download from the network)."""
        canonical = canonical_id(media_id)
        if canonical is None:
            raise _not_found(media_id)
        async with self.sessions.begin() as session:
            row = await repo.get(session, canonical)
        if row is not None:
            return _info(row)
        # Inbound media not downloaded on arrival is fetched now (docs/webhooks.md).
        fetcher = self.fetch_missing if fetch else None
        fetched = None if fetcher is None else await fetcher(canonical)
        if fetched is None:
            raise _not_found(media_id)
        return fetched

    async def delete(self, media_id: object) -> None:
        """``DELETE /v1/media/{id}``: the record and the file go; 404/1006 when unknown."""
        info = await self.info(media_id)
        async with self.sessions.begin() as session:
            if not await repo.delete(session, info.id):
                raise _not_found(media_id)
        try:
            await media_files.remove(self.root, info.path)
        except OSError as exc:
            log.warning("media %s: record deleted, file %s kept: %s", info.id, info.path, exc)

    # -- for the message pipeline ------------------------------------------------------

    def limit_for(self, message_type: str) -> int:
        """The largest media a ``message_type`` message may carry (spec §8.4), in bytes."""
        return media_types.limit_for(message_type)

    def check_for_message(self, info: MediaInfo, message_type: str) -> None:
        """400/1009 unless ``info`` may be sent as ``message_type`` (its type and size)."""
        limit = media_types.limit_for(message_type)
        field = f"{message_type}.id"
        if not media_types.accepts(message_type, media_types.parse(info.mime_type)):
            raise ApiError(
                1009,
                f"Invalid value for {field}: media {info.id} is {info.mime_type}, which cannot "
                f"be sent as {message_type} (expects {media_types.expected_types(message_type)})",
            )
        if info.size > limit:
            raise ApiError(
                1009,
                f"Invalid value for {field}: media {info.id} is "
                f"{media_types.human_size(info.size)}, over the "
                f"{media_types.human_size(limit)} allowed for {message_type} messages",
            )

    async def resolve_id(self, media_id: object, message_type: str | None = None) -> MediaInfo:
        """The media a message's ``id`` names, marked as used now (spec §7.3, §8.5).

        404/1006 when there is no such media, or its file is gone from the media folder;
        with ``message_type``, also 400/1009 when it cannot be sent as that type.
        """
        info = await self.info(media_id)
        if await media_files.size_of(self.root, info.path) is None:
            raise ApiError(1006, f"Media {info.id} not found: its file is missing")
        if message_type is not None:
            self.check_for_message(info, message_type)
        now = self.clock.now()
        async with self.sessions.begin() as session:
            await repo.touch(session, info.id, now)
        return replace(info, last_used_at=now)

    def check_link(self, url: object, provider_name: object = None) -> None:
        """The synchronous checks of a ``link`` (400/1009): an http(s) URL, a known provider."""
        check_url(url)
        self.links.provider(provider_name)

    async def fetch_link(
        self, url: str, provider_name: str | None = None, *, message_type: str | None = None
    ) -> MediaInfo:
        """Download a message's ``link`` and store it as outgoing media (spec §7.3, §9.3).

        Basic or Bearer credentials of the named provider are sent. The size limit is the
        one of ``message_type`` when given, else of the type the server's answer shows.
        400/1009 for a bad URL or an unknown provider; 500/1014 when the download fails
        (HTTP error, timeout, too large, unsupported or mismatched type), details saying why.
        """
        media_id = self.new_id()
        temp = media_files.temp_path(media_id)
        got = await self.links.download(url, provider_name, temp, message_type)
        return await self._record(
            media_id, got.temp, str(got.mime), got.size, got.sha256, media_files.OUTGOING
        )

    async def store_incoming(
        self, data: bytes, mime: str, *, media_id: str | None = None
    ) -> MediaInfo:
        """Keep media a customer sent (inbound messages, spec §8.2, §11.2).

        ``media_id`` is the id the network gave the file (the webhook's ``id``); storing the
        same id again (a push repeated after a crash) answers the record already kept.
        """
        parsed = media_types.parse(mime)
        if media_id is None:
            media_id = self.new_id()
        elif canonical_id(media_id) is None:
            raise ApiError(1009, f"Invalid value for id: {media_id[:64]!r} is not a media id")
        else:
            async with self.sessions() as session:
                row = await repo.get(session, media_id)
            if row is not None:
                return _info(row)
        temp = media_files.temp_path(f"{media_id}.{uuid.uuid4().hex[:8]}")
        size, digest = await media_files.write_file(self.root, temp, data)
        try:
            return await self._record(
                media_id, temp, str(parsed), size, digest, media_files.INCOMING
            )
        except ApiError as exc:
            if exc.code != 1004:
                raise
            return await self.info(media_id)  # stored meanwhile by a concurrent download

    def path(self, info: MediaInfo) -> Path:
        """The absolute path of the media's file."""
        return media_files.resolve(self.root, info.path)

    async def read(self, info: MediaInfo) -> bytes:
        """The media's bytes (read in a worker thread)."""
        return await media_files.read(self.root, info.path)

    # -- shared ------------------------------------------------------------------------

    async def _record(
        self, media_id: str, temp: str, mime: str, size: int, sha256: str, direction: str
    ) -> MediaInfo:
        """Move ``temp`` to its final place and record it; nothing is left on failure."""
        final = media_files.final_path(direction, media_id)
        try:
            async with self.sessions.begin() as session:
                if await repo.get(session, media_id) is not None:
                    raise self._exists(media_id)
            await media_files.move(self.root, temp, final)
        except FileExistsError:
            await self._drop(temp)
            raise self._exists(media_id) from None
        except OSError as exc:
            await self._drop(temp)
            raise ApiError(1014, f"Could not store media {media_id}: {exc}") from None
        except BaseException:
            await self._drop(temp)
            raise
        row = MediaRow(
            id=media_id,
            mime_type=mime,
            size=size,
            sha256=sha256,
            path=final,
            direction=direction,
            created_at=self.clock.now(),
            last_used_at=None,
        )
        info = _info(row)
        try:
            async with self.sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            await self._drop(final)
            raise self._exists(media_id) from None
        except BaseException:
            await self._drop(final)
            raise
        return info

    async def _drop(self, relative: str) -> None:
        """Delete a file while handling another failure (which must not be masked)."""
        try:
            await media_files.remove(self.root, relative)
        except OSError as exc:
            log.warning("could not remove media file %s: %s", relative, exc)

    @staticmethod
    def _exists(media_id: str) -> ApiError:
        # Meta's table: 1004 "Possible UUID conflict for media upload request".
        return ApiError(1004, f"Media {media_id} already exists (UUID conflict)")
