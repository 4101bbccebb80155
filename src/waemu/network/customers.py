"""Virtual customers: the WhatsApp users the business talks to."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any


def new_identity() -> str:
    """A fresh identity key hash (what ``/v1/contacts/{wa_id}/identity`` reports).

    Eight bytes in base64, the shape of the official example (``"UKD6Y/5SqDU="``, spec §6.4).
    """
    return base64.b64encode(secrets.token_bytes(8)).decode()


@dataclass
class Customer:
    """One WhatsApp user of the simulated network."""

    wa_id: str
    name: str
    on_whatsapp: bool = True
    lookup_delay: float = 0.0  # seconds a contact check takes ("processing" meanwhile)
    identity: str = field(default_factory=new_identity)
    identity_created: int = field(default_factory=lambda: int(time.time()))
    # How the customer treats business messages (docs/network.md): None delays mean
    # realistic random ones; ``reads`` False never reads; ``fail_code`` fails every message
    # with that error; offline customers get messages once they come back online.
    delivery_delay: float | None = None
    read_delay: float | None = None
    reads: bool = True
    fail_code: int | None = None
    online: bool = True
    # The customer blocked the business: as on a real phone, the business is not told;
    # its messages stay "sent" (one tick) and are never delivered.
    blocked: bool = False

    def to_json(self) -> dict[str, Any]:
        """The stored and control-API form."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Customer:
        """Rebuild from the stored form (unknown keys ignored)."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


class Customers:
    """The population of the network, by ``wa_id``."""

    def __init__(self, customers: list[Customer] | None = None) -> None:
        self._by_id: dict[str, Customer] = {c.wa_id: c for c in customers or []}

    def all(self) -> list[Customer]:
        """Every customer, ordered by wa_id."""
        return [self._by_id[k] for k in sorted(self._by_id)]

    def get(self, wa_id: str) -> Customer | None:
        """The customer with this wa_id, if any."""
        return self._by_id.get(wa_id)

    def put(self, customer: Customer) -> None:
        """Add or replace a customer."""
        self._by_id[customer.wa_id] = customer

    def rotate_identity(self, wa_id: str, now: float) -> Customer | None:
        """Give ``wa_id`` a new identity (a reinstall, a new phone: spec §11.5)."""
        customer = self._by_id.get(wa_id)
        if customer is not None:
            customer.identity = new_identity()
            customer.identity_created = int(now)
        return customer

    def change_number(self, old: str, new: str) -> Customer | None:
        """Move customer ``old`` to the number ``new`` (same person, name and identity key);
        None when ``old`` is unknown. The caller makes sure ``new`` is free."""
        customer = self._by_id.pop(old, None)
        if customer is not None:
            customer.wa_id = new
            self._by_id[new] = customer
        return customer

    def remove(self, wa_id: str) -> bool:
        """Remove a customer; whether it existed."""
        return self._by_id.pop(wa_id, None) is not None

    def to_json(self) -> list[dict[str, Any]]:
        """The stored form."""
        return [c.to_json() for c in self.all()]
