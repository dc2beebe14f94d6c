"""The server-rendered pages through Django's test client, as each role uses them."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from mediation.actions import services
from mediation.law.choices import State
from mediation.models import Case, CaseEvent, Organization

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def login(client, user):
    client.force_login(user)
    return client


def text(response):
    return response.content.decode()


# -- login -------------------------------------------------------------------------------


def test_login_page_has_csrf_and_logs_in(client, world):
    world.mediator.set_password("pw-123456")
    world.mediator.save()
    page = client.get("/login/")
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in text(page)
    assert "工作人员登录" in text(page)
    bad = client.post("/login/", {"username": "mediator", "password": "wrong"})
    assert bad.status_code == 200 and "请输入一个正确的" in text(bad)
    ok = client.post("/login/", {"username": "mediator", "password": "pw-123456"})
    assert ok.status_code == 302 and ok["Location"] == "/"


def test_login_locks_out_after_repeated_failures(client, world, settings):
    world.mediator.set_password("pw-123456")
    world.mediator.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "mediator", "password": "wrong"})
    locked = client.post("/login/", {"username": "mediator", "password": "pw-123456"})
    assert locked.status_code == 429
    assert "账号已临时锁定" in text(locked)
    assert "_auth_user_id" not in client.session


def test_pages_require_login(client, world):
    case = world.make_case()
    for url in ("/", "/cases/new/", f"/cases/{case.pk}/", "/tasks/"):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/"), url


# -- queue -------------------------------------------------------------------------------


def test_list_shows_only_visible_cases_priority_first(client, world):
    mine = world.make_case(
        parties=[
            {"role": "applicant", "kind": "person", "name": "王秀英", "phone": "13995300002"},
            {"role": "respondent", "kind": "person", "name": "李德胜"},
        ]
    )
    priority = world.make_case()  # the default applicant is a veteran: priority
    theirs = world.make_case(org=world.other, region="太阳山镇")
    login(client, world.mediator)
    page = text(client.get("/"))
    assert mine.number in page and priority.number in page
    assert theirs.number not in page
    assert page.index(priority.number) < page.index(mine.number)
    assert "优先" in page
    login(client, world.outsider)
    page = text(client.get("/"))
    assert theirs.number in page and mine.number not in page


def test_list_filters_search_and_overdue(client, world):
    start = timezone.now() - dt.timedelta(days=40)
    old = world.make_case(State.MEDIATING, now=start)
    fresh = world.make_case(category="labor")
    login(client, world.mediator)
    page = text(client.get("/", {"overdue": "on"}))
    assert old.number in page and fresh.number not in page
    assert "已超期" in page
    page = text(client.get("/", {"category": "labor"}))
    assert fresh.number in page and old.number not in page
    page = text(client.get("/", {"state": "mediating"}))
    assert old.number in page and fresh.number not in page
    page = text(client.get("/", {"q": "马建国"}))
    assert old.number in page and fresh.number in page
    page = text(client.get("/", {"q": "不存在的人"}))
    assert "没有符合条件的案件" in page


def test_list_paginates(client, world):
    for _ in range(27):
        world.make_case()
    login(client, world.head)
    first = client.get("/")
    assert first.context["page"].paginator.num_pages == 2
    assert len(first.context["rows"]) == 25
    second = client.get("/", {"page": 2})
    assert len(second.context["rows"]) == 2
    assert "第 2 / 2 页" in text(second)


def test_list_masks_party_names_of_cases_not_handled(client, world):
    case = world.make_case()
    case = services.perform(
        case, "transfer", world.head, {"target_org": world.other.pk, "reason": "属地"}
    )
    login(client, world.mediator)  # former handler: still sees the case, masked
    page = text(client.get("/"))
    assert case.number in page
    assert "马**" in page and "马建国" not in page


# -- detail ------------------------------------------------------------------------------


def test_outsider_gets_404_on_detail(client, world):
    case = world.make_case()
    login(client, world.outsider)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    r = client.post(f"/cases/{case.pk}/transitions/accept/", {"accept-mediator": world.outsider.pk})
    assert r.status_code == 404
    case.refresh_from_db()
    assert case.state == State.REGISTERED


def test_detail_shows_facts_parties_and_forms(client, world):
    case = world.make_case(State.ACCEPTED)
    login(client, world.mediator)
    r = client.get(f"/cases/{case.pk}/")
    page = text(r)
    assert r.status_code == 200
    assert case.number in page and "已受理" in page
    assert "双方因院墙排水问题发生争执" in page
    assert "640303195503010030" in page  # handling org sees the full number
    assert f'action="/cases/{case.pk}/transitions/begin/"' in page
    assert "被申请人同意调解" in page
    assert f"/api/cases/{case.pk}/documents/application.pdf" in page
    assert "登记调解记录" in page  # session form offered while accepted


def test_detail_masks_personal_data_for_non_handlers(client, world):
    case = world.make_case(State.AGREED)
    services.perform(
        case,
        "request_confirmation",
        world.mediator,
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
    )
    login(client, world.supervisor)
    page = text(client.get(f"/cases/{case.pk}/"))
    assert "640303********0030" in page
    assert "640303195503010030" not in page
    assert "139****2345" in page and "13995312345" not in page
    # the court rules on who the parties are: full while its handoff is open (§9), audited
    from mediation.models import AuditEvent

    login(client, world.clerk)
    page = text(client.get(f"/cases/{case.pk}/"))
    assert "640303195503010030" in page and "640303********0030" not in page
    audit = AuditEvent.objects.get(type="personal_data.full_view", actor=world.clerk)
    assert audit.payload["via"] == "page"


def test_transition_form_post_changes_state(client, world):
    case = world.make_case(State.ACCEPTED)
    login(client, world.mediator)
    r = client.post(f"/cases/{case.pk}/transitions/begin/", {"begin-consent": "on"})
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.pk}/"
    case.refresh_from_db()
    assert case.state == State.MEDIATING
    follow = text(client.get(r["Location"]))
    assert "已完成“开始调解”" in follow
    ev = CaseEvent.objects.filter(case=case).last()
    assert ev.payload["data"]["transition"] == "begin" and ev.actor == world.mediator


def test_message_storage_is_made_only_where_used(client, world, monkeypatch):
    """config.middleware.LazyMessageMiddleware: an API request never builds the message
    storage (nor answers with its cookie); a page, which shows messages, does, and the
    message above still reaches the next page."""
    from config import middleware

    made = []
    real = middleware.default_storage
    monkeypatch.setattr(middleware, "default_storage", lambda r: made.append(r.path) or real(r))
    login(client, world.mediator)
    r = client.get("/api/me/")
    assert r.status_code == 200 and made == [] and "messages" not in r.cookies
    assert client.get("/cases/").status_code == 200 and made == ["/cases/"]


def test_accept_form_offers_org_mediators_and_assigns(client, world):
    case = world.make_case()
    login(client, world.head)
    page = text(client.get(f"/cases/{case.pk}/"))
    # each choice carries its suggestion notes (issue 13: specialty, township, load)
    # and the year's training hours (#32)
    notes = "同乡镇，在办0件，本年培训0.0学时"
    assert f'<option value="{world.mediator2.pk}">杨志强（{notes}）</option>' in page
    r = client.post(
        f"/cases/{case.pk}/transitions/accept/", {"accept-mediator": world.mediator2.pk}
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == State.ACCEPTED and case.mediator == world.mediator2


def test_transition_400_errors_rendered_next_to_fields(client, world):
    case = world.make_case(State.MEDIATING)
    login(client, world.mediator)
    r = client.post(
        f"/cases/{case.pk}/transitions/reach_agreement/",
        {
            "reach_agreement-form": "written",
            "reach_agreement-terms": "",
            "reach_agreement-performance_method": "现金",
            "reach_agreement-effective_date": "2026-11-20",
            "reach_agreement-performance_due": "2026-11-10",
        },
    )
    assert r.status_code == 400
    page = text(r)
    assert "提交的内容有误" in page
    assert "履行期限不得早于协议生效日期" in page
    # the message sits with its field, and the form stays open with what was typed
    assert re.search(r'data-for="reach_agreement-performance_due">履行期限不得早于', page)
    assert re.search(r'data-for="reach_agreement-terms">该字段是必填项', page)
    assert 'data-transition="reach_agreement" open' in page
    assert 'value="现金"' in page
    case.refresh_from_db()
    assert case.state == State.MEDIATING


def test_consent_missing_is_a_clear_400(client, world):
    case = world.make_case(State.ACCEPTED)
    login(client, world.mediator)
    r = client.post(f"/cases/{case.pk}/transitions/begin/", {})
    assert r.status_code == 400
    assert "须记录被申请人同意调解" in text(r)


def test_forbidden_transition_is_403_with_message(client, world):
    case = world.make_case(State.MEDIATING)
    login(client, world.mediator2)  # same org, not the assigned mediator
    page = text(client.get(f"/cases/{case.pk}/"))
    assert "transitions/reach_agreement/" not in page
    r = client.post(f"/cases/{case.pk}/transitions/reach_agreement/", {})
    assert r.status_code == 403
    assert "您无权对该案件执行“达成协议”" in text(r)


def test_stale_transition_is_409_with_current_state(client, world):
    case = world.make_case(State.MEDIATING)
    login(client, world.mediator)
    r = client.post(f"/cases/{case.pk}/transitions/begin/", {"begin-consent": "on"})
    assert r.status_code == 409
    # says what the case became, keeps the submitted form, offers what applies now
    assert "案件已被他人变更为：调解中" in text(r)
    assert 'id="conflict"' in text(r) and "“开始调解”未能提交" in text(r)
    assert 'data-transition="reach_agreement"' in text(r)


def test_409_keeps_the_typed_agreement(client, world):
    case = world.make_case(State.FAILED)
    login(client, world.mediator)
    terms = "被申请人于2026年12月10日前支付修缮费三千元。" * 40
    r = client.post(
        f"/cases/{case.pk}/transitions/reach_agreement/",
        {"reach_agreement-form": "written", "reach_agreement-terms": terms},
    )
    assert r.status_code == 409
    page = text(r)
    assert "案件已被他人变更为：调解终止" in page
    assert terms in page  # nothing typed is lost
    # the actions of the current state (failed: refer for the mediator) are offered
    assert 'data-transition="refer"' in page


def test_session_and_follow_up_forms(client, world):
    case = world.make_case(State.MEDIATING)
    login(client, world.mediator)
    bad = client.post(f"/cases/{case.pk}/sessions/", {"session-place": "调解室"})
    assert bad.status_code == 400 and "该字段是必填项" in text(bad)
    ok = client.post(
        f"/cases/{case.pk}/sessions/",
        {
            "session-held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "session-place": "红寺堡镇调解室",
            "session-attendees": "双方当事人",
            "session-record": "双方同意协商。",
        },
    )
    assert ok.status_code == 302
    page = text(client.get(f"/cases/{case.pk}/"))
    assert "红寺堡镇调解室" in page and "双方同意协商。" in page
    assert "登记调解记录" in page
    today = timezone.localdate().isoformat()
    client.post(
        f"/cases/{case.pk}/transitions/reach_agreement/",
        {
            "reach_agreement-form": "written",
            "reach_agreement-facts": "双方因排水沟发生争议。",
            "reach_agreement-responsibilities": "被申请人负主要责任。",
            "reach_agreement-terms": "赔偿三千元",
            "reach_agreement-performance_method": "现金",
            "reach_agreement-performance_due": today,
            "reach_agreement-effective_date": today,
        },
    )
    r = client.post(
        f"/cases/{case.pk}/follow-ups/",
        {
            "followup-date": today,
            "followup-performed": "true",
            "followup-note": "已付清",
            # the Ministry's 回访记录 asks both (issue 28)
            "followup-satisfaction": "satisfied",
            "followup-escalation_signs": "false",
            "followup-early_reason": "已当场付清",
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    follow_up = case.follow_ups.get()
    assert case.state == State.AGREED and follow_up.performed is True
    assert (follow_up.satisfaction, follow_up.escalation_signs) == ("satisfied", False)
    page = text(client.get(f"/cases/{case.pk}/"))
    assert f"/api/cases/{case.pk}/documents/agreement.pdf" in page
    assert f"/api/cases/{case.pk}/documents/follow_up.pdf" in page


def test_fragment_is_visibility_checked(client, world):
    case = world.make_case()
    login(client, world.outsider)
    assert client.get(f"/cases/{case.pk}/live/").status_code == 404
    login(client, world.head)
    r = client.get(f"/cases/{case.pk}/live/")
    assert r.status_code == 200 and 'id="timeline"' in text(r) and "<html" not in text(r)


# -- intake ------------------------------------------------------------------------------


def intake_post(org, **overrides):
    data = {
        "org": org.pk,
        "channel": "walk_in",
        "category": "neighbour",
        "summary": "两家因宅基地界址发生争执。",
        "claims": "确认界址",
        "amount": "",
        "region": "红寺堡镇",
        "village": "中圈塘村",
        "parties-TOTAL_FORMS": "3",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-role": "applicant",
        "parties-0-kind": "person",
        "parties-0-name": "马建国",
        "parties-0-id_number": "640303195503010030",
        "parties-0-phone": "13995312345",
        "parties-0-tags": ["veteran"],
        "parties-1-role": "respondent",
        "parties-1-kind": "person",
        "parties-1-name": "杨学军",
        "parties-1-id_number": "640303198001010018",
        "parties-2-role": "third_party",
        "parties-2-kind": "person",
        "parties-2-name": "",
    }
    data.update(overrides)
    return data


def test_intake_registers_a_case(client, world):
    login(client, world.intake)
    page = text(client.get("/cases/new/"))
    assert "纠纷登记" in page and "红寺堡镇人民调解委员会" in page
    r = client.post("/cases/new/", intake_post(world.home))
    assert r.status_code == 302
    case = Case.objects.get()
    assert r["Location"] == f"/cases/{case.pk}/"
    assert case.org == world.home and case.priority  # veteran and 70 years old
    assert [cp.party.name for cp in case.case_parties.all()] == ["马建国", "杨学军"]
    assert "已登记，案号" in text(client.get(r["Location"]))


def test_intake_errors_next_to_party_fields(client, world):
    login(client, world.intake)
    r = client.post(
        "/cases/new/",
        intake_post(
            world.home,
            summary="",
            **{"parties-1-id_number": "640303198001010019", "parties-0-phone": "12345"},
        ),
    )
    assert r.status_code == 400
    page = text(r)
    assert re.search(r'data-for="summary">该字段是必填项', page)
    assert re.search(r'data-for="parties-1-id_number">当事人“杨学军”：公民身份号码校验码错误', page)
    assert re.search(r'data-for="parties-0-phone">当事人“马建国”：电话号码格式不正确', page)
    assert Case.objects.count() == 0


def test_intake_needs_applicant_and_respondent(client, world):
    login(client, world.mediator)
    r = client.post("/cases/new/", intake_post(world.home, **{"parties-1-role": "applicant"}))
    assert r.status_code == 400
    assert "至少需要一名申请人和一名被申请人" in text(r)


def test_intake_lists_only_registrable_orgs(client, world):
    login(client, world.mediator)
    form = client.get("/cases/new/").context["form"]
    assert [c[0] for c in form.fields["org"].choices if c[0]] == [str(world.home.pk)]
    r = client.post("/cases/new/", intake_post(world.other))
    assert r.status_code == 403
    assert Case.objects.count() == 0
    login(client, world.petition)
    assert client.get("/cases/new/").status_code == 403


# -- public portal ------------------------------------------------------------------------


def test_portal_tracks_with_number_and_applicant_phone(client, world):
    case = world.make_case(State.ACCEPTED)
    r = client.post("/track/", {"number": case.number, "phone": "139 9531 2345"})
    assert r.status_code == 200
    page = text(r)
    assert "已受理" in page and "马**" in page and "杨**" in page
    assert "马建国" not in page and "13995312345" not in page
    assert "640303" not in page and "院墙" not in page  # no facts, no ID numbers


def test_portal_one_generic_answer_for_any_mismatch(client, world):
    case = world.make_case()
    answers = [
        client.post("/track/", {"number": case.number, "phone": "13895300001"}),  # respondent
        client.post("/track/", {"number": case.number, "phone": "13900000000"}),
        client.post("/track/", {"number": "（2026）红人调字第9999号", "phone": "13995312345"}),
    ]

    def strip_echo(response):
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text(response))
        return re.sub(r'(name="(number|phone)"[^>]*?) value="[^"]*"', r"\1", body)

    assert {a.status_code for a in answers} == {404}
    assert "未查询到匹配的案件，请核对案号和申请人联系电话" in text(answers[0])
    assert len({strip_echo(a) for a in answers}) == 1


def test_portal_refuses_empty_or_non_digit_phone(client, world):
    """An applicant registered without a phone must not be found by an empty phone, nor by
    one with no digits in it (both normalise to the empty string)."""
    case = world.make_case(
        parties=[
            {"role": "applicant", "kind": "person", "name": "李四"},
            {"role": "respondent", "kind": "person", "name": "王五"},
        ]
    )
    assert client.post("/track/", {"number": case.number, "phone": ""}).status_code == 400
    for phone in ("无", "---", "  "):
        r = client.post("/track/", {"number": case.number, "phone": phone})
        assert r.status_code in (400, 404), phone
        assert "李*" not in text(r)


def test_portal_rate_limited_per_case_number(client, world, settings):
    settings.PORTAL_RATE_PER_CASE = 3
    case = world.make_case()
    for _ in range(3):
        assert (
            client.post("/track/", {"number": case.number, "phone": "13900000000"}).status_code
            == 404
        )
    # even the right phone is refused now, from any address
    r = client.post(
        "/track/", {"number": case.number, "phone": "13995312345"}, REMOTE_ADDR="10.0.0.9"
    )
    assert r.status_code == 429 and "查询过于频繁" in text(r)


def test_portal_rate_limited_per_address(client, world, settings):
    settings.PORTAL_RATE_PER_IP = 4
    case = world.make_case()
    for i in range(4):
        client.post("/track/", {"number": f"（2026）红人调字第{i + 100:04d}号", "phone": "1"})
    r = client.post("/track/", {"number": case.number, "phone": "13995312345"})
    assert r.status_code == 429
    other = client.post(
        "/track/", {"number": case.number, "phone": "13995312345"}, REMOTE_ADDR="10.0.0.2"
    )
    assert other.status_code == 200


def test_portal_limit_window_expires(client, world, settings):
    settings.PORTAL_RATE_PER_CASE = 1
    case = world.make_case()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post("/track/", {"number": case.number, "phone": "13900000000"})
        assert (
            client.post("/track/", {"number": case.number, "phone": "13995312345"}).status_code
            == 429
        )
        clock.shift(dt.timedelta(minutes=16))
        assert (
            client.post("/track/", {"number": case.number, "phone": "13995312345"}).status_code
            == 200
        )


def test_tracking_token_page(client, world):
    case = world.make_case(State.MEDIATING)
    r = client.get(f"/track/{case.tracking_token}/")
    assert r.status_code == 200
    page = text(r)
    assert case.number in page and "调解中" in page and "马**" in page
    assert "马建国" not in page and "13995312345" not in page
    assert client.get("/track/not-a-real-token-value/").status_code == 404


def test_portal_needs_no_login_and_hides_staff_nav(client, world):
    page = text(client.get("/track/"))
    assert "案件进度查询" in page and "退出" not in page
    assert Organization.objects.exists()


def test_refer_form_offers_the_routes_of_the_network(client, world):
    case = world.make_case(State.FAILED, category="labor")
    login(client, world.head)
    forms_ = {f.name: f for f in client.get(f"/cases/{case.pk}/").context["transition_forms"]}
    routes = [c[0] for c in forms_["refer"].fields["route"].choices if c[0]]
    # a labour dispute: labour arbitration first (LDMAL art 5), no litigation, no
    # adjudication; the applicant (elderly, a veteran) qualifies for legal aid (法律援助法
    # art 42), so that route is offered too
    assert routes == ["arbitration", "legal_aid"]
    r = client.post(
        f"/cases/{case.pk}/transitions/refer/",
        {"refer-route": "arbitration", "refer-target_org": world.arbitration.pk},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == State.REFERRED and case.referral_org == world.arbitration


def test_flag_risk_from_the_case_page(client, world):
    case = world.make_case(State.MEDIATING)
    login(client, world.mediator)
    bad = client.post(f"/cases/{case.pk}/risk/", {"risk-level": "high"})
    assert bad.status_code == 400 and "请说明风险情况" in text(bad)
    bad = client.post(
        f"/cases/{case.pk}/risk/", {"risk-level": "high", "risk-note": "双方扬言聚集上访"}
    )
    assert bad.status_code == 400 and "第二十五条" in text(bad)
    ok = client.post(
        f"/cases/{case.pk}/risk/",
        {
            "risk-level": "high",
            "risk-note": "双方扬言聚集上访",
            "risk-reported_to": "红寺堡派出所",
            "risk-reported_at": "2026-11-20T09:30",
        },
    )
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.risk_level == "high"
    assert "风险·高" in text(client.get("/"))
    page = text(client.get(f"/cases/{case.pk}/"))
    assert "标记矛盾激化风险（high）：双方扬言聚集上访" not in page
    assert "标记矛盾激化风险（高）：双方扬言聚集上访" in page
    login(client, world.outsider)
    assert client.post(f"/cases/{case.pk}/risk/", {"risk-level": "low"}).status_code == 404


def test_list_query_count_does_not_grow_with_rows(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, world.mediator)
    world.make_case()
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(12):
        world.make_case()
    with CaptureQueriesContext(connection) as many:
        r = client.get("/")
    assert len(r.context["rows"]) == 13
    assert len(many) == len(few)


def test_english_ui_through_django_i18n(client, world):
    case = world.make_case(State.ACCEPTED)
    login(client, world.mediator)
    page = text(client.get("/"))
    assert "案件列表" in page and 'value="en"' in page
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302
    page = text(client.get("/"))
    assert "Cases" in page and "Accepted" in page and "案件列表" not in page
    detail = text(client.get(f"/cases/{case.pk}/"))
    assert "Begin mediation" in detail and "Respondent consents to mediation" in detail


def test_browser_language_does_not_switch_the_ui_away_from_chinese(client, world):
    login(client, world.mediator)
    page = text(client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert "案件列表" in page
