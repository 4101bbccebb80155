"""hello-bot's tests, written with waemu's pytest plugin only: the emulator, a registered
business number, virtual customers and a webhook receiver are its fixtures (``waemu_*``).

Copy this file into your project, replace ``create_app`` with your own service, and run
``pytest`` (``pytest --waemu-db=postgres`` for PostgreSQL, ``pytest -n 4`` in parallel).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from hello_bot import create_app

from waemu.testing import Admin, Business, Customers, WebhookReceiver


@pytest.fixture
def bot(
    waemu_admin: Admin, waemu_business: Business, waemu_webhooks: WebhookReceiver
) -> Iterator[str]:
    """The bot served on a free port; the business's webhooks are passed on to it."""
    app = create_app(waemu_admin.base_url, waemu_admin.token, verify=waemu_admin.verify)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the bot did not start"
            time.sleep(0.01)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/webhook"
        waemu_webhooks.forward_to(url)
        yield url
        waemu_webhooks.forward_to(None)  # what still arrives is answered by the receiver
        server.should_exit = True
        thread.join(10)


def test_bot_answers_hi_with_the_hello_world_template(bot: str, waemu_customers: Customers) -> None:
    alice = waemu_customers("Alice")
    alice.send_text("Hi!")
    reply = alice.wait_for_message(template="hello_world")
    assert reply.text is not None and reply.text.startswith("Hello World")


def test_bot_marks_the_message_read_and_stays_quiet_without_a_greeting(
    bot: str, waemu_customers: Customers
) -> None:
    bob = waemu_customers("Bob")
    question = bob.send_text("Where is my order?")
    bob.wait_for_status(question, "read")  # the blue ticks on Bob's phone
    assert bob.received() == []


def test_reply_is_delivered_and_read(
    bot: str, waemu_customers: Customers, waemu_webhooks: WebhookReceiver
) -> None:
    carol = waemu_customers("Carol")
    carol.send_text("hello")
    reply = carol.wait_for_message(template="hello_world")
    waemu_webhooks.wait_for_status(reply.id, "delivered")
    waemu_webhooks.wait_for_status(reply.id, "read")


def test_reply_stays_delivered_when_the_customer_never_reads(
    bot: str, waemu_customers: Customers, waemu_webhooks: WebhookReceiver
) -> None:
    dave = waemu_customers("Dave", reads=False)
    dave.send_text("hey there")
    reply = dave.wait_for_message(template="hello_world")
    dave.wait_for_status(reply.id, "delivered")
    assert not [s for s in waemu_webhooks.statuses if s["status"] == "read"]


def test_bot_answers_once_when_the_first_delivery_fails(
    bot: str, waemu_customers: Customers, waemu_webhooks: WebhookReceiver
) -> None:
    waemu_webhooks.respond_with(500)  # the client delivers the webhook again
    erin = waemu_customers("Erin")
    greeting = erin.send_text("hi")
    erin.wait_for_message(template="hello_world")
    erin.wait_for_status(greeting, "read")
    assert [post.status_code for post in waemu_webhooks.posts][:2] == [500, 200]
    assert len(erin.received()) == 1
