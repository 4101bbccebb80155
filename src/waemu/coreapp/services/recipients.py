"""Whom a message's ``to`` names: the wa_ids this client knows (spec §7.1).

``to`` is the recipient's wa_id, or since v2.39.1 a phone number (spec §7.1, §6.2). Digits
without ``+`` can be both: ``4525123456`` is a Danish customer's wa_id and, for a business in
zone 1, the national number +1 452 512 3456. The client settles that with what it knows: a
wa_id of a customer who wrote to the business, whom one of its messages reached, or whom a
contact check answered ``valid`` is that customer, and goes to the network with ``+`` in
front (an international number, read as is). Any other ``to`` goes as typed and the network
reads it with the ``to`` rule (``network/numbers.py`` ``recipient``: a wa_id unless clearly a
national number of the business's country). docs/messages.md describes the whole rule.

The known wa_ids are kept in memory (loaded at start from the stored messages and contact
answers, then learned as customers write, receipts arrive and checks are answered), so a send
costs a dictionary lookup; past ``LIMIT`` the least recently seen are forgotten and their
``to`` falls back to the network's rule.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from waemu.coreapp.services import message_status as st
from waemu.storage.repos import contacts as contacts_repo
from waemu.storage.repos import messages as messages_repo

LIMIT = 200_000
# Statuses of an outbound message whose stored wa_id is the one the network answered (a
# failed message keeps the digits as typed, which need not be anyone's wa_id).
REACHED = (st.SENT, st.DELIVERED, st.READ, st.DELETED)
# Digits and the separators a phone number may be written with (as network/numbers.py).
_WRITTEN_NUMBER = re.compile(r"[0-9\s\-.()/\u00a0]+")


class Recipients:
    """The wa_ids this client knows, and the form a message's ``to`` is handed on in."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], limit: int = LIMIT) -> None:
        self.sessions = sessions
        self.limit = limit
        self._known: OrderedDict[str, None] = OrderedDict()  # least recently seen first

    def __contains__(self, wa_id: object) -> bool:
        return wa_id in self._known

    async def load(self) -> None:
        """At start: the customers of the stored messages and the stored ``valid`` answers."""
        async with self.sessions() as session:
            checked = await contacts_repo.valid_wa_ids(session, self.limit)
            talked = await messages_repo.customers(session, REACHED, self.limit)
        # Oldest first, so the most recent customers are the last to be forgotten.
        self.learn(reversed(checked))
        self.learn(reversed(talked))

    def learn(self, wa_ids: Iterable[str]) -> None:
        """Remember ``wa_ids`` as WhatsApp users (they wrote, were reached, were checked)."""
        known = self._known
        for wa_id in wa_ids:
            if not wa_id:
                continue
            if wa_id in known:
                known.move_to_end(wa_id)
                continue
            known[wa_id] = None
            if len(known) > self.limit:
                known.popitem(last=False)

    def address(self, to: str) -> str:
        """``to`` as the network gets it: ``+<wa_id>`` for a known wa_id, else as typed."""
        if not _WRITTEN_NUMBER.fullmatch(to):
            return to  # has a "+" already, or is not a number at all
        digits = "".join(c for c in to if c.isdigit())
        return f"+{digits}" if digits in self._known else to
