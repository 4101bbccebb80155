"""Files in the media folder that webapp and coreapp share (spec §1.4: ``/usr/local/wamedia``).

The webapp streams an upload into ``tmp/`` under a temporary name; the coreapp checks it,
records it and moves it to ``outgoing/`` (or, for media customers send, ``incoming/``).
Every blocking step (writing, hashing, fsync, renaming, deleting) runs in a worker thread,
so a 64 MB upload never stalls the event loop (STYLE.md, async discipline).

This module imports neither the web stack nor the database: both processes use it.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from pathlib import Path, PurePosixPath
from typing import BinaryIO

TEMP_DIR = "tmp"
TEMP_SUFFIX = ".part"
OUTGOING = "outgoing"
INCOMING = "incoming"
DIRECTIONS = (OUTGOING, INCOMING)
# Bytes gathered before one trip to the worker thread: few hops, bounded memory.
BUFFER_BYTES = 1024 * 1024


def temp_path(name: str) -> str:
    """The relative path an upload or download is written to before it is recorded."""
    return f"{TEMP_DIR}/{name}{TEMP_SUFFIX}"


def final_path(direction: str, media_id: str) -> str:
    """Where media ``media_id`` is kept: ``<direction>/<first two characters>/<id>``.

    The two-character level keeps any one folder small on a volume holding many files.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown media direction {direction!r}")
    return f"{direction}/{media_id[:2]}/{media_id}"


def resolve(root: Path, relative: str) -> Path:
    """The file ``relative`` names inside ``root``; ValueError for any path leaving it."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or any(p in ("..", ".") for p in parts):
        raise ValueError(f"not a path inside the media folder: {relative!r}")
    if "\\" in relative or "\x00" in relative:
        raise ValueError(f"not a path inside the media folder: {relative!r}")
    return root.joinpath(*parts)


def is_temp(relative: str) -> bool:
    """Whether ``relative`` is a temporary file of ``tmp/`` (the only kind that may be moved)."""
    parts = PurePosixPath(relative).parts
    return (
        len(parts) == 2
        and parts[0] == TEMP_DIR
        and parts[1].endswith(TEMP_SUFFIX)
        and len(parts[1]) > len(TEMP_SUFFIX)
    )


class FileSink:
    """A file being written under a temporary name, counted and SHA-256 hashed as it goes.

    Use ``open``, then ``write`` any number of times, then ``close`` (or ``discard`` to
    remove whatever was written).
    """

    def __init__(self, root: Path, relative: str, buffer_bytes: int = BUFFER_BYTES) -> None:
        self.root = root
        self.relative = relative
        self.path = resolve(root, relative)
        self.buffer_bytes = buffer_bytes
        self.size = 0
        self._hash = hashlib.sha256()
        self._buffer = bytearray()
        self._file: BinaryIO | None = None

    @classmethod
    async def open(cls, root: Path, relative: str) -> FileSink:
        """Create the file (never overwriting one) and its folder."""
        sink = cls(root, relative)
        sink._file = await asyncio.to_thread(sink._create)
        return sink

    def _create(self) -> BinaryIO:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self.path.open("xb")

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of everything written so far (complete after ``close``)."""
        return self._hash.hexdigest()

    async def write(self, chunk: bytes) -> None:
        """Append ``chunk``; the disk is written once a buffer's worth has gathered."""
        self.size += len(chunk)
        self._buffer += chunk
        if len(self._buffer) >= self.buffer_bytes:
            await self._flush()

    async def _flush(self) -> None:
        if self._buffer:
            data, self._buffer = bytes(self._buffer), bytearray()
            await asyncio.to_thread(self._write, data)

    def _write(self, data: bytes) -> None:
        assert self._file is not None
        self._hash.update(data)
        self._file.write(data)

    async def close(self) -> None:
        """Write what is buffered, make it durable, close the file."""
        await self._flush()
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    def _discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)

    async def discard(self) -> None:
        """Close and delete the file; safe to call twice, and even while being cancelled."""
        self._buffer = bytearray()
        try:
            await asyncio.to_thread(self._discard)
        except asyncio.CancelledError:
            # Nothing half-written may stay behind: finish the (short) cleanup here.
            self._discard()
            raise


async def write_file(root: Path, relative: str, data: bytes) -> tuple[int, str]:
    """Write ``data`` to a new file ``relative``; its size and SHA-256."""
    sink = FileSink(root, relative)

    def run() -> None:
        sink._file = sink._create()
        try:
            sink._write(data)
            sink._close()
        except BaseException:
            sink._discard()
            raise

    await asyncio.to_thread(run)
    sink.size = len(data)
    return sink.size, sink.sha256


async def move(root: Path, source: str, target: str) -> None:
    """Rename ``source`` to ``target`` (same volume, so atomic), creating its folder."""
    src, dst = resolve(root, source), resolve(root, target)

    def run() -> None:
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.exists():
            raise FileExistsError(f"{target} already exists")
        os.replace(src, dst)

    await asyncio.to_thread(run)


async def remove(root: Path, relative: str) -> None:
    """Delete ``relative`` if it exists."""
    path = resolve(root, relative)
    await asyncio.to_thread(path.unlink, True)


async def size_of(root: Path, relative: str) -> int | None:
    """The size of ``relative`` in bytes, or None when there is no such file."""
    path = resolve(root, relative)

    def run() -> int | None:
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return None

    return await asyncio.to_thread(run)


async def read(root: Path, relative: str) -> bytes:
    """The whole content of ``relative``."""
    return await asyncio.to_thread(resolve(root, relative).read_bytes)


async def sweep_temp(root: Path, older_than_seconds: float) -> int:
    """Delete temporary files untouched for ``older_than_seconds`` (left by a crash).

    A file still being written is touched by every write, so only abandoned ones go.
    Returns how many were deleted.
    """
    folder = root / TEMP_DIR

    def run() -> int:
        if not folder.is_dir():
            return 0
        deadline = time.time() - older_than_seconds
        removed = 0
        for entry in folder.iterdir():
            try:
                if entry.name.endswith(TEMP_SUFFIX) and entry.stat().st_mtime < deadline:
                    entry.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    return await asyncio.to_thread(run)
