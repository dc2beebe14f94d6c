"""Every error answers {"detail", "errors"}; 409 adds current_state; outsiders get 404,
insiders without the right 403."""

import pytest
from django.conf import settings

from mediation.law.choices import State
from mediation.models import Case, CaseEvent, Party
from tests.conftest import RESPONDENT, case_body


def assert_shape(r, status):
    assert r.status_code == status, (r.status_code, r.content)
    body = r.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], dict)
    return body


def test_400_bad_id_number_names_the_party_and_writes_nothing(api, world):
    bad = {**RESPONDENT, "id_number": "640303198001010019"}  # wrong check digit
    body = case_body(world.home, parties=[case_body(world.home)["parties"][0], bad])
    before = (Case.objects.count(), Party.objects.count(), CaseEvent.objects.count())
    r = api(world.intake).post("/api/cases/", body, format="json")
    err = assert_shape(r, 400)
    assert list(err["errors"]) == ["parties[1].id_number"]
    (message,) = err["errors"]["parties[1].id_number"]
    assert "杨学军" in message and "公民身份号码校验码错误" in message
    assert (Case.objects.count(), Party.objects.count(), CaseEvent.objects.count()) == before


def test_400_missing_fields_and_wrong_types(api, world):
    c = api(world.intake)
    err = assert_shape(c.post("/api/cases/", {"org": world.home.pk}, format="json"), 400)
    assert {"channel", "category", "summary", "parties"} <= set(err["errors"])
    # a JSON array instead of an object, a number where a date is expected
    assert_shape(c.post("/api/cases/", [1, 2], format="json"), 400)
    case = world.make_case(State.MEDIATING)
    r = api(world.mediator).post(
        f"/api/cases/{case.pk}/transitions/reach_agreement/",
        {
            "form": "written",
            "facts": "双方因排水沟改建发生争议。",
            "responsibilities": "被申请人负主要责任。",
            "terms": "x",
            "performance_method": "x",
            "performance_due": 20261201,
            "effective_date": {"y": 1},
        },
        format="json",
    )
    err = assert_shape(r, 400)
    assert {"performance_due", "effective_date"} <= set(err["errors"])


def test_400_parse_error_and_415(api, world):
    c = api(world.intake)
    r = c.generic("POST", "/api/cases/", "{not json", content_type="application/json")
    assert_shape(r, 400)
    r = c.post("/api/cases/", {"org": "1"})  # multipart: this API speaks JSON only
    assert_shape(r, 415)


def test_401_anonymous_and_bad_token(api):
    r = api().get("/api/cases/")
    assert_shape(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Token")
    client = api()
    client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert_shape(client.get("/api/me/"), 401)


def test_403_insider_without_the_right(api, world):
    case = world.make_case(State.REGISTERED)
    r = api(world.mediator).post(
        f"/api/cases/{case.pk}/transitions/decline/",
        {"reason": "x", "routes": "y"},
        format="json",
    )
    body = assert_shape(r, 403)
    assert "不予受理" in body["detail"]
    # registering for someone else's organisation
    r = api(world.mediator).post("/api/cases/", case_body(world.other), format="json")
    assert_shape(r, 403)
    assert Case.objects.filter(org=world.other).count() == 0


def test_404_for_outsiders_on_every_case_endpoint(api, world):
    case = world.make_case(State.MEDIATING)
    c = api(world.outsider)
    base = f"/api/cases/{case.pk}"
    assert_shape(c.get(f"{base}/"), 404)
    assert_shape(c.get(f"{base}/events/"), 404)
    assert_shape(
        c.post(f"{base}/transitions/fail/", {"reason": "other", "routes": "x"}, format="json"), 404
    )
    assert_shape(c.post(f"{base}/sessions/", {}, format="json"), 404)
    assert_shape(c.post(f"{base}/follow-ups/", {}, format="json"), 404)
    assert_shape(c.post(f"{base}/risk/", {"level": "high", "note": "x"}, format="json"), 404)
    assert case.pk not in [row["id"] for row in c.get("/api/cases/").json()["results"]]
    # the same answer as for a case that does not exist at all
    assert c.get("/api/cases/999999/").json() == c.get(f"{base}/").json()


def test_404_unknown_transition_and_unknown_api_url(api, world):
    case = world.make_case()
    assert_shape(
        api(world.head).post(f"/api/cases/{case.pk}/transitions/fly/", {}, format="json"), 404
    )
    assert_shape(api(world.head).get("/api/no-such-thing/"), 404)


def test_405(api, world):
    case = world.make_case()
    assert_shape(api(world.head).delete(f"/api/cases/{case.pk}/"), 405)


def test_409_carries_current_state(api, world):
    case = world.make_case(State.REGISTERED)
    r = api(world.head).post(
        f"/api/cases/{case.pk}/transitions/begin/", {"consent": True}, format="json"
    )
    body = assert_shape(r, 409)
    assert body["current_state"] == "registered"
    assert "待受理" in body["detail"]


def test_429_on_the_token_endpoint_after_failed_logins(api, world, settings):
    c = api()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        r = c.post("/api/auth/token/", {"username": "head", "password": "wrong"}, format="json")
        assert_shape(r, 400)
    r = c.post("/api/auth/token/", {"username": "head", "password": "wrong"}, format="json")
    assert_shape(r, 429)
    # Now even the right password is refused for a while, with a clear body and header.
    r = c.post(
        "/api/auth/token/", {"username": "head", "password": settings.DEMO_PASSWORD}, format="json"
    )
    body = assert_shape(r, 429)
    assert "登录失败次数过多" in body["detail"]
    assert body["retry_after"] >= 1 and int(r.headers["Retry-After"]) >= 1
    # The lock is the (name, address)'s (#30: five requests from anywhere must not lock an
    # account out): from another address the owner still signs in.
    r = c.post(
        "/api/auth/token/",
        {"username": "head", "password": settings.DEMO_PASSWORD},
        format="json",
        REMOTE_ADDR="10.0.0.9",
    )
    assert r.status_code == 200 and r.json()["token"]
    r = c.post(
        "/api/auth/token/",
        {"username": "mediator", "password": settings.DEMO_PASSWORD},
        format="json",
        REMOTE_ADDR="10.0.0.9",
    )
    assert r.status_code == 200 and r.json()["token"]


def test_successful_logins_do_not_count(api, world, settings):
    c = api()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        r = c.post(
            "/api/auth/token/",
            {"username": "head", "password": settings.DEMO_PASSWORD},
            format="json",
        )
        assert r.status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/me/", "/api/events/", "/api/stats/summary/", "/api/organizations/"]
)
def test_every_endpoint_needs_authentication(api, path):
    assert_shape(api().get(path), 401)


def test_demo_password_is_a_setting():
    assert settings.DEMO_PASSWORD


# -- JSON values of the wrong kind, bugs, and what Django answers itself --------------------


def test_wrong_json_kinds_are_field_errors_not_500(api, world):
    """A boolean, number, object or array where text or a date is expected is that field's
    400 (it was a 500 with an HTML page for a boolean birth date)."""
    c = api(world.intake)
    applicant = {**case_body(world.home)["parties"][0], "name": True, "birth_date": False}
    respondent = {**RESPONDENT, "address": {"a": 1}, "phone": 13895300001}
    body = case_body(world.home, summary=["x"], parties=[applicant, respondent])
    before = Case.objects.count()
    err = assert_shape(c.post("/api/cases/", body, format="json"), 400)
    assert {
        "summary",
        "parties[0].name",
        "parties[0].birth_date",
        "parties[1].address",
        "parties[1].phone",
    } <= set(err["errors"])
    assert Case.objects.count() == before
    # text where a boolean or a number is expected
    case = world.make_case(State.ACCEPTED)
    r = api(world.mediator).post(
        f"/api/cases/{case.pk}/transitions/begin/", {"consent": "yes"}, format="json"
    )
    assert_shape(r, 400)
    r = api(world.head).post(
        f"/api/cases/{case.pk}/transitions/reassign/",
        {"mediator": True, "reason": "x"},
        format="json",
    )
    assert "mediator" in assert_shape(r, 400)["errors"]


def test_null_is_an_absent_field(api, world):
    body = case_body(world.home, amount=None, claims=None)
    r = api(world.intake).post("/api/cases/", body, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["amount"] is None and r.json()["claims"] == ""
    err = assert_shape(
        api(world.intake).post("/api/cases/", case_body(world.home, summary=None), format="json"),
        400,
    )
    assert "summary" in err["errors"]


def test_a_bug_is_a_logged_500_in_the_error_shape(api, world, monkeypatch, caplog):
    from mediation.actions import services

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "register_case", broken)
    with caplog.at_level("ERROR", logger="datiaojie.api"):
        r = api(world.intake).post("/api/cases/", case_body(world.home), format="json")
    assert r.status_code == 500
    assert r.json() == {"detail": "服务器内部错误", "errors": {}}
    assert "boom" not in r.content.decode()
    assert any("POST /api/cases/" in rec.getMessage() and rec.exc_info for rec in caplog.records)


def test_django_level_errors_under_api_are_json(rf, settings):
    """handler500 / handler400 (what Django answers outside DRF) keep the shape under /api/
    and the pages elsewhere."""
    from django.core.exceptions import RequestDataTooBig

    from mediation.api.errors import bad_request, server_error

    r = server_error(rf.get("/api/cases/"))
    assert r.status_code == 500 and r["Content-Type"] == "application/json"
    assert b"\\u" not in r.content and "服务器内部错误" in r.content.decode()
    assert server_error(rf.get("/cases/"))["Content-Type"].startswith("text/html")
    r = bad_request(rf.post("/api/cases/"), RequestDataTooBig())
    assert r.status_code == 413 and "请求体过大" in r.content.decode()
    assert bad_request(rf.post("/api/cases/"), ValueError()).status_code == 400


def test_body_over_the_limit_is_413_on_the_workflow_endpoints_too(api, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    c = api(world.petition)
    for path in ("/api/petitions/transfers/", "/api/tasks/1/complete/"):
        r = c.post(path, {"note": "x" * 2000}, format="json")
        assert "请求体过大" in assert_shape(r, 413)["detail"]


def test_workflow_endpoints_speak_json_only(api, world):
    r = api(world.petition).post("/api/petitions/transfers/", {"petition_number": "1"})
    assert_shape(r, 415)


@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "/api/cases/"), ("delete", "/api/events/"), ("post", "/api/me/")],
)
def test_405_in_the_error_shape(api, world, method, path):
    assert_shape(getattr(api(world.head), method)(path, {}, format="json"), 405)


def test_404_for_unknown_api_paths_of_any_method(api, world):
    c = api(world.head)
    assert_shape(c.post("/api/nothing/here/", {}, format="json"), 404)
    assert_shape(c.get("/api/cases/abc/"), 404)
    assert_shape(api().get("/api/nothing/"), 404)


@pytest.mark.parametrize(
    "query",
    ["page_size=101", "page_size=0", "page_size=x", "priority=yes", "overdue=null", "org=0"],
)
def test_list_parameters_outside_the_documented_range_are_400(api, world, query):
    """What the schema refuses the server refuses (they were clamped or ignored)."""
    assert_shape(api(world.head).get(f"/api/cases/?{query}"), 400)


def test_list_parameters_inside_the_documented_range(api, world):
    c = api(world.head)
    for query in ("page_size=100", "page_size=1", "priority=true", "overdue=false", "category="):
        assert c.get(f"/api/cases/?{query}").status_code == 200, query


def test_nul_in_a_login_name_is_a_400(api, world):
    """PostgreSQL text cannot hold NUL: the lookup would fail (a 500) before the answer."""
    r = api().post("/api/auth/token/", {"username": "he\x00ad", "password": "x"}, format="json")
    assert "username" in assert_shape(r, 400)["errors"]
