"""The Ministry's whole report (司法部人民调解统计报表, issue 32): the JSON against a hand
count of the fixture district, the workbook opened with openpyxl and every figure compared
with the API, the monthly PDF read back with pdftotext, supervisors only."""

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from mediation.law.choices import OrgKind, Role
from mediation.models import (
    AuditEvent,
    MediatorProfile,
    Membership,
    Organization,
    TrainingAttendance,
    TrainingSession,
)

pytestmark = pytest.mark.django_db

PERIOD = "from=2026-03-01&to=2026-07-31"


@pytest.fixture
def staffed(world, district):
    """The district with its committees' mediators: 马桂兰 专职 (a roster entry), the rest
    兼职 by the roster's default; a training in the period attended by 马桂兰 and 杨志强
    (6.5 学时) and one before it attended by 马桂兰 (not counted); an enterprise committee
    and a committee stationed at the court, so that every type of the form has a row."""
    MediatorProfile.objects.update_or_create(
        user=world.mediator, defaults={"employment": "full_time"}
    )
    MediatorProfile.objects.filter(user=world.mediator2).update(employment="part_time")
    now = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    inside, before = (
        TrainingSession.objects.create(
            topic=topic,
            hours=Decimal(hours),
            trainer="白淑珍",
            held_on=day,
            created_by=world.supervisor,
            created_at=now,
        )
        for topic, hours, day in (
            ("人民调解法", "6.5", dt.date(2026, 4, 8)),
            ("民法典", "3.0", dt.date(2026, 1, 6)),
        )
    )
    for session, who in (
        (inside, world.mediator),
        (inside, world.mediator2),
        (before, world.mediator),
    ):
        TrainingAttendance.objects.create(session=session, mediator=who)
    bureau = Organization.objects.get(name="红寺堡区司法局")
    for name, code, subtype in (
        ("宁夏某建材公司人民调解委员会", "企", "enterprise"),
        ("红寺堡区人民法院诉调对接人民调解工作室", "驻", "stationed"),
    ):
        Organization.objects.create(
            name=name,
            short_code=code,
            kind=OrgKind.PEOPLE_COMMITTEE,
            region="红寺堡镇",
            parent=bureau,
            subtype=subtype,
        )
    return world


def _mediators_by_employment():
    """The oracle: each committee mediator once, 专职 when the roster says so."""
    users = set(
        Membership.objects.filter(
            role=Role.MEDIATOR, org__kind=OrgKind.PEOPLE_COMMITTEE
        ).values_list("user_id", flat=True)
    )
    full = set(
        MediatorProfile.objects.filter(user_id__in=users, employment="full_time").values_list(
            "user_id", flat=True
        )
    )
    return len(full), len(users - full)


def test_report_json_counts_the_district(api, staffed):
    w = staffed
    r = api(w.supervisor).get(f"/api/stats/ministry/report/?{PERIOD}").json()
    orgs = {row["key"]: row["count"] for row in r["organisations"]["rows"]}
    # the demo's 7 townships with 2 villages each, 6 industry committees, and the two above
    assert orgs == {"village": 14, "township": 7, "enterprise": 1, "industry": 6, "stationed": 1}
    assert r["organisations"]["total"] == 29
    meds = {row["key"]: row for row in r["mediators"]["rows"]}
    full, part = _mediators_by_employment()
    assert (meds["full_time"]["count"], meds["part_time"]["count"]) == (full, part)
    assert full >= 1 and part >= 1
    # the April training only: 马桂兰 (专职) and 杨志强 (兼职), 6.5 hours each
    assert (meds["full_time"]["trained"], meds["full_time"]["trainings"]) == (1, 1)
    assert (meds["part_time"]["trained"], meds["part_time"]["hours"]) == (1, "6.5")
    assert r["mediators"]["total"] == {
        "count": full + part,
        "trained": 2,
        "trainings": 2,
        "hours": "13.0",
    }
    # the tables that are columns of the case table say what its total says
    table = api(w.supervisor).get(f"/api/stats/ministry/?{PERIOD}").json()
    assert r["cases"]["total"] == table["total"]
    for row in r["prevention"] + r["sources"]:
        assert row["count"] == table["total"][row["key"]]
    agreements = r["agreements"]
    assert agreements["succeeded"] == agreements["written"] + agreements["oral"] == 2  # A, C
    assert agreements["performed"] == 1  # A's last follow-up: performed; C's: not
    assert agreements["amount"] == table["total"]["amount"]
    assert sum(row["count"] for row in r["sources"]) == table["total"]["accepted"]


def test_report_is_the_bureaus(api, staffed):
    assert api(staffed.head).get("/api/stats/ministry/report/").status_code == 403
    assert api(staffed.head).get("/api/stats/ministry/report.xlsx").status_code == 403
    r = api(staffed.supervisor).get("/api/stats/ministry/report/?from=2026-13-01")
    assert r.status_code == 400 and r.json()["errors"]["from"]
    other = api(staffed.supervisor).get("/api/stats/ministry/report/?network=administrative").json()
    assert other["organisations"] is None and other["agreements"] is None
    assert {row["count"] for row in other["prevention"]} == {None}


def test_workbook_is_the_form_and_says_what_the_api_says(api, staffed):
    client = api(staffed.supervisor)
    r = client.get(f"/api/stats/ministry/report/?{PERIOD}").json()
    response = client.get(f"/api/stats/ministry/report.xlsx?{PERIOD}")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert wb.sheetnames == [
        "表一 人民调解组织",
        "表二 人民调解员",
        "人民调解工作统计表",
        "表四 防止民间纠纷激化",
        "表五 调解协议及履行",
        "表六 纠纷来源",
    ]

    def body(name):
        rows = list(wb[name].iter_rows(values_only=True))
        assert rows[0][0].startswith("红寺堡区") and "2026-03-01 至 2026-07-31" in rows[1][0]
        return rows[3:]

    orgs = body("表一 人民调解组织")
    assert [(x[0], x[1]) for x in orgs[:-1]] == [
        (row["label"], row["count"]) for row in r["organisations"]["rows"]
    ]
    assert orgs[-1] == ("合计", r["organisations"]["total"])
    meds = body("表二 人民调解员")
    for got, want in zip(
        meds, [*r["mediators"]["rows"], {"label": "合计", **r["mediators"]["total"]}], strict=True
    ):
        assert got == (
            want["label"],
            want["count"],
            want["trained"],
            want["trainings"],
            float(want["hours"]),
        )
    cases = list(wb["人民调解工作统计表"].iter_rows(min_row=4, values_only=True))
    for got, want in zip(
        cases, [*r["cases"]["rows"], {"label": "合计", **r["cases"]["total"]}], strict=False
    ):
        assert got[0] == want["label"]
        assert got[1:3] == (want["accepted"], want["succeeded"])
        assert got[5] == float(want["amount"])
    assert cases[len(r["cases"]["rows"])][0] == "合计"
    for name, key in (("表四 防止民间纠纷激化", "prevention"), ("表六 纠纷来源", "sources")):
        assert body(name) == [(row["label"], row["count"]) for row in r[key]]
    agreements = {label: value for label, value in body("表五 调解协议及履行")}
    assert agreements == {
        "调解成功（件）": r["agreements"]["succeeded"],
        "书面协议（件）": r["agreements"]["written"],
        "口头协议（件）": r["agreements"]["oral"],
        "协议履行（件）": r["agreements"]["performed"],
        "协议涉及金额（万元）": float(r["agreements"]["amount"]),
    }
    assert AuditEvent.objects.filter(type="export.ministry_xlsx").count() == 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_monthly_pdf_carries_the_whole_report(api, staffed):
    client = api(staffed.supervisor)
    r = client.get("/api/stats/ministry/report/?from=2026-04-01&to=2026-04-30").json()
    pdf = client.get("/api/stats/monthly/2026-04.pdf")
    assert pdf.status_code == 200
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for title in ("表一 人民调解组织", "表二 人民调解员", "表四 防止民间纠纷激化", "表六 纠纷来源"):
        assert title in lines
    for row in r["organisations"]["rows"]:
        assert f"{row['label']} {row['count']}" in lines
    for row in r["mediators"]["rows"]:
        want = f"{row['label']} {row['count']} {row['trained']} {row['trainings']} {row['hours']}"
        assert want in lines
    for row in r["sources"]:
        assert f"{row['label']} {row['count']}" in lines


def test_the_supervisors_page_links_the_report(client, staffed):
    client.force_login(staffed.supervisor)
    with time_machine.travel(dt.datetime(2026, 8, 10, 10, tzinfo=dt.UTC)):
        page = client.get("/supervision/ministry/?from=2026-03-01&to=2026-07-31").content.decode()
    query = "?from=2026-03-01&amp;to=2026-07-31"
    assert f'href="/api/stats/ministry/report.xlsx{query}"' in page
    assert f'href="/api/stats/ministry/report/{query}"' in page
    assert 'href="/api/stats/monthly/2026-07.pdf"' in page  # the month that has ended


def test_the_report_is_aggregates_not_a_loop_over_cases(staffed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mediation.supervision.aggregates import Filters
    from mediation.supervision.ministry_report import ministry_report

    period = Filters(dt.date(2026, 3, 1), dt.date(2026, 7, 31))

    def queries():
        with CaptureQueriesContext(connection) as seen:
            ministry_report(staffed.supervisor, period)
        return len(seen.captured_queries)

    queries()  # warm: the first call also reads what later ones find cached
    before = queries()
    for _ in range(5):  # more cases add no query
        staffed.make_case("agreed", now=dt.datetime(2026, 4, 3, 2, tzinfo=dt.UTC))
    assert queries() == before <= 12
