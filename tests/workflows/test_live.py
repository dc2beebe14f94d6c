"""Handoff events reach the desks of both sides through the real socket stack."""

import pytest
from asgiref.sync import sync_to_async

from mediation.actions import services
from mediation.law.choices import State
from tests.live.conftest import drain, fresh_layer, loop_cleanup, open_socket  # noqa: F401
from workflows.models import CaseTask
from workflows.services import complete_task

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("loop_cleanup"),
]


def types(messages):
    return [m["type"] for m in messages if "type" in m and "id" in m]


async def test_confirmation_handoff_is_live_on_both_sides(world):
    case = await sync_to_async(world.make_case)(State.AGREED)
    mediator = await open_socket(world.mediator)
    clerk = await open_socket(world.clerk)
    outsider = await open_socket(world.outsider)

    await sync_to_async(services.perform)(
        case,
        "request_confirmation",
        world.mediator,
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
    )
    expected = ["case.transitioned", "handoff.opened"]
    assert types(await drain(mediator)) == expected
    assert types(await drain(clerk)) == expected

    @sync_to_async
    def register():
        task = CaseTask.objects.get(case=case, kind="confirmation.register")
        complete_task(
            task.pk, world.clerk, {"decision": "register", "number": "（2026）宁0303民特12号"}
        )

    await register()
    for comm in (mediator, clerk):
        [event] = await drain(comm)
        assert event["type"] == "task.completed"
        assert event["data"]["type"] == "confirmation.register"
    assert await outsider.receive_nothing(timeout=0.3)
    for comm in (mediator, clerk, outsider):
        await comm.disconnect()
