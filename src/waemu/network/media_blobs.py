"""Media customers sent, kept by the network until the business's coreapp downloads it.

The real servers keep media for 14 days (spec §8.5); the network keeps it in memory for the
same time, up to ``MAX_BYTES`` in all (the oldest go first), and forgets it on restart: a
coreapp that has not downloaded a file by then gets 1006 for it, as after the real expiry.
Each file belongs to one business: another coreapp asking for its id is told it does not
exist. The coreapp downloads with the network operation ``media.download``.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

RETENTION_SECONDS = 14 * 24 * 3600
MAX_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Blob:
    """One file a customer sent."""

    business: str
    data: bytes
    mime_type: str
    stored_at: float
    fail: bool = False  # every download fails (control API ``fail_download``)


class MediaBlobs:
    """The network's media store, by media id (a UUID, as the coreapp's media ids)."""

    def __init__(self, clock: Callable[[], float] = time.time, max_bytes: int = MAX_BYTES):
        self.clock = clock
        self.max_bytes = max_bytes
        self._blobs: OrderedDict[str, Blob] = OrderedDict()
        self._bytes = 0

    def put(self, business: str, data: bytes, mime_type: str, *, fail: bool = False) -> str:
        """Keep a file for ``business``; returns its media id."""
        media_id = str(uuid.uuid4())
        self._blobs[media_id] = Blob(business, data, mime_type, self.clock(), fail)
        self._bytes += len(data)
        self._expire()
        return media_id

    def get(self, business: str, media_id: str) -> Blob | None:
        """The file ``media_id`` of ``business``, if the network still has it."""
        self._expire()
        blob = self._blobs.get(media_id)
        return blob if blob is not None and blob.business == business else None

    def _expire(self) -> None:
        horizon = self.clock() - RETENTION_SECONDS
        while self._blobs:
            oldest_id, oldest = next(iter(self._blobs.items()))
            if oldest.stored_at > horizon and self._bytes <= self.max_bytes:
                return
            del self._blobs[oldest_id]
            self._bytes -= len(oldest.data)
