"""The operation table: each socket operation, who may call it, and what it needs."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from waemu.coreapp.principal import Access, Principal
from waemu.coreapp.readiness import Readiness
from waemu.errors import ApiError

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Principal | None], Awaitable[Any]]
Authorizer = Callable[[Principal | None, Access], None]
# Told of every answered operation: name, arguments, "ok" or the error code, perf_counter start.
Observer = Callable[[str, Any, str, float], None]


class Gate(Protocol):
    """Which operations this node answers (a cluster node: coreapp/cluster.py)."""

    def check(self, op: str, args: dict[str, Any]) -> None:
        """Raise the ApiError of a node that does not answer ``op``."""

    def answered(self, op: str) -> None:
        """``op`` was answered without error."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the internal socket."""

    name: str
    handler: Handler
    access: Access
    needs_database: bool = True


class Dispatcher:
    """Routes a request frame to its operation and turns every failure into an ApiError."""

    def __init__(self, readiness: Readiness) -> None:
        self.readiness = readiness
        self._ops: dict[str, Operation] = {}
        self._authorize: Authorizer | None = None
        self.observe: Observer | None = None
        self.gate: Gate | None = None

    def register(self, operations: Iterable[Operation]) -> None:
        """Add operations; a name may be registered once."""
        for op in operations:
            if op.name in self._ops:
                raise ValueError(f"operation {op.name} registered twice")
            self._ops[op.name] = op

    def set_authorizer(self, authorize: Authorizer) -> None:
        """Install the principal check (available once users are loaded)."""
        self._authorize = authorize

    async def dispatch(self, message: dict[str, Any]) -> dict[str, Any]:
        """Run one request and build its reply frame."""
        call_id = message.get("i")
        started = time.perf_counter()
        try:
            result = await self._run(message)
        except ApiError as exc:
            self._observe(message, str(exc.code), started)
            return {"i": call_id, "e": exc.to_wire()}
        except Exception:
            log.exception("operation %s failed", message.get("op"))
            self._observe(message, "1000", started)
            return {"i": call_id, "e": ApiError(1000, "Internal error in the coreapp").to_wire()}
        self._observe(message, "ok", started)
        if self.gate is not None:
            self.gate.answered(str(message.get("op")))
        return {"i": call_id, "r": result}

    def _observe(self, message: dict[str, Any], result: str, started: float) -> None:
        """Count the answered operation (the stats of spec §10.2, docs/stats.md)."""
        if self.observe is not None:
            self.observe(str(message.get("op")), message.get("a"), result, started)

    async def _run(self, message: dict[str, Any]) -> Any:
        op = self._ops.get(str(message.get("op")))
        if (op is None or op.needs_database) and not self.readiness.database_ready:
            # Operations that need the database are registered once it is ready.
            raise ApiError(1011, "Coreapp is initializing its database")
        if op is None:
            raise ApiError(1014, f"Unknown coreapp operation {message.get('op')!r}")
        principal = Principal.from_wire(message.get("p"))
        if op.access is not Access.PUBLIC and not (
            principal and principal.apikey_allowed(op.access)
        ):
            # A user token can only be checked once the users are loaded.
            if self._authorize is None:
                raise ApiError(1011, "Coreapp is initializing its database")
            self._authorize(principal, op.access)
        args = message.get("a") or {}
        if not isinstance(args, dict):
            raise ApiError(1025, "Operation arguments must be an object")
        if self.gate is not None:  # authenticated first, then sent to the right node
            self.gate.check(op.name, args)
        return await op.handler(args, principal)


def text_arg(args: dict[str, Any], name: str, *, optional: bool = False) -> Any:
    """A string argument the webapp has already validated."""
    value = args.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ApiError(1009, f"{name} must be a string")
    return value
