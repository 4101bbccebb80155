"""Who is on WhatsApp (spec §6): lookups against the world's customers, and identity keys.

The contact operations (``contact_ops.py``) and message sends (``messaging.py``) both ask the
directory; a lookup of a well-formed number nobody has yet creates that customer when the
world's ``auto_create_customers`` is on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from waemu.errors import ApiError
from waemu.network import numbers
from waemu.network.customers import Customer
from waemu.network.world import World

log = logging.getLogger(__name__)

# How an input becomes the wa_ids it may belong to: (input, business cc) -> forms.
Reading = Callable[[str, str], list[str]]


def auto_customer(wa_id: str) -> Customer:
    """The customer a lookup creates for a well-formed number nobody has yet."""
    return Customer(wa_id=wa_id, name=f"Customer {wa_id[-4:]}")


class ContactDirectory:
    """Answers lookups against the world's customers."""

    def __init__(self, world: World) -> None:
        self.world = world

    def resolve(
        self, text: str, cc: str, read: Reading = numbers.candidates
    ) -> tuple[dict[str, Any], Customer | None, bool]:
        """The answer for one input, the customer behind it, and whether it was created.

        ``read`` turns the input into the wa_ids it may be: a contact check reads it against
        the business's country code, a message's ``to`` with ``numbers.recipient_candidates``.
        """
        try:
            forms = read(text, cc)
        except numbers.InvalidNumber as exc:
            log.debug("lookup of %r: invalid (%s)", text, exc)
            return {"input": text, "status": "invalid", "delay": 0.0}, None, False
        customers = (self.world.customers.get(form) for form in forms)
        customer = next((found for found in customers if found is not None), None)
        created = False
        if customer is None:
            if not self.world.settings.auto_create_customers:
                return {"input": text, "status": "invalid", "delay": 0.0}, None, False
            customer = auto_customer(forms[0])
            self.world.customers.put(customer)
            created = True
        answer: dict[str, Any] = {
            "input": text,
            "status": "valid" if customer.on_whatsapp else "invalid",
            "delay": customer.lookup_delay,
        }
        if customer.on_whatsapp:
            answer["wa_id"] = customer.wa_id  # the customer's own form (Brazil, Mexico)
        return answer, customer, created

    def identity(self, wa_id: str) -> dict[str, Any]:
        """``hash`` and ``created_timestamp`` (Unix seconds) of a WhatsApp user; else 1006."""
        customer = self.world.customers.get(wa_id)
        if customer is None or not customer.on_whatsapp:
            raise ApiError(1006, f"No WhatsApp user with wa_id {wa_id}")
        return {"hash": customer.identity, "created_timestamp": customer.identity_created}
