"""What a customer can send the business: the bodies of ``POST /customers/{wa_id}/messages``.

One pydantic model per inbound type of spec §11.2, checked strictly (an unknown field, a
missing one or a wrong type answers 422 with the field named). The body is the webhook shape
itself (``type`` and the object named after it, optional ``context`` and ``referral``),
except for media: the control API takes the file (base64 ``data`` and ``mime_type``, or a
small built-in sample of the type when ``data`` is absent), the network keeps the bytes
(``media_blobs.py``) and the message carries the network's media ``id``, ``mime_type`` and
``sha256`` as the coreapp will report them. docs/network.md shows every body with curl.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter, field_validator

from waemu.network import media_samples
from waemu.network.contact_cards import SharedContact, Strict
from waemu.network.media_blobs import MediaBlobs

MB = 1024 * 1024
# The network takes media over the control API up to these sizes (spec §8.4's inbound
# limits, documents capped at 16 MB: larger files would not fit one link frame as base64).
MEDIA_LIMITS = {
    "image": 5 * MB,
    "audio": 16 * MB,
    "voice": 16 * MB,
    "video": 16 * MB,
    "document": 16 * MB,
    "sticker": 500 * 1024,
}
# The MIME types each media type may carry (spec §8.4; voice notes are Opus in Ogg, §11.2).
MEDIA_MIME_TYPES: dict[str, tuple[str, ...] | None] = {
    "image": ("image/jpeg", "image/png"),
    "audio": ("audio/aac", "audio/mp4", "audio/amr", "audio/mpeg", "audio/ogg; codecs=opus"),
    "voice": ("audio/ogg; codecs=opus",),
    "video": ("video/mp4", "video/3gpp"),
    "document": None,  # any type/subtype
    "sticker": ("image/webp",),
}
MEDIA_TYPES = tuple(MEDIA_LIMITS)
UNKNOWN_ERROR = {
    "code": 501,
    "title": "Unknown message type",
    "details": "Message type is not currently supported",
}
TEXT_LIMIT = 65536


Short = Annotated[str, Field(min_length=1, max_length=1024)]


class Text(Strict):
    """``text``: what the customer typed."""

    body: str = Field(min_length=1, max_length=TEXT_LIMIT)


class Media(Strict):
    """A media object: the file (``data`` in base64 with ``mime_type``; a sample when no
    ``data``), an optional ``caption`` and ``filename``; ``fail_download`` makes every
    download of it fail (the coreapp then sends an errors notification, spec §11.4)."""

    data: str | None = Field(default=None, max_length=(16 * MB * 4) // 3 + 4)
    mime_type: str | None = Field(default=None, min_length=3, max_length=255)
    caption: str | None = Field(default=None, max_length=4096)
    filename: str | None = Field(default=None, min_length=1, max_length=255)
    fail_download: bool = False

    @field_validator("data")
    @classmethod
    def _base64(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("data must be base64") from None
        return value


class Location(Strict):
    """``location``: a point, optionally named."""

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    name: str | None = Field(default=None, max_length=1024)
    address: str | None = Field(default=None, max_length=1024)
    url: str | None = Field(default=None, max_length=2048)


class Button(Strict):
    """``button``: the customer tapped a template's quick-reply button."""

    payload: str = Field(max_length=1024)
    text: Short


class ButtonReply(Strict):
    """``interactive.button_reply``."""

    id: Annotated[str, Field(min_length=1, max_length=256)]
    title: Annotated[str, Field(min_length=1, max_length=20)]


class ListReply(ButtonReply):
    """``interactive.list_reply``."""

    title: Annotated[str, Field(min_length=1, max_length=24)]
    description: str | None = Field(default=None, max_length=72)


class Interactive(Strict):
    """``interactive``: a reply to reply buttons or to a list (spec §11.2)."""

    type: Literal["button_reply", "list_reply"]
    button_reply: ButtonReply | None = None
    list_reply: ListReply | None = None

    def check(self) -> None:
        """The object named by ``type`` is there, and no other."""
        present = [n for n in ("button_reply", "list_reply") if getattr(self, n) is not None]
        if present != [self.type]:
            raise ValueError(f"interactive of type {self.type} carries exactly {self.type}")


class ProductItem(Strict):
    """``order.product_items[]``."""

    product_retailer_id: Short
    quantity: int = Field(ge=1, le=10000)
    item_price: float = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class Order(Strict):
    """``order``: a cart sent from the business's catalogue."""

    catalog_id: Short
    text: str | None = Field(default=None, max_length=4096)
    product_items: list[ProductItem] = Field(min_length=1, max_length=100)


class ReferredProduct(Strict):
    """``context.referred_product``: the product the customer asks about."""

    catalog_id: Short
    product_retailer_id: Short


class Context(Strict):
    """``context``: a reply (``from``, ``id``), forwarding flags, a product enquiry."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | None = Field(default=None, alias="from", pattern=r"^[0-9]{7,15}$")
    id: str | None = Field(default=None, min_length=1, max_length=128)
    forwarded: bool | None = None
    frequently_forwarded: bool | None = None
    referred_product: ReferredProduct | None = None


class Referral(Strict):
    """``referral``: the customer came from a click-to-WhatsApp ad or post (spec §11.2)."""

    headline: str | None = Field(default=None, max_length=1024)
    body: str | None = Field(default=None, max_length=4096)
    source_type: Literal["ad", "post"]
    source_id: Short
    source_url: str = Field(min_length=1, max_length=2048)
    media_type: Literal["image", "video"] | None = None
    image: Media | None = None
    video: Media | None = None


class Common(Strict):
    """What every body may carry: the business number, ``context`` and ``referral``."""

    type: str
    business: str | None = Field(default=None, pattern=r"^[0-9]{7,15}$")
    context: Context | None = None
    referral: Referral | None = None


class TextBody(Common):
    type: Literal["text"]
    text: Text


class ImageBody(Common):
    type: Literal["image"]
    image: Media = Field(default_factory=Media)


class AudioBody(Common):
    type: Literal["audio"]
    audio: Media = Field(default_factory=Media)


class VoiceBody(Common):
    type: Literal["voice"]
    voice: Media = Field(default_factory=Media)


class VideoBody(Common):
    type: Literal["video"]
    video: Media = Field(default_factory=Media)


class DocumentBody(Common):
    type: Literal["document"]
    document: Media = Field(default_factory=Media)


class StickerBody(Common):
    type: Literal["sticker"]
    sticker: Media = Field(default_factory=Media)


class LocationBody(Common):
    type: Literal["location"]
    location: Location


class ContactsBody(Common):
    type: Literal["contacts"]
    contacts: list[SharedContact] = Field(min_length=1, max_length=20)


class ButtonBody(Common):
    type: Literal["button"]
    button: Button


class InteractiveBody(Common):
    type: Literal["interactive"]
    interactive: Interactive


class OrderBody(Common):
    type: Literal["order"]
    order: Order


class UnknownBody(Common):
    type: Literal["unknown"]


InboundBody = Annotated[
    TextBody
    | ImageBody
    | AudioBody
    | VoiceBody
    | VideoBody
    | DocumentBody
    | StickerBody
    | LocationBody
    | ContactsBody
    | ButtonBody
    | InteractiveBody
    | OrderBody
    | UnknownBody,
    Field(discriminator="type"),
]
INBOUND_BODY: TypeAdapter[Any] = TypeAdapter(InboundBody)


class InboundError(ValueError):
    """A body that passed the schema but cannot be sent (a MIME type, a size)."""


def content(body: Common, business: str, blobs: MediaBlobs) -> dict[str, Any]:
    """The message as the network pushes it (without ``from``, ``id``, ``timestamp``).

    Media files are handed to ``blobs`` for ``business`` first; InboundError when one cannot
    be sent (wrong MIME type for its type, too large).
    """
    kind = body.type
    message: dict[str, Any] = {"type": kind}
    if isinstance(body, InteractiveBody):
        body.interactive.check()
    if kind in MEDIA_TYPES:
        message[kind] = _media(kind, getattr(body, kind), business, blobs)
    elif kind == "unknown":
        message["errors"] = [dict(UNKNOWN_ERROR)]
    else:
        dumped = body.model_dump(include={kind}, exclude_none=True, by_alias=True)
        message[kind] = dumped[kind]
    if body.context is not None:
        message["context"] = body.context.model_dump(exclude_none=True, by_alias=True)
    if body.referral is not None:
        message["referral"] = _referral(body.referral, business, blobs)
    return message


def _referral(referral: Referral, business: str, blobs: MediaBlobs) -> dict[str, Any]:
    out = referral.model_dump(exclude_none=True, exclude={"image", "video"})
    for kind in ("image", "video"):
        media = getattr(referral, kind)
        if media is not None:
            out[kind] = _media(kind, media, business, blobs)
            out.setdefault("media_type", kind)
    return out


def _media(kind: str, media: Media, business: str, blobs: MediaBlobs) -> dict[str, Any]:
    if media.data is None:
        data, mime = media_samples.sample(kind, media.mime_type)
    else:
        data = base64.b64decode(media.data)
        if media.mime_type is None:
            raise InboundError(f"{kind}.mime_type is required with {kind}.data")
        mime = media.mime_type
    mime = _check_mime(kind, mime)
    if media.caption is not None and kind not in ("image", "video", "document"):
        raise InboundError(f"{kind}.caption: only image, video and document carry a caption")
    if media.filename is not None and kind != "document":
        raise InboundError(f"{kind}.filename: only a document carries a file name")
    if not data:
        raise InboundError(f"{kind}.data is empty")
    if len(data) > MEDIA_LIMITS[kind]:
        raise InboundError(f"{kind} is {len(data)} bytes, over {MEDIA_LIMITS[kind]} bytes")
    sha256 = hashlib.sha256(data).hexdigest()
    media_id = blobs.put(business, data, mime, fail=media.fail_download)
    out: dict[str, Any] = {"id": media_id, "mime_type": mime, "sha256": sha256}
    if media.caption is not None:
        out["caption"] = media.caption
    if media.filename is not None:
        out["filename"] = media.filename
    return out


def _check_mime(kind: str, mime: str) -> str:
    normal = "; ".join(part.strip() for part in mime.lower().split(";"))
    allowed = MEDIA_MIME_TYPES[kind]
    if allowed is None:
        if "/" not in normal or normal.startswith("multipart/"):
            raise InboundError(f"{kind}.mime_type {mime!r} is not a MIME type")
        return mime
    if normal not in allowed:
        raise InboundError(f"{kind}.mime_type {mime!r} is not one of {', '.join(allowed)}")
    return normal
