"""Finding 4: a deactivated user's open socket kept receiving events. Now a socket closes
(and leaves every group) within SOCKET_RECHECK_SECONDS when its user is deactivated, loses
a membership or the supervisor role, or the token it logged in with is revoked."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from config import tokens
from mediation.actions import services
from mediation.law.choices import State
from mediation.models import Membership

from .conftest import drain, open_socket

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("loop_cleanup"),
]

perform = sync_to_async(services.perform)


@pytest.fixture(autouse=True)
def quick_recheck(settings):
    settings.SOCKET_RECHECK_SECONDS = 0.2


@sync_to_async
def make_case(world, state=State.ACCEPTED, **overrides):
    return world.make_case(state=state, **overrides)


async def closed_within(comm, seconds=3.0):
    """The revoked notice, then the close frame with 4403, within `seconds`."""
    msg = await comm.receive_json_from(timeout=seconds)
    assert msg == {"type": "revoked"}
    out = await comm.receive_output(timeout=seconds)
    assert out == {"type": "websocket.close", "code": 4403}


async def test_deactivated_user_socket_closes(world):
    case = await make_case(world)
    comm = await open_socket(world.mediator)
    bystander = await open_socket(world.head)

    @sync_to_async
    def deactivate():
        world.mediator.is_active = False
        world.mediator.save(update_fields=["is_active"])

    await deactivate()
    await closed_within(comm)
    # The rest of the organisation still gets its events.
    await perform(case, "begin", world.head, {"consent": True})
    got = await drain(bystander, timeout=0.5)
    assert [m["type"] for m in got] == ["case.transitioned"]
    await bystander.disconnect()


async def test_removed_membership_closes_the_socket(world):
    comm = await open_socket(world.mediator)
    await sync_to_async(
        lambda: Membership.objects.filter(user=world.mediator, org=world.home).delete()
    )()
    await closed_within(comm)


async def test_lost_supervisor_role_closes_the_socket(world):
    comm = await open_socket(world.supervisor)
    await sync_to_async(
        lambda: Membership.objects.filter(user=world.supervisor, role="supervisor").delete()
    )()
    await closed_within(comm)


async def test_revoked_token_closes_the_token_socket(world):
    key = await sync_to_async(tokens.issue)(world.mediator)
    comm = await open_socket(origin=None)
    await comm.send_json_to({"action": "auth", "token": key})
    assert (await comm.receive_json_from())["type"] == "ready"
    await sync_to_async(tokens.revoke_all)(world.mediator)
    await closed_within(comm)


async def test_gained_membership_joins_the_new_group(world):
    theirs = await make_case(world, org=world.other, region="太阳山镇")
    comm = await open_socket(world.mediator)
    await sync_to_async(
        lambda: Membership.objects.create(user=world.mediator, org=world.other, role="mediator")
    )()
    await asyncio.sleep(0.8)
    head = await sync_to_async(world.staff)(world.other, "org_head")
    await perform(theirs, "begin", head, {"consent": True})
    got = await drain(comm, timeout=0.5)
    assert [m["case"]["id"] for m in got if "case" in m] == [theirs.pk]
    await comm.disconnect()


async def test_unchanged_users_stay_connected(world):
    comm = await open_socket(world.mediator)
    await asyncio.sleep(0.7)  # several checks
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()
