"""Operations of ``/v1/contacts`` and ``/v1/contacts/{wa_id}/identity`` (spec §6)."""

from __future__ import annotations

from typing import Any

from waemu.coreapp.dispatch import Operation, text_arg
from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.services.contacts import ContactsService
from waemu.coreapp.services.identity import IdentityService
from waemu.errors import ApiError
from waemu.protocol import ops


def _inputs(args: dict[str, Any]) -> list[str]:
    value = args.get("contacts")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError(1009, "Invalid value for contacts: must be an array of strings")
    return value


def operations(contacts: ContactsService, identities: IdentityService) -> list[Operation]:
    """The contacts area's operation table; any user may call it (spec §4)."""

    async def check(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        checked = await contacts.check(
            _inputs(a),
            blocking=text_arg(a, "blocking"),
            force_check=a.get("force_check") is True,
        )
        return {"contacts": checked}

    async def identity_get(a: dict[str, Any], _p: Principal | None) -> dict[str, Any]:
        return await identities.get(text_arg(a, "wa_id"))

    async def identity_ack(a: dict[str, Any], _p: Principal | None) -> None:
        await identities.acknowledge(text_arg(a, "wa_id"), text_arg(a, "hash"))

    return [
        Operation(ops.CONTACTS_CHECK, check, Access.USER),
        Operation(ops.CONTACTS_IDENTITY_GET, identity_get, Access.USER),
        Operation(ops.CONTACTS_IDENTITY_ACK, identity_ack, Access.USER),
    ]
