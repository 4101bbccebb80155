"""What the network keeps across a restart (``pending.db``, ``media/``): the store on its own,
and the messaging state rebuilt from it — a "restart" here opens a second store on the same
folder while the first is still open, as after the process was killed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from waemu.network import persistence
from waemu.network.contact_directory import ContactDirectory
from waemu.network.messaging import Messaging
from waemu.network.persistence import BlobRecord, PendingStore, Timer
from waemu.network.sqlite_batch import batched
from waemu.network.world import World

BUSINESS, CC = "16315550100", "1"
ALICE = "16315551001"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def text(message_id: str) -> dict[str, object]:
    return {"id": message_id, "to": ALICE, "type": "text", "text": {"body": "hi"}}


def started(directory: Path, clock: Clock) -> Messaging:
    """The messaging state as a network starting on ``directory`` rebuilds it."""
    world = World(directory)
    store = PendingStore(directory)
    messaging = Messaging(world, ContactDirectory(world), clock, store)
    messaging.restore(store.load())
    return messaging


def writes(messaging: Messaging, body: str) -> str:
    customer = messaging.world.customers.get(ALICE)
    assert customer is not None
    message = messaging.customer_writes(
        BUSINESS, customer, {"type": "text", "text": {"body": body}}
    )
    return str(message["id"])


# -- the store -------------------------------------------------------------------------------


def test_only_committed_writes_are_seen_by_the_next_start(tmp_path: Path) -> None:
    store = PendingStore(tmp_path)
    first = store.enqueue(BUSINESS, "statuses", {"id": "a"})
    assert PendingStore(tmp_path).load().queues == {}  # buffered, not written
    store.commit()
    second = store.enqueue(BUSINESS, "messages", {"id": "b"})
    store.commit()
    loaded = PendingStore(tmp_path).load().queues
    assert loaded == {
        BUSINESS: [("statuses", {"id": "a"}, first), ("messages", {"id": "b"}, second)]
    }


def test_acknowledged_items_leave_and_numbering_goes_on(tmp_path: Path) -> None:
    store = PendingStore(tmp_path)
    seqs = [store.enqueue(BUSINESS, "statuses", {"n": n}) for n in range(3)]
    store.dequeued(seqs[:2])
    store.commit()
    reopened = PendingStore(tmp_path)
    assert [item for _k, item, _s in reopened.load().queues[BUSINESS]] == [{"n": 2}]
    assert reopened.enqueue(BUSINESS, "statuses", {"n": 3}) > seqs[-1]


def test_held_timers_windows_conversations_round_trip(tmp_path: Path) -> None:
    store = PendingStore(tmp_path)
    store.hold("m1", BUSINESS, ALICE)
    store.hold("m2", BUSINESS, ALICE)
    store.unhold("m1")
    timer = Timer("m3", "read", BUSINESS, ALICE, 123.5)
    store.timer(timer)
    store.timer(Timer("m3", "delivered", BUSINESS, ALICE, 100.0))
    store.timer_done("m3", "delivered")
    store.window(BUSINESS, ALICE, 50.0)
    store.window(BUSINESS, "16315551002", 60.0)
    store.window(BUSINESS, "16315551002", None)
    store.conversation(BUSINESS, ALICE, {"id": "c", "origin": "x", "expires": 1.0})
    store.commit()
    saved = PendingStore(tmp_path).load()
    assert saved.held == [("m2", BUSINESS, ALICE)]
    assert saved.timers == [timer]
    assert saved.windows == {(BUSINESS, ALICE): 50.0}
    assert saved.conversations == {(BUSINESS, ALICE): {"id": "c", "origin": "x", "expires": 1.0}}


def test_the_dedupe_keeps_a_bounded_window_of_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(persistence, "SEEN_LIMIT", 3)
    monkeypatch.setattr(persistence, "PRUNE_EVERY", 2)
    store = PendingStore(tmp_path)
    for n in range(6):
        store.seen(f"m{n}", {"id": f"m{n}"}, BUSINESS if n % 2 else None, ALICE)
        store.commit()
    saved = PendingStore(tmp_path).load()
    assert [message_id for message_id, *_ in saved.seen] == ["m3", "m4", "m5"]
    assert saved.seen[0] == ("m3", {"id": "m3"}, BUSINESS, ALICE)
    assert saved.seen[1][2] is None


def test_media_records_and_files_are_kept_together(tmp_path: Path) -> None:
    store = PendingStore(tmp_path)
    assert store.media_dir is not None
    for name in ("kept", "lost"):
        store.blob(BlobRecord(name, BUSINESS, "image/png", 1.0, False, 3))
        (store.media_dir / name).write_bytes(b"abc")
    (store.media_dir / "orphan").write_bytes(b"x")  # written, record never committed
    store.commit()
    (store.media_dir / "lost").unlink()
    reopened = PendingStore(tmp_path)
    assert [r.media_id for r in reopened.load().blobs] == ["kept"]
    reopened.commit()
    assert sorted(p.name for p in store.media_dir.iterdir()) == ["kept"]
    assert [r.media_id for r in PendingStore(tmp_path).load().blobs] == ["kept"]


def test_inboxes_keep_statuses_moves_and_the_last_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(persistence, "INBOX_LIMIT", 2)
    monkeypatch.setattr(persistence, "PRUNE_EVERY", 1)
    store = PendingStore(tmp_path)
    for n in range(3):
        store.inbox_add(ALICE, {"id": f"m{n}", "status": "sent"})
    store.inbox_add("16315551002", {"id": "b", "status": "sent"})
    store.inbox_add("16315551002", {"id": "c", "status": "sent"})
    store.inbox_drop("16315551002", "c")
    store.inbox_status(ALICE, "m2", "read")
    store.inbox_moved(ALICE, "16315551099")
    store.commit()
    saved = PendingStore(tmp_path).load().inboxes
    assert saved == {
        "16315551099": [{"id": "m1", "status": "sent"}, {"id": "m2", "status": "read"}],
        "16315551002": [{"id": "b", "status": "sent"}],
    }


async def test_a_background_flush_commits_what_no_one_waits_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(persistence, "FLUSH_DELAY", 0.001)
    store = PendingStore(tmp_path)
    store.enqueue(BUSINESS, "statuses", {"id": "a"})
    reader = PendingStore(tmp_path)
    for _ in range(200):
        if reader.load().queues:
            break
        await asyncio.sleep(0.001)
    assert [item for _k, item, _s in reader.load().queues[BUSINESS]] == [{"id": "a"}]


def test_a_batch_runs_inserts_then_updates_then_deletes_grouped() -> None:
    ops = [
        ("INSERT INTO q VALUES (?)", (1,)),
        ("DELETE FROM q WHERE seq = ?", (1,)),
        ("INSERT INTO t VALUES (?)", ("a",)),
        ("UPDATE t SET s = ?", ("x",)),
        ("INSERT INTO q VALUES (?)", (2,)),
        ("UPDATE t SET s = ?", ("y",)),
    ]
    assert list(batched(ops)) == [
        ("INSERT INTO q VALUES (?)", [(1,), (2,)]),
        ("INSERT INTO t VALUES (?)", [("a",)]),
        ("UPDATE t SET s = ?", [("x",), ("y",)]),
        ("DELETE FROM q WHERE seq = ?", [(1,)]),
    ]


async def test_a_full_inbox_drops_its_oldest_entry_in_the_store_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from waemu.network import inboxes

    monkeypatch.setattr(inboxes, "INBOX_LIMIT", 2)
    clock = Clock()
    before = started(tmp_path, clock)
    ids = [writes(before, f"n{n}") for n in range(3)]
    assert [m["id"] for m in before.inboxes[ALICE]] == ids[1:]
    assert before.inboxes.find(ALICE, ids[0]) is None
    after = started(tmp_path, clock)
    assert [m["id"] for m in after.inboxes[ALICE]] == ids[1:]
    assert after.inboxes.find(ALICE, ids[2]) is after.inboxes[ALICE][-1]


# -- the messaging state across a restart ----------------------------------------------------


async def test_a_customer_message_is_kept_before_the_control_api_answers(tmp_path: Path) -> None:
    clock = Clock()
    before = started(tmp_path, clock)
    message_id = writes(before, "hello")
    after = started(tmp_path, clock)  # no flush, no close: a crash right after the answer
    queued = after.take(BUSINESS)
    assert [item["message"]["id"] for kind, item in queued if kind == "messages"] == [message_id]
    assert (BUSINESS, ALICE) in after.windows
    assert [entry["id"] for entry in after.inboxes[ALICE]] == [message_id]


async def test_acknowledged_items_are_not_pushed_again(tmp_path: Path) -> None:
    clock = Clock()
    before = started(tmp_path, clock)
    first, second = writes(before, "one"), writes(before, "two")
    items = before.borrow(BUSINESS, 1)
    before.acknowledged(items)
    before.give_back(BUSINESS, before.borrow(BUSINESS))  # a failed push: still pending
    before.commit()
    after = started(tmp_path, clock)
    ids = [item["message"]["id"] for _kind, item in after.take(BUSINESS)]
    assert [items[0][1]["message"]["id"]] == [first] and ids == [second]


async def test_a_resent_message_gets_the_same_answer_after_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    before = started(tmp_path, clock)
    writes(before, "open the window")
    customer = before.world.customers.get(ALICE)
    assert customer is not None
    customer.delivery_delay = 3600.0
    answer = before.accept(BUSINESS, CC, text("m1"))
    before.commit()  # what messages.send does before answering
    assert answer["status"] == "sent" and "expiration_timestamp" in answer["conversation"]
    after = started(tmp_path, clock)
    assert after.accept(BUSINESS, CC, text("m1")) == answer
    assert [m["status"] for m in after.inboxes[ALICE] if m["id"] == "m1"] == ["sent"]
    again = after.accept(BUSINESS, CC, text("m2"))  # same window, same conversation
    assert again["status"] == "sent"
    assert again["conversation"] == {
        "id": answer["conversation"]["id"],
        "origin": {"type": "user_initiated"},
    }
    assert after.force("m1", "deleted")  # the network still knows where m1 went


async def test_pending_receipts_are_produced_after_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    before = started(tmp_path, clock)
    writes(before, "hi")
    customer = before.world.customers.get(ALICE)
    assert customer is not None
    customer.delivery_delay, customer.read_delay = 60.0, 0.0
    await before.world.save()
    before.accept(BUSINESS, CC, text("m1"))
    before.take(BUSINESS)  # the customer's message went to the coreapp
    before.commit()
    clock.now += 3600  # the network was down past the delivery time
    after = started(tmp_path, clock)
    assert after.take(BUSINESS) == []
    after.resume()
    for _ in range(100):
        await asyncio.sleep(0)
        if len(after.queues.get(BUSINESS, ())) >= 2:
            break
    statuses = [item["status"] for _kind, item in after.take(BUSINESS)]
    assert statuses == ["delivered", "read"]


async def test_held_deliveries_wait_for_the_customer_across_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    before = started(tmp_path, clock)
    writes(before, "hi")
    customer = before.world.customers.get(ALICE)
    assert customer is not None
    customer.online, customer.delivery_delay, customer.reads = False, 0.0, False
    await before.world.save()
    before.accept(BUSINESS, CC, text("m1"))
    before.take(BUSINESS)
    before.commit()
    after = started(tmp_path, clock)
    back = after.world.customers.get(ALICE)
    assert back is not None
    back.online = True
    after.release(ALICE)
    after.commit()
    await asyncio.sleep(0.01)
    assert [item["status"] for _kind, item in after.take(BUSINESS)] == ["delivered"]
    after.commit()
    assert started(tmp_path, clock).take(BUSINESS) == []  # nothing left held or due


async def test_media_not_yet_downloaded_survives_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    before = started(tmp_path, clock)
    media_id = before.blobs.put(BUSINESS, b"\x89PNG...", "image/png")
    before.commit()
    after = started(tmp_path, clock)
    blob = after.blobs.get(BUSINESS, media_id)
    assert blob is not None and blob.data == b"\x89PNG..." and blob.mime_type == "image/png"
    assert after.blobs.get("16315550199", media_id) is None
    clock.now += 15 * 24 * 3600  # past the retention: the file goes too
    assert after.blobs.get(BUSINESS, media_id) is None
    after.commit()
    assert not (tmp_path / "media" / media_id).exists()
