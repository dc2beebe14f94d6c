"""Property-based run of the whole API against its own OpenAPI document (in-process WSGI):
no 5xx, and every response matches the schema. Runs on SQLite and on PostgreSQL in CI.

schemathesis' pytest plugin does not load under pytest 9 (it reads a private node id), so
the operations are driven here with its Python API, one hypothesis run per operation."""

import contextlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config import tokens
from mediation.choices import State

from .conftest import token_for

EXAMPLES = 25


@contextlib.contextmanager
def keep_test_connection():
    """Django's test Client stops a request from closing the database connection; a bare
    WSGI call does not, and on PostgreSQL the close would end the test's transaction.
    (Entered after the last test Client call: the Client reconnects the handler.)"""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _run_operation(operation, headers, mode):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        case.call_and_validate(
            headers=headers, checks=[not_a_server_error, response_schema_conformance]
        )

    check()


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_api_conforms_to_its_schema(world, mode):
    from schemathesis import GenerationMode

    # A few cases in several states so that generated ids hit real rows now and then.
    world.make_case(State.MEDIATING)
    world.make_case(State.AGREED)
    world.make_case(State.REGISTERED, org=world.other)
    headers = {"Authorization": f"Token {token_for(world.head)}"}
    failures, ran = [], []
    with keep_test_connection():
        schema = schemathesis.openapi.from_wsgi(
            "/api/schema/", get_wsgi_application(), headers=headers
        )
        operations = [result.ok() for result in schema.get_all_operations()]
        for operation in operations:
            ran.append(operation.label)
            # A fresh token per operation: DELETE /api/auth/token/ revokes the one it gets.
            headers = {"Authorization": f"Token {tokens.issue(world.head)}"}
            try:
                _run_operation(operation, headers, GenerationMode(mode))
            except Unsatisfiable:
                # Negative mode cannot break an operation that takes no input at all.
                assert mode == "negative", operation.label
            except Exception as exc:  # collect all, report together
                failures.append(f"{operation.label}: {exc}")
    assert len(ran) >= 14, ran
    assert not failures, "\n\n".join(failures)
