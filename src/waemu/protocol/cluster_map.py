"""Where an operation goes in a cluster (spec §13.2, docs/cluster.md): the map of nodes,
the primary master and the shard owners, as the webapp reads it and the coreapps enforce it.

Sends go to the coreapp holding the recipient's shard; health, token checks and the signing
key to any node; everything else to the primary master.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.protocol.shards import shard_of

# Operations every node answers itself.
ANY_NODE = frozenset({ops.HEALTH, ops.AUTH_CHECK, ops.SIGNING_KEY})


def shard_key(op: str, args: dict[str, Any] | None) -> str | None:
    """The customer whose shard serves ``op`` (a send's ``to``), or None: not a shard's."""
    if op != ops.MESSAGES_SEND:
        return None
    message = (args or {}).get("message")
    return str(message.get("to", "")) if isinstance(message, dict) else ""


Address = tuple[str, int]


@dataclass(frozen=True, slots=True)
class ClusterMap:
    """Nodes by id (their socket's address), the primary master, and each shard's owner."""

    addresses: dict[str, Address] = field(default_factory=dict)
    primary: str | None = None
    shards: dict[int, str | None] = field(default_factory=dict)
    newest: str | None = None  # the node with the latest heartbeat

    def target(self, op: str, args: dict[str, Any] | None) -> Address:
        """The node that answers ``op``; 1017/1018 while the cluster has none (failover)."""
        customer = shard_key(op, args)
        if customer is not None:
            count = max(len(self.shards), 1)
            shard = shard_of(customer, count)
            owner = self.shards.get(shard)
            if owner is None or owner not in self.addresses:
                raise ApiError(1018, f"No coreapp holds shard {shard} of {count} yet")
            return self.addresses[owner]
        if op in ANY_NODE:
            for node in (self.primary, self.newest):
                if node is not None and node in self.addresses:
                    return self.addresses[node]
        if self.primary is None or self.primary not in self.addresses:
            raise ApiError(1017, "The cluster has no primary master now")
        return self.addresses[self.primary]
