"""The law as practised (issue #10) through the REST API: each rule's refusal is a 400
whose Chinese message names the statute and writes nothing; its allowed path answers 200.
The pages offer only what the law allows."""

import datetime as dt

from django.utils import timezone

from mediation.law.choices import State
from mediation.models import CaseEvent
from tests.conftest import AGREEMENT, case_body
from tests.helpers import plain_party, snapshot


def run(client, case, name, body):
    return client.post(f"/api/cases/{case.pk}/transitions/{name}/", body, format="json")


def refused_400(client, case, name, body, field, *fragments):
    before = snapshot(case)
    r = run(client, case, name, body)
    assert r.status_code == 400, r.content
    message = " ".join(r.json()["errors"][field])
    for fragment in fragments:
        assert fragment in message, message
    assert snapshot(case) == before
    return r


def agreement(**overrides):
    today = timezone.localdate()
    body = {
        **AGREEMENT,
        "performance_due": (today + dt.timedelta(days=10)).isoformat(),
        "effective_date": today.isoformat(),
        **overrides,
    }
    return {k: v for k, v in body.items() if v is not None}


def test_agreement_rules(api, world):
    client = api(world.mediator)
    case = world.make_case(State.MEDIATING, category="labor")
    oral = agreement(form="oral", effective_date=None)
    refused_400(client, case, "reach_agreement", oral, "form", "《劳动争议调解仲裁法》第十四条")
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    refused_400(
        client,
        case,
        "reach_agreement",
        agreement(effective_date=future),
        "effective_date",
        "第二十九条",
    )
    refused_400(client, case, "reach_agreement", agreement(facts=""), "facts")
    r = run(client, case, "reach_agreement", agreement())
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["agreement"]["facts"] == AGREEMENT["facts"]
    assert body["agreement"]["responsibilities"] == AGREEMENT["responsibilities"]


def test_oral_agreement_has_no_date(api, world):
    client = api(world.mediator)
    case = world.make_case(State.MEDIATING)
    refused_400(
        client, case, "reach_agreement", agreement(form="oral"), "effective_date", "第三十条"
    )
    r = run(client, case, "reach_agreement", agreement(form="oral", effective_date=None))
    assert r.status_code == 200, r.content
    assert r.json()["agreement"]["effective_date"] == timezone.localdate().isoformat()


def test_refer_rules(api, world):
    client = api(world.mediator)
    labour = world.make_case(State.FAILED, category="labor")
    refused_400(
        client,
        labour,
        "refer",
        {"route": "litigation"},
        "route",
        "劳动争议须先经劳动人事争议仲裁（《劳动争议调解仲裁法》第五条）",
    )
    r = run(client, labour, "refer", {"route": "arbitration", "target_org": world.arbitration.pk})
    assert r.status_code == 200 and r.json()["state"] == State.REFERRED
    contract = world.make_case(State.FAILED, category="contract")
    refused_400(
        client,
        contract,
        "refer",
        {"route": "arbitration"},
        "arbitration_agreement",
        "《仲裁法》第四条",
    )
    r = run(client, contract, "refer", {"route": "arbitration", "arbitration_agreement": True})
    assert r.status_code == 200, r.content


def test_confirmation_rules(api, world):
    client = api(world.mediator)
    case = world.make_case(State.AGREED, category="marriage_family")
    ids = {p["role"]: p["id"] for p in client.get(f"/api/cases/{case.pk}/").json()["parties"]}
    base = {"court": world.court.pk, "concerns_status": False, "concerns_title": False}
    refused_400(
        client,
        case,
        "request_confirmation",
        {**base, "applicants": [ids["applicant"]]},
        "applicants",
        "第二百零五条",
    )
    refused_400(
        client,
        case,
        "request_confirmation",
        {**base, "joint_application": True, "concerns_status": True},
        "concerns_status",
        "第三百五十五条",
    )
    refused_400(
        client,
        case,
        "request_confirmation",
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
        "concerns_status",
        "第三百五十五条",
    )
    r = run(
        client,
        case,
        "request_confirmation",
        {
            **base,
            "applicants": [ids["applicant"]],
            "consent_of": [ids["respondent"]],
            "paper_signatures": True,
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == State.CONFIRMING
    assert body["confirmation_applicants"] == [ids["applicant"]]
    assert body["confirmation_ruling"] == ""

    # the judge may not rule before the clerk registers; withdrawal until the ruling
    assert run(api(world.judge), case, "confirm", {}).status_code == 403
    r = run(client, case, "withdraw_confirmation", {"note": "双方撤回申请"})
    assert r.status_code == 200 and r.json()["state"] == State.AGREED


def test_clerk_refusal_is_not_accepted_and_the_mediator_refiles(api, world):
    case = world.make_case(State.CONFIRMING)
    r = run(api(world.clerk), case, "reject_confirmation", {"reason": "wrong_court"})
    assert r.status_code == 200 and r.json()["confirmation_ruling"] == "not_accepted"
    names = {t["name"] for t in r.json()["available_transitions"]}
    assert "confirm" not in names
    mediator = api(world.mediator)
    offered = {
        t["name"] for t in mediator.get(f"/api/cases/{case.pk}/").json()["available_transitions"]
    }
    assert "request_confirmation" in offered
    r = run(
        mediator,
        case,
        "request_confirmation",
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
    )
    assert r.status_code == 200 and r.json()["state"] == State.CONFIRMING


def test_reopen_consent(api, world):
    case = world.make_case(State.FAILED)
    client = api(world.head)
    refused_400(client, case, "reopen", {"note": "再调"}, "consent", "《人民调解法》第三条")
    r = run(client, case, "reopen", {"note": "再调", "consent": True})
    assert r.status_code == 200 and r.json()["state"] == State.MEDIATING


def test_minor_without_guardian_refused_and_agent_shown(api, world):
    client = api(world.intake)
    minor = plain_party("applicant", "马小花", birth=dt.date(2016, 1, 1))
    body = case_body(world.home, parties=[minor, plain_party("respondent", "杨军")])
    r = client.post("/api/cases/", body, format="json")
    assert r.status_code == 400
    assert "监护人" in r.json()["errors"]["parties[0].representative"][0]
    guardian = {"kind": "guardian", "name": "马建国", "phone": "13995312345"}
    body["parties"][0]["representative"] = guardian
    r = client.post("/api/cases/", body, format="json")
    assert r.status_code == 201, r.content
    detail = api(world.mediator).get(f"/api/cases/{r.json()['id']}/").json()
    rep = detail["parties"][0]["representative"]
    assert rep["kind"] == "guardian" and rep["name"] == "马建国"
    # an outsider's view masks the representative's phone too
    outsider = api(world.supervisor).get(f"/api/cases/{r.json()['id']}/").json()
    assert outsider["parties"][0]["representative"]["phone"] != "13995312345"


def test_follow_up_routes_and_high_risk(api, world):
    client = api(world.mediator)
    case = world.make_case(State.AGREED)
    body = {"date": timezone.localdate().isoformat(), "performed": False}
    r = client.post(
        f"/api/cases/{case.pk}/follow-ups/", {**body, "route": "enforcement"}, format="json"
    )
    assert r.status_code == 400 and "第二百零六条" in r.json()["errors"]["route"][0]
    r = client.post(f"/api/cases/{case.pk}/follow-ups/", {**body, "route": "suit"}, format="json")
    assert r.status_code == 201, r.content
    follow_up = client.get(f"/api/cases/{case.pk}/").json()["follow_ups"][0]
    assert follow_up["route"] == "suit" and follow_up["routes_open"] == ["suit"]

    r = client.post(
        f"/api/cases/{case.pk}/risk/", {"level": "high", "note": "扬言报复"}, format="json"
    )
    assert r.status_code == 400 and "第二十五条" in r.json()["errors"]["reported_to"][0]
    assert not CaseEvent.objects.filter(case=case, type="case.risk_flagged").exists()
    at = timezone.now().isoformat()
    r = client.post(
        f"/api/cases/{case.pk}/risk/",
        {"level": "high", "note": "扬言报复", "reported_to": "红寺堡派出所", "reported_at": at},
        format="json",
    )
    assert r.status_code in (200, 201), r.content
    detail = client.get(f"/api/cases/{case.pk}/").json()
    assert detail["risk_reported_to"] == "红寺堡派出所" and detail["risk_reported_at"]


def test_available_transitions_offer_only_what_the_law_allows(api, world):
    client = api(world.mediator)
    case = world.make_case(State.MEDIATING, category="labor")
    spec = {
        t["name"]: t for t in client.get(f"/api/cases/{case.pk}/").json()["available_transitions"]
    }
    form = next(f for f in spec["reach_agreement"]["fields"] if f["name"] == "form")
    assert form["choices"] == ["written"]
    run(client, case, "reach_agreement", agreement())
    failed = world.make_case(State.FAILED, category="labor")
    spec = {
        t["name"]: t for t in client.get(f"/api/cases/{failed.pk}/").json()["available_transitions"]
    }
    route = next(f for f in spec["refer"]["fields"] if f["name"] == "route")
    assert "arbitration" in route["choices"] and "litigation" not in route["choices"]


def test_pages_offer_only_what_the_law_allows(client, world):
    client.force_login(world.mediator)
    labour = world.make_case(State.MEDIATING, category="labor")
    page = client.get(f"/cases/{labour.pk}/").content.decode()
    start = page.index('name="reach_agreement-form"')
    select = page[start : page.index("</select>", start)]
    assert 'value="written"' in select and 'value="oral"' not in select
    failed = world.make_case(State.FAILED, category="labor")
    page = client.get(f"/cases/{failed.pk}/").content.decode()
    start = page.index('name="refer-route"')
    select = page[start : page.index("</select>", start)]
    assert 'value="arbitration"' in select and 'value="litigation"' not in select
    neighbour = world.make_case(State.FAILED)
    page = client.get(f"/cases/{neighbour.pk}/").content.decode()
    start = page.index('name="refer-route"')
    assert 'value="litigation"' in page[start : page.index("</select>", start)]


def test_a_labour_mediation_failing_near_the_time_bar_warns_the_mediator(api, world, client):
    """《劳动争议调解仲裁法》第二十七条: a year from the day the worker knew of the
    infringement; within 30 days of it the mediator is told to send the worker on now."""
    today = timezone.localdate()
    case = world.make_case(State.MEDIATING, category="labor")
    body = {
        "reason": "no_agreement",
        "routes": "可申请劳动人事争议仲裁",
        "rights_known_on": (today - dt.timedelta(days=350)).isoformat(),
    }
    r = api(world.mediator).post(f"/api/cases/{case.pk}/transitions/fail/", body, format="json")
    assert r.status_code == 200, r.content
    [warning] = r.json()["warnings"]
    assert "第二十七条" in warning and "一年" in warning
    event = CaseEvent.objects.filter(case=case, type="case.transitioned").last()
    assert event.payload["data"]["time_bar_ends"]
    # Far from the bar: no warning.
    other = world.make_case(State.MEDIATING, category="labor")
    body["rights_known_on"] = (today - dt.timedelta(days=30)).isoformat()
    r = api(world.mediator).post(f"/api/cases/{other.pk}/transitions/fail/", body, format="json")
    assert r.status_code == 200 and "warnings" not in r.json()
    # The page says it too.
    third = world.make_case(State.MEDIATING, category="labor")
    client.force_login(world.mediator)
    page = {f"fail-{k}": v for k, v in body.items()}
    page["fail-rights_known_on"] = (today - dt.timedelta(days=400)).isoformat()
    r = client.post(f"/cases/{third.pk}/transitions/fail/", page, follow=True)
    assert r.status_code == 200
    assert "第二十七条" in r.content.decode()


def test_the_time_bar_date_is_for_labour_disputes_and_not_in_the_future(api, world):
    today = timezone.localdate()
    body = {"reason": "no_agreement", "routes": "可起诉"}
    case = world.make_case(State.MEDIATING)
    r = api(world.mediator).post(
        f"/api/cases/{case.pk}/transitions/fail/",
        {**body, "rights_known_on": today.isoformat()},
        format="json",
    )
    assert r.status_code == 400 and "rights_known_on" in r.json()["errors"]
    labour = world.make_case(State.MEDIATING, category="labor")
    r = api(world.mediator).post(
        f"/api/cases/{labour.pk}/transitions/fail/",
        {**body, "rights_known_on": (today + dt.timedelta(days=1)).isoformat()},
        format="json",
    )
    assert r.status_code == 400 and "rights_known_on" in r.json()["errors"]
