"""A real server on a seeded test database, reached only over HTTP, as an integrating
agency would (docs/api.md). Marked `integrator` (and `live`: daphne needs the database in
a file on SQLite)."""

import pytest
from django.db import connection

from config import tokens
from mediation.law.choices import State
from tests.live.daphne import Daphne, database_url

# Enough for the fuzzers, still bounded (the portal and complaint doors count per address).
SERVER_ENV = {"PORTAL_APPLY_PER_IP": "100000", "COMPLAINT_RATE_PER_IP": "100000"}


def seed(world) -> dict:
    """Cases in the states an integrator meets, for each door."""
    cases = {
        "registered": world.make_case(State.REGISTERED),
        "mediating": world.make_case(State.MEDIATING),
        "agreed": world.make_case(State.AGREED),
        "confirming": world.make_case(State.CONFIRMING),
        "closed": world.make_case(State.CLOSED),
        "other_org": world.make_case(State.REGISTERED, org=world.other),
    }
    return cases


def server_passwords(world, password):
    """The test process hashes with MD5 for speed; the server verifies with its own
    hashers: store the demo password as PBKDF2 (few iterations, the server upgrades it)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    for user in world.users.values():
        user.password = hasher.encode(password, hasher.salt(), iterations=1000)
        user.save(update_fields=["password"])


@pytest.fixture
def live_api(world, settings):
    """(server, world, {role: token}, seeded cases); the server stops before the test
    database is flushed. `server.http` is its base URL, `server.output()` its log."""
    cases = seed(world)
    server_passwords(world, settings.DEMO_PASSWORD)
    # the documents the seeding stored are in this test's store: the server reads them there
    env = {**SERVER_ENV, "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    server = Daphne(database_url(connection.settings_dict), env=env).start()
    roles = ("head", "mediator", "intake", "petition", "clerk", "judge", "supervisor", "police")
    try:
        yield server, world, {r: tokens.issue(getattr(world, r)) for r in roles}, cases
    finally:
        server.stop()
