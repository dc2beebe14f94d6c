"""The API's conventions (#31, docs/api.md "Conventions"): ETag / If-Match on a case,
rate-limit headers, no trailing-slash redirect, JSON errors whatever the Accept header,
the schema's version."""

from http import HTTPStatus

import pytest
from django.conf import settings
from django.test import override_settings

from mediation.law.choices import State
from mediation.models import CaseParty
from tests.conftest import case_body


def test_case_etag_and_if_match(world, api):
    case = world.make_case(State.REGISTERED)
    head = api(world.head)
    got = head.get(f"/api/cases/{case.pk}/")
    etag = got["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert head.get(f"/api/cases/{case.pk}/")["ETag"] == etag  # stable while nothing changes

    ok = head.patch(
        f"/api/cases/{case.pk}/",
        {"summary": "更正后的纠纷事实。"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert ok.status_code == 200, ok.content
    fresh = ok["ETag"]
    assert fresh != etag and head.get(f"/api/cases/{case.pk}/")["ETag"] == fresh

    stale = head.patch(
        f"/api/cases/{case.pk}/", {"summary": "又一次更正。"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412, stale.content
    assert stale["ETag"] == fresh
    assert stale.json()["detail"] and stale.json()["errors"] == {}
    case.refresh_from_db()
    assert case.summary == "更正后的纠纷事实。"  # nothing written

    # Without If-Match a correction works as before; `*` matches any version.
    assert head.patch(f"/api/cases/{case.pk}/", {"region": ""}, format="json").status_code == 200
    star = head.patch(
        f"/api/cases/{case.pk}/", {"summary": "第三次。"}, format="json", HTTP_IF_MATCH="*"
    )
    assert star.status_code == 200
    # An empty If-Match is absent, as an empty query value is (schemathesis sends one).
    empty = head.patch(
        f"/api/cases/{case.pk}/", {"summary": "第四次。"}, format="json", HTTP_IF_MATCH=""
    )
    assert empty.status_code == 200


def test_party_correction_honours_if_match(world, api):
    case = world.make_case(State.REGISTERED)
    head = api(world.head)
    etag = head.get(f"/api/cases/{case.pk}/")["ETag"]
    party = CaseParty.objects.filter(case=case).first().party
    head.patch(f"/api/cases/{case.pk}/", {"summary": "别人先改了。"}, format="json")
    r = head.patch(
        f"/api/cases/{case.pk}/parties/{party.pk}/",
        {"phone": "13900000000"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert r.status_code == 412, r.content


@override_settings(PORTAL_APPLY_PER_IP=2)
def test_portal_rate_limit_headers(world, api):
    client = api()
    body = case_body(world.home)
    first = client.post("/api/portal/applications/", {}, format="json")
    assert first["RateLimit-Limit"] == "2" and first["RateLimit-Remaining"] == "1"
    assert 0 < int(first["RateLimit-Reset"]) <= settings.PORTAL_RATE_WINDOW_SECONDS
    client.post("/api/portal/applications/", body, format="json")
    third = client.post("/api/portal/applications/", body, format="json")
    assert third.status_code == 429
    assert third.reason_phrase == "Too Many Requests"
    assert third["RateLimit-Remaining"] == "0"
    assert third["Retry-After"] == third["RateLimit-Reset"]
    assert third.json()["retry_after"] == int(third["Retry-After"])


@override_settings(COMPLAINT_RATE_PER_IP=1)
def test_complaint_rate_limit_headers(world, api):
    client = api()
    client.post("/api/complaints/", {}, format="json")
    r = client.post("/api/complaints/", {}, format="json")
    assert r.status_code == 429 and r["RateLimit-Limit"] == "1"
    assert int(r["Retry-After"]) > 0


def test_daphne_writes_the_429_reason_phrase():
    from twisted.web import http as twisted_http

    from config import daphne_guard

    daphne_guard.reason_phrases()
    assert twisted_http.RESPONSES[429] == b"Too Many Requests"
    assert twisted_http.RESPONSES[422] == HTTPStatus(422).phrase.encode()


@pytest.mark.no_contract
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_no_slash_is_a_json_404_naming_the_url(world, api, method):
    r = getattr(api(world.intake), method)("/api/cases", {}, format="json")
    assert r.status_code == 404, r.content
    assert r["Content-Type"].startswith("application/json")
    assert "/api/cases/" in r.json()["detail"]
    r = api(world.intake).post("/api/auth/token", {}, format="json")
    assert r.status_code == 404 and "/api/auth/token/" in r.json()["detail"]
    # a path that is unknown with or without the slash is a plain 404
    r = api(world.intake).get("/api/nothing-here")
    assert r.status_code == 404 and "/api/nothing-here/" not in r.json()["detail"]


@pytest.mark.no_contract
def test_anonymous_schema_is_a_json_401(api):
    for accept in ("application/json", "text/html", "application/vnd.oai.openapi"):
        r = api().get("/api/schema/", HTTP_ACCEPT=accept)
        assert r.status_code == 401, (accept, r.status_code, r.content[:200])
        assert r["Content-Type"].startswith("application/json")
        assert r.json()["detail"]


@pytest.mark.no_contract
def test_html_accept_still_gets_json_errors(world, api):
    html = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}
    case = world.make_case(State.REGISTERED)
    checks = [
        (api(), "get", "/api/cases/", 401),
        (api(world.intake), "get", "/api/cases/999999/", 404),
        (api(world.intake), "get", "/api/unknown/", 404),
        (api(world.intake), "get", "/api/cases/?priority=maybe", 400),
        (api(world.supervisor), "patch", f"/api/cases/{case.pk}/", 403),
    ]
    for client, method, url, status in checks:
        kwargs = {"format": "json"} if method == "patch" else {}
        r = getattr(client, method)(
            url, {"summary": "x"} if method == "patch" else None, **html, **kwargs
        )
        assert r.status_code == status, (url, r.status_code)
        assert r["Content-Type"].startswith("application/json"), (url, r["Content-Type"])
        assert r.json()["detail"]


def test_invalid_token_on_an_anonymous_endpoint_is_ignored(world, api):
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    r = client.post("/api/portal/applications/", {}, format="json")
    assert r.status_code == 400, r.content  # the body's errors, not a 401
    r = client.post("/api/complaints/", {}, format="json")
    assert r.status_code == 400, r.content


def test_schema_names_the_api_version(world, api):
    r = api(world.intake).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    assert r.json()["info"]["version"] == settings.SPECTACULAR_SETTINGS["VERSION"]
    assert settings.SPECTACULAR_SETTINGS["VERSION"] == "1.4.0"


LISTS = [
    "/api/organizations/",
    "/api/organizations/{home}/members/",
    "/api/cases/{case}/events/",
    "/api/tasks/",
    "/api/mediators/",
    "/api/mediators/?case={case}",
    "/api/complaints/",
    "/api/negative-list/",
    "/api/screenings/",
    "/api/screenings/unscreened/",
    "/api/consultations/",
]


def test_every_list_has_one_shape(world, api):
    """{count, next, previous, results} on every list; the cursor-paged case list and the
    event feed have no count (docs/api.md "Lists")."""
    case = world.make_case(State.ACCEPTED)
    client = api(world.supervisor)
    for template in LISTS:
        url = template.format(home=world.home.pk, case=case.pk)
        body = client.get(url).json()
        assert {"count", "next", "previous", "results"} <= set(body), (url, body)
        assert isinstance(body["results"], list) and body["count"] >= len(body["results"])
    for url in ("/api/cases/", "/api/events/"):
        body = client.get(url).json()
        assert {"next", "previous", "results"} <= set(body), url


def test_event_feed_next_link(world, api):
    world.make_case(State.ACCEPTED)
    client = api(world.supervisor)
    first = client.get("/api/events/?limit=1").json()
    assert first["has_more"] and first["next"].endswith(f"since={first['next_since']}")
    assert first["previous"] is None
    last = client.get(f"/api/events/?since={first['next_since']}&limit=1000").json()
    assert last["next"] is None and not last["has_more"]
