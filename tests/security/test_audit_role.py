"""Finding 7: the audit trail could be altered by the application's own role (it owned
the table, so it could disable the trigger). With migrations run as the owner and the
application as DB_APP_ROLE, that role can only SELECT and INSERT events."""

import contextlib
import secrets

import pytest
from django.db import DatabaseError, connection, transaction

from config.db_roles import grant_app_role
from mediation.actions import services
from mediation.law.choices import State
from mediation.models import CaseEvent

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_role(db):
    # A role of our own with a unique name: the server is shared, nothing shared is dropped.
    role = f"dtj_test_app_{secrets.token_hex(4)}"
    with connection.cursor() as cur:
        cur.execute(f'CREATE ROLE "{role}" NOLOGIN')
    grant_app_role(role)
    yield role
    with connection.cursor() as cur:
        cur.execute(f'DROP OWNED BY "{role}"')
        cur.execute(f'DROP ROLE "{role}"')


@contextlib.contextmanager
def acting_as(role):
    """SET LOCAL outlives a released savepoint: reset the role explicitly afterwards."""
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f'SET LOCAL ROLE "{role}"')
            yield cur
    finally:
        with connection.cursor() as cur:
            cur.execute("RESET ROLE")


def as_role(role, sql, params=()):
    with acting_as(role) as cur:
        cur.execute(sql, params)


def refused(role, sql, params=()) -> str:
    with pytest.raises(DatabaseError) as exc:
        as_role(role, sql, params)
    return str(exc.value)


def test_app_role_may_work_but_not_alter_the_audit_trail(world, app_role):
    case = world.make_case(State.ACCEPTED)
    # The application works as that role: a transition appends its event.
    with acting_as(app_role):
        services.perform(case, "begin", world.mediator, {"consent": True})
        assert CaseEvent.objects.filter(case=case).count() >= 3
    event_id = CaseEvent.objects.filter(case=case).order_by("-id").values_list("id", flat=True)[0]
    table = CaseEvent._meta.db_table
    assert "permission denied" in refused(
        app_role, f"UPDATE {table} SET type = 'x' WHERE id = %s", [event_id]
    )
    assert "permission denied" in refused(
        app_role, f"DELETE FROM {table} WHERE id = %s", [event_id]
    )
    assert "permission denied" in refused(app_role, f"TRUNCATE {table}")
    assert "must be owner" in refused(
        app_role, f"ALTER TABLE {table} DISABLE TRIGGER mediation_caseevent_no_update_delete"
    )
    assert "must be owner" in refused(app_role, f"ALTER TABLE {table} ADD COLUMN x int")
    # Other tables keep their ordinary data rights.
    as_role(app_role, "UPDATE mediation_case SET summary = summary WHERE id = %s", [case.pk])


def test_grant_is_repeatable(app_role):
    grant_app_role(app_role)
    grant_app_role(app_role)
    as_role(app_role, f"SELECT count(*) FROM {CaseEvent._meta.db_table}")


def deploy_warnings() -> list[str]:
    from django.core import checks

    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    return [m.id for m in found if m.id == "datiaojie.W002"]


def test_check_deploy_warns_when_the_app_role_owns_the_audit_table(db, app_role):
    # #30: deploy.md §3 let the application's role own its tables, so it could alter
    # the audit. Connected as the owner (here also a superuser): `check --deploy` warns.
    assert deploy_warnings() == ["datiaojie.W002"]
    # Connected as the application role of the owner/app split: nothing to say.
    with acting_as(app_role):
        assert deploy_warnings() == []
