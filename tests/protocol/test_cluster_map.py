"""Where a cluster sends each operation (protocol/cluster_map.py, docs/cluster.md): sends to
the owner of the recipient's shard, health to any node, the rest to the primary master, and
1017/1018 while the cluster has nobody to answer."""

from __future__ import annotations

import pytest

from waemu.errors import ApiError
from waemu.protocol import ops
from waemu.protocol.cluster_map import ClusterMap
from waemu.protocol.shards import CONTROL_SHARD, shard_of, valid_login_shard

NODES = {
    "m1:a": ("10.0.0.1", 6250),
    "m2:b": ("10.0.0.2", 6250),
    "c1:c": ("10.0.0.3", 6250),
    "c2:d": ("10.0.0.4", 6250),
}
ON_0, ON_1 = "447700900001", "16315551001"  # shard_of(..., 2) is 0 and 1


def send(to: str) -> dict[str, object]:
    return {"message": {"to": to, "type": "text", "text": {"body": "hi"}}}


def test_shards_are_stable_and_read_only_the_digits() -> None:
    assert (shard_of(ON_0, 2), shard_of(ON_1, 2)) == (0, 1)
    assert shard_of("+1 631-555-1001", 2) == shard_of(ON_1, 2)
    assert all(shard_of(ON_1, 1) == 0 for _ in range(3))
    assert {shard_of(f"1631555{n:04d}", 32) for n in range(2000)} == set(range(32))


def test_login_shards_are_the_numbers_shards_or_the_control_shard() -> None:
    assert valid_login_shard(CONTROL_SHARD, 4)
    assert valid_login_shard(3, 4)
    assert not valid_login_shard(4, 4)
    assert not valid_login_shard(0, 3)


def test_sends_go_to_the_owner_of_the_recipients_shard() -> None:
    cluster = ClusterMap(NODES, primary="m1:a", shards={0: "c1:c", 1: "c2:d"})
    assert cluster.target(ops.MESSAGES_SEND, send(ON_0)) == NODES["c1:c"]
    assert cluster.target(ops.MESSAGES_SEND, send("+" + ON_1)) == NODES["c2:d"]


def test_everything_else_goes_to_the_primary_master_and_health_anywhere() -> None:
    cluster = ClusterMap(NODES, primary="m2:b", shards={0: "c1:c"}, newest="c1:c")
    assert cluster.target(ops.USERS_LOGIN, {}) == NODES["m2:b"]
    assert cluster.target(ops.CONTACTS_CHECK, {"contacts": [ON_1]}) == NODES["m2:b"]
    assert cluster.target(ops.HEALTH, None) == NODES["m2:b"]
    headless = ClusterMap(NODES, primary=None, shards={0: "c1:c"}, newest="c1:c")
    assert headless.target(ops.HEALTH, None) == NODES["c1:c"]


@pytest.mark.parametrize(
    ("cluster", "op", "args", "code"),
    [
        (ClusterMap(NODES, primary=None, shards={0: "c1:c"}), ops.USERS_LOGIN, {}, 1017),
        (ClusterMap(NODES, primary="gone:x", shards={0: "c1:c"}), ops.SETTINGS_APP_GET, {}, 1017),
        (
            ClusterMap(NODES, primary="m1:a", shards={0: None, 1: "c2:d"}),
            ops.MESSAGES_SEND,
            send(ON_0),
            1018,
        ),
        (
            ClusterMap(NODES, primary="m1:a", shards={0: "gone:x"}),
            ops.MESSAGES_SEND,
            send(ON_0),
            1018,
        ),
    ],
)
def test_no_node_to_answer_is_the_real_refusal(
    cluster: ClusterMap, op: str, args: dict[str, object], code: int
) -> None:
    with pytest.raises(ApiError) as refused:
        cluster.target(op, args)
    assert refused.value.code == code
    assert refused.value.http_status == 503
