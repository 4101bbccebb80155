"""What the network must not lose when its process restarts: the pending-work store.

``state.json`` holds the network's world (customers, accounts, templates, switches); this
module keeps the work in flight beside it, in ``<WA_NETWORK_DATA_DIR>/pending.db``, a small
SQLite database: each business's queue of receipts and customer messages not yet taken by its
coreapp, deliveries held for offline customers, delivery and read timers, 24-hour windows and
conversations, the message ids already answered (the dedupe of re-sends, the last
``SEEN_LIMIT``), what customers' phones show (the last ``INBOX_LIMIT`` each) and the
metadata of inbound media whose bytes are files in ``media/``.

Why SQLite and not a hand-written journal: the queues shrink as coreapps acknowledge, so an
append-only log needs compaction and snapshots; SQLite deletes acknowledged rows in place, its
write-ahead log makes every transaction atomic, and the restore is a handful of SELECTs.

Writes are buffered and committed in groups: ``commit`` runs everything buffered in one
transaction and is called before the network acknowledges what created it (the answer to
``messages.send``, the control API's answer); what no one waits for (receipts produced by
timers, acknowledged pushes) is committed by a background flush ``FLUSH_DELAY`` later. In WAL
mode with ``synchronous=NORMAL`` a commit is a ``write()`` to the log and no ``fsync``, so
commits run on the event loop; the only ``fsync`` is the checkpoint's, in a thread of its own
(``waemu/sqlite_checkpoints.py``). The data survives the process being killed at any moment;
a power loss can take the transactions since the last checkpoint (the network is a test
double, not a bank).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from waemu.network.sqlite_batch import batched
from waemu.sqlite_checkpoints import Checkpoints

log = logging.getLogger(__name__)

FILE_NAME = "pending.db"
MEDIA_FOLDER = "media"
SEEN_LIMIT = 200_000  # message ids remembered for the dedupe of re-sends
FLUSH_DELAY = 0.1  # seconds: background group commit
# Entries kept per customer: the web inbox pages through them (docs/inbox.md); the control
# API's ``GET /customers/{wa_id}/messages`` shows the last 500.
INBOX_LIMIT = 10_000
PRUNE_EVERY = 10_000  # seen rows added between two prunes
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY, business TEXT NOT NULL, kind TEXT NOT NULL, item BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS held (
    message_id TEXT PRIMARY KEY, business TEXT NOT NULL, customer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS timers (
    message_id TEXT NOT NULL, stage TEXT NOT NULL, business TEXT NOT NULL,
    customer TEXT NOT NULL, due REAL NOT NULL, PRIMARY KEY (message_id, stage)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS windows (
    business TEXT NOT NULL, customer TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (business, customer));
CREATE TABLE IF NOT EXISTS conversations (
    business TEXT NOT NULL, customer TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (business, customer));
CREATE TABLE IF NOT EXISTS seen (
    seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL, receipt BLOB NOT NULL,
    business TEXT, customer TEXT);
CREATE TABLE IF NOT EXISTS inbox (
    message_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, customer TEXT NOT NULL,
    entry BLOB NOT NULL, status TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (
    media_id TEXT PRIMARY KEY, business TEXT NOT NULL, mime_type TEXT NOT NULL,
    stored_at REAL NOT NULL, fail INTEGER NOT NULL, size INTEGER NOT NULL);
"""

Queued = tuple[str, dict[str, Any], int]  # kind, item, sequence number in the store


@dataclass(frozen=True, slots=True)
class Timer:
    """A ``delivered`` or ``read`` receipt due at ``due`` (wall-clock seconds)."""

    message_id: str
    stage: str
    business: str
    customer: str
    due: float


@dataclass(frozen=True, slots=True)
class BlobRecord:
    """A stored media file's metadata (the bytes are ``media/<media_id>``)."""

    media_id: str
    business: str
    mime_type: str
    stored_at: float
    fail: bool
    size: int


@dataclass
class Saved:
    """Everything the store held at start, oldest first where order matters."""

    queues: dict[str, list[Queued]] = field(default_factory=dict)
    held: list[tuple[str, str, str]] = field(default_factory=list)  # message, business, customer
    timers: list[Timer] = field(default_factory=list)
    windows: dict[tuple[str, str], float] = field(default_factory=dict)
    conversations: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    seen: list[tuple[str, dict[str, Any], str | None, str | None]] = field(default_factory=list)
    inboxes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    blobs: list[BlobRecord] = field(default_factory=list)


class PendingStore:
    """Buffered, group-committed writes of the network's work in flight (``pending.db``).

    ``directory`` None: a database in memory and no media folder (unit tests of the rules).
    """

    def __init__(self, directory: Path | None) -> None:
        self.media_dir: Path | None = None
        target = ":memory:"
        if directory is not None:
            self.media_dir = directory / MEDIA_FOLDER
            self.media_dir.mkdir(parents=True, exist_ok=True)
            target = str(directory / FILE_NAME)
        self._db: sqlite3.Connection | None = sqlite3.connect(target, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._checkpoints: Checkpoints | None = None
        if directory is not None:  # checkpoints in a thread, not inside a commit on the loop
            self._db.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpoints = Checkpoints(directory / FILE_NAME)
            self._checkpoints.start()
        self._db.executescript(SCHEMA)
        self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._ops: list[tuple[str, tuple[Any, ...]]] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        row = self._db.execute("SELECT MAX(seq) FROM queue").fetchone()
        self._next_seq = int(row[0] or 0) + 1
        row = self._db.execute("SELECT MAX(seq) FROM inbox").fetchone()
        self._inbox_seq = int(row[0] or 0)
        self._added = 0  # seen rows since the last prune

    # -- restoring -------------------------------------------------------------------------

    def load(self) -> Saved:
        """Everything stored, to rebuild the network's memory at start."""
        db = self._connection()
        saved = Saved()
        for seq, business, kind, item in db.execute(
            "SELECT seq, business, kind, item FROM queue ORDER BY seq"
        ):
            saved.queues.setdefault(business, []).append((kind, orjson.loads(item), seq))
        saved.held = list(
            db.execute("SELECT message_id, business, customer FROM held ORDER BY rowid")
        )
        saved.timers = [Timer(*row) for row in db.execute("SELECT * FROM timers ORDER BY due")]
        for business, customer, at in db.execute("SELECT business, customer, at FROM windows"):
            saved.windows[(business, customer)] = at
        for business, customer, data in db.execute("SELECT * FROM conversations"):
            saved.conversations[(business, customer)] = orjson.loads(data)
        newest = db.execute(
            "SELECT message_id, receipt, business, customer FROM seen ORDER BY seq DESC LIMIT ?",
            (SEEN_LIMIT,),
        ).fetchall()
        saved.seen = [(m, orjson.loads(r), b, c) for m, r, b, c in reversed(newest)]
        for customer, entry, status in db.execute(
            "SELECT customer, entry, status FROM (SELECT *, ROW_NUMBER() OVER"
            " (PARTITION BY customer ORDER BY seq DESC) AS n FROM inbox) WHERE n <= ?"
            " ORDER BY seq",
            (INBOX_LIMIT,),
        ):
            saved.inboxes.setdefault(customer, []).append({**orjson.loads(entry), "status": status})
        saved.blobs = self._load_blobs(db)
        return saved

    def _load_blobs(self, db: sqlite3.Connection) -> list[BlobRecord]:
        """Blob records whose file exists; files without a record are removed (a write cut
        short before its record was committed)."""
        records = [
            BlobRecord(m, b, t, s, bool(f), n)
            for m, b, t, s, f, n in db.execute("SELECT * FROM blobs ORDER BY stored_at")
        ]
        if self.media_dir is None:
            return []
        present = {path.name for path in self.media_dir.iterdir() if path.is_file()}
        kept = [r for r in records if r.media_id in present]
        for record in records:
            if record.media_id not in present:
                self.blob_gone(record.media_id)
        for orphan in present - {r.media_id for r in records}:
            (self.media_dir / orphan).unlink(missing_ok=True)
        return kept

    # -- buffered writes -------------------------------------------------------------------

    def enqueue(self, business: str, kind: str, item: dict[str, Any]) -> int:
        """Queue an item for ``business``; returns its sequence number."""
        seq = self._next_seq
        self._next_seq += 1
        self._add("INSERT INTO queue VALUES (?, ?, ?, ?)", (seq, business, kind, _json(item)))
        return seq

    def dequeued(self, seqs: Iterable[int]) -> None:
        """The coreapp acknowledged these items."""
        for seq in seqs:
            self._add("DELETE FROM queue WHERE seq = ?", (seq,))

    def hold(self, message_id: str, business: str, customer: str) -> None:
        """A delivery waits for an offline customer."""
        self._add("INSERT OR REPLACE INTO held VALUES (?, ?, ?)", (message_id, business, customer))

    def unhold(self, message_id: str) -> None:
        """The held delivery was released."""
        self._add("DELETE FROM held WHERE message_id = ?", (message_id,))

    def timer(self, timer: Timer) -> None:
        """A receipt is scheduled."""
        self._add(
            "INSERT OR REPLACE INTO timers VALUES (?, ?, ?, ?, ?)",
            (timer.message_id, timer.stage, timer.business, timer.customer, timer.due),
        )

    def timer_done(self, message_id: str, stage: str) -> None:
        """The scheduled receipt was produced."""
        self._add("DELETE FROM timers WHERE message_id = ? AND stage = ?", (message_id, stage))

    def window(self, business: str, customer: str, at: float | None) -> None:
        """The customer's last message to the business (None: forget the pair)."""
        if at is None:
            self._add(
                "DELETE FROM windows WHERE business = ? AND customer = ?", (business, customer)
            )
        else:
            self._add("INSERT OR REPLACE INTO windows VALUES (?, ?, ?)", (business, customer, at))

    def conversation(self, business: str, customer: str, data: dict[str, Any] | None) -> None:
        """The pair's current conversation (None: forget it)."""
        if data is None:
            self._add(
                "DELETE FROM conversations WHERE business = ? AND customer = ?",
                (business, customer),
            )
        else:
            self._add(
                "INSERT OR REPLACE INTO conversations VALUES (?, ?, ?)",
                (business, customer, _json(data)),
            )

    def seen(
        self, message_id: str, receipt: dict[str, Any], business: str | None, customer: str | None
    ) -> None:
        """The answer given to a business message, for re-sends of the same id."""
        self._add(
            "INSERT INTO seen (message_id, receipt, business, customer) VALUES (?, ?, ?, ?)",
            (message_id, _json(receipt), business, customer),
        )
        self._added += 1

    def blob(self, record: BlobRecord) -> None:
        """A media file was written to ``media/``."""
        self._add(
            "INSERT OR REPLACE INTO blobs VALUES (?, ?, ?, ?, ?, ?)",
            (
                record.media_id,
                record.business,
                record.mime_type,
                record.stored_at,
                int(record.fail),
                record.size,
            ),
        )

    def blob_gone(self, media_id: str) -> None:
        """A media file expired: forget its record and remove the file."""
        self._add("DELETE FROM blobs WHERE media_id = ?", (media_id,))
        if self.media_dir is not None:
            (self.media_dir / media_id).unlink(missing_ok=True)

    def inbox_add(self, customer: str, entry: dict[str, Any]) -> None:
        """A message the customer's phone shows (sent or received)."""
        self._inbox_seq += 1
        self._add(
            "INSERT OR REPLACE INTO inbox VALUES (?, ?, ?, ?, ?)",
            (str(entry.get("id")), self._inbox_seq, customer, _json(entry), str(entry["status"])),
        )

    def inbox_status(self, customer: str, message_id: str, status: str) -> None:
        """A message on the customer's phone reached ``status``."""
        self._add(
            "UPDATE inbox SET status = ? WHERE message_id = ? AND customer = ?",
            (status, message_id, customer),
        )

    def inbox_rewrite(self, customer: str, entry: dict[str, Any]) -> None:
        """An entry changed beyond its status (a failure's ``errors``)."""
        self._add(
            "UPDATE inbox SET entry = ?, status = ? WHERE message_id = ? AND customer = ?",
            (_json(entry), str(entry["status"]), str(entry.get("id")), customer),
        )

    def inbox_drop(self, customer: str, message_id: str) -> None:
        """An entry fell off the customer's inbox (over ``INBOX_LIMIT``)."""
        self._add("DELETE FROM inbox WHERE message_id = ? AND customer = ?", (message_id, customer))

    def inbox_moved(self, old: str, new: str) -> None:
        """The customer changed number: their messages follow (commit before and after, so
        that no status change of the same batch is reordered around it)."""
        self._add("UPDATE inbox SET customer = ? WHERE customer = ?", (new, old))

    def forget_traffic(self) -> None:
        """Drop the queues, held deliveries, timers, windows, conversations and inboxes (a
        reset of the network's traffic); the answers given and the media stay."""
        for table in ("queue", "held", "timers", "windows", "conversations", "inbox"):
            self._add(f"DELETE FROM {table}", ())  # noqa: S608 - fixed table names

    def _add(self, sql: str, params: tuple[Any, ...]) -> None:
        self._ops.append((sql, params))
        if self._flush_handle is None and self._db is not None:
            loop = _running_loop()
            if loop is not None:
                self._flush_handle = loop.call_later(FLUSH_DELAY, self.commit)

    # -- committing ------------------------------------------------------------------------

    def commit(self) -> None:
        """Write everything buffered in one transaction (before an acknowledgement)."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        if not self._ops or self._db is None:
            return
        ops, self._ops = self._ops, []
        db = self._db
        db.execute("BEGIN")
        try:
            for sql, rows in batched(ops):
                db.executemany(sql, rows)
            if self._added >= PRUNE_EVERY:
                self._added = 0
                self._prune(db)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @staticmethod
    def _prune(db: sqlite3.Connection) -> None:
        """Forget answers beyond ``SEEN_LIMIT``."""
        db.execute("DELETE FROM seen WHERE seq <= (SELECT MAX(seq) FROM seen) - ?", (SEEN_LIMIT,))

    def close(self) -> None:
        """Commit what is buffered and close the database (shutdown)."""
        if self._db is None:
            return
        if self._checkpoints is not None:
            self._checkpoints.stop()
        self.commit()
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()
        self._db = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the pending store is closed")
        return self._db


def _json(value: Any) -> bytes:
    return orjson.dumps(value)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
