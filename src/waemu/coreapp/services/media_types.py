"""Media types and size limits (spec §8.4): which MIME types are accepted, and for what.

* audio: ``audio/aac``, ``audio/mp4``, ``audio/amr``, ``audio/mpeg``,
  ``audio/ogg; codecs=opus``; 16 MB
* document: any valid MIME type; 100 MB
* image: ``image/jpeg``, ``image/png``; 5 MB
* video: ``video/mp4``, ``video/3gpp``; 16 MB
* sticker: ``image/webp``; 100 KB (static, outbound)

"Any valid MIME type" is read as: any syntactically valid type outside the ``audio/``,
``image/`` and ``video/`` families, whose members are only the ones listed (base
``audio/ogg`` is explicitly unsupported, spec §8.4). ``multipart/*`` is refused: uploads are
raw bodies, never multipart (spec §8.1). docs/media.md records the reasoning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from waemu.errors import ApiError

MB = 1024 * 1024
KB = 1024

AUDIO_TYPES = ("audio/aac", "audio/mp4", "audio/amr", "audio/mpeg", "audio/ogg; codecs=opus")
IMAGE_TYPES = ("image/jpeg", "image/png")
VIDEO_TYPES = ("video/mp4", "video/3gpp")
STICKER_TYPES = ("image/webp",)
AUDIO_ESSENCES = tuple(t.split(";", 1)[0] for t in AUDIO_TYPES)
MESSAGE_TYPES = ("audio", "document", "image", "sticker", "video")

# spec §8.4, post-processing sizes; the sticker limit is the outbound static one.
LIMITS = {
    "audio": 16 * MB,
    "document": 100 * MB,
    "image": 5 * MB,
    "sticker": 100 * KB,
    "video": 16 * MB,
}
# Inbound animated stickers may be up to 500 KB (spec §8.4).
INBOUND_STICKER_LIMIT = 500 * KB

# RFC 6838 §4.2 restricted names; RFC 9110 §5.6.2 tokens and §5.6.4 quoted strings.
_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_TYPE = re.compile(rf"({_NAME})/({_NAME})")
_PARAMETER = re.compile(rf'({_TCHARS})=({_TCHARS}|"(?:[^"\\\x00-\x1f\x7f]|\\[\x20-\x7e])*")')
MAX_MIME_LENGTH = 255


@dataclass(frozen=True, slots=True)
class MimeType:
    """A parsed MIME type: lower-case ``type/subtype`` and its parameters, in order."""

    essence: str
    parameters: tuple[tuple[str, str], ...] = ()

    def parameter(self, name: str) -> str | None:
        """The value of parameter ``name`` (case-insensitive name), if present."""
        for key, value in self.parameters:
            if key == name:
                return value
        return None

    def __str__(self) -> str:
        rendered = "".join(f"; {key}={_quote(value)}" for key, value in self.parameters)
        return self.essence + rendered


def _quote(value: str) -> str:
    if re.fullmatch(_TCHARS, value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def parse(header: str) -> MimeType:
    """Parse a ``Content-Type`` value; 400/1009 naming it when it is not a MIME type."""
    text = header.strip()
    if not text:
        raise ApiError(1008, "Missing required parameter: Content-Type (the media's MIME type)")
    invalid = ApiError(1009, f"Invalid value for Content-Type: {text[:100]!r} is not a MIME type")
    if len(text) > MAX_MIME_LENGTH or not text.isascii():
        raise invalid
    essence_text, _, rest = text.partition(";")
    match = _TYPE.fullmatch(essence_text.strip())
    if match is None:
        raise invalid
    parameters: list[tuple[str, str]] = []
    for piece in rest.split(";") if rest else ():
        piece = piece.strip()
        if not piece:
            continue
        found = _PARAMETER.fullmatch(piece)
        if found is None:
            raise invalid
        value = found.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        parameters.append((found.group(1).lower(), value))
    return MimeType(f"{match.group(1)}/{match.group(2)}".lower(), tuple(parameters))


def _is_opus(mime: MimeType) -> bool:
    codecs = mime.parameter("codecs")
    return codecs is not None and codecs.strip().lower() == "opus"


def _canonical_opus(mime: MimeType) -> MimeType:
    """``audio/ogg; codecs=opus`` in the documented spelling, other parameters kept."""
    rest = tuple((k, v) for k, v in mime.parameters if k != "codecs")
    return MimeType("audio/ogg", (("codecs", "opus"), *rest))


def kind_of(mime: MimeType) -> str:
    """The message type a supported MIME type is sent as (``document`` for everything else)."""
    if mime.essence in AUDIO_ESSENCES:
        return "audio"
    if mime.essence in IMAGE_TYPES:
        return "image"
    if mime.essence in STICKER_TYPES:
        return "sticker"
    if mime.essence in VIDEO_TYPES:
        return "video"
    return "document"


def supported(header: str) -> MimeType:
    """The MIME type of an upload or link download, if spec §8.4 supports it; else 400/1009."""
    mime = parse(header)
    family = mime.essence.split("/", 1)[0]
    if mime.essence == "audio/ogg":
        if _is_opus(mime):
            return _canonical_opus(mime)
        raise ApiError(
            1009,
            f"Unsupported media type {mime}: only Opus audio is supported in Ogg, send "
            "audio/ogg; codecs=opus",
        )
    families = {"audio": AUDIO_TYPES, "image": IMAGE_TYPES + STICKER_TYPES, "video": VIDEO_TYPES}
    if family in families and mime.essence not in families[family]:
        listed = ", ".join(families[family])
        raise ApiError(1009, f"Unsupported {family} type {mime.essence}: supported are {listed}")
    if family == "multipart":
        raise ApiError(
            1009, f"Unsupported media type {mime.essence}: send the file itself as the body"
        )
    return mime


def accepts(message_type: str, mime: MimeType) -> bool:
    """Whether media of ``mime`` may be sent as a ``message_type`` message (spec §7.3, §8.4)."""
    if message_type == "document":
        return True  # any file can be sent as a document
    return kind_of(mime) == message_type


def expected_types(message_type: str) -> str:
    """The MIME types a ``message_type`` message takes, for error details."""
    listed = {
        "audio": AUDIO_TYPES,
        "image": IMAGE_TYPES,
        "sticker": STICKER_TYPES,
        "video": VIDEO_TYPES,
    }.get(message_type)
    return "any MIME type" if listed is None else " or ".join(listed)


def limit_for(message_type: str) -> int:
    """The largest media, in bytes, a ``message_type`` message may carry (spec §8.4)."""
    try:
        return LIMITS[message_type]
    except KeyError:
        raise ApiError(
            1009,
            f"Invalid value for type: {message_type!r} is not a media message type "
            f"({', '.join(MESSAGE_TYPES)})",
        ) from None


def human_size(size: int) -> str:
    """``5 MB``, ``100 KB``, ``712 bytes``: sizes in error details."""
    if size >= MB:
        return f"{size / MB:.4g} MB"
    if size >= KB:
        return f"{size / KB:.4g} KB"
    return f"{size} bytes"
