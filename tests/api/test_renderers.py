"""config.renderers.FastJSONRenderer writes the bytes DRF's JSONRenderer writes."""

import dataclasses
import datetime as dt
import decimal
import uuid
from collections import OrderedDict
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from config.renderers import FastJSONRenderer
from mediation.law.choices import State

SHANGHAI = ZoneInfo("Asia/Shanghai")


def both(data, media_type=None):
    return FastJSONRenderer().render(data, media_type, {}), JSONRenderer().render(
        data, media_type, {}
    )


@dataclasses.dataclass
class Point:
    x: int


@pytest.mark.parametrize(
    "value",
    [
        {"案号": "（2026）宁0303民特1号", "n": 1, "ok": True, "none": None, "f": 0.1},
        [1, -2, 2**63 - 1, 1.5, "", "\u2028行\u2029", '\x00\x1f"\\/'],
        {"when": dt.datetime(2026, 11, 29, 8, 30, 1, 123456, tzinfo=dt.UTC)},
        {
            "when": dt.datetime(2026, 11, 29, 8, 30, tzinfo=SHANGHAI),
            "naive": dt.datetime(2026, 1, 2),
        },
        {"day": dt.date(2026, 11, 29), "at": dt.time(8, 30, 5), "span": dt.timedelta(days=3)},
        {"amount": decimal.Decimal("12345.60"), "id": uuid.UUID(int=7)},
        {"label": gettext_lazy("调解中"), "state": State.MEDIATING},
        {1: "int key", "nested": OrderedDict(b=(1, 2), a=[{"x": []}])},
        {"set_like": frozenset(), "empty": {}, "tuple": ()},
        {"big": 2**64, "bytes": b"abc"},
    ],
)
def test_same_bytes_as_drf(value):
    fast, drf = both(value)
    assert fast == drf


def test_a_generator_is_written_as_drf_writes_it():
    fast = FastJSONRenderer().render({"gen": (i for i in range(3))})
    assert fast == JSONRenderer().render({"gen": (i for i in range(3))}) == b'{"gen":[0,1,2]}'


def test_refused_as_drf_refuses():
    for bad in ({"p": Point(1)}, {"o": object()}, {"aware time": dt.time(8, tzinfo=dt.UTC)}):
        with pytest.raises((TypeError, ValueError)):
            JSONRenderer().render(bad)
        with pytest.raises((TypeError, ValueError)):
            FastJSONRenderer().render(bad)


def test_indented_output_is_drfs():
    fast, drf = both({"a": [1, {"b": "调解"}]}, "application/json; indent=2")
    assert fast == drf and b"\n  " in fast


def test_the_apis_answers_are_the_same_bytes(api, world):
    """Every answer of the queue, a case, its events, the caller and the organisations,
    written both ways from the same data."""
    case = world.make_case(State.MEDIATING)
    client = api(world.supervisor)
    paths = [
        "/api/cases/",
        "/api/cases/?page_size=1",
        f"/api/cases/{case.pk}/",
        f"/api/cases/{case.pk}/events/",
        "/api/events/?since=0",
        "/api/me/",
        "/api/organizations/",
        "/api/stats/summary/",
        "/api/mediators/",
    ]
    for path in paths:
        r = client.get(path)
        assert r.status_code == 200, (path, r.content[:200])
        assert r.content == JSONRenderer().render(r.data), path
        assert r.content == FastJSONRenderer().render(r.data), path
