"""``waemu_customers``: virtual customers made to order, and what a test does with one — write
to the business, read their phone, change how they behave (docs/testing.md)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from waemu.network.client import UNSET, Customer, NetworkClient, PhoneMessage, Unset
from waemu.testing.waiting import DEFAULT_TIMEOUT, async_poll, poll

# Delivery and read delays of made customers, in seconds: quick, yet the receipts come in
# their real order (sent, delivered, read). ``None`` asks for realistic random delays.
QUICK = 0.05
# Numbers of made customers: +1 631-556-xxxx, outside the seed (+1 631-555-xxxx), never twice
# in a session, so the coreapp's contact cache (kept across tests) never answers for an
# earlier customer.
FIRST_NUMBER = 16315560000


def numbers(start: int = FIRST_NUMBER) -> Iterator[str]:
    """The wa_ids handed to made customers, in order."""
    return (str(number) for number in itertools.count(start))


class CustomerHandle:
    """One virtual customer, as a test drives them."""

    def __init__(self, network: NetworkClient, wa_id: str, name: str) -> None:
        self.network = network
        self.wa_id = wa_id
        self.name = name

    def __repr__(self) -> str:
        return f"<customer {self.name} {self.wa_id}>"

    # -- the customer's side ---------------------------------------------------------------

    def send(self, message: Mapping[str, Any], *, business: str | None = None) -> str:
        """Write to the business, any type in the webhook's shape (``{"type": "location",
        "location": {...}}``); the message id (``ABGG…``) the webhook will carry."""
        return self.network.send_as_customer(self.wa_id, message, business=business).id

    def send_text(self, text: str, *, business: str | None = None) -> str:
        """Write a text to the business; the message id."""
        return self.network.send_text_as_customer(self.wa_id, text, business=business).id

    def messages(self) -> list[PhoneMessage]:
        """What their phone shows, oldest first: received and sent."""
        return self.network.customer_messages(self.wa_id)

    def received(self) -> list[PhoneMessage]:
        """The messages the business sent them, oldest first."""
        return [m for m in self.messages() if m.direction == "to_customer"]

    def sent(self) -> list[PhoneMessage]:
        """The messages they sent the business, oldest first."""
        return [m for m in self.messages() if m.direction == "to_business"]

    def info(self) -> Customer:
        """Their record at the network, as it is now."""
        return self.network.customer(self.wa_id)

    # -- behaviour -------------------------------------------------------------------------

    def update(
        self,
        *,
        name: str | Unset = UNSET,
        on_whatsapp: bool | Unset = UNSET,
        lookup_delay: float | Unset = UNSET,
        delivery_delay: float | Unset | None = UNSET,
        read_delay: float | Unset | None = UNSET,
        reads: bool | Unset = UNSET,
        fail_code: int | Unset | None = UNSET,
        online: bool | Unset = UNSET,
        blocked: bool | Unset = UNSET,
    ) -> Customer:
        """Change how they behave (the fields given only)."""
        return self.network.update_customer(
            self.wa_id,
            name=name,
            on_whatsapp=on_whatsapp,
            lookup_delay=lookup_delay,
            delivery_delay=delivery_delay,
            read_delay=read_delay,
            reads=reads,
            fail_code=fail_code,
            online=online,
            blocked=blocked,
        )

    def go_offline(self) -> None:
        """Their phone is off: the business's messages stay ``sent`` until ``come_online``."""
        self.update(online=False)

    def come_online(self) -> None:
        """Their phone is back: what waited is delivered."""
        self.update(online=True)

    # -- waiting ---------------------------------------------------------------------------

    def _describe(self) -> str:
        shown = self.messages()
        if not shown:
            return f"the phone of {self.name} ({self.wa_id}) shows no message"
        lines = [f"the phone of {self.name} ({self.wa_id}) shows:"]
        for message in shown:
            arrow = "<-" if message.direction == "to_customer" else "->"
            gist = message.template_name or message.text or ""
            lines.append(f"  {arrow} {message.id} {message.type} {gist!r} ({message.status})")
        return "\n".join(lines)

    def _message_finder(
        self,
        text: str | None,
        contains: str | None,
        template: str | None,
        type: str | None,
        match: Callable[[PhoneMessage], bool] | None,
    ) -> Callable[[], PhoneMessage | None]:
        def find() -> PhoneMessage | None:
            for message in self.received():
                if text is not None and message.text != text:
                    continue
                if contains is not None and contains not in (message.text or ""):
                    continue
                if template is not None and message.template_name != template:
                    continue
                if type is not None and message.type != type:
                    continue
                if match is not None and not match(message):
                    continue
                return message
            return None

        return find

    def _status_finder(self, message_id: str, status: str) -> Callable[[], PhoneMessage | None]:
        def find() -> PhoneMessage | None:
            for message in self.messages():
                if message.id == message_id and message.status == status:
                    return message
            return None

        return find

    def wait_for_message(
        self,
        *,
        text: str | None = None,
        contains: str | None = None,
        template: str | None = None,
        type: str | None = None,
        match: Callable[[PhoneMessage], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> PhoneMessage:
        """The first message from the business on their phone whose text is ``text`` (or
        ``contains`` it), sent with ``template`` (its name), of ``type``, accepted by
        ``match``; waits up to ``timeout`` seconds, then fails showing their phone."""
        what = _wanted(self, text=text, contains=contains, template=template, type=type)
        finder = self._message_finder(text, contains, template, type, match)
        return poll(finder, timeout, what, self._describe)

    async def async_wait_for_message(
        self,
        *,
        text: str | None = None,
        contains: str | None = None,
        template: str | None = None,
        type: str | None = None,
        match: Callable[[PhoneMessage], bool] | None = None,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - as the blocking wait
    ) -> PhoneMessage:
        """``wait_for_message`` for async tests."""
        what = _wanted(self, text=text, contains=contains, template=template, type=type)
        finder = self._message_finder(text, contains, template, type, match)
        return await async_poll(finder, timeout, what, self._describe, blocking=True)

    def wait_for_status(
        self, message_id: str, status: str, *, timeout: float = DEFAULT_TIMEOUT
    ) -> PhoneMessage:
        """Wait until message ``message_id`` on their phone reached ``status``: one the
        business sent (``delivered``, ``read``) or one they sent (``read`` once the business
        marked it read)."""
        what = f"message {message_id} did not reach {status!r} on the phone of {self.name}"
        return poll(self._status_finder(message_id, status), timeout, what, self._describe)

    async def async_wait_for_status(
        self,
        message_id: str,
        status: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - as the blocking wait
    ) -> PhoneMessage:
        """``wait_for_status`` for async tests."""
        what = f"message {message_id} did not reach {status!r} on the phone of {self.name}"
        finder = self._status_finder(message_id, status)
        return await async_poll(finder, timeout, what, self._describe, blocking=True)


def _wanted(customer: CustomerHandle, **criteria: str | None) -> str:
    named = ", ".join(f"{name}={value!r}" for name, value in criteria.items() if value is not None)
    found = f"a message with {named}" if named else "a message"
    return f"{customer.name} ({customer.wa_id}) received no {found.removeprefix('a ')}"


class Customers:
    """The factory: ``waemu_customers("Erika", reads=False)`` adds a customer to the network
    and returns a ``CustomerHandle``; ``waemu_customers.get(wa_id)`` takes an existing one
    (the seed's Alice is ``16315551001``). The network's reset before the next test removes
    the customers made here."""

    def __init__(self, network: NetworkClient, wa_ids: Iterator[str]) -> None:
        self.network = network
        self._wa_ids = wa_ids
        self.made: list[CustomerHandle] = []

    def __call__(
        self,
        name: str = "Customer",
        *,
        wa_id: str | None = None,
        on_whatsapp: bool = True,
        lookup_delay: float = 0.0,
        delivery_delay: float | None = QUICK,
        read_delay: float | None = QUICK,
        reads: bool = True,
        fail_code: int | None = None,
        online: bool = True,
        blocked: bool = False,
    ) -> CustomerHandle:
        """A new customer (a fresh number unless ``wa_id`` is given): on WhatsApp, delivering
        and reading within ``QUICK`` seconds unless told otherwise. ``reads=False`` never
        reads, ``fail_code`` fails every message with that code (e.g. 131026), ``online=False``
        holds deliveries, ``blocked=True`` blocked the business, ``lookup_delay`` slows
        contact checks; ``None`` delays are realistic random ones."""
        number = wa_id or next(self._wa_ids)
        stored = self.network.put_customer(
            number,
            name,
            on_whatsapp=on_whatsapp,
            lookup_delay=lookup_delay,
            delivery_delay=delivery_delay,
            read_delay=read_delay,
            reads=reads,
            fail_code=fail_code,
            online=online,
            blocked=blocked,
        )
        handle = CustomerHandle(self.network, stored.wa_id, stored.name)
        self.made.append(handle)
        return handle

    def get(self, wa_id: str) -> CustomerHandle:
        """An existing customer (``NotFound`` when the network has none with ``wa_id``)."""
        found = self.network.customer(wa_id)
        return CustomerHandle(self.network, found.wa_id, found.name)
