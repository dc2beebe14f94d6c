"""Two completions of one task at once: the flow lock lets one through, the other gets a
409 (PostgreSQL: process row lock; SQLite: the IMMEDIATE write lock)."""

import threading

import pytest
from django.db import connection

from mediation.errors import StateConflict
from mediation.law.choices import State
from workflows.models import CaseTask
from workflows.services import complete_task


def race(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # the outcome under test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_of_two_concurrent_rulings_wins(world):
    case = world.make_case(State.CONFIRMING)
    register = CaseTask.objects.get(case=case, kind="confirmation.register")
    complete_task(
        register.pk, world.clerk, {"decision": "register", "number": "（2026）宁0303民特1号"}
    )
    decide = CaseTask.objects.get(case=case, kind="confirmation.decide")
    results = race(
        [
            lambda: complete_task(decide.pk, world.judge, {"decision": "confirm"}),
            lambda: complete_task(
                decide.pk, world.judge, {"decision": "reject", "grounds": "违反法律规定"}
            ),
        ]
    )
    conflicts = [r for r in results if isinstance(r, StateConflict)]
    done = [r for r in results if isinstance(r, CaseTask)]
    assert len(done) == 1 and len(conflicts) == 1, results
    case.refresh_from_db()
    expected = State.CONFIRMED if results.index(done[0]) == 0 else State.CONFIRMATION_REJECTED
    assert case.state == expected
    assert CaseTask.objects.filter(case=case, kind="confirmation.decide").count() == 1
    assert case.events.filter(type="task.completed").count() == 2  # register + one ruling


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_of_two_concurrent_registrations_wins(world):
    """Registration changes no case state, so only the flow lock stands between two
    clerks and two judge tasks."""
    case = world.make_case(State.CONFIRMING)
    register = CaseTask.objects.get(case=case, kind="confirmation.register")
    results = race(
        [
            lambda n=n: complete_task(
                register.pk,
                world.clerk,
                {"decision": "register", "number": f"（2026）宁0303民特{n + 1}号"},
            )
            for n in range(3)
        ]
    )
    assert sum(isinstance(r, CaseTask) for r in results) == 1, results
    assert sum(isinstance(r, StateConflict) for r in results) == 2, results
    assert CaseTask.objects.filter(case=case, kind="confirmation.decide").count() == 1
