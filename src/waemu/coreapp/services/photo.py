"""The profile photo (spec §9.5): checked, cropped to a square, scaled, stored as JPEG.

An upload must be a JPEG or PNG of at most 5 MB and at least 192×192 pixels; it is stored
as the centre square, scaled down to at most 640×640, re-encoded as JPEG. Each stored photo
gets a new random id, which the public photo link (``GET ?format=link``) carries.
"""

from __future__ import annotations

import asyncio
import base64
import io
import secrets
from collections.abc import Callable
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.clock import Clock
from waemu.coreapp.services import rules
from waemu.errors import ApiError
from waemu.storage.repos import settings as repo
from waemu.storage.tables import ProfilePhotoRow

MAX_BYTES = 5 * 1024 * 1024
MIN_SIDE = 192
MAX_SIDE = 640
# Decoding is bounded too: a small PNG can expand to gigabytes of pixels.
MAX_PIXELS = 40_000_000
JPEG_QUALITY = 90
# The real client's answer when no photo is set (localwab's capture of v2.33.4).
NO_PHOTO = "No picture set."


def _photo_id() -> str:
    return secrets.token_hex(16)


def normalize(data: bytes) -> bytes:
    """The stored JPEG for an upload, or 400/1009 saying what is wrong with it (blocking)."""
    if not data:
        raise ApiError(1008, "Missing required parameter: image data")
    if len(data) > MAX_BYTES:
        raise rules.invalid("image", "the photo must be at most 5 MB")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.format not in ("JPEG", "PNG"):
                raise rules.invalid("image", "the photo must be a JPEG or PNG image")
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise rules.invalid("image", f"the photo is too large ({width}x{height})")
            if width < MIN_SIDE or height < MIN_SIDE:
                raise rules.invalid(
                    "image",
                    f"the photo must be at least {MIN_SIDE}x{MIN_SIDE} pixels, "
                    f"got {width}x{height}",
                )
            image = ImageOps.exif_transpose(opened)
            side = min(image.size)
            image = ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
            if side > MAX_SIDE:
                image = image.resize((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                # Transparent pixels become white, as on a WhatsApp profile.
                background = Image.new("RGB", image.size, "white")
                rgba = image.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                image = background
            elif image.mode != "RGB":
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=JPEG_QUALITY)
            return out.getvalue()
    except ApiError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise rules.invalid("image", "the photo is not a valid JPEG or PNG image") from None


class PhotoService:
    """The stored profile photo, in table ``profile_photo``."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        new_id: Callable[[], str] = _photo_id,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.new_id = new_id

    async def set(self, encoded: Any) -> None:
        """``POST /v1/settings/profile/photo`` with the upload base64-encoded."""
        if not isinstance(encoded, str):
            raise rules.invalid("image", "must be base64 text")
        try:
            data = base64.b64decode(encoded, validate=True)
        except ValueError:  # binascii.Error, or text that is not ASCII at all
            raise rules.invalid("image", "must be base64 text") from None
        jpeg = await asyncio.to_thread(normalize, data)
        async with self.sessions.begin() as session:
            row = await repo.photo(session)
            if row is None:
                row = ProfilePhotoRow(id=repo.PHOTO_ROW_ID)
                session.add(row)
            row.photo_id = self.new_id()
            row.jpeg_base64 = base64.b64encode(jpeg).decode()
            row.size = len(jpeg)
            row.updated_at = self.clock.now()

    async def get(self, *, data: bool = True) -> dict[str, Any]:
        """The photo's id and (with ``data``) its JPEG, base64; 404/1006 when none is set."""
        async with self.sessions.begin() as session:
            row = await repo.photo(session)
            if row is None:
                raise ApiError(1006, NO_PHOTO)
            found: dict[str, Any] = {"photo_id": row.photo_id}
            if data:
                found["jpeg"] = row.jpeg_base64
            return found

    async def public(self, photo_id: str) -> dict[str, Any]:
        """The JPEG behind a photo link, while that photo is the current one."""
        found = await self.get()
        if not secrets.compare_digest(found["photo_id"].encode(), photo_id.encode()):
            raise ApiError(1006, "This photo link is no longer valid")
        return found

    async def delete(self) -> None:
        """``DELETE``: no photo afterwards (200 even when there was none)."""
        async with self.sessions.begin() as session:
            await repo.delete_photo(session)
