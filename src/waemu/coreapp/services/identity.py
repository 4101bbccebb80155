"""Identity of WhatsApp users: ``GET``/``PUT /v1/contacts/{wa_id}/identity`` (spec §6.4).

The network holds each user's identity key; the coreapp remembers, per wa_id, the latest
hash it has seen and the one the business acknowledged. The first identity seen for a user
is trusted as is (nothing changed yet: acknowledged); a different hash seen later is a
potential change of user and stays unacknowledged until ``PUT`` sends that hash.
``observe`` is the entry point for the ``user_identity_changed`` notification.

**The send block** (spec §6.4, §11.5; the official identity page: "all outgoing messages to
this user will be blocked if the show_security_notifications settings is enabled"): while a
user's latest identity is unacknowledged and ``show_security_notifications`` is on,
``POST /v1/messages`` to that user is refused with 400/1028. The wa_ids with an
unacknowledged identity are kept in memory (loaded at start, updated by every write here),
so the check costs a set lookup per send.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.application_settings import ApplicationSettings
from waemu.clock import Clock
from waemu.errors import ApiError
from waemu.storage.repos import contacts as repo
from waemu.storage.tables import ContactIdentityRow

if TYPE_CHECKING:
    from waemu.coreapp.network_link import NetworkLink


@dataclass(frozen=True, slots=True)
class Identity:
    """What ``GET /v1/contacts/{wa_id}/identity`` reports."""

    hash: str
    created_timestamp: int  # milliseconds, as in the official example (spec §6.4)
    acknowledged: bool

    def to_dict(self) -> dict[str, Any]:
        """The ``contacts`` object of the response."""
        return {
            "hash": self.hash,
            "created_timestamp": self.created_timestamp,
            "acknowledged": self.acknowledged,
        }


class IdentityService:
    """Reads identities from the network and keeps the acknowledgements."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        settings: Callable[[], ApplicationSettings] | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings  # show_security_notifications switches the send block
        self.link: NetworkLink | None = None  # set once the link exists
        self._unacknowledged: set[str] = set()  # wa_ids whose latest identity is not acked
        self._writes = asyncio.Lock()  # keeps the set in the order the rows were written

    async def load(self) -> None:
        """At start: which users have an unacknowledged identity change."""
        async with self.sessions() as session:
            found = await session.scalars(
                sa.select(ContactIdentityRow.wa_id).where(
                    sa.or_(
                        ContactIdentityRow.acknowledged_hash.is_(None),
                        ContactIdentityRow.acknowledged_hash != ContactIdentityRow.hash,
                    )
                )
            )
            self._unacknowledged = set(found)

    def blocked(self, wa_id: str) -> bool:
        """Whether sends to ``wa_id`` are refused now (spec §6.4): its latest identity is
        unacknowledged and ``show_security_notifications`` is on."""
        if wa_id not in self._unacknowledged or self.settings is None:
            return False
        return self.settings().show_security_notifications

    async def check_send(self, message: dict[str, Any]) -> dict[str, Any]:
        """A preparer of ``POST /v1/messages``: 400/1028 while the recipient is blocked."""
        wa_id = "".join(c for c in str(message.get("to", "")) if c.isdigit())
        if self.blocked(wa_id):
            raise ApiError(
                1028,
                f"The identity of {wa_id} changed: acknowledge it with "
                f"PUT /v1/contacts/{wa_id}/identity before sending to this user",
            )
        return message

    async def get(self, wa_id: str) -> dict[str, Any]:
        """The latest identity of ``wa_id``; 404/1006 for a number that is not a user."""
        return (await self._current(wa_id)).to_dict()

    async def acknowledge(self, wa_id: str, hash_: str) -> None:
        """Acknowledge the latest identity; 400/1009 when ``hash_`` is not that identity."""
        current = await self._current(wa_id)
        if hash_ != current.hash:
            raise ApiError(
                1009, f"Invalid value for hash: it is not the latest identity of {wa_id}"
            )
        async with self._writes:
            async with self.sessions.begin() as session:
                row = await repo.identity(session, wa_id)
                assert row is not None  # written by _current
                row.acknowledged_hash = hash_
                row.updated_at = self.clock.now()
                unacknowledged = row.hash != hash_
            self._remember(wa_id, unacknowledged)  # committed: the block lifts at once

    async def observe(self, wa_id: str, hash_: str, created_ms: int) -> Identity:
        """Record that ``wa_id`` has identity ``hash_`` (first sight: trusted)."""
        async with self._writes:
            try:
                async with self.sessions.begin() as session:
                    seen = await self._record(session, wa_id, hash_, created_ms)
            except IntegrityError:
                # A concurrent first sight (another coreapp) inserted the row: now it is found.
                async with self.sessions.begin() as session:
                    seen = await self._record(session, wa_id, hash_, created_ms)
            self._remember(wa_id, not seen.acknowledged)
            return seen

    def _remember(self, wa_id: str, unacknowledged: bool) -> None:
        if unacknowledged:
            self._unacknowledged.add(wa_id)
        else:
            self._unacknowledged.discard(wa_id)

    async def _record(
        self, session: AsyncSession, wa_id: str, hash_: str, created_ms: int
    ) -> Identity:
        row = await repo.identity(session, wa_id)
        now = self.clock.now()
        if row is None:
            row = ContactIdentityRow(
                wa_id=wa_id,
                hash=hash_,
                created_timestamp=created_ms,
                acknowledged_hash=hash_,
                updated_at=now,
            )
            session.add(row)
        elif row.hash != hash_:
            row.hash, row.created_timestamp, row.updated_at = hash_, created_ms, now
        return Identity(row.hash, row.created_timestamp, row.acknowledged_hash == row.hash)

    async def _current(self, wa_id: str) -> Identity:
        if self.link is None:
            raise ApiError(1011, "The coreapp is not connected to the WhatsApp network")
        answer = await self.link.call("contacts.identity", {"wa_id": wa_id})
        created_ms = int(answer["created_timestamp"]) * 1000
        return await self.observe(wa_id, str(answer["hash"]), created_ms)
