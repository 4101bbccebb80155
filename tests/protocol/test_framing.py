"""Frames of the internal socket: length prefix, JSON object body, clean and unclean ends."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from waemu.protocol import framing
from waemu.protocol.framing import HEADER, MAX_FRAME_BYTES, FrameError


def reader_with(data: bytes, *, eof: bool = True) -> asyncio.StreamReader:
    """A stream that holds ``data`` (and then ends, unless ``eof`` is False)."""
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    if eof:
        reader.feed_eof()
    return reader


def raw_frame(body: bytes) -> bytes:
    """A frame with an arbitrary body, bypassing ``encode``'s checks."""
    return HEADER.pack(len(body)) + body


async def test_read_returns_encoded_message_when_round_tripped() -> None:
    message: dict[str, Any] = {
        "i": 7,
        "op": "users.get",
        "a": {"username": "zoë", "nested": [1, 2.5, None, True]},
        "p": {"apikey": True},
    }
    reader = reader_with(framing.encode(message))
    assert await framing.read(reader) == message
    assert await framing.read(reader) is None


async def test_read_returns_frames_in_order_when_many_share_a_buffer() -> None:
    messages = [{"i": n, "r": "x" * n} for n in range(20)]
    reader = reader_with(b"".join(framing.encode(m) for m in messages))
    assert [await framing.read(reader) for _ in messages] == messages
    assert await framing.read(reader) is None


async def test_read_reassembles_frame_when_bytes_arrive_one_at_a_time() -> None:
    message = {"i": 1, "r": {"gateway_status": "unregistered"}}
    data = framing.encode(message) * 2
    reader = asyncio.StreamReader()

    async def trickle() -> None:
        for byte in data:
            reader.feed_data(bytes([byte]))
            await asyncio.sleep(0)
        reader.feed_eof()

    feeder = asyncio.create_task(trickle())
    assert await framing.read(reader) == message
    assert await framing.read(reader) == message
    assert await framing.read(reader) is None
    await feeder


async def test_read_returns_each_message_when_sent_over_a_real_socket() -> None:
    received: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (message := await framing.read(reader)) is not None:
            await received.put(message)
        await received.put(None)
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = [{"i": n, "op": "echo", "a": {"n": n}} for n in range(5)]
    for message in sent:
        writer.write(framing.encode(message))
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    got = [await received.get() for _ in range(len(sent) + 1)]
    assert got == [*sent, None]
    server.close()
    await server.wait_closed()


def test_encode_prefixes_big_endian_length_when_message_is_small() -> None:
    frame = framing.encode({"a": 1})
    assert frame[:4] == b"\x00\x00\x00\x07"
    assert frame[4:] == b'{"a":1}'


def test_encode_accepts_frame_when_exactly_at_the_limit() -> None:
    # {"x":"…"} adds 8 bytes around the string.
    frame = framing.encode({"x": "a" * (MAX_FRAME_BYTES - 8)})
    assert len(frame) == HEADER.size + MAX_FRAME_BYTES


def test_encode_refuses_frame_when_over_the_limit() -> None:
    with pytest.raises(FrameError, match=f"exceeds {MAX_FRAME_BYTES}"):
        framing.encode({"x": "a" * (MAX_FRAME_BYTES - 7)})


async def test_read_refuses_frame_when_header_announces_over_the_limit() -> None:
    # No body follows: the length alone must be refused, without waiting for the bytes.
    reader = reader_with(HEADER.pack(MAX_FRAME_BYTES + 1), eof=False)
    with pytest.raises(FrameError, match=f"{MAX_FRAME_BYTES + 1} bytes exceeds"):
        await asyncio.wait_for(framing.read(reader), 5)


@pytest.mark.parametrize("partial", [b"\x00", b"\x00\x00", b"\x00\x00\x00"])
async def test_read_raises_frame_error_when_header_is_truncated(partial: bytes) -> None:
    with pytest.raises(FrameError, match="inside a frame header"):
        await framing.read(reader_with(partial))


@pytest.mark.parametrize("kept", [0, 1, 9])
async def test_read_raises_frame_error_when_body_is_truncated(kept: int) -> None:
    frame = raw_frame(b'{"i":1,"r":2}')
    with pytest.raises(FrameError, match="inside a frame"):
        await framing.read(reader_with(frame[: HEADER.size + kept]))


async def test_read_returns_none_when_stream_ends_cleanly() -> None:
    assert await framing.read(reader_with(b"")) is None


async def test_read_returns_none_when_stream_ends_after_a_whole_frame() -> None:
    reader = reader_with(framing.encode({"i": 1}))
    assert await framing.read(reader) == {"i": 1}
    assert await framing.read(reader) is None


@pytest.mark.parametrize("body", [b"[1,2]", b'"text"', b"42", b"null", b"true"])
async def test_read_refuses_frame_when_json_is_not_an_object(body: bytes) -> None:
    with pytest.raises(FrameError, match="not a JSON object"):
        await framing.read(reader_with(raw_frame(body)))


@pytest.mark.parametrize("body", [b"", b"{", b"{'i': 1}", b"\xff\xfe"])
async def test_read_refuses_frame_when_body_is_not_json(body: bytes) -> None:
    with pytest.raises(FrameError, match="not JSON"):
        await framing.read(reader_with(raw_frame(body)))
