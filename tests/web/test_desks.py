"""The desks of issue #12 through Django's test client and the API, role by role: the
petition officer, the court clerk, the party on the portal, corrections, alerts, lengths,
error pages."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from mediation.actions import services
from mediation.law.choices import State
from mediation.models import Case, CaseEvent, Handoff
from mediation.web import alerts
from workflows import services as workflow_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def text(response):
    return response.content.decode()


def due_in(days):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def party_post(prefix="parties"):
    return {
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-role": "applicant",
        f"{prefix}-0-kind": "person",
        f"{prefix}-0-name": "马建国",
        f"{prefix}-0-id_number": "640303195503010030",
        f"{prefix}-0-phone": "13995312345",
        f"{prefix}-1-role": "respondent",
        f"{prefix}-1-kind": "person",
        f"{prefix}-1-name": "杨学军",
        f"{prefix}-1-phone": "13895300001",
    }


def transfer_post(world, **overrides):
    return {
        "petition_number": "宁红信转〔2026〕21号",
        "feedback_due": due_in(30),
        "petitioner_consent": "on",
        "org": str(world.home.pk),
        "category": "neighbour",
        "summary": "信访人反映邻居院墙排水淹了自家院子，多次协商未果。",
        "claims": "请求改建排水沟。",
        **party_post(),
        **overrides,
    }


# -- petition officer --------------------------------------------------------------------


def test_petition_desk_is_in_the_officers_nav_and_closed_to_others(client, world):
    client.force_login(world.petition)
    home = text(client.get("/"))
    assert 'href="/petitions/"' in home and "信访转办" in home
    assert 'href="/cases/new/"' not in home  # the officer does not register cases
    assert client.get("/petitions/").status_code == 200
    client.force_login(world.mediator)
    assert 'href="/petitions/"' not in text(client.get("/"))
    r = client.get("/petitions/")
    assert r.status_code == 403 and "只有信访干部可以转办信访事项" in text(r)


def test_petition_transfer_keeps_input_and_shows_messages_by_the_fields(client, world):
    client.force_login(world.petition)
    r = client.post(
        "/petitions/", transfer_post(world, petition_number="", **{"parties-1-name": "杨" * 51})
    )
    assert r.status_code == 400
    page = text(r)
    assert "最多50个字（现有51个）" in page
    assert "信访人反映邻居院墙排水淹了自家院子" in page  # typed facts kept
    assert not Case.objects.exists()


def test_petition_transfer_end_to_end_in_the_pages(client, world):
    client.force_login(world.petition)
    r = client.post("/petitions/", transfer_post(world))
    assert r.status_code == 302, text(r)
    case = Case.objects.get()
    assert case.channel == "petition_transfer" and case.org == world.home
    desk = text(client.get("/petitions/"))
    assert "宁红信转〔2026〕21号" in desk and "待反馈" in desk and case.number in desk

    # the mediation organisation ends it and gives its feedback
    world.advance(case, State.FAILED)
    feedback = "经三次调解，被申请人拒绝改建排水沟，调解终止；已告知信访人可向人民法院起诉。"
    task = next(t for t in workflow_services.open_tasks(world.head) if t.case_id == case.pk)
    workflow_services.complete_task(
        task.pk, world.head, {"decision": "submit", "feedback": feedback}
    )
    assert "已反馈，待审核" in text(client.get("/petitions/"))

    # the review task shows the feedback in full; the officer returns it
    tasks = text(client.get("/tasks/"))
    assert feedback in tasks and "宁红信转〔2026〕21号" in tasks
    review = next(t for t in workflow_services.open_tasks(world.petition) if t.case_id == case.pk)
    note = "双方均同意再次调解，请重新组织调解并于十五日内反馈。"
    r = client.post(
        f"/tasks/{review.pk}/complete/",
        {"decision": "return", f"t{review.pk}-return-note": note},
    )
    assert r.status_code == 302
    # the return note on the case page, for the mediator too
    client.force_login(world.mediator)
    page = text(client.get(f"/cases/{case.pk}/"))
    assert "信访部门退回重办意见" in page and note in page


def test_court_desk_refers_a_dispute_with_the_summary_procedure(client, world):
    client.force_login(world.clerk)
    assert "委派/委托调解" in text(client.get("/"))
    body = {
        "referral_number": "（2026）宁0303民诉前调1号",
        "kind": "summary",
        "org": str(world.home.pk),
        "category": "contract",
        "summary": "买卖合同货款纠纷。",
        **party_post(),
    }
    r = client.post("/court/referrals/", body)
    assert r.status_code == 302, text(r)
    case = Case.objects.get()
    handoff = Handoff.objects.get(case=case)
    assert case.channel == "court_referral"
    assert (handoff.data["kind"], handoff.data["summary_procedure"]) == ("post_filing", True)
    # the 7 days run from the day the organisation signs for the materials (its acceptance)
    assert handoff.due_at is None
    desk = text(client.get("/court/referrals/"))
    # the court rules on who the parties are: in full while its referral is open (§9)
    assert "（2026）宁0303民诉前调1号" in desk and "马建国 与 杨学军" in desk
    client.force_login(world.mediator)
    assert client.get("/court/referrals/").status_code == 403


def test_confirmation_task_card_shows_parties_terms_and_priority(client, world):
    case = world.make_case(State.CONFIRMING)
    client.force_login(world.clerk)
    page = text(client.get("/tasks/"))
    assert "马建国 与 杨学军" in page
    assert "被申请人于十日内改建排水沟并赔偿申请人三千元。" in page
    assert case.priority and "优先办理" in page
    assert "确认申请司法确认" not in page and ">提交<" in page


# -- online application ------------------------------------------------------------------


def application(world, **overrides):
    body = {
        "applicant": {"name": "海玉梅", "id_number": "640303195503010030", "phone": "13995300123"},
        "respondent": {"name": "白振华", "phone": "13895300002"},
        "category": "neighbour",
        "summary": "邻居在我家门前堆放杂物，影响通行。",
        "claims": "请求清除杂物。",
        "region": "红寺堡镇",
        "privacy_consent": True,
    }
    body.update(overrides)
    return body


def test_portal_api_applies_without_login_and_lands_on_the_township_queue(world):
    api = APIClient()
    r = api.post("/api/portal/applications/", application(world), format="json")
    assert r.status_code == 201, r.content
    answer = r.json()
    case = Case.objects.get(number=answer["number"])
    assert case.channel == "online" and case.org == world.home and case.state == State.REGISTERED
    assert answer["tracking_url"].endswith(f"/track/{case.tracking_token}/")
    assert api.get(f"/track/{case.tracking_token}/").status_code == 200
    created = CaseEvent.objects.get(case=case, type="case.created")
    assert created.payload["data"]["channel"] == "online"
    assert "org." + str(world.home.pk) or created.payload["orgs"] == [world.home.pk]
    assert created.payload["orgs"] == [world.home.pk]  # the org's desks are told live


def test_portal_api_says_which_phone_or_id_number_is_wrong(world):
    api = APIClient()
    missing = api.post(
        "/api/portal/applications/",
        application(world, applicant={"name": "海玉梅", "id_number": "640303195503010030"}),
        format="json",
    )
    assert missing.status_code == 400
    assert missing.json()["errors"]["applicant.phone"] == ["请填写申请人联系电话，用于查询进度"]
    bad = api.post(
        "/api/portal/applications/",
        application(
            world,
            applicant={"name": "海玉梅", "id_number": "640303195503010031", "phone": "1399"},
            privacy_consent=False,
        ),
        format="json",
    )
    errors = bad.json()["errors"]
    assert "校验码" in errors["applicant.id_number"][0]
    assert "applicant.phone" in errors and "privacy_consent" in errors
    assert not Case.objects.exists()


@override_settings(PORTAL_APPLY_PER_IP=2)
def test_portal_applications_are_limited_per_address(world):
    api = APIClient()
    for _ in range(2):
        assert api.post("/api/portal/applications/", {}, format="json").status_code == 400
    r = api.post("/api/portal/applications/", application(world), format="json")
    assert r.status_code == 429 and r.json()["detail"] == "提交过于频繁，请稍后再试"
    other = APIClient(REMOTE_ADDR="10.0.0.9")
    assert (
        other.post("/api/portal/applications/", application(world), format="json").status_code
        == 201
    )


def test_portal_page_answers_with_number_and_tracking_link(client, world):
    assert client.get("/apply/").status_code == 200
    post = {
        "applicant_name": "海玉梅",
        "applicant_id_number": "640303195503010030",
        "applicant_phone": "",
        "respondent_kind": "person",
        "respondent_name": "白振华",
        "category": "neighbour",
        "summary": "邻居在我家门前堆放杂物。",
        "region": "红寺堡镇",
        "privacy_consent": "on",
    }
    r = client.post("/apply/", post)
    assert r.status_code == 400 and "请填写申请人联系电话，用于查询进度" in text(r)
    assert "邻居在我家门前堆放杂物。" in text(r)
    r = client.post("/apply/", {**post, "applicant_phone": "13995300123"})
    assert r.status_code == 201
    case = Case.objects.get()
    assert case.number in text(r) and f"/track/{case.tracking_token}/" in text(r)


# -- corrections ---------------------------------------------------------------------------


def test_correction_through_the_api_is_one_masked_event(world):
    case = world.make_case(State.MEDIATING)
    api = APIClient()
    api.force_authenticate(world.mediator)
    r = api.patch(
        f"/api/cases/{case.pk}/", {"amount": "3500.00", "summary": "更正后的事实。"}, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["state"] == State.MEDIATING
    event = CaseEvent.objects.filter(case=case, type="case.updated").latest("id")
    data = event.payload["data"]
    assert data["correction"] == "case" and data["fields"] == ["amount", "summary"]
    assert data["changes"]["amount"] == {"from": "3000.00", "to": "3500.00"}
    assert data["changes"]["summary"] == {"from": None, "to": None}  # free text not copied

    pid = case.case_parties.get(role="applicant").party_id
    r = api.patch(
        f"/api/cases/{case.pk}/parties/{pid}/",
        {"phone": "13995399999", "name": "马建军"},
        format="json",
    )
    assert r.status_code == 200, r.content
    data = CaseEvent.objects.filter(case=case, type="case.updated").latest("id").payload["data"]
    assert data["changes"]["phone"] == {"from": "139****2345", "to": "139****9999"}
    assert data["changes"]["name"] == {"from": "马**", "to": "马**"}
    assert "13995399999" not in str(data)

    long = api.patch(f"/api/cases/{case.pk}/parties/{pid}/", {"name": "马" * 51}, format="json")
    assert long.status_code == 400
    assert long.json()["errors"]["name"] == ["最多50个字（现有51个）"]


def test_correction_rules(world):
    case = world.make_case(State.MEDIATING)
    api = APIClient()
    api.force_authenticate(world.outsider)
    assert api.patch(f"/api/cases/{case.pk}/", {"claims": "x"}, format="json").status_code == 404
    api.force_authenticate(world.clerk)  # sees nothing of it
    assert api.patch(f"/api/cases/{case.pk}/", {"claims": "x"}, format="json").status_code == 404
    api.force_authenticate(world.mediator)
    r = api.patch(f"/api/cases/{case.pk}/", {"state": "closed"}, format="json")
    assert r.status_code == 400 and "不能更正的字段" in r.json()["errors"]["non_field_errors"][0]
    archived = world.make_case(State.ARCHIVED)
    r = api.patch(f"/api/cases/{archived.pk}/", {"claims": "更正"}, format="json")
    assert r.status_code == 409
    assert r.json()["current_state"] == "archived" and "归档" in r.json()["detail"]


def test_intake_clerk_sees_and_corrects_what_they_just_registered(world):
    case = world.make_case(State.REGISTERED)  # registered by world.intake
    api = APIClient()
    api.force_authenticate(world.intake)
    detail = api.get(f"/api/cases/{case.pk}/").json()
    assert "640303195503010030" in str(detail)
    pid = case.case_parties.get(role="respondent").party_id
    r = api.patch(
        f"/api/cases/{case.pk}/parties/{pid}/", {"id_number": "640303198001010018"}, format="json"
    )
    assert r.status_code == 200
    world.advance(case, State.ACCEPTED)
    detail = api.get(f"/api/cases/{case.pk}/").json()
    assert "640303195503010030" not in str(detail)
    assert api.patch(f"/api/cases/{case.pk}/", {"claims": "x"}, format="json").status_code == 403


def test_correction_forms_on_the_case_page(client, world):
    case = world.make_case(State.ACCEPTED)
    client.force_login(world.mediator)
    page = text(client.get(f"/cases/{case.pk}/"))
    assert "更正登记信息" in page
    r = client.post(f"/cases/{case.pk}/correct/", {"fix-region": "红" * 51, "fix-summary": "x"})
    assert r.status_code == 400 and "最多50个字（现有51个）" in text(r)
    r = client.post(
        f"/cases/{case.pk}/correct/",
        {
            "fix-category": "contract",
            "fix-region": "红寺堡镇",
            "fix-amount": "3000.00",
            "fix-summary": case.summary,
            "fix-claims": case.claims,
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.category == "contract"
    client.force_login(world.outsider)
    assert client.post(f"/cases/{case.pk}/correct/", {"fix-claims": "x"}).status_code == 404


# -- lengths, list wording, alerts, error pages -----------------------------------------------


def test_intake_page_refuses_a_ten_thousand_character_name(client, world):
    client.force_login(world.intake)
    body = {
        "org": str(world.home.pk),
        "channel": "walk_in",
        "category": "neighbour",
        "summary": "事实",
        **party_post(),
        "parties-0-name": "马" * 10_000,
    }
    r = client.post("/cases/new/", body)
    assert r.status_code == 400 and "最多50个字（现有10000个）" in text(r)
    assert not Case.objects.exists()


def test_queue_says_yu_between_parties(client, world):
    world.make_case(State.REGISTERED)
    client.force_login(world.head)
    page = text(client.get("/"))
    assert '<span class="vs">与</span>' in page and '"vs">诉' not in page


def test_risk_alert_stays_until_read_for_those_who_see_the_case(client, world):
    case = world.make_case(State.MEDIATING)
    services.flag_risk(
        case,
        world.mediator,
        # A high risk is reported to the police (PML art 25).
        {
            "level": "high",
            "note": "双方扬言动手",
            "reported_to": "红寺堡派出所",
            "reported_at": timezone.now().isoformat(),
        },
    )
    client.force_login(world.head)
    for url in ("/", "/tasks/", f"/cases/{case.pk}/"):
        page = text(client.get(url))
        assert "矛盾激化风险（高）：双方扬言动手" in page and 'id="alert-count">1<' in page
    event = alerts.unread(world.head).get()
    assert client.get("/alerts/").json()["count"] == 1
    assert client.post(f"/alerts/{event.pk}/read/").status_code == 302
    assert "双方扬言动手" not in text(client.get("/tasks/"))
    client.force_login(world.supervisor)  # still unread for others
    assert "矛盾激化风险（高）：双方扬言动手" in text(client.get("/tasks/"))
    client.force_login(world.outsider)
    assert "双方扬言动手" not in text(client.get("/tasks/"))


def test_chinese_error_pages(client, world):
    r = client.get("/no-such-page/")
    assert r.status_code == 404 and "页面不存在" in text(r)
    from django.template.loader import render_to_string

    assert "系统暂时出错" in render_to_string("500.html")


def test_court_desk_says_each_result_in_words():
    from mediation.web.desks import result_label

    assert result_label(Handoff(result="filed")) == "调解不成，已立案"
    assert result_label(Handoff(result="confirmation_requested")) == "调解成功，已申请司法确认"
    assert result_label(Handoff(result="superseded:withdrawn")) == "案件已转为：已撤回"


def test_case_json_carries_the_petition_feedback_and_return_note(world):
    api = APIClient()
    api.force_authenticate(world.petition)
    body = {
        "org": world.home.pk,
        "channel": "walk_in",
        "category": "neighbour",
        "summary": "院墙排水纠纷。",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "马建国"},
            {"role": "respondent", "kind": "person", "name": "杨学军"},
        ],
        "petition_number": "宁红信转〔2026〕30号",
        "feedback_due": due_in(20),
        "petitioner_consent": True,  # 信访工作条例 art 33
    }
    created = api.post("/api/petitions/transfers/", body, format="json")
    case = Case.objects.get(pk=created.json()["id"])
    world.advance(case, State.FAILED)
    task = next(t for t in workflow_services.open_tasks(world.head) if t.case_id == case.pk)
    workflow_services.complete_task(
        task.pk, world.head, {"decision": "submit", "feedback": "已终止"}
    )
    review = next(t for t in workflow_services.open_tasks(world.petition) if t.case_id == case.pk)
    workflow_services.complete_task(
        review.pk, world.petition, {"decision": "return", "note": "请再次组织调解"}
    )
    petition = api.get(f"/api/cases/{case.pk}/").json()["petition"]
    assert petition["number"] == "宁红信转〔2026〕30号"
    assert petition["feedback"] == "已终止" and petition["return_note"] == "请再次组织调解"
    # the feedback date the officer set; handle_due is the petition's own 60-day clock
    assert petition["feedback_due"].startswith(due_in(20))
