"""`/metrics` (DESIGN.md §6): the Prometheus text format, restricted to METRICS_ALLOWED_IPS,
with requests, transitions per network, open sockets, relay lag, overdue cases and sweep
runs, each read back from the scrape after the real action that moves it."""

import datetime as dt

import pytest
from channels.testing import HttpCommunicator
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from mediation.law.deadlines import sweep
from tests.live.conftest import loop_cleanup, open_socket  # noqa: F401

HOST = [(b"host", b"testserver")]


def scrape(client=None) -> dict:
    r = (client or Client()).get("/metrics")
    assert r.status_code == 200, r.content
    assert r["Content-Type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(r.content.decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_refused_outside_the_allowed_addresses(db, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.8.0.0/24"]
    outsider = Client(REMOTE_ADDR="192.0.2.7").get("/metrics")
    assert outsider.status_code == 403
    assert outsider.json() == {"detail": "无权访问监控指标"}
    assert Client(REMOTE_ADDR="10.8.0.9").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200


def test_transitions_are_counted_per_network_after_commit(
    world, django_capture_on_commit_callbacks
):
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        world.make_case("accepted")
        world.make_case("accepted", org=world.traffic_police)
    after = scrape()
    for network in ("people", "administrative"):
        key = {"network": network, "transition": "accept"}
        assert value(after, "dtj_transitions_total", **key) == (
            value(before, "dtj_transitions_total", **key) + 1
        )


def test_a_rolled_back_transition_is_not_counted(world, django_capture_on_commit_callbacks):
    from django.db import transaction

    case = world.make_case()
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                from mediation.actions import services

                services.perform(case, "accept", world.head, {"mediator": world.mediator.pk})
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    after = scrape()
    key = {"network": "people", "transition": "accept"}
    assert value(after, "dtj_transitions_total", **key) == value(
        before, "dtj_transitions_total", **key
    )


def test_overdue_cases_and_sweep_runs(world):
    long_ago = timezone.now() - dt.timedelta(days=10)
    world.make_case(now=long_ago)  # its acceptance decision was due 7 days ago
    world.make_case(org=world.lawyer_studio, now=long_ago)
    world.make_case()  # not yet due
    before = scrape()
    assert value(before, "dtj_overdue_cases", network="people") == 1
    assert value(before, "dtj_overdue_cases", network="lawyer") == 1
    counts = sweep()
    assert counts["overdue"] == 2
    after = scrape()
    assert value(after, "dtj_sweep_runs_total") == value(before, "dtj_sweep_runs_total") + 1
    assert value(after, "dtj_sweep_announcements_total", kind="overdue") == (
        value(before, "dtj_sweep_announcements_total", kind="overdue") + 2
    )
    assert value(after, "dtj_sweep_last_run_timestamp_seconds") >= long_ago.timestamp()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_requests_and_open_sockets_through_the_asgi_app(loop_cleanup):  # noqa: F811
    from asgiref.sync import sync_to_async

    from config.asgi import application
    from mediation.ops.demo import build_accounts, build_organizations

    users = await sync_to_async(lambda: build_accounts(build_organizations()))()
    get = sync_to_async(scrape)
    before = await get()
    r = await HttpCommunicator(application, "GET", "/healthz", headers=HOST).get_response(timeout=5)
    assert r["status"] == 200
    r = await HttpCommunicator(application, "GET", "/no-such-page/", headers=HOST).get_response(
        timeout=5
    )
    assert r["status"] == 404
    comm = await open_socket(users["mediator"])
    during = await get()
    await comm.disconnect()
    after = await get()
    for status in ("200", "404"):
        labels = {"method": "GET", "status": status}
        assert value(during, "dtj_http_requests_total", **labels) >= (
            value(before, "dtj_http_requests_total", **labels) + 1
        )
    assert value(during, "dtj_open_sockets") == value(before, "dtj_open_sockets") + 1
    assert value(after, "dtj_open_sockets") == value(before, "dtj_open_sockets")


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_relay_lag_is_observed_when_an_event_reaches_a_socket(loop_cleanup):  # noqa: F811
    from asgiref.sync import sync_to_async

    from mediation.actions import services
    from mediation.ops.demo import build_accounts, build_organizations
    from tests.conftest import case_body

    def setup():
        orgs = build_organizations()
        return orgs, build_accounts(orgs)

    orgs, users = await sync_to_async(setup)()
    before = await sync_to_async(scrape)()
    comm = await open_socket(users["mediator"])
    home = orgs["红寺堡镇人民调解委员会"]
    await sync_to_async(services.register_case)(users["intake"], case_body(home))
    event = await comm.receive_json_from(timeout=5)
    assert event["type"] == "case.created"
    after = await sync_to_async(scrape)()
    await comm.disconnect()
    assert value(after, "dtj_event_relay_lag_seconds_count") >= (
        value(before, "dtj_event_relay_lag_seconds_count") + 1
    )
