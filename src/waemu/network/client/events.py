"""The network's live events (``GET /events``, docs/network.md) as typed, read-only
objects, and the reading of the server-sent-event stream that carries them (``streams.py``
opens it).

Every event has a ``type``; ``read_event`` gives the class of that type, and an event of a
type this client does not know yet is read as ``NetworkEvent`` with its fields in
``model_extra``, so an older client reads a newer network.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from waemu.network.client.conversations import ConversationMessage
from waemu.network.client.models import Model


class NetworkEvent(Model):
    """One event of the stream: the base of the typed ones, and what an event of an
    unknown type is read as."""

    type: str


class HelloEvent(NetworkEvent):
    """The first event: the network watches for this reader from now on."""

    type: Literal["hello"] = "hello"


class MessageEvent(NetworkEvent):
    """A message is new on a customer's phone, or a business message was refused."""

    type: Literal["message"] = "message"
    customer: str
    business: str | None = None
    message: ConversationMessage


class StatusEvent(NetworkEvent):
    """A message reached a status (``errors`` when it failed)."""

    type: Literal["status"] = "status"
    customer: str
    business: str | None = None
    id: str
    status: str
    errors: list[dict[str, Any]] | None = None


class ChangedEvent(NetworkEvent):
    """Something changed: a control-API request (``method``, ``path``) or the network's
    saved state (``what`` ``"world"``)."""

    type: Literal["changed"] = "changed"
    method: str | None = None
    path: str | None = None
    what: str | None = None


class HealthEvent(NetworkEvent):
    """A coreapp connected, went away, or logged in (``business``: the number)."""

    type: Literal["health"] = "health"
    business: str | None = None


class WebhooksEvent(NetworkEvent):
    """The business's coreapp made ``count`` webhook POSTs (its journal has them)."""

    type: Literal["webhooks"] = "webhooks"
    business: str
    count: int | None = None


class ReloadEvent(NetworkEvent):
    """The reader fell 2,000 events behind and missed some: read the state again."""

    type: Literal["reload"] = "reload"


EVENT_TYPES: dict[str, type[NetworkEvent]] = {
    "hello": HelloEvent,
    "message": MessageEvent,
    "status": StatusEvent,
    "changed": ChangedEvent,
    "health": HealthEvent,
    "webhooks": WebhooksEvent,
    "reload": ReloadEvent,
}


def read_event(data: Any) -> NetworkEvent:
    """The event ``data`` (a decoded JSON object) is, typed by its ``type``."""
    kind = data.get("type") if isinstance(data, dict) else None
    return EVENT_TYPES.get(str(kind), NetworkEvent).model_validate(data)


class EventDecoder:
    """Server-sent events, fed line by line (without line ends): the ``data`` lines of an
    event, joined, are its JSON object; a blank line ends the event. Comment lines (the
    keep-alives) and the other fields (``retry``, ``id``, ``event``) are skipped."""

    def __init__(self) -> None:
        self._data: list[str] = []

    def feed(self, line: str) -> NetworkEvent | None:
        """The event ``line`` completes, if it completes one."""
        if not line:
            if not self._data:
                return None
            data, self._data = "\n".join(self._data), []
            return read_event(json.loads(data))
        name, _, value = line.partition(":")
        if name == "data":
            self._data.append(value.removeprefix(" "))
        return None
