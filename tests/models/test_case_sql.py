"""The caches of SQL written once (mediation.models.case_sql): built once per database and key,
and the compiled parameters bound by swapping sentinels."""

import datetime as dt

from mediation.models import case_sql


def test_per_database_builds_once_per_key():
    built = []

    def build():
        built.append(1)
        return object()

    first = case_sql.per_database(("test", "a"), build)
    assert case_sql.per_database(("test", "a"), build) is first and len(built) == 1
    other = case_sql.per_database(("test", "b"), build)
    assert other is not first and len(built) == 2


def test_bind_swaps_sentinels_and_nothing_else():
    at = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
    params = [-1, "x", at, True, 1, None]
    got = case_sql.bind(params, {-1: 7, "x": "y", at: "later", 1: 99})
    # True == 1, but a bool is never a sentinel.
    assert got == [7, "y", "later", True, 99, None]
    assert got[3] is True
