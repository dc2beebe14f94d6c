"""以案定补 through the API (DESIGN §12.4): the sheet against a hand-computed fixture — the
grades, the extras, a returned and resubmitted month, a frozen month whose later change
goes to the next month — the workbook against the JSON, and the refusals."""

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from mediation.law.choices import State
from mediation.models import CaseEvent, SubsidyLine, SubsidyStandard
from tests.helpers import plain_party

OCT = dt.datetime(2026, 10, 15, 2, 0, tzinfo=dt.UTC)
NOV = dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC)
STANDARD = {
    "year": 2026,
    "simple": "100",
    "general": "200",
    "difficult": "400",
    "major": "800",
    "extra_written": "50",
    "extra_confirmation": "100",
    "extra_priority": "30",
    "extra_cross_township": "40",
}
PLAIN = [plain_party("applicant", "马德胜"), plain_party("respondent", "杨文")]


@pytest.fixture
def fixture(world, api):
    """October 2026: four graded cases in two committees, by hand:

    A  home, agreed in writing, an elderly veteran applicant (priority), 3,000 yuan:
       proposed 简易 → 100 + 书面 50 + 优先 30 = 180
    B  home, failed, plain parties, 150,000 yuan: proposed 疑难, set 一般 with the reason
       → 200
    C  home, judicially confirmed, priority: 简易 → 100 + 50 + 确认 100 + 30 = 280
    E  太阳山镇, failed, plain, 3,000 yuan: 简易 → 100
    home 660 (3 cases), 太阳山镇 100, total 760.
    """
    with time_machine.travel(OCT, tick=False):
        sup = api(world.supervisor)
        assert sup.post("/api/subsidies/standards/", STANDARD, format="json").status_code == 200
        a = world.make_case(State.AGREED)
        b = world.make_case(State.FAILED, amount="150000.00", parties=PLAIN)
        c = world.make_case(State.CONFIRMED)
        e = world.make_case(State.FAILED, org=world.other, parties=PLAIN)
        head = api(world.head)
        for case, body in [
            (a, {"grade": "simple"}),
            (b, {"grade": "general", "reason": "双方分歧小，一次调解即终止"}),
            (c, {"grade": "simple"}),
        ]:
            r = head.post(f"/api/cases/{case.pk}/subsidy/", body, format="json")
            assert r.status_code == 200, r.content
        other_head = api(world.staff(world.other, "org_head"))
        r = other_head.post(f"/api/cases/{e.pk}/subsidy/", {"grade": "simple"}, format="json")
        assert r.status_code == 200, r.content
    return {"a": a, "b": b, "c": c, "e": e}


def _org(sheet, org):
    return next(o for o in sheet["orgs"] if o["org"] == org.pk)


def test_the_october_sheet_matches_the_hand_computed_amounts(world, api, fixture):
    with time_machine.travel(NOV, tick=False):
        r = api(world.supervisor).get("/api/subsidies/2026-10/")
    assert r.status_code == 200, r.content
    sheet = r.json()
    assert sheet["total"] == "760.00"
    home = _org(sheet, world.home)
    assert (home["status"], home["cases"], home["total"]) == ("open", 3, "660.00")
    assert home["mediators"] == [
        {
            "mediator": world.mediator.pk,
            "name": home["mediators"][0]["name"],
            "cases": 3,
            "total": "660.00",
        }
    ]
    amounts = {
        line["case"]: (line["grade"], line["base"], line["extras"], line["amount"])
        for line in home["lines"]
    }
    assert amounts == {
        fixture["a"].pk: ("simple", "100.00", "80.00", "180.00"),
        fixture["b"].pk: ("general", "200.00", "0.00", "200.00"),
        fixture["c"].pk: ("simple", "100.00", "180.00", "280.00"),
    }
    assert _org(sheet, world.other)["total"] == "100.00"


def test_grading_is_an_event_of_the_case(world, fixture):
    event = CaseEvent.objects.filter(case=fixture["b"], payload__data__record="subsidy_grade").get()
    data = event.payload["data"]
    assert (data["grade"], data["proposed"], data["amount"], data["month"]) == (
        "general",
        "difficult",
        "200.00",
        "2026-10",
    )
    assert event.actor == world.head


def test_returned_resubmitted_approved_then_frozen(world, api, fixture):
    head, sup = api(world.head), api(world.supervisor)
    home = {"org": world.home.pk}
    b = fixture["b"]
    with time_machine.travel(NOV, tick=False):
        r = head.post("/api/subsidies/2026-10/submit/", home, format="json")
        assert (r.status_code, r.json()["status"]) == (200, "submitted")
        # waiting for the supervisor: the month's cases cannot change
        r = head.post(f"/api/cases/{b.pk}/subsidy/", {"grade": "difficult"}, format="json")
        assert (r.status_code, r.json()["current_state"]) == (409, "submitted")
        r = sup.post("/api/subsidies/2026-10/return/", home, format="json")
        assert r.status_code == 400 and "reason" in r.json()["errors"]
        r = sup.post(
            "/api/subsidies/2026-10/return/", {**home, "reason": "B案应评为疑难"}, format="json"
        )
        assert (r.status_code, r.json()["status"]) == (200, "returned")
        # returned: corrected in October itself, the proposal needs no reason
        r = head.post(f"/api/cases/{b.pk}/subsidy/", {"grade": "difficult"}, format="json")
        assert (r.status_code, r.json()["amount"]) == (200, "400.00")
        assert head.post("/api/subsidies/2026-10/submit/", home, format="json").status_code == 200
        r = sup.post("/api/subsidies/2026-10/approve/", home, format="json")
        assert (r.status_code, r.json()["status"]) == (200, "approved")
        oct_sheet = _org(head.get("/api/subsidies/2026-10/").json(), world.home)
        assert (oct_sheet["status"], oct_sheet["total"]) == ("approved", "860.00")
        # frozen: neither submitted nor decided again, with the reason
        for client, verb in [(head, "submit"), (sup, "approve"), (sup, "return")]:
            r = client.post(
                f"/api/subsidies/2026-10/{verb}/", {**home, "reason": "x"}, format="json"
            )
            assert r.status_code == 409, verb
            assert r.json()["current_state"] == "approved"
            assert "冻结" in r.json()["detail"]
        # a change after approval goes to the month of the change
        a = fixture["a"]
        r = head.post(
            f"/api/cases/{a.pk}/subsidy/", {"grade": "general", "reason": "调解三次"}, format="json"
        )
        assert (r.status_code, r.json()["amount"]) == (200, "280.00")
        after = _org(head.get("/api/subsidies/2026-10/").json(), world.home)
        assert after["total"] == "860.00"
        nov = _org(head.get("/api/subsidies/2026-11/").json(), world.home)
        assert nov["total"] == "100.00"
        assert [(line["case"], line["amount"], line["adjustment"]) for line in nov["lines"]] == [
            (a.pk, "100.00", True)
        ]
    assert SubsidyLine.objects.filter(case=b).count() == 2


def test_the_workbook_shows_what_the_api_shows(world, api, fixture):
    with time_machine.travel(NOV, tick=False):
        client = api(world.supervisor)
        sheet = client.get("/api/subsidies/2026-10/").json()
        r = client.get("/api/subsidies/2026-10.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    summary = [row for row in wb["汇总"].iter_rows(min_row=3, values_only=True)]
    totals = {(row[0], row[1]): (row[3], Decimal(str(row[4]))) for row in summary if row[1]}
    for org in sheet["orgs"]:
        assert totals[(org["org_name"], "合计")] == (org["cases"], Decimal(org["total"]))
        for m in org["mediators"]:
            assert totals[(org["org_name"], m["name"])] == (m["cases"], Decimal(m["total"]))
    assert Decimal(str(summary[-1][4])) == Decimal(sheet["total"])
    lines = list(wb["明细"].iter_rows(min_row=2, values_only=True))
    api_lines = [
        (o["org_name"], line["number"], Decimal(line["amount"]))
        for o in sheet["orgs"]
        for line in o["lines"]
    ]
    assert [(row[0], row[1], Decimal(str(row[6]))) for row in lines] == api_lines


def test_workbook_text_never_starts_a_formula(world, api, fixture):
    with time_machine.travel(OCT, tick=False):
        head = api(world.head)
        r = head.post(
            f"/api/cases/{fixture['c'].pk}/subsidy/",
            {"grade": "major", "reason": '=HYPERLINK("http://x")'},
            format="json",
        )
        assert r.status_code == 200, r.content
        r = head.get("/api/subsidies/2026-10.xlsx")
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    reasons = [row[8] for row in wb["明细"].iter_rows(min_row=2, values_only=True) if row[8]]
    assert '\'=HYPERLINK("http://x")' in reasons


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"grade": "huge"}, "grade"),
        ({}, "grade"),
        ({"grade": "major"}, "reason"),  # differs from the proposal without a reason
        ({"grade": "simple", "cross_township": "maybe"}, "cross_township"),
        ({"grade": "simple", "reason": 5}, "reason"),
    ],
)
def test_bad_grades_are_refused_with_field_messages(world, api, body, field):
    with time_machine.travel(OCT, tick=False):
        SubsidyStandard.objects.create(
            year=2026, updated_at=OCT, **{k: Decimal(v) for k, v in STANDARD.items() if k != "year"}
        )
        case = world.make_case(State.AGREED)
        r = api(world.head).post(f"/api/cases/{case.pk}/subsidy/", body, format="json")
    assert r.status_code == 400, r.content
    assert field in r.json()["errors"]
    assert not SubsidyLine.objects.exists()


def test_no_standard_for_the_year_is_a_field_message(world, api):
    with time_machine.travel(OCT, tick=False):
        case = world.make_case(State.AGREED)
        r = api(world.head).post(
            f"/api/cases/{case.pk}/subsidy/", {"grade": "simple"}, format="json"
        )
    assert r.status_code == 400
    assert "2026年度" in r.json()["errors"]["grade"][0]


def test_who_may_grade_and_when(world, api, fixture):
    with time_machine.travel(OCT, tick=False):
        open_case = world.make_case(State.MEDIATING)
        withdrawn = world.make_case(State.WITHDRAWN)
        head = api(world.head)
        body = {"grade": "simple"}
        r = head.post(f"/api/cases/{open_case.pk}/subsidy/", body, format="json")
        assert (r.status_code, r.json()["current_state"]) == (409, "mediating")
        r = head.post(f"/api/cases/{withdrawn.pk}/subsidy/", body, format="json")
        assert r.status_code == 409
        a = fixture["a"].pk
        assert (
            api(world.mediator).post(f"/api/cases/{a}/subsidy/", body, format="json").status_code
            == 403
        )
        assert (
            api(world.outsider).post(f"/api/cases/{a}/subsidy/", body, format="json").status_code
            == 404
        )
        assert api(world.outsider).get(f"/api/cases/{a}/subsidy/").status_code == 404
        r = api(world.mediator).get(f"/api/cases/{a}/subsidy/")
        assert r.status_code == 200 and r.json()["grade"] == "simple"


def test_sheet_scope_and_refusals(world, api, fixture):
    with time_machine.travel(NOV, tick=False):
        head = api(world.head)
        mine = head.get("/api/subsidies/2026-10/").json()
        assert [o["org"] for o in mine["orgs"]] == [world.home.pk]
        assert mine["total"] == "660.00"
        assert head.get(f"/api/subsidies/2026-10/?org={world.other.pk}").status_code == 404
        assert api(world.mediator).get("/api/subsidies/2026-10/").status_code == 403
        assert api(world.mediator).get("/api/subsidies/2026-10.xlsx").status_code == 403
        r = head.get("/api/subsidies/2026-13/")
        assert r.status_code == 400 and "month" in r.json()["errors"]
        r = head.post("/api/subsidies/2026-11/submit/", {"org": world.home.pk}, format="json")
        assert r.status_code == 400 and "month" in r.json()["errors"]
        r = head.post("/api/subsidies/2026-10/submit/", {"org": world.other.pk}, format="json")
        assert r.status_code == 403
        r = api(world.head).post(
            "/api/subsidies/2026-10/approve/", {"org": world.home.pk}, format="json"
        )
        assert r.status_code == 403
        r = api(world.supervisor).post(
            "/api/subsidies/2026-10/approve/", {"org": world.home.pk}, format="json"
        )
        assert (r.status_code, r.json()["current_state"]) == (409, "open")


def test_the_standard_is_the_supervisors_and_checked(world, api):
    with time_machine.travel(OCT, tick=False):
        assert (
            api(world.head).post("/api/subsidies/standards/", STANDARD, format="json").status_code
            == 403
        )
        for bad, field in [({"major": "50"}, "major"), ({"simple": "-1"}, "simple")]:
            r = api(world.supervisor).post(
                "/api/subsidies/standards/", {**STANDARD, **bad}, format="json"
            )
            assert r.status_code == 400
            assert field in r.json()["errors"]
        assert (
            api(world.supervisor)
            .post("/api/subsidies/standards/", STANDARD, format="json")
            .status_code
            == 200
        )
        r = api(world.head).get("/api/subsidies/standards/")
        assert r.status_code == 200 and r.json()["results"][0]["difficult"] == "400.00"
        assert api(world.mediator).get("/api/subsidies/standards/").status_code == 403


def test_parties_of_two_townships_make_a_cross_township_dispute(world, api):
    """The district's name (红寺堡区) is in every address: only townships count."""
    apart = [
        {**PLAIN[0], "address": "宁夏吴忠市红寺堡区南川乡东源村"},
        {**PLAIN[1], "address": "宁夏吴忠市红寺堡区红寺堡镇弘德村"},
    ]
    together = [
        {**PLAIN[0], "address": "宁夏吴忠市红寺堡区南川乡东源村"},
        {**PLAIN[1], "address": "宁夏吴忠市红寺堡区南川乡南川村"},
    ]
    with time_machine.travel(OCT, tick=False):
        a = world.make_case(State.FAILED, parties=apart)
        b = world.make_case(State.FAILED, parties=together)
        head = api(world.head)
        ra, rb = (
            head.get(f"/api/cases/{a.pk}/subsidy/").json(),
            head.get(f"/api/cases/{b.pk}/subsidy/").json(),
        )
    assert (ra["cross_township"], ra["proposed"]) == (True, "difficult")
    assert (rb["cross_township"], rb["proposed"]) == (False, "simple")
