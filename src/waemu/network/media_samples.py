"""Small built-in media files, for customers who send media without giving a file.

Each is a real file of its type (a 1×1 JPEG, PNG and WebP drawn with Pillow; a one-page PDF;
the first bytes of an MP4, an MP3, an AMR and an Ogg Opus stream), small enough to keep
tests fast. The emulator never decodes media, so the audio and video samples are headers
only.
"""

from __future__ import annotations

import functools
import io

from PIL import Image

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free"
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + bytes(413)
OGG_OPUS = (
    b"OggS\x00\x02" + bytes(8) + b"\x01\x00\x00\x00" + bytes(8) + b"\x01\x13"
    b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
)
AMR = b"#!AMR\n" + bytes(32)

DEFAULT_MIME = {
    "image": "image/jpeg",
    "audio": "audio/mpeg",
    "voice": "audio/ogg; codecs=opus",
    "video": "video/mp4",
    "document": "application/pdf",
    "sticker": "image/webp",
}


@functools.cache
def _picture(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), (37, 211, 102)).save(buffer, fmt)
    return buffer.getvalue()


def sample(kind: str, mime: str | None = None) -> tuple[bytes, str]:
    """The sample file for media ``kind`` (of ``mime`` when given), and its MIME type."""
    chosen = mime or DEFAULT_MIME[kind]
    essence = chosen.split(";", 1)[0].strip().lower()
    files = {
        "image/jpeg": lambda: _picture("JPEG"),
        "image/png": lambda: _picture("PNG"),
        "image/webp": lambda: _picture("WEBP"),
        "application/pdf": lambda: PDF,
        "video/mp4": lambda: MP4,
        "video/3gpp": lambda: MP4.replace(b"mp42", b"3gp4"),
        "audio/mpeg": lambda: MP3,
        "audio/ogg": lambda: OGG_OPUS,
        "audio/amr": lambda: AMR,
    }
    make = files.get(essence)
    return (make() if make is not None else b"sample " + essence.encode() + b"\n"), chosen
