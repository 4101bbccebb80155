"""Frames on the internal socket: a 4-byte big-endian length, then one JSON document.

Requests are ``{"i": id, "op": name, "a": args, "p": principal}``; replies are
``{"i": id, "r": result}`` or ``{"i": id, "e": {"code", "details", "status"}}``. Ids let many
requests share one connection and be answered out of order.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import orjson

HEADER = struct.Struct("!I")
MAX_FRAME_BYTES = 32 * 1024 * 1024


class FrameError(Exception):
    """The peer sent something that is not a frame."""


def encode(message: dict[str, Any]) -> bytes:
    """One message as a length-prefixed frame."""
    body = orjson.dumps(message)
    if len(body) > MAX_FRAME_BYTES:
        raise FrameError(f"frame of {len(body)} bytes exceeds {MAX_FRAME_BYTES}")
    return HEADER.pack(len(body)) + body


class FrameWriter:
    """Writes frames to a connection; the frames queued in one turn of the event loop leave
    together in one write, one system call instead of one per frame under load."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self._frames: list[bytes] = []

    def write(self, message: dict[str, Any]) -> None:
        """Queue one message (FrameError at once if it is too large)."""
        frame = encode(message)
        if not self._frames:
            asyncio.get_running_loop().call_soon(self._flush)
        self._frames.append(frame)

    def _flush(self) -> None:
        frames, self._frames = self._frames, []
        if not self.writer.is_closing():
            self.writer.write(b"".join(frames))


async def read(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    """The next message, or None when the peer closed the connection cleanly."""
    try:
        header = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise FrameError("connection closed inside a frame header") from None
        return None
    (length,) = HEADER.unpack(header)
    if length > MAX_FRAME_BYTES:
        raise FrameError(f"frame of {length} bytes exceeds {MAX_FRAME_BYTES}")
    try:
        body = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise FrameError("connection closed inside a frame") from None
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise FrameError(f"frame is not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise FrameError("frame is not a JSON object")
    return message
