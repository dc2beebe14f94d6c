"""The pieces of the fan-out that need no socket: encoding, de-duplication, the lean
in-memory layer."""

import asyncio
import json

import pytest

from mediation import live


def test_event_text_is_encoded_once_and_is_plain_json():
    msg = {"id": 1, "type": "case.created", "case": {"number": "（2026）红人调字第0001号"}}
    lm = live.layer_message(msg, "org.3")
    assert lm == {"type": "event.message", "id": 1, "text": lm["text"], "group": "org.3"}
    assert json.loads(lm["text"]) == msg
    assert "红人调字" in lm["text"]  # UTF-8 text, not \\u escapes


def test_groups_of_an_event():
    assert live.groups_for([3, 5], 7) == ["org.3", "org.5", "case.7", "district"]


def test_deduper_forgets_only_old_ids():
    d = live.Deduper(size=3)
    assert [d.first_time(i) for i in (1, 2, 1, 3)] == [True, True, False, True]
    d.first_time(4)  # evicts 1
    assert d.first_time(1) and not d.first_time(3)


@pytest.mark.asyncio
async def test_in_memory_layer_broadcast_reaches_every_member_once():
    layer = live.InMemoryLayer(capacity=2)
    names = [await layer.new_channel() for _ in range(50)]
    for n in names:
        await layer.group_add("org.1", n)
    await layer.group_add("org.2", names[0])
    await layer.group_send("org.1", {"type": "event.message", "id": 1, "text": "a"})
    got = await asyncio.gather(*(layer.receive(n) for n in names))
    assert [m["id"] for m in got] == [1] * 50
    # A full channel drops (capacity 2) instead of blocking the broadcast.
    for i in range(3):
        await layer.group_send("org.2", {"type": "event.message", "id": 10 + i, "text": "b"})
    assert (await layer.receive(names[0]))["id"] == 10
    assert (await layer.receive(names[0]))["id"] == 11
    assert layer.channels.get(names[0]) is None  # drained queues are forgotten
    await layer.group_discard("org.1", names[1])
    await layer.group_send("org.1", {"type": "event.message", "id": 2, "text": "c"})
    assert names[1] not in layer.channels and names[2] in layer.channels
