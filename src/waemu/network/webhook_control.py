"""Control API endpoint for webhook delivery: the journal of the business's coreapp.

The journal lives in the coreapp's database, so the network asks the coreapp logged in with
that number over its link (``webhooks.journal``); a developer sees why their endpoint got no
callback without opening the database (docs/webhooks.md, docs/network.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from waemu.errors import ApiError
from waemu.network.server import NetworkServer
from waemu.protocol.peer import PeerClosed

JOURNAL_OP = "webhooks.journal"  # served by waemu.webhooks.journal in the coreapp
ASK_SECONDS = 10.0


def create_router(server: NetworkServer) -> APIRouter:
    """The webhook endpoints of the control API."""
    router = APIRouter(tags=["webhooks"])

    @router.get("/businesses/{wa_id}/webhooks/attempts")
    async def webhook_attempts(
        wa_id: str,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        since: Annotated[datetime | None, Query()] = None,
    ) -> dict[str, Any]:
        """The business's latest webhook POSTs, newest first (at or after ``since`` when
        given), with the number of notifications still waiting in its outbox."""
        sessions = server.logged_in(wa_id)
        if not sessions:
            raise HTTPException(
                503,
                f"the coreapp of {wa_id} is not connected to the network; "
                "its webhook journal can be read only while it is",
            )
        args: dict[str, Any] = {"limit": limit}
        if since is not None:
            args["since"] = since.isoformat()
        try:
            journal = await sessions[0].call(JOURNAL_OP, args, ASK_SECONDS)
        except (PeerClosed, TimeoutError):
            raise HTTPException(503, f"the coreapp of {wa_id} did not answer") from None
        except ApiError as exc:
            raise HTTPException(502, f"the coreapp of {wa_id} answered: {exc.details}") from None
        return {"wa_id": wa_id, **journal}

    return router
