"""Media objects of messages: ``image``, ``audio``, ``video``, ``document``, ``sticker``.

Spec §7.3. The same objects appear as interactive headers (spec §7.6) and template media
parameters (spec §7.7). Rules, each answered before the coreapp is asked:

* exactly one of ``id`` (from ``POST /v1/media``) and ``link``: neither → 1008 naming both,
  both → 1009 (the docs: "Either id or link is required, but should not be used at the same
  time");
* ``link`` is an http(s) URL → else 1009 (the docs: "currently only HTTP/HTTPS links are
  supported");
* ``provider`` (``{"name": ...}``, a media provider of spec §9.3) only with ``link`` → else
  1010;
* ``caption`` only on image, video and document, at most 1024 characters (1009 beyond);
  ``filename`` only on documents; on other types either is an unknown field → 1010.

Whether an ``id`` names uploaded media (1006) and whether the provider exists are checked by
the coreapp.
"""

from __future__ import annotations

from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, model_validator

from waemu.webapp.body import StrictBody
from waemu.webapp.schemas.message_errors import (
    NOT_EMPTY,
    NonEmpty,
    invalid,
    max_chars,
    problem,
    unexpected,
)

CAPTION_LIMIT = 1024  # spec §7.3


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise invalid("expected an http(s) URL")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
"""An absolute http:// or https:// URL."""

Caption = Annotated[str, NOT_EMPTY, max_chars(CAPTION_LIMIT)]
"""A media caption."""


class Provider(StrictBody):
    """``provider``: the media provider whose credentials fetch ``link`` (spec §9.3)."""

    name: NonEmpty


class MediaRef(StrictBody):
    """A media object without caption or filename: audio, sticker, interactive headers."""

    id: NonEmpty | None = None
    link: HttpUrl | None = None
    provider: Provider | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if self.id is None and self.link is None:
            raise problem(1008, details="Missing required parameter: {path}.id or {path}.link")
        if self.id is not None and self.link is not None:
            raise problem(1009, details="Invalid value for {path}: use either id or link, not both")
        if self.provider is not None and self.link is None:
            raise unexpected("provider")  # a provider only fetches links
        return self


class DocumentRef(MediaRef):
    """A document without caption: interactive document headers."""

    filename: NonEmpty | None = None


class AudioMedia(MediaRef):
    """``audio``: no caption (spec §7.3)."""


class StickerMedia(MediaRef):
    """``sticker``: ``image/webp`` only, no caption (spec §7.3, §8.4)."""


class ImageMedia(MediaRef):
    """``image``."""

    caption: Caption | None = None


class VideoMedia(MediaRef):
    """``video``."""

    caption: Caption | None = None


class DocumentMedia(MediaRef):
    """``document``: a caption and the file name shown to the customer."""

    caption: Caption | None = None
    filename: NonEmpty | None = None


MEDIA_MODELS: dict[str, type[MediaRef]] = {
    "image": ImageMedia,
    "audio": AudioMedia,
    "video": VideoMedia,
    "document": DocumentMedia,
    "sticker": StickerMedia,
}
"""The object model of each media message type."""
