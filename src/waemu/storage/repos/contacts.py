"""Reading and writing the contact store (tables in ``tables/contacts.py``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from waemu.storage.tables import ContactIdentityRow, ContactRow

# Keys per IN (...) query: well under every engine's bound-parameter limit.
CHUNK = 500


@dataclass(frozen=True, slots=True)
class CachedContact:
    """One lookup answer as stored."""

    input: str
    cc: str
    status: str
    wa_id: str | None
    checked_at: datetime


def lookup_key(cc: str, text: str) -> str:
    """The primary key of the answer for ``text`` read against country code ``cc``."""
    return hashlib.sha256(f"{cc}\x00{text}".encode()).hexdigest()


async def by_keys(session: AsyncSession, keys: Iterable[str]) -> dict[str, CachedContact]:
    """The stored answers among ``keys``, whatever their age."""
    wanted = sorted(set(keys))
    found: dict[str, CachedContact] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = await session.scalars(sa.select(ContactRow).where(ContactRow.lookup_key.in_(chunk)))
        for row in rows:
            found[row.lookup_key] = CachedContact(
                row.input, row.cc, row.status, row.wa_id, row.checked_at
            )
    return found


async def put(session: AsyncSession, answers: Iterable[CachedContact]) -> None:
    """Store ``answers``, replacing older answers for the same input and code."""
    by_key = {lookup_key(answer.cc, answer.input): answer for answer in answers}
    keys = sorted(by_key)
    existing: dict[str, ContactRow] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        rows = await session.scalars(sa.select(ContactRow).where(ContactRow.lookup_key.in_(chunk)))
        existing.update({row.lookup_key: row for row in rows})
    for key in keys:
        answer = by_key[key]
        row = existing.get(key)
        if row is None:
            session.add(
                ContactRow(
                    lookup_key=key,
                    input=answer.input,
                    cc=answer.cc,
                    status=answer.status,
                    wa_id=answer.wa_id,
                    checked_at=answer.checked_at,
                )
            )
        else:
            row.status, row.wa_id, row.checked_at = answer.status, answer.wa_id, answer.checked_at


async def valid_wa_ids(session: AsyncSession, limit: int) -> list[str]:
    """The wa_ids of stored ``valid`` answers, most recently checked first, at most ``limit``."""
    rows = await session.scalars(
        sa.select(ContactRow.wa_id)
        .where(ContactRow.status == "valid", ContactRow.wa_id.is_not(None))
        .group_by(ContactRow.wa_id)
        .order_by(sa.func.max(ContactRow.checked_at).desc())
        .limit(limit)
    )
    return [wa_id for wa_id in rows.all() if wa_id]


async def identity(session: AsyncSession, wa_id: str) -> ContactIdentityRow | None:
    """The identity row of ``wa_id``, if one was seen."""
    return await session.get(ContactIdentityRow, wa_id)
