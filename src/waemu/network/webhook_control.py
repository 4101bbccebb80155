"""Control API endpoint for webhook delivery: the journal of the business's coreapp.

The journal lives in the coreapp's database, so the network asks the coreapp logged in with
that number over its link (``webhooks.journal``); a developer sees why their endpoint got no
callback without opening the database (docs/webhooks.md, docs/network.md), and retries what
waits, sends a journalled POST again or clears the journal the same way (``webhooks.retry``,
``webhooks.redeliver``, ``webhooks.clear``; the web inbox's buttons).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from waemu.errors import ApiError
from waemu.network.server import NetworkServer
from waemu.protocol.peer import PeerClosed

JOURNAL_OP = "webhooks.journal"  # served by waemu.webhooks.journal in the coreapp
RETRY_OP = "webhooks.retry"
REDELIVER_OP = "webhooks.redeliver"
CLEAR_OP = "webhooks.clear"
ASK_SECONDS = 10.0


def create_router(server: NetworkServer) -> APIRouter:
    """The webhook endpoints of the control API."""
    router = APIRouter(tags=["webhooks"])

    async def ask(wa_id: str, op: str, args: dict[str, Any]) -> Any:
        """``op`` answered by the coreapp logged in with ``wa_id`` (503 when there is none)."""
        sessions = server.logged_in(wa_id)
        if not sessions:
            raise HTTPException(
                503,
                f"the coreapp of {wa_id} is not connected to the network; "
                "its webhook journal can be read only while it is",
            )
        try:
            return await sessions[0].call(op, args, ASK_SECONDS)
        except (PeerClosed, TimeoutError):
            raise HTTPException(503, f"the coreapp of {wa_id} did not answer") from None
        except ApiError as exc:
            status = 404 if exc.code == 1006 else 502
            raise HTTPException(status, f"the coreapp of {wa_id} answered: {exc.details}") from None

    @router.get("/businesses/{wa_id}/webhooks/attempts")
    async def webhook_attempts(
        wa_id: str,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        since: Annotated[datetime | None, Query()] = None,
    ) -> dict[str, Any]:
        """The business's latest webhook POSTs, newest first (at or after ``since`` when
        given), with the number of notifications still waiting in its outbox."""
        args: dict[str, Any] = {"limit": limit}
        if since is not None:
            args["since"] = since.isoformat()
        journal = await ask(wa_id, JOURNAL_OP, args)
        return {"wa_id": wa_id, **journal}

    @router.post("/businesses/{wa_id}/webhooks/retry")
    async def retry_webhooks(wa_id: str) -> dict[str, Any]:
        """Every notification waiting in the business's outbox is due now (its retry
        schedule goes on from there if the POST fails again)."""
        return {"wa_id": wa_id, **await ask(wa_id, RETRY_OP, {})}

    @router.post("/businesses/{wa_id}/webhooks/attempts/{attempt_id}/redeliver")
    async def redeliver_webhook(wa_id: str, attempt_id: int) -> dict[str, Any]:
        """POST the body of a journalled attempt again, as a new notification of the outbox
        (delivered and retried like any other); 404 when the journal has no such attempt."""
        return {"wa_id": wa_id, **await ask(wa_id, REDELIVER_OP, {"id": attempt_id})}

    @router.delete("/businesses/{wa_id}/webhooks/attempts")
    async def clear_webhook_journal(wa_id: str) -> dict[str, Any]:
        """Forget the business's journal of POSTs (what waits in the outbox stays)."""
        return {"wa_id": wa_id, **await ask(wa_id, CLEAR_OP, {})}

    return router
