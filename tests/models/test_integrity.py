"""Nothing but the service changes state; the event log is append-only; numbers and
transitions stay consistent under concurrency (PostgreSQL threads, SQLite file database)."""

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django_fsm import ConcurrentTransition
from django_fsm.signals import pre_transition

from mediation.actions import services
from mediation.errors import StateConflict
from mediation.law.choices import State
from mediation.models import Case, CaseEvent
from tests.conftest import case_body
from tests.helpers import snapshot

REPO = Path(__file__).resolve().parents[2]


def test_state_cannot_be_assigned(world):
    case = world.make_case(State.MEDIATING)
    with pytest.raises(AttributeError):
        case.state = State.CLOSED
    assert Case.objects.get(pk=case.pk).state == State.MEDIATING


def test_stale_save_is_refused(world):
    case = world.make_case(State.MEDIATING)
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    with transaction.atomic():
        first.fail(at=None, reason="no_agreement", routes="-")
        first.save()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        second.reach_agreement(at=None)
        second.save()
    assert Case.objects.get(pk=case.pk).state == State.FAILED


def test_stale_write_inside_the_service_is_a_409_and_rolls_back(world):
    """Someone changes the state between the service's read and its write (here: a
    queryset update, which bypasses the FSM): the save is refused, mapped to 409 with the
    state found, and nothing of the action survives."""
    case = world.make_case(State.MEDIATING)
    before = snapshot(case)

    def interfere(sender, instance, name, **kwargs):
        Case.objects.filter(pk=instance.pk).update(state=State.WITHDRAWN)

    pre_transition.connect(interfere, sender=Case)
    try:
        with pytest.raises(StateConflict) as err:
            services.perform(case, "fail", world.mediator, {"reason": "other", "routes": "-"})
    finally:
        pre_transition.disconnect(interfere, sender=Case)
    assert err.value.status == 409
    # perform's atomic block rolled back the interfering update together with the rest;
    # the 409 carries the state as it stands after that
    assert snapshot(case) == before
    assert err.value.current_state == State.MEDIATING


def test_case_events_are_append_only_in_code(world):
    case = world.make_case(State.ACCEPTED)
    event = CaseEvent.objects.filter(case=case).first()
    event.payload = {"tampered": True}
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    with pytest.raises(ValidationError):
        CaseEvent.objects.filter(case=case).update(payload={})
    with pytest.raises(ValidationError):
        CaseEvent.objects.filter(case=case).delete()
    assert CaseEvent.objects.get(pk=event.pk).payload != {"tampered": True}


@pytest.mark.postgres
def test_case_events_are_append_only_in_postgresql(world):
    case = world.make_case(State.ACCEPTED)
    event_id = CaseEvent.objects.filter(case=case).values_list("id", flat=True).first()
    for sql in (
        "UPDATE mediation_caseevent SET payload = '{}'::jsonb WHERE id = %s",
        "DELETE FROM mediation_caseevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute(sql, [event_id])
    assert CaseEvent.objects.filter(pk=event_id).exists()


def _in_threads(n, fn):
    """Run fn(i) in n threads released together; collect results or exceptions."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=30)
            results[i] = fn(i)
        except Exception as exc:  # the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


NUMBER = re.compile(r"^（(\d{4})）红人调字第(\d{4})号$")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registration_numbers_are_consecutive(world):
    n = 50

    def register(i):
        return services.register_case(world.intake, case_body(world.home, summary=f"并发{i}"))

    results = _in_threads(n, register)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    numbers = sorted(r.number for r in results)
    sequence = [int(NUMBER.match(x).group(2)) for x in numbers]
    assert sequence == list(range(1, n + 1))
    assert Case.objects.filter(org=world.home).count() == n
    assert CaseEvent.objects.filter(type="case.created").count() == n


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_number_held_by_a_transaction_that_rolls_back_goes_to_the_next(world):
    """The gapless number in a second, by a fixed interleaving on PostgreSQL: A registers
    and holds its transaction open; B's registration waits on the counter's row lock; A
    rolls back; B gets the number A had held, and the next registration the one after."""
    held, release = threading.Event(), threading.Event()
    got: dict[str, object] = {}

    def a() -> None:
        try:
            with transaction.atomic():
                got["a"] = services.register_case(world.intake, case_body(world.home)).number
                held.set()
                release.wait(timeout=30)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        finally:
            connection.close()

    def b() -> None:
        try:
            got["b"] = services.register_case(world.intake, case_body(world.home)).number
        finally:
            connection.close()

    ta = threading.Thread(target=a)
    ta.start()
    assert held.wait(timeout=30)
    tb = threading.Thread(target=b)
    tb.start()
    with connection.cursor() as cur:  # wait until B is blocked on A's lock
        for _ in range(300):
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cur.fetchone()[0]:
                break
            threading.Event().wait(0.01)
        else:
            pytest.fail("B never waited for A's counter lock")
    assert "b" not in got
    release.set()
    ta.join(timeout=30)
    tb.join(timeout=30)
    assert got["a"] == got["b"]
    assert int(NUMBER.match(str(got["b"])).group(2)) == 1
    after = services.register_case(world.intake, case_body(world.home))
    assert int(NUMBER.match(after.number).group(2)) == 2
    assert Case.objects.filter(org=world.home).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "pair",
    [("fail", "fail"), ("fail", "reach_agreement"), ("reach_agreement", "withdraw")],
)
def test_concurrent_transitions_exactly_one_wins(world, pair):
    case = world.make_case(State.MEDIATING)
    events_before = CaseEvent.objects.filter(case=case).count()
    data = {
        "fail": {"reason": "no_agreement", "routes": "-"},
        "withdraw": {"note": "撤回"},
        "reach_agreement": {
            "form": "oral",
            "facts": "双方因排水沟改建发生争议。",
            "responsibilities": "被申请人负主要责任。",
            "terms": "赔偿",
            "performance_method": "现金",
            # an oral agreement takes effect the day it is reached: no date (PML art 30)
            "performance_due": "2030-01-01",
        },
    }
    users = {"fail": world.mediator, "reach_agreement": world.mediator, "withdraw": world.head}

    def run(i):
        name = pair[i]
        return services.perform(case.pk, name, users[name], data[name])

    results = _in_threads(2, run)
    won = [r for r in results if isinstance(r, Case)]
    lost = [r for r in results if isinstance(r, StateConflict)]
    assert len(won) == 1 and len(lost) == 1, results
    final = Case.objects.get(pk=case.pk)
    assert final.state == won[0].state
    assert lost[0].current_state == final.state
    assert CaseEvent.objects.filter(case=case).count() == events_before + 1


SQLITE_SCRIPT = r"""
import json, os, sys, threading
import django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", verbosity=0)
from mediation.actions import services
from mediation.ops.demo import build_accounts, build_organizations
from mediation.models import Case
from tests.conftest import case_body

orgs = build_organizations(); users = build_accounts(orgs)
home = orgs["红寺堡镇人民调解委员会"]
intake, head = users["intake"], users["head"]
n = int(sys.argv[1])
barrier = threading.Barrier(n)
out = {"numbers": [], "errors": [], "conflicts": 0, "won": 0}
lock = threading.Lock()

def worker(i):
    try:
        barrier.wait()
        case = services.register_case(intake, case_body(home, summary=f"并发{i}"))
        with lock:
            out["numbers"].append(case.number)
        services.perform(case.pk, "accept", head, {"mediator": users["mediator"].pk})
        # every thread also races the others on the first case
        try:
            services.perform(shared.pk, "withdraw", head, {"note": "x"})
            with lock:
                out["won"] += 1
        except Exception as exc:
            if type(exc).__name__ != "StateConflict":
                raise
            with lock:
                out["conflicts"] += 1
    except Exception as exc:
        with lock:
            out["errors"].append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()

shared = services.register_case(intake, case_body(home, summary="共享"))
threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
[t.start() for t in threads]; [t.join() for t in threads]
out["state"] = Case.objects.get(pk=shared.pk).state
print(json.dumps(out, ensure_ascii=False))
"""


@pytest.mark.slow
def test_sqlite_file_database_under_concurrent_writes(tmp_path):
    """The embedded default (file SQLite, WAL, IMMEDIATE, busy timeout) with 12 threads
    registering, accepting and racing on one case: no 'database is locked', consecutive
    numbers, exactly one winner. Runs in a child process because the test database here
    may be in-memory or PostgreSQL."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(REPO),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    n = 12
    proc = subprocess.run(
        [sys.executable, "-c", SQLITE_SCRIPT, str(n)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["errors"] == []
    sequence = sorted(int(NUMBER.match(x).group(2)) for x in out["numbers"])
    assert sequence == list(range(2, n + 2))  # 0001 is the shared case
    assert out["won"] == 1 and out["conflicts"] == n - 1
    assert out["state"] == State.WITHDRAWN


def test_case_number_counter_is_locked_on_every_database(world, monkeypatch):
    """SQLite serialises writers by its IMMEDIATE transactions, so two racing threads
    cannot show a missing row lock there: check the lock itself is asked for, so dropping
    it fails here too and not only on PostgreSQL."""
    from django.db.models.query import QuerySet

    from mediation.models import CaseNumberSequence

    locked = []
    original = QuerySet.select_for_update

    def spy(self, *args, **kwargs):
        locked.append(self.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    first = services.register_case(world.intake, case_body(world.home, summary="一"))
    assert CaseNumberSequence in locked
    # A rolled-back registration leaves no gap: the counter moved inside its transaction.
    with pytest.raises(RuntimeError), transaction.atomic():
        services.register_case(world.intake, case_body(world.home, summary="二"))
        raise RuntimeError("roll back")
    second = services.register_case(world.intake, case_body(world.home, summary="三"))
    numbers = [int(NUMBER.match(c.number).group(2)) for c in (first, second)]
    assert numbers[1] == numbers[0] + 1
