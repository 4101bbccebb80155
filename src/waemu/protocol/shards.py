"""Shards (spec §5.3, §13.1): which coreapp of a multiconnect cluster serves a customer.

A business number's traffic is split into 1, 2, 4, 8, 16 or 32 shards; a customer's shard is
a stable hash of their wa_id modulo the count, the same in the webapp (which coreapp gets a
send), the coreapps (which one may send) and the network (which login gets a customer's
messages and receipts). Shard ``-1`` is the control shard of the primary master: it logs in
for the number but serves no customer.
"""

from __future__ import annotations

import zlib

SHARD_COUNTS = (1, 2, 4, 8, 16, 32)
CONTROL_SHARD = -1


def shard_of(wa_id: str, shards: int) -> int:
    """The shard of the customer ``wa_id`` among ``shards`` (CRC-32 of its digits)."""
    digits = "".join(ch for ch in wa_id if ch.isdigit())
    return zlib.crc32(digits.encode()) % shards


def valid_login_shard(shard: int, shards: int) -> bool:
    """Whether a login may take ``shard`` of ``shards``."""
    return shards in SHARD_COUNTS and (shard == CONTROL_SHARD or 0 <= shard < shards)
