"""The network's side of registration (spec §5): codes, verification, login, two-step PIN."""

from __future__ import annotations

import logging
import time
from typing import Any

from waemu.errors import ApiError
from waemu.network.server import NetworkServer, Session
from waemu.network.world import World
from waemu.protocol.shards import valid_login_shard

log = logging.getLogger(__name__)


def business_wa_id(cc: str, phone_number: str) -> str:
    """The wa_id of a business number: country code and national number, trunk 0 dropped."""
    return cc + phone_number.lstrip("0")


def _text(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value:
        raise ApiError(1008, f"Missing required parameter: {name}")
    return value


def _shard(args: dict[str, Any]) -> tuple[int | None, int | None]:
    """A cluster login's shard and shard count (both or neither)."""
    shard, shards = args.get("shard"), args.get("shards")
    if shard is None and shards is None:
        return None, None
    if not isinstance(shard, int) or not isinstance(shards, int):
        raise ApiError(1009, "shard and shards must both be integers")
    if not valid_login_shard(shard, shards):
        raise ApiError(1009, f"shard {shard} of {shards} is not a shard of the number")
    return shard, shards


def install(server: NetworkServer, world: World) -> None:
    """Register the account operations on ``server``."""

    async def request_code(session: Session, args: dict[str, Any]) -> dict[str, Any]:
        client_id = session.require_client()
        cc, phone = _text(args, "cc"), _text(args, "phone_number")
        wa_id = business_wa_id(cc, phone)
        cert = world.ca.check(_text(args, "cert"), wa_id)
        pin = args.get("pin")
        registered, account = world.accounts.request_code(
            wa_id=wa_id,
            cc=cc,
            phone_number=phone,
            vname=cert.vname,
            method=_text(args, "method"),
            pin=pin if isinstance(pin, str) else None,
            client_id=client_id,
            now=time.time(),
        )
        await world.save()
        if not registered:
            log.info(
                "registration code for +%s by %s: %s", wa_id, account.code_method, account.code
            )
        return {"registered": registered, "wa_id": wa_id, "vname": account.vname}

    async def verify(session: Session, args: dict[str, Any]) -> dict[str, Any]:
        client_id = session.require_client()
        wa_id = business_wa_id(_text(args, "cc"), _text(args, "phone_number"))
        try:
            account = world.accounts.verify(
                wa_id=wa_id, code=_text(args, "code"), client_id=client_id, now=time.time()
            )
        finally:
            await world.save()  # failed attempts count across restarts too
        # The number now belongs to this client: any other holder is disconnected.
        for other in server.logged_in(wa_id):
            if other is not session and other.peer is not None:
                other.peer.close()
        assert account.secret is not None
        return {"wa_id": wa_id, "vname": account.vname, "secret": account.secret}

    async def login(session: Session, args: dict[str, Any]) -> dict[str, Any]:
        client_id = session.require_client()
        wa_id = _text(args, "wa_id")
        shard, shards = _shard(args)
        account = world.accounts.login(
            wa_id=wa_id, secret=_text(args, "secret"), client_id=client_id
        )
        for other in server.logged_in(wa_id):
            # One connection per number, or per shard of it (spec §13.1).
            same_place = shard is None or other.shard is None or other.shard == shard
            if other is not session and other.peer is not None and same_place:
                other.peer.close()
        session.wa_id, session.shard, session.shards = wa_id, shard, shards
        for listener in server.login_listeners:
            listener(wa_id)
        return {"wa_id": wa_id, "vname": account.vname}

    async def set_pin(session: Session, args: dict[str, Any]) -> None:
        account = world.accounts.get(session.require_login())
        assert account is not None
        pin = args.get("pin")
        account.pin = pin if isinstance(pin, str) else None
        await world.save()

    async def check(session: Session, args: dict[str, Any]) -> None:
        """Certificate and PIN check for a logged-in number (shard changes, spec §5.3)."""
        wa_id = session.require_login()
        if business_wa_id(_text(args, "cc"), _text(args, "phone_number")) != wa_id:
            raise ApiError(1009, "cc and phone_number are not the logged-in number")
        world.ca.check(_text(args, "cert"), wa_id)
        account = world.accounts.get(wa_id)
        assert account is not None
        if account.pin is not None and args.get("pin") != account.pin:
            raise ApiError(1005, "Two-step verification is enabled for this number: PIN incorrect")

    server.register("account.check", check)
    server.register("account.request_code", request_code)
    server.register("account.verify", verify)
    server.register("account.login", login)
    server.register("account.set_pin", set_pin)
