"""The network's state on disk: one JSON document, replaced atomically on every change."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import orjson


class NetworkStore:
    """Reads and writes ``state.json`` in the network's data folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "state.json"
        self._lock = asyncio.Lock()

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None on first start."""
        if not self.path.exists():
            return None
        data = orjson.loads(self.path.read_bytes())
        return data if isinstance(data, dict) else None

    async def save(self, state: dict[str, Any]) -> None:
        """Write ``state`` (off the event loop; a crash leaves the old file or the new one)."""
        encoded = orjson.dumps(state, option=orjson.OPT_INDENT_2)
        async with self._lock:
            await asyncio.to_thread(self._write, encoded)

    def _write(self, encoded: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            handle.write(encoded)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.path)
