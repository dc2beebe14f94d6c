"""The relay (mediation.live.relay.Hub) without sockets or a server: what a wake-up makes it
deliver, in which order, how often, and to whom."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from mediation.law.choices import State
from mediation.live import relay as live
from mediation.models import CaseEvent

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("loop_cleanup"),
]


class Socket:
    """Stands in for a consumer: records what the hub hands it, and in how many writes."""

    def __init__(self):
        self.got = []
        self.writes = []

    def deliver(self, events, data):
        assert data == b"".join(e.frame for e in events)  # the frames, joined in id order
        self.got.extend(e.id for e in events)
        self.writes.append([e.id for e in events])


def commit_events(case, n, org=None):
    """Commit n events without any wake-up (as another process would, its wake lost)."""
    payload = {"case": {"id": case.pk}, "actor": None, "data": {}, "orgs": [org or case.org_id]}
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, type="case.updated", at=case.created_at, payload=payload)
        for _ in range(n)
    )
    return list(CaseEvent.objects.filter(case=case).order_by("-id").values_list("id", flat=True))[
        :n
    ][::-1]


add_events = sync_to_async(commit_events)


async def wait_for(predicate, timeout=5.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def quiet_hub(settings):
    """A started hub whose poll cannot fire during the test: only wake-ups move it."""
    settings.LIVE_RELAY_INTERVAL = 60
    hub = await live.ensure_started()
    return hub


async def test_wake_up_for_n_delivers_every_undelivered_row_up_to_n_in_order_once(world, settings):
    case = await sync_to_async(world.make_case)(State.ACCEPTED)
    hub = await quiet_hub(settings)
    member, watcher, outsider = Socket(), Socket(), Socket()
    await hub.join(f"org.{world.home.pk}", member)
    await hub.join(f"case.{case.pk}", member)  # in two of the event's groups
    await hub.join(f"case.{case.pk}", watcher)
    await hub.join(f"org.{world.other.pk}", outsider)

    first = await add_events(case, 3)
    await asyncio.sleep(0.3)
    assert member.got == []  # committed, but nobody woke the relay
    second = await add_events(case, 2)
    hub.wake_up(second[-1])  # one wake-up for the newest id
    await wait_for(lambda: len(member.got) == 5)
    assert member.got == first + second  # the earlier rows too, in id order, once each
    assert member.writes == [first + second]  # one relay pass: one write per socket
    assert watcher.got == first + second
    assert outsider.got == []

    hub.wake_up(second[-1])  # a repeated (or late) wake-up delivers nothing again
    hub.wake_up(first[0])
    await asyncio.sleep(0.3)
    assert member.got == first + second and hub.last_relayed == second[-1]


async def test_relay_crosses_batches_in_order(world, settings, monkeypatch):
    monkeypatch.setattr(live, "RELAY_BATCH", 4)
    monkeypatch.setattr(live, "WRITE_BATCH", 3)
    case = await sync_to_async(world.make_case)(State.ACCEPTED)
    hub = await quiet_hub(settings)
    sock = Socket()
    await hub.join("district", sock)
    ids = await add_events(case, 11)
    hub.wake_up(ids[-1])
    await wait_for(lambda: len(sock.got) == 11)
    assert sock.got == ids
    # Reads of 4 rows, each written in at most 3 events: the order never changes.
    assert sock.writes == [ids[0:3], ids[3:4], ids[4:7], ids[7:8], ids[8:11]]


async def test_burst_to_sockets_with_different_groups_keeps_each_ones_share_in_order(
    world, settings
):
    case = await sync_to_async(world.make_case)(State.ACCEPTED)
    other = await sync_to_async(world.make_case)(State.ACCEPTED, org=world.other)
    hub = await quiet_hub(settings)
    home, away, both = Socket(), Socket(), Socket()
    await hub.join(f"org.{world.home.pk}", home)
    await hub.join(f"org.{world.other.pk}", away)
    await hub.join("district", both)
    ids = []
    for c in (case, other, case, other, other):
        ids += await add_events(c, 1)
    hub.wake_up(ids[-1])
    await wait_for(lambda: len(both.got) == 5)
    assert both.writes == [ids]
    assert home.writes == [[ids[0], ids[2]]]
    assert away.writes == [[ids[1], ids[3], ids[4]]]


async def test_wake_up_message_from_the_layer_moves_the_relay(world, settings):
    """What another process sends through Redis (`relay.wake`) reaches this hub's relay.
    On the embedded default there is no shared layer and nothing to subscribe to."""
    case = await sync_to_async(world.make_case)(State.ACCEPTED)
    hub = await quiet_hub(settings)
    sock = Socket()
    await hub.join("district", sock)
    ids = await add_events(case, 2)
    layer = live.shared_layer()
    if layer is None:
        assert hub.channel is None
        hub.wake_up(ids[-1])
    else:
        assert hub.channel is not None
        await live.send_wake(layer, ids[-1])
    await wait_for(lambda: len(sock.got) == 2)
    assert sock.got == ids


async def test_commit_in_this_process_wakes_the_relay_directly(world, settings):
    from mediation.actions import services

    case = await sync_to_async(world.make_case)(State.ACCEPTED)
    hub = await quiet_hub(settings)
    sock = Socket()
    await hub.join(f"org.{world.home.pk}", sock)
    await sync_to_async(services.perform)(case, "begin", world.mediator, {"consent": True})
    await wait_for(lambda: len(sock.got) == 1, timeout=3)
    assert sock.got == [await sync_to_async(lambda: CaseEvent.objects.latest("id").pk)()]


def count_reads(monkeypatch):
    """How many times the relay reads the outbox's rows (serialising each event)."""
    reads = []
    real = live._events_after

    def counted(last_id):
        reads.append(last_id)
        return real(last_id)

    monkeypatch.setattr(live, "_events_after", counted)
    return reads


async def test_with_no_socket_the_relay_moves_past_events_without_reading_them(
    world, settings, monkeypatch
):
    """Nobody in this process to deliver to: a wake-up moves the relay to the id it
    announced, reading nothing. A socket that joins then gets what follows, from the id
    the relay moved to, and nothing committed before it joined."""
    reads = count_reads(monkeypatch)
    case = await sync_to_async(world.make_case)(State.ACCEPTED)
    hub = await quiet_hub(settings)
    before = await add_events(case, 3)
    hub.wake_up(before[-1])
    await wait_for(lambda: hub.last_relayed == before[-1])
    assert reads == []

    sock = Socket()
    await hub.join("district", sock)
    after = await add_events(case, 2)
    hub.wake_up(after[-1])
    await wait_for(lambda: len(sock.got) == 2)
    assert sock.got == after and reads == [before[-1]]


async def test_with_no_socket_a_poll_asks_where_the_outbox_ends(world, settings, monkeypatch):
    """A poll (no id announced: another process's commit without Redis) moves the relay
    to the outbox's last id, read by one query, not by reading the rows."""
    reads = count_reads(monkeypatch)
    case = await sync_to_async(world.make_case)(State.ACCEPTED)
    settings.LIVE_RELAY_INTERVAL = 0.1
    hub = await live.ensure_started()
    ids = await add_events(case, 4)
    await wait_for(lambda: hub.last_relayed == ids[-1])
    assert reads == []


async def test_a_socket_joining_while_the_relay_asks_gets_the_events(world, settings, monkeypatch):
    """The join lands while the relay waits for the outbox's end: the relay then reads
    the rows as usual instead of moving past them, so the new socket misses nothing that
    was committed after it joined."""
    reads = count_reads(monkeypatch)
    case = await sync_to_async(world.make_case)(State.ACCEPTED)
    hub = await quiet_hub(settings)
    loop = asyncio.get_running_loop()
    sock = Socket()
    committed = []
    real_end = live._outbox_end

    def join_then_commit():
        asyncio.run_coroutine_threadsafe(hub.join("district", sock), loop).result(5)
        committed.extend(commit_events(case, 2))  # after the join, before the end is read
        return real_end()

    monkeypatch.setattr(live, "_outbox_end", join_then_commit)
    hub.wake_up()  # no id announced: the relay asks the database
    await wait_for(lambda: len(sock.got) == 2)
    assert sock.got == committed and len(reads) == 1
