"""Messages on the simulated network: delivery to customers, receipts, conversations.

The network takes a business's messages (``accept``), decides each one's fate as WhatsApp's
servers would — unknown or non-WhatsApp recipients, the 24-hour customer-service window,
a customer's own behaviour — and produces the receipts ``sent`` → ``delivered`` → ``read``
(or ``failed``) with ``conversation`` and ``pricing`` (spec §11.3). Receipts and customer
messages for a business wait in its queue until its coreapp is logged in (offline messages).

With a ``PendingStore`` (``persistence.py``) every change that must survive a restart of the
network — queued items, held deliveries, scheduled receipts, windows, conversations, the
answers given (dedupe), inboxes — is written there too, and ``restore``/``resume`` rebuild the
memory at start; the methods that answer someone commit it first.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

from waemu.ids import inbound_message_id
from waemu.network import numbers
from waemu.network.billing import DAY, Conversation, billing, error_object
from waemu.network.contact_directory import ContactDirectory
from waemu.network.customers import Customer
from waemu.network.inboxes import Inboxes
from waemu.network.media_blobs import MediaBlobs
from waemu.network.persistence import SEEN_LIMIT, PendingStore, Queued, Saved, Timer
from waemu.network.world import World

TEMPLATE_TYPES = ("template", "hsm")
DELIVERED, READ = "delivered", "read"


class Messaging:
    """Delivery, receipts and the per-business queues of the network."""

    def __init__(
        self,
        world: World,
        directory: ContactDirectory,
        clock: Callable[[], float] = time.time,
        store: PendingStore | None = None,
    ) -> None:
        self.world = world
        self.directory = directory
        self.clock = clock
        self.store = store or PendingStore(None)
        self.windows: dict[tuple[str, str], float] = {}  # (business, customer) -> last message
        self.conversations: dict[tuple[str, str], Conversation] = {}
        self.inboxes = Inboxes(self.store, world.events)
        self.queues: dict[str, deque[Queued]] = {}
        self._seen: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._on_queued: list[Callable[[str], None]] = []
        self._held: dict[str, list[tuple[str, str, Customer]]] = {}  # offline customers
        self._recipients: dict[str, tuple[str, str]] = {}  # message id -> business, customer
        self._timers: list[Timer] = []  # restored, until ``resume`` schedules them
        # Bumped by ``forget``: receipts scheduled before it are dropped when due.
        self._epoch = 0
        self.blobs = MediaBlobs(clock, store=self.store)  # media customers sent

    def restore(self, saved: Saved) -> None:
        """Rebuild the memory from what the store kept (at start, before any coreapp)."""
        for business, items in saved.queues.items():
            self.queues[business] = deque(items)
        for message_id, business, customer_id in saved.held:
            customer = self.world.customers.get(customer_id)
            if customer is None:
                self.store.unhold(message_id)  # the customer is gone (control API)
            else:
                self._held.setdefault(customer_id, []).append((business, message_id, customer))
        self.windows.update(saved.windows)
        for key, data in saved.conversations.items():
            self.conversations[key] = Conversation(**data)
        for message_id, receipt, sender, to in saved.seen:
            self._seen[message_id] = receipt
            if sender is not None and to is not None:
                self._recipients[message_id] = (sender, to)
        self.inboxes.restore(saved.inboxes)
        self.blobs.restore(saved.blobs)
        self._timers = saved.timers

    def resume(self) -> None:
        """Schedule the receipts that were due when the network stopped (late ones now)."""
        now = self.clock()
        for timer in self._timers:
            self._call_later(
                max(0.0, timer.due - now),
                timer.stage,
                timer.business,
                timer.message_id,
                timer.customer,
            )
        self._timers = []

    def forget(self) -> None:
        """Forget the traffic (control API ``POST /reset`` with ``conversations``): the
        24-hour windows, conversations, what customers' phones show, held deliveries,
        scheduled receipts and the items queued for coreapps. Kept: the answers given to
        message ids (re-sends still get them) and the media customers sent."""
        self.commit()  # the deletes are a batch of their own (persistence._grouped)
        self._epoch += 1
        self.windows.clear()
        self.conversations.clear()
        self.inboxes.forget()
        for queue in self.queues.values():
            queue.clear()
        self._held.clear()
        self._recipients.clear()
        self._timers = []
        self.store.forget_traffic()
        self.commit()

    # -- queues ----------------------------------------------------------------------------

    def on_queued(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(business)`` whenever something is queued for a business."""
        self._on_queued.append(listener)

    def _queue(self, business: str, kind: str, item: dict[str, Any]) -> None:
        seq = self.store.enqueue(business, kind, item)
        self.queues.setdefault(business, deque()).append((kind, item, seq))
        for listener in self._on_queued:
            listener(business)

    def borrow(
        self, business: str, limit: int = 500, wanted: Callable[[Queued], bool] | None = None
    ) -> list[Queued]:
        """Up to ``limit`` queued items for ``business`` (only those ``wanted``, the others
        keeping their places): ``acknowledged`` once the coreapp stored them, or put back with
        ``give_back``."""
        queue = self.queues.get(business)
        if not queue:
            return []
        if wanted is None:
            return [queue.popleft() for _ in range(min(limit, len(queue)))]
        taken: list[Queued] = []
        kept: deque[Queued] = deque()
        while queue and len(taken) < limit:
            item = queue.popleft()
            (taken if wanted(item) else kept).append(item)
        queue.extendleft(reversed(kept))
        return taken

    def take(self, business: str, limit: int = 500) -> list[tuple[str, dict[str, Any]]]:
        """Up to ``limit`` queued items for ``business`` as (kind, item), gone for good."""
        items = self.borrow(business, limit)
        self.acknowledged(items)
        return [(kind, item) for kind, item, _seq in items]

    def give_back(self, business: str, items: list[Queued]) -> None:
        """Return items that could not be pushed, in their order, to the front."""
        self.queues.setdefault(business, deque()).extendleft(reversed(items))

    def acknowledged(self, items: list[Queued]) -> None:
        """The coreapp stored these items: they leave the store too."""
        self.store.dequeued(seq for _kind, _item, seq in items)

    def commit(self) -> None:
        """Write what changed to the store (before answering anyone about it)."""
        self.store.commit()

    # -- the business sends ----------------------------------------------------------------

    def accept(self, business: str, cc: str, message: dict[str, Any]) -> dict[str, Any]:
        """Take one business message; its ``sent``/``failed`` receipt is the answer."""
        message_id = str(message["id"])
        known = self._seen.get(message_id)
        if known is not None:
            return known  # a coreapp re-sending after a crash: same answer, no duplicate
        receipt = self._accept(business, cc, message)
        self._seen[message_id] = receipt
        recipient = self._recipients.get(message_id)
        self.store.seen(message_id, receipt, *(recipient or (None, None)))
        if len(self._seen) > SEEN_LIMIT:
            self._seen.popitem(last=False)
        return receipt

    def _accept(self, business: str, cc: str, message: dict[str, Any]) -> dict[str, Any]:
        now = self.clock()
        # ``to`` is a wa_id unless clearly a national number (docs/messages.md).
        to = str(message.get("to", ""))
        answer, customer, _created = self.directory.resolve(to, cc, numbers.recipient_candidates)
        kind = str(message.get("type", "text"))
        receipt: dict[str, Any] = {
            "id": message["id"],
            "timestamp": int(now),
            "recipient_id": answer.get("wa_id") or _digits(message),
        }
        if customer is None or not customer.on_whatsapp:
            # v2.43+: no synchronous check; templates fail 1013, the rest 470 (spec §6.2).
            code = 1013 if kind in TEMPLATE_TYPES else 470
            return self._refused(business, customer, message, receipt, code)
        if customer.fail_code is not None:
            return self._refused(business, customer, message, receipt, customer.fail_code)
        window_open = now - self.windows.get((business, customer.wa_id), 0.0) < DAY
        if kind not in TEMPLATE_TYPES and not window_open:
            # Outside the customer-service window (§7.11).
            return self._refused(business, customer, message, receipt, 470)
        conversation = self._conversation(business, customer.wa_id, window_open, now)
        receipt.update(status="sent", **self._billing(business, customer.wa_id, conversation))
        self._remember(customer.wa_id, self._shown(business, message, "sent"))
        self._recipients[str(message["id"])] = (business, customer.wa_id)
        if len(self._recipients) > SEEN_LIMIT:
            self._recipients.pop(next(iter(self._recipients)))
        self._schedule_delivery(business, message_id=str(message["id"]), customer=customer)
        return receipt

    def _shown(self, business: str, message: dict[str, Any], status: str) -> dict[str, Any]:
        """A business message as the customer's phone keeps it."""
        return {
            **{k: v for k, v in message.items() if k != "to"},
            "direction": "to_customer",
            "business": business,
            "status": status,
            "timestamp": int(self.clock()),
            # Template sends: what the phone shows, rendered (docs/templates.md).
            **self.world.templates.rendering(business, message),
        }

    def _refused(
        self,
        business: str,
        customer: Customer | None,
        message: dict[str, Any],
        receipt: dict[str, Any],
        code: int,
    ) -> dict[str, Any]:
        """Fail a message the network does not take; a known customer's conversation keeps
        it, marked ``refused``, for the web inbox (the phone never shows it: inboxes.py)."""
        failed = self._failed(receipt, code)
        if customer is not None:
            entry = self._shown(business, message, "failed")
            self._remember(customer.wa_id, {**entry, "refused": True, "errors": failed["errors"]})
        return failed

    @staticmethod
    def _failed(receipt: dict[str, Any], code: int) -> dict[str, Any]:
        receipt.update(status="failed", errors=[error_object(code)])
        return receipt

    def _conversation(
        self, business: str, customer: str, window_open: bool, now: float
    ) -> Conversation:
        key = (business, customer)
        current = self.conversations.get(key)
        if current is None or current.expires <= now:
            origin = "user_initiated" if window_open else "business_initiated"
            current = Conversation(uuid.uuid4().hex, origin, now + DAY)
            self.conversations[key] = current
            self.store.conversation(business, customer, current.to_json())
        return current

    def _billing(self, business: str, customer: str, conversation: Conversation) -> dict[str, Any]:
        announced = conversation.announced
        block = billing(conversation)
        if not announced:  # now it is: kept, so a restart does not announce it again
            self.store.conversation(business, customer, conversation.to_json())
        return block

    # -- the customer's side ---------------------------------------------------------------

    def _remember(self, customer: str, entry: dict[str, Any]) -> None:
        self.inboxes.remember(customer, entry)

    def _schedule_delivery(self, business: str, *, message_id: str, customer: Customer) -> None:
        if customer.blocked:
            return  # never delivered, and the business is not told why
        if not customer.online:
            self._held.setdefault(customer.wa_id, []).append((business, message_id, customer))
            self.store.hold(message_id, business, customer.wa_id)
            return
        delay = customer.delivery_delay
        if delay is None:
            delay = random.uniform(0.2, 1.5)
        self._later(delay, DELIVERED, business, message_id, customer.wa_id)

    def _later(self, delay: float, stage: str, business: str, message_id: str, to: str) -> None:
        """Schedule the ``stage`` receipt in ``delay`` seconds (kept in the store)."""
        self.store.timer(Timer(message_id, stage, business, to, self.clock() + delay))
        self._call_later(delay, stage, business, message_id, to)

    def _call_later(
        self, delay: float, stage: str, business: str, message_id: str, to: str
    ) -> None:
        """Produce the ``stage`` receipt in ``delay`` seconds, unless ``forget`` ran since."""
        epoch = self._epoch
        then = self._delivered if stage == DELIVERED else self._read

        def due() -> None:
            if epoch == self._epoch:
                then(business, message_id, to)

        asyncio.get_running_loop().call_later(delay, due)

    def _delivered(self, business: str, message_id: str, customer_id: str) -> None:
        self.store.timer_done(message_id, DELIVERED)
        self._receipt(business, message_id, customer_id, DELIVERED)
        customer = self.world.customers.get(customer_id)
        if customer is None or not customer.reads:
            return
        delay = customer.read_delay
        if delay is None:
            delay = random.uniform(1.0, 4.0)
        self._later(delay, READ, business, message_id, customer_id)

    def _read(self, business: str, message_id: str, customer_id: str) -> None:
        self.store.timer_done(message_id, READ)
        self._receipt(business, message_id, customer_id, READ)

    def force(self, message_id: str, status: str, code: int | None = None) -> bool:
        """A receipt for one message, now, whatever the customer's settings: ``delivered``,
        ``read``, ``deleted`` (the customer deleted it) or ``failed`` with ``code`` (control
        API). False when the network never took that message."""
        found = self._recipients.get(message_id)
        if found is None:
            return False
        business, customer_id = found
        errors = [error_object(code or 500)] if status == "failed" else None
        self._receipt(business, message_id, customer_id, status, errors)
        self.commit()
        return True

    def _receipt(
        self,
        business: str,
        message_id: str,
        customer_id: str,
        status: str,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        entry = self.inboxes.find(customer_id, message_id)
        if entry is not None:
            self.inboxes.set_status(customer_id, entry, status, errors)
        conversation = self.conversations.get((business, customer_id))
        receipt: dict[str, Any] = {
            "id": message_id,
            "status": status,
            "timestamp": int(self.clock()),
            "recipient_id": customer_id,
        }
        if errors is not None:
            receipt["errors"] = errors
        elif conversation is not None:
            receipt.update(self._billing(business, customer_id, conversation))
        self._queue(business, "statuses", receipt)
        if self.world.settings.realistic_statuses:
            # As the real client sometimes did (spec §11.1): a repeated receipt, or a
            # "delivered" that arrives after "read".
            if random.random() < 0.1:
                self._queue(business, "statuses", dict(receipt))
            if status == "read" and random.random() < 0.1:
                self._queue(business, "statuses", {**receipt, "status": "delivered"})

    def release(self, customer_id: str) -> None:
        """A customer came online: deliver what was held for them."""
        for business, message_id, customer in self._held.pop(customer_id, []):
            self.store.unhold(message_id)
            self._schedule_delivery(business, message_id=message_id, customer=customer)

    def customer_writes(
        self, business: str, customer: Customer, content: dict[str, Any]
    ) -> dict[str, Any]:
        """A customer sends the business a message; it opens the 24-hour window."""
        now = self.clock()
        message: dict[str, Any] = {
            "from": customer.wa_id,
            "id": inbound_message_id(),
            "timestamp": str(int(now)),
            **content,
        }
        self.windows[(business, customer.wa_id)] = now
        self.store.window(business, customer.wa_id, now)
        self._deliver_to_business(business, customer, message)
        self.commit()  # the control API answers next: the message is kept first
        return message

    def customer_system(
        self, business: str, customer: Customer, system: dict[str, Any], sender: str
    ) -> dict[str, Any]:
        """A system message about ``customer`` (spec §11.5), from ``sender``; no window."""
        message: dict[str, Any] = {
            "from": sender,
            "id": inbound_message_id(),
            "timestamp": str(int(self.clock())),
            "type": "system",
            "system": system,
        }
        self._deliver_to_business(business, customer, message, sender)
        self.commit()
        return message

    def _deliver_to_business(
        self,
        business: str,
        customer: Customer,
        message: dict[str, Any],
        wa_id: str | None = None,
    ) -> None:
        wa_id = wa_id or customer.wa_id  # the number it comes from (the old one after a move)
        self._remember(
            customer.wa_id,
            {**message, "direction": "to_business", "business": business, "status": "sent"},
        )
        # The identity rides along for the coreapp, which adds the ``identity`` object to the
        # webhook when show_security_notifications is on (spec §11.2) and never forwards it.
        contact = {
            "profile": {"name": customer.name},
            "wa_id": wa_id,
            "identity": {"hash": customer.identity, "created_timestamp": customer.identity_created},
        }
        self._queue(business, "messages", {"message": message, "contact": contact})

    def partners(self, customer_id: str) -> list[str]:
        """The businesses ``customer_id`` exchanged messages with (as far as the network
        remembers), in the order of their first message."""
        found = {business: None for business, who in self.windows if who == customer_id}
        for entry in self.inboxes.get(customer_id, ()):
            if entry.get("business") and not entry.get("refused"):
                found.setdefault(str(entry["business"]), None)
        return list(found)

    def customer_moved(self, old: str, new: str) -> None:
        """The customer changed number: their messages, windows and conversations follow."""
        self.commit()  # the move is a batch of its own (persistence._grouped)
        self.inboxes.move(old, new)
        for business, _ in [key for key in self.windows if key[1] == old]:
            at = self.windows.pop((business, old))
            self.windows[(business, new)] = at
            self.store.window(business, old, None)
            self.store.window(business, new, at)
        for business, _ in [key for key in self.conversations if key[1] == old]:
            conversation = self.conversations.pop((business, old))
            self.conversations[(business, new)] = conversation
            self.store.conversation(business, old, None)
            self.store.conversation(business, new, conversation.to_json())
        self.commit()

    def business_read(self, customer_id: str, message_ids: list[str]) -> None:
        """The business marked customer messages read: the customer sees blue ticks."""
        for message_id in message_ids:
            entry = self.inboxes.find(customer_id, message_id)
            if entry is not None and entry.get("direction") == "to_business":
                self.inboxes.set_status(customer_id, entry, "read")


def _digits(message: dict[str, Any]) -> str:
    return "".join(c for c in str(message.get("to", "")) if c.isdigit())
