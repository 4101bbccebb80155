"""A restart of the simulated network loses nothing (docs/network.md), with the real
processes and a real webhook receiver: customer messages and receipts produced while the
coreapp is stopped, a receipt still scheduled, media not yet downloaded and the dedupe of a
message the coreapp sends again all survive the network being killed."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.e2e.test_startup import control, receiver_thread, registered, running_stack
from tests.receiver import Receiver
from tests.stacks import bearer, wait_until
from waemu.settings import Settings
from waemu.storage.engine import create_engine

pytestmark = pytest.mark.slow

ALICE, BOB, CAROL = "16315551001", "16315551002", "16315551003"


def statuses(receiver: Receiver) -> Counter[tuple[str, str]]:
    """How often each (message id, status) reached the webhook."""
    return Counter(
        (s["id"], s["status"]) for body in list(receiver.bodies) for s in body.get("statuses", [])
    )


def inbound(receiver: Receiver) -> list[dict[str, Any]]:
    """Every customer message that reached the webhook."""
    return [m for body in list(receiver.bodies) for m in body.get("messages", [])]


def writes(network: httpx.Client, customer: str, body: dict[str, Any]) -> str:
    answer = network.post(f"/customers/{customer}/messages", json=body)
    assert answer.status_code == 200, answer.text
    message_id: str = answer.json()["id"]
    return message_id


def say(network: httpx.Client, customer: str, words: str) -> str:
    return writes(network, customer, {"type": "text", "text": {"body": words}})


def send(http: httpx.Client, token: str, to: str) -> str:
    answer = http.post(
        "/v1/messages",
        headers=bearer(token),
        json={"to": to, "type": "text", "text": {"body": "hello"}},
    )
    assert answer.status_code == 201, answer.text
    message_id: str = answer.json()["messages"][0]["id"]
    return message_id


def behave(network: httpx.Client, customer: str, **fields: Any) -> None:
    assert network.patch(f"/customers/{customer}", json=fields).is_success


def not_yet_acknowledged(env: dict[str, str], message_id: str) -> None:
    """As if the coreapp crashed after the network took the message but before it stored
    the answer: it sends the message again when it starts."""

    async def reset() -> None:
        engine = create_engine(Settings.from_env(env).db)
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text("UPDATE messages SET status = 'accepted' WHERE id = :id"),
                    {"id": message_id},
                )
        finally:
            await engine.dispose()

    asyncio.run(reset())


def test_nothing_is_lost_when_the_network_is_killed(db_env: dict[str, str], tmp_path: Path) -> None:
    with (
        receiver_thread() as receiver,
        running_stack(db_env, tmp_path) as running,
        running.client() as http,
        control(running) as network,
    ):
        token = registered(running, http)
        hook = {"webhooks": {"url": receiver.url}, "sent_status": True}
        assert http.patch("/v1/settings/application", headers=bearer(token), json=hook).is_success
        opened = [say(network, who, "hi") for who in (ALICE, BOB)]
        behave(network, ALICE, delivery_delay=0.1, read_delay=0.1)
        resent = send(http, token, ALICE)
        wait_until(lambda: statuses(receiver)[(resent, "read")] == 1, 30, "the first read")
        # Receipts the network produces while the coreapp is stopped, and one still
        # scheduled when the network is killed (Bob's phone is slow).
        behave(network, ALICE, delivery_delay=0.5, read_delay=0.1)
        behave(network, BOB, delivery_delay=5, read_delay=0.1)
        sent = [send(http, token, ALICE), send(http, token, BOB)]
        wait_until(
            lambda: all(statuses(receiver)[(m, "sent")] for m in sent), 30, "the sends taken"
        )
        running.coreapp.stop()
        written = [say(network, ALICE, f"offline {n}") for n in range(3)]
        written.append(writes(network, CAROL, {"type": "image", "image": {"caption": "look"}}))

        def alice_read() -> bool:
            shown = network.get(f"/customers/{ALICE}/messages").json()["messages"]
            return any(m["id"] == sent[0] and m["status"] == "read" for m in shown)

        wait_until(alice_read, 30, "Alice to read while the coreapp is away")
        not_yet_acknowledged(running.env, resent)
        running.network.stop(signal.SIGKILL)
        running.network.start()
        wait_until(lambda: _answers(network), 30, "the network to start again")
        running.coreapp.start()

        def everything() -> bool:
            seen = statuses(receiver)
            arrived = {m["id"] for m in inbound(receiver)}
            return set(opened + written) <= arrived and all(
                seen[(m, s)] for m in sent for s in ("delivered", "read")
            )

        wait_until(everything, 60, "every message and receipt at the webhook")
        seen = statuses(receiver)
        for message_id in sent:
            assert [seen[(message_id, s)] for s in ("sent", "delivered", "read")] == [1, 1, 1]
        # The message sent again got the network's first answer: no second delivery.
        assert seen[(resent, "delivered")] == seen[(resent, "read")] == 1
        assert seen[(resent, "sent")] in (1, 2)  # the coreapp may record its answer twice
        at_alice = network.get(f"/customers/{ALICE}/messages").json()["messages"]
        assert [m["id"] for m in at_alice].count(resent) == 1
        counts = Counter(m["id"] for m in inbound(receiver))
        assert all(counts[m] == 1 for m in opened + written), counts
        # The photo Carol sent while the coreapp was away is still there to download.
        (photo,) = [m for m in inbound(receiver) if m["id"] == written[-1]]
        media = http.get(f"/v1/media/{photo['image']['id']}", headers=bearer(token))
        assert media.status_code == 200, media.text
        assert media.headers["content-type"].startswith("image/")
        assert not [b for b in receiver.bodies if "errors" in b]


def _answers(network: httpx.Client) -> bool:
    try:
        return network.get("/health").is_success
    except httpx.TransportError:
        return False
