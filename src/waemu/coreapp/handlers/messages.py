"""Operations of ``/v1/messages`` (spec §7) and the pushes the network sends about them."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation, text_arg
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.messages import MessagesService
from waemu.errors import ApiError
from waemu.protocol import ops


def operations(messages: MessagesService) -> list[Operation]:
    """The messages area's operation table."""

    async def send(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        message = a.get("message")
        if not isinstance(message, dict):
            raise ApiError(1008, "Missing required parameter: message")
        return await messages.send(message)

    async def mark_read(a: dict[str, Any], _p: Principal | None) -> None:
        await messages.mark_read(text_arg(a, "id"))

    return [
        Operation(ops.MESSAGES_SEND, send, Access.USER),
        Operation(ops.MESSAGES_MARK_READ, mark_read, Access.USER),
    ]


def network_pushes(messages: MessagesService) -> dict[str, Any]:
    """What the network pushes about messages: receipts and customer messages."""

    async def statuses(args: dict[str, Any]) -> None:
        await messages.record_statuses(list(args.get("statuses") or []))

    async def inbound(args: dict[str, Any]) -> None:
        await messages.store_inbound(
            list(args.get("messages") or []), list(args.get("contacts") or [])
        )

    return {"statuses.push": statuses, "messages.push": inbound}
