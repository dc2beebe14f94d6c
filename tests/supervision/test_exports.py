"""The exports: workbooks opened back with openpyxl and compared with the API, masking of
resident ID numbers and phones, the monthly PDF read with pdftotext, an audit event for
every export, supervisors only."""

import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from mediation.models import AuditEvent

pytestmark = pytest.mark.django_db

PERIOD = "from=2026-03-01&to=2026-07-31"
FULL_IDS = ("640303195503010030", "640303198001010018", "640303198001010034")
FULL_PHONES = ("13995312345", "13895300001", "13995300077")


def _workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)


def _all_text(wb) -> str:
    return "\n".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )


def test_stats_workbook_matches_the_api(api, world, district):
    client = api(world.supervisor)
    s = client.get(f"/api/stats/summary/?{PERIOD}").json()
    table = client.get(f"/api/stats/ministry/?{PERIOD}").json()
    wb = _workbook(client.get(f"/api/stats/export.xlsx?{PERIOD}"))
    assert wb.sheetnames == [
        "概览",
        "按调解类型",
        "按来源渠道",
        "按纠纷类型",
        "按乡镇（街道）",
        "按月份",
        "人民调解工作统计表",
    ]
    overview = {r[0]: r[1] for r in wb["概览"].iter_rows(min_row=6, values_only=True) if r[0]}
    assert overview["纠纷总数（件）"] == s["total"] == 7
    assert overview["调解成功率（成功÷结束）"] == "50.0%"
    assert overview["涉及金额（元）"] == s["amount_total"]
    assert overview["平均结案天数"] == s["avg_days_to_close"]
    assert overview["当前超期（件）"] == s["overdue"]
    assert overview["信访反馈按期率"] == "无数据"
    for sheet, key in (
        ("按调解类型", "by_network"),
        ("按纠纷类型", "by_category"),
        ("按月份", "by_month"),
    ):
        rows = list(wb[sheet].iter_rows(min_row=2, values_only=True))
        assert [(r[1], r[2]) for r in rows] == [(x["key"], x["count"]) for x in s[key]]
    ministry = list(wb["人民调解工作统计表"].iter_rows(values_only=True))
    by_label = {r[0]: r for r in ministry if r and r[0]}
    neighbour = next(x for x in table["rows"] if x["key"] == "neighbour")
    assert by_label["邻里"][1:5] == (3, 2, 2, 0) and neighbour["accepted"] == 3
    assert by_label["合计"][1] == table["total"]["accepted"]
    assert by_label["开展矛盾纠纷排查（次）"][1] == "无数据"
    event = AuditEvent.objects.get(type="export.stats_xlsx")
    assert event.actor == world.supervisor
    assert event.payload["filters"]["from"] == "2026-03-01"


def test_case_workbook_uses_the_list_filters_and_masks(api, world, district):
    client = api(world.supervisor)
    wb = _workbook(client.get("/api/cases/export.xlsx"))
    rows = list(wb["案件清单"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[0] == "案号" and "申请人身份证号" in header
    listed = client.get("/api/cases/?page_size=100").json()["results"]
    assert sorted(r[0] for r in body) == sorted(c["number"] for c in listed)
    text = _all_text(wb)
    for full in FULL_IDS + FULL_PHONES:
        assert full not in text
    assert "640303********0030" in text and "139****2345" in text
    col = header.index("申请人身份证号")
    assert all("*" in (r[col] or "*") for r in body)
    # the list's filters: the same rows as GET /api/cases/ with them
    labour = _workbook(client.get("/api/cases/export.xlsx?category=labor&state=failed"))
    labour_rows = list(labour["案件清单"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in labour_rows] == [district["B"].number]
    assert labour_rows[0][5] == "劳动争议"
    assert labour_rows[0][header.index("登记时间")] == "2026-03-10 09:00"  # Asia/Shanghai
    event = AuditEvent.objects.filter(type="export.cases_xlsx").order_by("id").last()
    assert event.payload["filters"] == {"category": ["labor"], "state": ["failed"]}
    assert event.payload["rows"] == 1
    assert client.get("/api/cases/export.xlsx?network=martian").status_code == 400


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_monthly_report_pdf(api, world, district):
    client = api(world.supervisor)
    r = client.get("/api/stats/monthly/2026-04.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=r.content, capture_output=True, check=True
    ).stdout.decode()
    assert "矛盾纠纷多元化解工作月报（2026年4月）" in text
    assert "统计期间：2026-04-01 至 2026-04-30" in text
    assert "人民调解工作统计表" in text and "按纠纷类型" in text
    assert "无数据" in text  # 排查 and petition feedback
    for full in FULL_IDS + FULL_PHONES:
        assert full not in text
    assert AuditEvent.objects.filter(type="export.monthly_pdf").count() == 1
    assert client.get("/api/stats/monthly/2026-13.pdf").status_code == 400
    assert client.get("/api/stats/monthly/april.pdf").json()["errors"]["month"]


@pytest.mark.parametrize(
    "url", ["/api/stats/export.xlsx", "/api/cases/export.xlsx", "/api/stats/monthly/2026-04.pdf"]
)
def test_exports_are_for_supervisors_only(api, world, url):
    assert api(world.head).get(url).status_code == 403
    assert api(world.mediator).get(url).status_code == 403
    assert api().get(url).status_code == 401
    assert not AuditEvent.objects.filter(type__startswith="export.").exists()


def test_audit_rows_are_append_only(api, world):
    from django.core.exceptions import ValidationError

    api(world.supervisor).get("/api/stats/export.xlsx")
    event = AuditEvent.objects.get()
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        AuditEvent.objects.all().delete()
