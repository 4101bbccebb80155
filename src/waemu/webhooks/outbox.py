"""Writing notifications to the outbox inside the transaction that stored their cause.

The status filters of spec §9.1 (``webhooks.message.sent/delivered/read``, with the legacy
``sent_status`` folded into ``sent``) decide what is written; failed, deleted and other
statuses always are. System messages are written when their switch is on
(``notify_user_change_number``, ``show_security_notifications``, spec §11.5); customer
messages and errors notifications (spec §11.4) always are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from waemu.application_settings import ApplicationSettings
from waemu.clock import Clock
from waemu.storage.repos import webhooks as repo

FILTERED = ("sent", "delivered", "read")


class Outbox:
    """The listener that turns stored events into outbox rows."""

    def __init__(
        self,
        clock: Clock,
        settings: Callable[[], ApplicationSettings],
        wake: Callable[[], None],
    ) -> None:
        self.clock = clock
        self.settings = settings
        self.wake = wake

    def wanted(self, payload: dict[str, Any]) -> bool:
        """Whether the settings ask for this notification."""
        messages = payload.get("messages")
        if messages:
            return self._system_wanted(messages[0])
        statuses = payload.get("statuses")
        if not statuses:
            return True
        status = statuses[0].get("status")
        if status not in FILTERED:
            return True
        flags = self.settings().webhooks.message
        return bool(getattr(flags, status))

    async def __call__(self, session: AsyncSession, payloads: list[dict[str, Any]]) -> None:
        now = self.clock.now()
        rows = [
            {
                "kind": next(iter(k for k in payload if k != "contacts"), "messages"),
                "payload": orjson.dumps(payload).decode(),
                "created_at": now,
                "next_attempt_at": now,
                "attempts": 0,
            }
            for payload in payloads
            if self.wanted(payload)
        ]
        await repo.enqueue(session, rows)
        if rows:
            session.sync_session.info.setdefault("after_commit", []).append(self.wake)

    def _system_wanted(self, message: dict[str, Any]) -> bool:
        """System messages only when their switch is on (spec §9.1, §11.5); others always."""
        if message.get("type") != "system":
            return True
        kind = (message.get("system") or {}).get("type")
        current = self.settings()
        if kind == "user_changed_number":
            return current.notify_user_change_number
        if kind == "user_identity_changed":
            return current.show_security_notifications
        return True
