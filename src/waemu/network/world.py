"""Everything the network knows, and saving it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from waemu.network.accounts import Account, Accounts
from waemu.network.certificates import CertificateAuthority
from waemu.network.customers import Customer, Customers
from waemu.network.events import EventBus
from waemu.network.lookups import LookupLog
from waemu.network.store import NetworkStore
from waemu.network.templates import TemplateStore

log = logging.getLogger(__name__)

IdentityListener = Callable[[Customer], Awaitable[None]]
# Called with the customer (already at the new number) and the old number.
NumberListener = Callable[[Customer, str], Awaitable[None]]


@dataclass
class NetworkSettings:
    """Switches of the simulated network (control API ``PUT /settings``, docs/contacts.md)."""

    # A well-formed number nobody has yet becomes a customer on WhatsApp when looked up
    # ("Customer 5678"); when off it is answered "invalid".
    auto_create_customers: bool = True
    # Receipts as the real client produced them: now and then a duplicate, or ``delivered``
    # after ``read`` (spec §11.1). Off: each receipt once, in order.
    realistic_statuses: bool = False

    def to_json(self) -> dict[str, Any]:
        """The stored and control-API form."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NetworkSettings:
        """Rebuild from the stored form (unknown keys ignored, missing ones default)."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def load_seed(path: Path | None) -> dict[str, Any]:
    """The seed document: ``path``, or the default population shipped with the emulator."""
    if path is not None:
        data = json.loads(path.read_text())
    else:
        data = json.loads(resources.files("waemu.network").joinpath("seed.json").read_text())
    if not isinstance(data, dict):
        raise ValueError("the network seed must be a JSON object")
    return data


class World:
    """The network's state: customers, accounts, the certificate authority, settings."""

    def __init__(self, directory: Path, seed_path: Path | None = None) -> None:
        self.store = NetworkStore(directory)
        self.ca = CertificateAuthority.load_or_create(directory)
        self.seed_path = seed_path
        self.lookups = LookupLog()  # not saved: see lookups.py
        # Called after a customer's identity changed (``rotate_identity``). The hook for the
        # user_identity_changed notification (spec §11.5): the code that delivers it to the
        # logged-in coreapps appends a listener here.
        self.identity_listeners: list[IdentityListener] = []
        # Called after a customer moved to another number (``change_number``): the hook for
        # the user_changed_number notification (spec §11.5), installed by inbound_ops.
        self.number_listeners: list[NumberListener] = []
        # What the web inbox watches live (events.py); not saved.
        self.events = EventBus()
        saved = self.store.load()
        if saved is None:
            self.customers = self._seed_customers()
            self.accounts = Accounts()
            self.settings = NetworkSettings()
            self.templates = self._seed_templates()
        else:
            self.customers = Customers([Customer.from_json(c) for c in saved["customers"]])
            self.accounts = Accounts([Account.from_json(a) for a in saved["accounts"]])
            self.accounts.registration_blocked = bool(saved.get("registration_blocked"))
            self.settings = NetworkSettings.from_json(saved.get("settings") or {})
            # A state saved before templates existed starts with the seed's (docs/templates.md).
            saved_templates = saved.get("templates")
            self.templates = (
                TemplateStore.from_json(saved_templates)
                if isinstance(saved_templates, dict)
                else self._seed_templates()
            )

    def _seed_customers(self) -> Customers:
        seed = load_seed(self.seed_path)
        return Customers([Customer.from_json(c) for c in seed.get("customers", [])])

    def _seed_templates(self, namespaces: dict[str, str] | None = None) -> TemplateStore:
        return TemplateStore.from_seed(load_seed(self.seed_path), namespaces)

    def reset(self, *, accounts: bool) -> None:
        """Back to the seed population (and no accounts when ``accounts``)."""
        self.customers = self._seed_customers()
        # The seed's templates again; businesses keep their namespaces unless forgotten.
        self.templates = self._seed_templates(None if accounts else self.templates.namespaces)
        if accounts:
            self.accounts = Accounts()

    async def rotate_identity(self, wa_id: str) -> Customer | None:
        """Give customer ``wa_id`` a new identity, save, and tell the identity listeners."""
        customer = self.customers.rotate_identity(wa_id, time.time())
        if customer is None:
            return None
        await self.save()
        for listener in list(self.identity_listeners):
            try:
                await listener(customer)
            except Exception:
                log.exception("identity listener failed for %s", wa_id)
        return customer

    async def change_number(self, old: str, new: str) -> Customer | None:
        """Move customer ``old`` to number ``new``, save, and tell the number listeners.

        None when ``old`` is unknown; ValueError when ``new`` is already someone's number.
        """
        if self.customers.get(new) is not None:
            raise ValueError(f"{new} is already a customer's number")
        customer = self.customers.change_number(old, new)
        if customer is None:
            return None
        await self.save()
        for listener in list(self.number_listeners):
            try:
                await listener(customer, old)
            except Exception:
                log.exception("number listener failed for %s -> %s", old, new)
        return customer

    async def save(self) -> None:
        """Persist the current state."""
        await self.store.save(
            {
                "customers": self.customers.to_json(),
                "accounts": self.accounts.to_json(),
                "registration_blocked": self.accounts.registration_blocked,
                "settings": self.settings.to_json(),
                "templates": self.templates.to_json(),
            }
        )
        self.events.publish("changed", what="world")
