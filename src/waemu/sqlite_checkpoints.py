"""Checkpoints of a SQLite database in WAL mode, run in a thread of their own.

A checkpoint copies the write-ahead log into the database file and syncs it to disk: some
milliseconds of work that SQLite otherwise does inside whichever commit crosses its threshold,
a stall for every request in flight when commits run on an event loop. Here automatic
checkpoints are off on the writing connection and this thread runs a passive checkpoint (one
that never waits for readers or writers) every ``period`` seconds.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

PERIOD_SECONDS = 1.0
STOP_SECONDS = 5.0


class Checkpoints:
    """The checkpoint thread of one database file."""

    def __init__(self, path: Path, period: float = PERIOD_SECONDS) -> None:
        self.path = path
        self.period = period
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start checkpointing."""
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"checkpoints-{self.path.name}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=1.0, check_same_thread=False)
        try:
            while not self._stop.wait(self.period):
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                except sqlite3.Error:
                    log.warning("checkpoint of %s failed", self.path, exc_info=True)
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop (waits at most ``STOP_SECONDS`` for a checkpoint under way)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_SECONDS)
            self._thread = None
