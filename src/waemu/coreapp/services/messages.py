"""Messages: accepting sends, recording receipts and customer messages, marking read (spec §7).

A send is persisted (group commit) before the 201; the outbound queue hands it to the network
afterwards. Receipts and customer messages the network pushes are persisted before they are
acknowledged. Each batch of stored events is also given to the notification listeners inside
the same transaction, which is where the webhook outbox writes its rows (spec §11).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu import ids
from waemu.clock import Clock
from waemu.coreapp.readiness import Readiness
from waemu.coreapp.services import message_status as st
from waemu.coreapp.services.account import AccountService
from waemu.coreapp.services.inbound import InboundService
from waemu.coreapp.services.message_media import MessageMedia
from waemu.coreapp.services.outbound import OutboundQueue
from waemu.coreapp.services.recipients import Recipients
from waemu.errors import ApiError
from waemu.storage.batch import BatchWriter
from waemu.storage.repos import messages as repo

log = logging.getLogger(__name__)

# Called inside the transaction that stores a batch of events, with their webhook payloads.
Listener = Callable[[AsyncSession, list[dict[str, Any]]], Awaitable[None]]
# Checks (and may complete) a message before it is accepted: templates, media. Raises
# ApiError for a message the real client refuses synchronously.
Preparer = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

# Current status of outbound messages still expecting receipts, so a receipt costs no read.
CACHE_LIMIT = 200_000


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _at(epoch: Any) -> datetime:
    return datetime.fromtimestamp(int(epoch), UTC)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def status_payload(receipt: dict[str, Any]) -> dict[str, Any]:
    """A status notification as the real client posts it (spec §11.3)."""
    recipient = str(receipt.get("recipient_id", ""))
    entry: dict[str, Any] = {
        "id": receipt["id"],
        "recipient_id": recipient,
        "status": receipt["status"],
        "timestamp": str(int(receipt["timestamp"])),
        "type": "message",
    }
    for key in ("conversation", "pricing", "errors"):
        if key in receipt:
            entry[key] = receipt[key]
    entry["message"] = {"recipient_id": recipient}  # v2.39.1+
    return {"statuses": [entry]}


class MessagesService:
    """The business's messages, both ways."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        writer: BatchWriter,
        clock: Clock,
        readiness: Readiness,
        account: AccountService,
        outbound: OutboundQueue,
        send_writer: BatchWriter | None = None,
    ) -> None:
        self.sessions = sessions
        self.writer = writer
        self.send_writer = send_writer or writer  # sends may have a lane of their own
        self.clock = clock
        self.readiness = readiness
        self.account = account
        self.outbound = outbound
        self.listeners: list[Listener] = []
        self.preparers: list[Preparer] = []
        self.media: MessageMedia | None = None  # set when media is available
        self.inbound: InboundService | None = None  # set when media and identities are
        self.recipients = Recipients(sessions)  # the wa_ids a ``to`` may name (spec §7.1)
        self._status: dict[str, str] = {}
        outbound.on_acks = self.record_statuses
        self.send_writer.register("messages.out", self._flush_sends, writes_only=True)
        writer.register("messages.receipts", self._flush_receipts, writes_only=True)
        writer.register("messages.in", self._flush_inbound, writes_only=True)
        writer.register("messages.read", self._flush_reads, writes_only=True)

    # -- sending -------------------------------------------------------------------------

    async def send(self, message: dict[str, Any]) -> dict[str, Any]:
        """Accept a validated message: persist it, queue it, return its id (spec §7.1)."""
        if not self.readiness.ready:
            # spec §12: until the startup (templates, offline messages) is done after a
            # login, sends are refused with 1011 "Coreapp not ready" (docs/readiness.md).
            raise self.readiness.refusal()
        to = str(message["to"])
        own = self.account.wa_id
        if own is not None and _digits(to) == own:
            raise ApiError(1021, "The recipient is this client's own number")
        # A known wa_id goes on as "+<wa_id>": never read as a national number (spec §7.1).
        address = self.recipients.address(to)
        if address != to:
            message = {**message, "to": address}
        for prepare in self.preparers:
            message = await prepare(message)
        message_id = ids.outbound_message_id()
        now = self.clock.now()
        row = {
            "id": message_id,
            "direction": "out",
            "wa_id": _digits(to) or to,
            "type": str(message.get("type", "text")),
            "content": _json(message),
            "status": st.ACCEPTED,
            "created_at": now,
            "updated_at": now,
        }
        await self.send_writer.add("messages.out", row)
        self._remember(message_id, st.ACCEPTED)
        self._dispatch({**message, "id": message_id})
        return {"id": message_id}

    def _dispatch(self, message: dict[str, Any]) -> None:
        """Hand an accepted message on: to the network, or first through a link download."""
        if self.media is not None and self.media.needs_download(message):
            self.media.download_then(message, self.outbound.push, self.record_statuses)
        else:
            self.outbound.push(message)

    async def _flush_sends(self, session: AsyncSession, rows: list[dict[str, Any]]) -> None:
        await repo.insert_many(session, rows)

    async def requeue_unsent(self, serves: Callable[[str], bool] | None = None) -> int:
        """After a restart, or when a cluster node takes a shard: hand accepted-but-unsent
        messages to the network again (those to the customers ``serves`` accepts)."""
        async with self.sessions() as session:
            rows = await repo.by_status(session, "out", st.ACCEPTED)
        count = 0
        for row in rows:
            # ``wa_id`` holds the digits of the ``to`` the send named: its shard's key.
            if serves is not None and not serves(row.wa_id):
                continue
            message = {**orjson.loads(row.content), "id": row.id}
            self._remember(row.id, st.ACCEPTED)
            self._dispatch(message)
            count += 1
        return count

    def _remember(self, message_id: str, status: str) -> None:
        if len(self._status) >= CACHE_LIMIT:
            self._status.pop(next(iter(self._status)))
        self._status[message_id] = status

    # -- receipts ------------------------------------------------------------------------

    async def record_statuses(self, receipts: list[dict[str, Any]]) -> None:
        """Persist receipts from the network (its send acks and later pushes)."""
        await self.writer.add_many("messages.receipts", receipts)

    async def _flush_receipts(self, session: AsyncSession, receipts: list[Any]) -> None:
        misses = [str(r["id"]) for r in receipts if str(r["id"]) not in self._status]
        for message_id, (direction, status) in (await repo.current(session, misses)).items():
            if direction == "out":
                self._status[message_id] = status
        log_rows, changes, payloads = [], [], []
        self.recipients.learn(
            str(r["recipient_id"])
            for r in receipts
            if r.get("recipient_id") and r.get("status") != st.FAILED
        )
        for receipt in receipts:
            message_id = str(receipt["id"])
            current = self._status.get(message_id)
            if current is None:
                log.warning("receipt for an unknown message %s", message_id)
                continue
            at = _at(receipt["timestamp"])
            detail = {k: receipt[k] for k in ("conversation", "pricing", "errors") if k in receipt}
            log_rows.append(
                {
                    "message_id": message_id,
                    "status": receipt["status"],
                    "timestamp": at,
                    "detail": _json(detail) if detail else None,
                }
            )
            status = st.settle(current, receipt["status"])
            change = {"b_id": message_id, "b_status": status, "b_at": at}
            if receipt.get("recipient_id"):
                change["b_wa_id"] = str(receipt["recipient_id"])
            changes.append(change)
            self._status[message_id] = status
            payloads.append(status_payload(receipt))
        await repo.log_many(session, log_rows)
        await repo.set_many(session, changes)
        for listener in self.listeners:
            await listener(session, payloads)

    # -- customer messages ---------------------------------------------------------------

    async def store_inbound(
        self, messages: list[dict[str, Any]], contacts: list[dict[str, Any]]
    ) -> None:
        """Persist customer messages pushed by the network; repeats are ignored.

        The inbound service first downloads their media and adds identities; the messages,
        their notifications and any errors notifications (a failed media download, spec
        §11.4) are written in one transaction before the network is answered.
        """
        if self.inbound is not None:
            items = await self.inbound.prepare(messages, contacts)
        else:
            profiles = {str(c.get("wa_id")): c for c in contacts}
            items = [(m, profiles.get(str(m["from"])), []) for m in messages]
        await self.writer.add_many("messages.in", items)

    async def _flush_inbound(self, session: AsyncSession, items: list[Any]) -> None:
        known = await repo.current(session, (str(m["id"]) for m, _c, _e in items))
        self.recipients.learn(str(m["from"]) for m, _c, _e in items)
        rows, payloads, seen = [], [], set(known)
        for message, contact, errors in items:
            message_id = str(message["id"])
            if message_id in seen:
                continue
            seen.add(message_id)
            at = _at(message["timestamp"])
            rows.append(
                {
                    "id": message_id,
                    "direction": "in",
                    "wa_id": str(message["from"]),
                    "type": str(message["type"]),
                    "content": _json(message),
                    "status": st.RECEIVED,
                    "created_at": at,
                    "updated_at": at,
                }
            )
            if contact is not None and message["type"] != "system":  # spec §11.5
                payloads.append({"contacts": [contact], "messages": [message]})
            else:
                payloads.append({"messages": [message]})
            payloads.extend(errors)
        await repo.insert_many(session, rows)
        for listener in self.listeners:
            await listener(session, payloads)

    async def mark_read(self, message_id: str) -> None:
        """``PUT /v1/messages/{id}`` with ``read``: only customer messages (spec §7.12)."""
        async with self.sessions() as session:
            row = await repo.get(session, message_id)
        if row is None or row.direction != "in":
            raise ApiError(1006, f"Message {message_id} not found")
        if row.status != st.READ:
            await self.writer.add("messages.read", message_id)
        await self.outbound.notify_read(row.wa_id, message_id)

    async def _flush_reads(self, session: AsyncSession, message_ids: list[Any]) -> None:
        now = self.clock.now()
        await repo.set_many(
            session, [{"b_id": i, "b_status": st.READ, "b_at": now} for i in message_ids]
        )
