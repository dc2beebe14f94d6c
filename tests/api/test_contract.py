"""The OpenAPI document against the API as served: one journey visits every operation,
and each response is checked by the contract fixture (tests/contract.py: a documented
status, exactly the declared keys and types). The committed docs/openapi.yaml is the
served document (regenerate with `make schema`)."""

import datetime as dt
import io
import re
from pathlib import Path

import yaml
from django.utils import timezone
from PIL import Image

from mediation.law.choices import State
from tests import contract
from tests.conftest import case_body
from workflows.api import TASK_NODES, decision_components

ROOT = Path(__file__).resolve().parents[2]


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buf, "PNG")
    return buf.getvalue()


def _complete(client, task, body):
    return client.post(f"/api/tasks/{task['id']}/complete/", body, format="json")


def _task(client, type_, case_id):
    tasks = [
        t
        for t in client.get("/api/tasks/").json()["results"]
        if t["type"] == type_ and t["case"]["id"] == case_id
    ]
    assert len(tasks) == 1, tasks
    task = tasks[0]
    # What a task offers is among what the schema declares for its type, field for field.
    (node,) = [n for n in TASK_NODES if n.kind == type_]
    declared = [(d, list(form.base_fields)) for _name, d, form in decision_components(node)]
    for offered in task["decisions"]:
        assert (offered["decision"], [f["name"] for f in offered["fields"]]) in declared, (
            type_,
            offered,
        )
    return task


def test_every_operation_answers_as_documented(api, world):
    contract.SEEN.clear()
    today = timezone.localdate()
    intake, head, mediator = api(world.intake), api(world.head), api(world.mediator)
    clerk, judge, petition = api(world.clerk), api(world.judge), api(world.petition)
    supervisor, anonymous = api(world.supervisor), api()

    # -- auth and the caller
    r = anonymous.post("/api/auth/token/", {"username": "head", "password": "wrong"}, format="json")
    assert r.status_code == 400
    assert head.get("/api/me/").status_code == 200
    assert anonymous.get("/api/me/").status_code == 401
    r = mediator.post(
        "/api/auth/password/", {"old_password": "x", "new_password": "y"}, format="json"
    )
    assert r.status_code == 400
    assert head.get("/api/organizations/").status_code == 200
    assert head.get(f"/api/organizations/{world.home.pk}/").status_code == 200
    assert head.get(f"/api/organizations/{world.home.pk}/members/").status_code == 200
    assert head.get(f"/api/organizations/{world.court.pk}/members/").status_code == 403

    # -- a case from registration to judicial confirmation
    r = intake.post("/api/cases/", case_body(world.home), format="json")
    assert r.status_code == 201
    case = r.json()
    cid, pid = case["id"], case["parties"][0]["id"]
    assert case["parties"][0]["birth_date"] and not case["parties"][0]["masked"]
    assert head.get("/api/cases/").status_code == 200
    assert head.get("/api/cases/?created_after=x").status_code == 400
    assert head.get("/api/cases/?cursor=nonsense").status_code == 404
    assert head.get(f"/api/cases/{cid}/").status_code == 200
    # a partner's view: birth date withheld (null), ID number masked
    assert (
        head.patch(f"/api/cases/{cid}/", {"claims": "请求改建。"}, format="json").status_code == 200
    )
    r = head.patch(f"/api/cases/{cid}/parties/{pid}/", {"phone": "13995312346"}, format="json")
    assert r.status_code == 200
    r = mediator.post(f"/api/cases/{cid}/transitions/begin/", {"consent": True}, format="json")
    assert r.status_code in (403, 409)
    r = head.post(
        f"/api/cases/{cid}/transitions/accept/", {"mediator": world.mediator.pk}, format="json"
    )
    assert r.status_code == 200
    r = mediator.post(f"/api/cases/{cid}/transitions/begin/", {"consent": True}, format="json")
    assert r.status_code == 200
    session = {
        "held_at": timezone.now().isoformat(),
        "place": "调解室",
        "attendees": "双方",
        "record": "同意改建。",
    }
    assert mediator.post(f"/api/cases/{cid}/sessions/", session, format="json").status_code == 201
    r = mediator.post(
        f"/api/cases/{cid}/sessions/",
        {**session, "held_at": "1074-02-14T06:27:03Z"},
        format="json",
    )
    # a session before the case began is refused (issue #28: dates checked)
    assert r.status_code == 400 and "held_at" in r.json()["errors"]
    r = mediator.post(
        f"/api/cases/{cid}/risk/", {"level": "low", "note": "情绪平稳"}, format="json"
    )
    assert r.status_code == 200
    r = mediator.post(
        f"/api/cases/{cid}/attachments/", {"kind": "evidence", "file": io.BytesIO(_png())}
    )
    assert r.status_code == 201
    assert mediator.get(r.json()["url"]).status_code == 200
    agreement = {
        "form": "written",
        # PML art 29: the facts and each party's responsibility
        "facts": "被申请人修建院墙致申请人院内雨水倒灌。",
        "responsibilities": "被申请人承担主要责任。",
        "terms": "十日内改建排水沟。",
        "performance_method": "自行履行",
        "performance_due": (today + dt.timedelta(days=10)).isoformat(),
        "effective_date": today.isoformat(),
    }
    r = mediator.post(f"/api/cases/{cid}/transitions/reach_agreement/", agreement, format="json")
    assert r.status_code == 200
    _party_door(mediator, cid, pid)
    r = mediator.post(
        f"/api/cases/{cid}/transitions/request_confirmation/",
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
        format="json",
    )
    assert r.status_code == 200
    task = _task(clerk, "confirmation.register", cid)
    r = _complete(clerk, task, {"decision": "register", "number": "（2026）宁0303民特1号"})
    assert r.status_code == 200
    task = _task(judge, "confirmation.decide", cid)
    r = _complete(judge, task, {"decision": "confirm"})
    assert r.status_code == 200 and r.json()["case"]["state"] == State.CONFIRMED
    r = _complete(judge, task, {"decision": "confirm"})
    assert r.status_code == 409 and r.json()["current_state"] == State.CONFIRMED
    assert judge.post("/api/tasks/999999/complete/", {}, format="json").status_code == 404
    r = mediator.post(
        f"/api/cases/{cid}/follow-ups/",
        {"date": today.isoformat(), "performed": True, "early_reason": "已当场履行"},
        format="json",
    )
    assert r.status_code == 201
    assert head.get(f"/api/cases/{cid}/events/").status_code == 200
    assert head.get(f"/api/cases/{cid}/documents/agreement.pdf").status_code == 200
    assert head.get(f"/api/cases/{cid}/documents/agreement.pdf?version=").status_code == 200
    assert api(world.outsider).get(f"/api/cases/{cid}/").status_code == 404
    assert head.get("/api/events/?since=0").status_code == 200

    # -- a petition transfer to the bureau's review of the feedback
    body = {
        **case_body(world.home),
        "petition_number": "宁红信转〔2026〕15号",
        "feedback_due": (today + dt.timedelta(days=30)).isoformat(),
        "petitioner_consent": True,  # 信访工作条例 art 33
    }
    r = petition.post("/api/petitions/transfers/", body, format="json")
    assert r.status_code == 201
    transferred = r.json()["id"]
    assert intake.post("/api/petitions/transfers/", body, format="json").status_code == 403
    r = petition.post(
        f"/api/cases/{transferred}/petition/clock/",
        {"action": "notified", "notified_on": today.isoformat()},
        format="json",
    )
    assert r.status_code == 200
    r = head.post(
        f"/api/cases/{transferred}/transitions/accept/",
        {"mediator": world.mediator.pk},
        format="json",
    )
    r = mediator.post(
        f"/api/cases/{transferred}/transitions/withdraw/", {"note": "撤回"}, format="json"
    )
    assert r.status_code in (200, 403)
    if r.status_code == 403:
        r = head.post(
            f"/api/cases/{transferred}/transitions/withdraw/", {"note": "撤回"}, format="json"
        )
    assert r.status_code == 200
    task = _task(head, "petition.feedback", transferred)
    r = _complete(head, task, {"decision": "submit", "feedback": "申请人撤回调解申请。"})
    assert r.status_code == 200
    task = _task(petition, "petition.review", transferred)
    r = _complete(petition, task, {"decision": "accept"})
    assert r.status_code == 200

    # -- a court referral
    body = {**case_body(world.home), "referral_number": "（2026）宁0303诉前调1号"}
    assert clerk.post("/api/courts/referrals/", body, format="json").status_code == 201

    # -- a police referral (警调对接)
    body = {**case_body(world.home), "incident_number": "红派接警〔2026〕1号"}
    assert api(world.police).post("/api/police/referrals/", body, format="json").status_code == 201

    # -- prevention, portal, supervision
    r = head.post(
        "/api/screenings/",
        {
            "org": world.home.pk,
            "period_start": today.isoformat(),
            "period_end": today.isoformat(),
            "places": "中圈塘村",
            "found": [{"summary": "地界纠纷", "category": "neighbour", "risk": "low"}],
        },
        format="json",
    )
    assert r.status_code == 201
    screening = r.json()
    assert head.get("/api/screenings/").status_code == 200
    assert supervisor.get("/api/screenings/unscreened/").status_code == 200
    r = head.post(
        f"/api/screenings/{screening['id']}/found/{screening['found'][0]['id']}/register/",
        {"parties": case_body(world.home)["parties"]},
        format="json",
    )
    assert r.status_code == 201
    r = intake.post(
        "/api/consultations/",
        {
            "channel": "hotline",
            "topic": "mediation",
            "category": "neighbour",
            "question": "邻居排水怎么办？",
            "answer": "可申请人民调解。",
            "caller_phone": "13995312345",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    consultation = r.json()["id"]
    assert intake.get("/api/consultations/").status_code == 200
    r = intake.post(
        f"/api/consultations/{consultation}/register/",
        {"org": world.home.pk, "summary": "排水纠纷", "parties": case_body(world.home)["parties"]},
        format="json",
    )
    assert r.status_code in (201, 400), r.content
    r = anonymous.post(
        "/api/portal/applications/",
        {
            "applicant": {
                "name": "马建国",
                "id_number": "640303195503010030",
                "phone": "13995312345",
            },
            "respondent": {"name": "杨学军"},
            "category": "neighbour",
            "summary": "排水纠纷",
            "org": world.home.pk,
            "privacy_consent": True,
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    r = anonymous.post(
        "/api/complaints/",
        {"org": world.home.pk, "complainant": "马建国", "contact": "13995312345", "facts": "拖延"},
        format="json",
    )
    assert r.status_code == 201, r.content
    complaint = r.json()["id"]
    assert supervisor.get("/api/complaints/").status_code == 200
    assert supervisor.get(f"/api/complaints/{complaint}/").status_code == 200
    r = supervisor.post(
        f"/api/complaints/{complaint}/transitions/investigate/", {"note": "调查"}, format="json"
    )
    assert r.status_code == 200
    assert supervisor.get("/api/mediators/").status_code == 200
    assert supervisor.get(f"/api/mediators/?case={cid}").status_code == 200
    assert supervisor.get("/api/negative-list/").status_code == 200
    assert supervisor.get("/api/calendar/?year=2027").status_code == 200
    assert head.get("/api/calendar/").status_code == 403
    day = {"date": "2030-01-10", "kind": "rest", "note": "测试"}
    assert supervisor.post("/api/calendar/", day, format="json").status_code == 200
    assert supervisor.post("/api/calendar/", {"date": "x"}, format="json").status_code == 400
    assert supervisor.delete("/api/calendar/?date=2030-01-10").status_code == 200
    hook = {"url": "https://court.example/hook", "events": ["*"], "secret": "x" * 16}
    r = supervisor.post("/api/webhooks/", hook, format="json")
    assert r.status_code == 201
    hook_id = r.json()["id"]
    assert supervisor.post("/api/webhooks/", {"url": "ftp://x"}, format="json").status_code == 400
    assert head.get("/api/webhooks/").status_code == 403
    assert supervisor.get("/api/webhooks/").status_code == 200
    assert supervisor.get(f"/api/webhooks/{hook_id}/").status_code == 200
    assert supervisor.get(f"/api/webhooks/{hook_id}/deliveries/").status_code == 200
    assert supervisor.delete(f"/api/webhooks/{hook_id}/").status_code == 204
    assert supervisor.get(f"/api/webhooks/{hook_id}/").status_code == 404
    # -- case subsidies (以案定补)
    month = f"{today:%Y-%m}"
    graded = world.make_case(State.AGREED).pk
    assert supervisor.get("/api/subsidies/standards/").status_code == 200
    assert head.post("/api/subsidies/standards/", {}, format="json").status_code == 403
    assert head.get(f"/api/cases/{graded}/subsidy/").status_code == 200
    r = head.post(f"/api/cases/{graded}/subsidy/", {"grade": "x"}, format="json")
    assert r.status_code == 400
    assert head.get(f"/api/subsidies/{month}/").status_code == 200
    assert head.get(f"/api/subsidies/{month}.xlsx").status_code == 200
    org = {"org": world.home.pk}
    assert head.post(f"/api/subsidies/{month}/submit/", org, format="json").status_code == 400
    assert (
        supervisor.post(f"/api/subsidies/{month}/approve/", org, format="json").status_code == 409
    )
    assert supervisor.post(f"/api/subsidies/{month}/return/", org, format="json").status_code == 400
    # -- training and the yearly assessment
    session = {"topic": "人民调解法", "hours": "2", "trainer": "司法局", "held_on": str(today)}
    r = supervisor.post(
        "/api/trainings/", {**session, "attendees": [world.mediator.pk]}, format="json"
    )
    assert r.status_code == 201
    assert supervisor.get("/api/trainings/?year=2026").status_code == 200
    r = supervisor.post(
        f"/api/trainings/{r.json()['id']}/attendance/",
        {"attendees": [world.mediator2.pk]},
        format="json",
    )
    assert r.status_code == 200
    grade = {"mediator": world.mediator.pk, "year": today.year, "grade": "excellent"}
    assert supervisor.post("/api/assessments/", grade, format="json").status_code == 200
    assert supervisor.get("/api/assessments/").status_code == 200
    target = {"year": today.year, "name": "调解成功率", "metric": "success_rate", "target": "90"}
    assert supervisor.post("/api/indicators/", target, format="json").status_code == 200
    assert supervisor.get("/api/indicators/").status_code == 200
    # -- village legal advisers
    office, village = world.org("红寺堡镇司法所"), world.org("红寺堡镇中圈塘村人民调解委员会")
    body = {"name": "何文华", "kind": "lawyer", "org": office.pk, "user": world.adviser.pk}
    r = supervisor.post("/api/advisers/", body, format="json")
    assert r.status_code == 201
    adviser_id = r.json()["id"]
    r = supervisor.post(
        f"/api/advisers/{adviser_id}/villages/", {"village": village.pk}, format="json"
    )
    assert r.status_code == 201
    adviser = api(world.adviser)
    service = {"kind": "consultation", "on": str(today), "village": village.pk, "people": 2}
    assert adviser.post("/api/advisers/services/", service, format="json").status_code == 201
    assert adviser.get("/api/advisers/").status_code == 200
    assert adviser.get("/api/advisers/services/").status_code == 200
    assert supervisor.get("/api/advisers/coverage/").status_code == 200
    assert supervisor.get("/api/stats/summary/").status_code == 200
    assert supervisor.get("/api/stats/ministry/").status_code == 200
    assert supervisor.get("/api/stats/ministry/report/").status_code == 200
    assert supervisor.get("/api/stats/ministry/report.xlsx").status_code == 200
    assert supervisor.get("/api/stats/export.xlsx").status_code == 200
    assert supervisor.get(f"/api/stats/monthly/{today:%Y-%m}.pdf").status_code == 200
    assert supervisor.get("/api/cases/export.xlsx").status_code == 200
    assert head.get("/api/stats/export.xlsx").status_code == 403
    assert head.delete("/api/auth/token/").status_code == 204

    _video_door(mediator, world)

    # One operation per transition: the family counts as visited (each transition is
    # driven over the API by the lifecycle and workflow tests, all contract-checked).
    def family(path):
        return re.sub(r"/transitions/[a-z_]+/$", "/transitions/{name}/", path)

    visited = {(m, family(t)) for m, t, _status in contract.SEEN}
    declared = {
        (method.upper(), family(path))
        for path, item in contract.document()["paths"].items()
        for method in item
    }
    assert declared - visited == set()


def test_committed_schema_is_the_served_one(api, world):
    """docs/openapi.yaml is what integrators generate clients from; a change to the API
    must regenerate it (`make schema`) and say so in docs/api.md's changelog."""
    served = yaml.safe_load(api(world.head).get("/api/schema/").content)
    committed = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    assert served == committed, "docs/openapi.yaml is stale: run `make schema`"


def _video_door(mediator, world):
    """An online session's room (DESIGN.md §12.6): its state, the notice, the recording."""
    import datetime as dt

    from mediation.law.choices import State

    case = world.make_case(State.MEDIATING)
    party = case.case_parties.first().party_id
    soon = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    body = {"online": True, "scheduled_at": soon, "invited": [party]}
    r = mediator.post(f"/api/cases/{case.pk}/sessions/", body, format="json")
    assert r.status_code == 201
    base = f"/api/cases/{case.pk}/sessions/{r.json()['id']}/"
    assert mediator.get(base + "video/").status_code == 200
    assert mediator.post(base + "video/consent/").status_code == 200
    r = mediator.post(
        base + "recording/",
        b"\x1a\x45\xdf\xa3",
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE="bytes 0-3/*",
        HTTP_X_CHUNK_SHA256="0" * 64,
    )
    assert r.status_code == 400
    assert mediator.post(base + "recording/finish/").status_code == 409


def _party_door(mediator, cid, pid):
    """The parties' own endpoints (DESIGN.md §12.2) on an agreed case, and the mediator's
    paper route and the signature check beside them."""
    import base64
    import io
    import re

    from PIL import Image
    from rest_framework.test import APIClient

    from mediation.models import SmsMessage

    party = APIClient()
    assert party.post("/api/party/code/", {"phone": "12"}, format="json").status_code == 400
    r = party.post("/api/party/code/", {"phone": "13995312345"}, format="json")
    assert r.status_code == 204
    code = re.search(r"\d{6}", SmsMessage.objects.filter(purpose="code").last().text).group(0)
    r = party.post("/api/party/session/", {"phone": "13995312345", "code": code}, format="json")
    assert r.status_code == 201
    assert party.get("/api/party/cases/").status_code == 401
    party.credentials(HTTP_AUTHORIZATION=f"Party {r.json()['token']}")
    row = next(x for x in party.get("/api/party/cases/").json() if x["id"] == cid)
    assert party.post(f"/api/party/cases/{cid}/notices/acceptance/read/").status_code == 200
    assert party.post(f"/api/party/cases/{cid}/notices/nothing/read/").status_code == 404
    image = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(image, "PNG")
    png = io.BytesIO(image.getvalue())
    png.name = "证据.png"
    r = party.post(f"/api/party/cases/{cid}/attachments/", {"file": png}, format="multipart")
    assert r.status_code == 201
    attachment = r.json()["id"]
    doc = next(d for d in row["documents"] if d["document"] == "agreement")
    signature = "data:image/png;base64," + base64.b64encode(image.getvalue()).decode()
    body = {"document": "agreement", "sha256": "0" * 64, "signature": signature}
    assert party.post(f"/api/party/cases/{cid}/confirm/", body, format="json").status_code == 409
    body["sha256"] = doc["sha256"]
    assert party.post(f"/api/party/cases/{cid}/confirm/", body, format="json").status_code == 201
    r = mediator.post(
        f"/api/cases/{cid}/paper-signatures/",
        {"party": pid, "document": "confirmation_application", "attachment": attachment},
        format="json",
    )
    assert r.status_code == 201
    assert mediator.get(f"/api/cases/{cid}/documents/agreement.pdf").status_code == 200
    assert mediator.get(f"/api/cases/{cid}/documents/agreement.pdf/verify").status_code == 200
