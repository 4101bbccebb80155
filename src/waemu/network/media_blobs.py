"""Media customers sent, kept by the network until the business's coreapp downloads it.

The real servers keep media for 14 days (spec §8.5); the network keeps it for the same time,
up to ``MAX_BYTES`` in all (the oldest go first): a coreapp that has not downloaded a file by
then gets 1006 for it, as after the real expiry. With a ``PendingStore`` each file is written
to ``<WA_NETWORK_DATA_DIR>/media/<media id>`` (its metadata to ``pending.db``) before the
control API answers, and is read back from there, so files survive a restart of the network;
without one (unit tests) they live in memory. Each file belongs to one business: another
coreapp asking for its id is told it does not exist. The coreapp downloads with the network
operation ``media.download``.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from waemu.network.persistence import BlobRecord, PendingStore

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

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        max_bytes: int = MAX_BYTES,
        store: PendingStore | None = None,
    ):
        self.clock = clock
        self.max_bytes = max_bytes
        self.store = store
        self._folder = store.media_dir if store is not None else None  # None: in memory
        self._records: OrderedDict[str, BlobRecord] = OrderedDict()
        self._memory: dict[str, bytes] = {}  # the bytes, when there is no store
        self._bytes = 0

    def restore(self, records: list[BlobRecord]) -> None:
        """The files a previous run kept (oldest first)."""
        for record in records:
            self._records[record.media_id] = record
            self._bytes += record.size
        self._expire()

    def put(self, business: str, data: bytes, mime_type: str, *, fail: bool = False) -> str:
        """Keep a file for ``business``; returns its media id (the file is written and its
        record buffered; the caller commits the store before it answers)."""
        media_id = str(uuid.uuid4())
        record = BlobRecord(media_id, business, mime_type, self.clock(), fail, len(data))
        if self.store is None or self._folder is None:
            self._memory[media_id] = data
        else:
            (self._folder / media_id).write_bytes(data)
        if self.store is not None:
            self.store.blob(record)
        self._records[media_id] = record
        self._bytes += len(data)
        self._expire()
        return media_id

    def get(self, business: str, media_id: str) -> Blob | None:
        """The file ``media_id`` of ``business``, if the network still has it."""
        self._expire()
        record = self._records.get(media_id)
        if record is None or record.business != business:
            return None
        data = self._read(media_id)
        if data is None:
            return None
        return Blob(record.business, data, record.mime_type, record.stored_at, record.fail)

    def _read(self, media_id: str) -> bytes | None:
        if self._folder is None:
            return self._memory.get(media_id)
        try:
            return (self._folder / media_id).read_bytes()
        except FileNotFoundError:
            return None

    def _expire(self) -> None:
        horizon = self.clock() - RETENTION_SECONDS
        while self._records:
            oldest_id, oldest = next(iter(self._records.items()))
            if oldest.stored_at > horizon and self._bytes <= self.max_bytes:
                return
            del self._records[oldest_id]
            self._memory.pop(oldest_id, None)
            self._bytes -= oldest.size
            if self.store is not None:
                self.store.blob_gone(oldest_id)
