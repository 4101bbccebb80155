"""Registering the business number in an in-process stack, as a user does."""

from __future__ import annotations

import asyncio

from tests.stacks import InProcessStack, bearer

CC, PHONE, VNAME = "1", "6315550100", "Acme Shop"
WA_ID = CC + PHONE


async def register(
    stack: InProcessStack, token: str, cc: str = CC, phone: str = PHONE, vname: str = VNAME
) -> str:
    """Certificate, code request, code, verify; waits until the coreapp is connected and its
    startup done (``/v1/support`` ``socket_conn`` "UP", spec §12). Returns the wa_id."""
    issued = await stack.net.issue_certificate(cc, phone, vname)
    body = {"cc": cc, "phone_number": phone, "method": "sms", "cert": issued.cert}
    requested = await stack.http.post("/v1/account", json=body, headers=bearer(token))
    assert requested.status_code == 202, requested.text
    wa_id = issued.wa_id
    code = (await stack.net.registration_code(wa_id)).code
    verified = await stack.http.post(
        "/v1/account/verify", json={"code": code}, headers=bearer(token)
    )
    assert verified.status_code == 201, verified.text
    for _ in range(250):
        support = await stack.http.get("/v1/support", headers=bearer(token))
        if support.json()["support"]["socket_conn"] == "UP":
            return wa_id
        await asyncio.sleep(0.02)
    raise AssertionError("the coreapp did not get ready after registration")
