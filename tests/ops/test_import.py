"""`manage.py import_cases FILE [--dry-run]` (issue 15): every bad row reported as (row,
column, reason), nothing written on a dry run, idempotent re-runs keyed on the row's own
case number, numbers kept as issued, and the live counter advanced past them."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from mediation.actions import services
from mediation.models import Case, CaseEvent, CaseNumberSequence
from mediation.ops.importer import import_file, write_workbook
from tests.conftest import case_body


def good_row(n: int, **overrides) -> dict:
    row = {
        "案号": f"（2024）红人调字第{n:04d}号",
        "调解组织": "红寺堡镇人民调解委员会",
        "登记日期": dt.date(2024, 3, 1 + n % 27),
        "纠纷类型": "邻里",
        "来源渠道": "窗口来访",
        "纠纷事实": f"第{n}件：院墙排水纠纷。",
        "申请事项": "改建排水沟",
        "涉及金额": "1500.50",
        "乡镇（街道）": "红寺堡镇",
        "村（社区）": "弘德村",
        "申请人": "马建国",
        "申请人身份证号": "640303195503010030",
        "申请人电话": "13995312345",
        "被申请人": "杨学军",
        "被申请人身份证号": "640303198001010018",
        "被申请人电话": "0953-1234567",
        "调解结果": "调解成功",
        "结案日期": dt.date(2024, 4, 1 + n % 27),
    }
    row.update(overrides)
    return row


@pytest.fixture
def xlsx(tmp_path):
    def make(rows, name="register.xlsx"):
        path = tmp_path / name
        write_workbook(path, rows)
        return path

    return make


def test_dry_run_reports_every_bad_row_and_writes_nothing(world, xlsx):
    path = xlsx(
        [
            good_row(1),
            good_row(2, **{"申请人身份证号": "640303195503010031"}),  # checksum
            good_row(3, **{"调解组织": "不存在的调委会"}),
            good_row(4, **{"案号": "（2024）太人调字第0004号"}),  # another org's code
            good_row(5, **{"纠纷类型": "吵架", "涉及金额": "-3"}),
            good_row(1),  # the same number twice in the file
            good_row(7, **{"登记日期": "2024年13月1日", "被申请人电话": "12345"}),
            good_row(8, **{"纠纷事实": None, "调解结果": "不知道"}),
            good_row(9, **{"登记日期": dt.date(2023, 12, 30)}),  # year differs from number
        ]
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="8行有误"):
        call_command("import_cases", str(path), "--dry-run", "--no-progress", stdout=out)
    lines = out.getvalue().splitlines()
    assert "第3行\t申请人身份证号\t公民身份号码校验码错误" in lines
    assert "第4行\t调解组织\t系统中没有名为“不存在的调委会”的调解组织" in lines
    assert any(x.startswith("第5行\t案号\t案号中的组织代字“太”") for x in lines)
    assert "第6行\t纠纷类型\t未知的纠纷类型“吵架”" in lines
    assert "第6行\t涉及金额\t金额应为不小于0的数字" in lines
    assert "第7行\t案号\t与第2行案号重复" in lines
    assert "第8行\t登记日期\t日期格式应为YYYY-MM-DD" in lines
    assert any(x.startswith("第8行\t被申请人电话\t电话号码格式不正确") for x in lines)
    assert "第9行\t纠纷事实\t必填" in lines
    assert any(x.startswith("第9行\t调解结果\t调解结果应为") for x in lines)
    assert "第10行\t登记日期\t登记日期的年份与案号年份（2024）不符" in lines
    assert lines[-1].startswith("rows=9 valid=1 bad=8")
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_import_keeps_numbers_and_is_idempotent(world, xlsx, capsys):
    rows = [good_row(n) for n in (3, 7, 12)]
    rows.append(good_row(5, **{"案号": "(2024)红人调字第0005号"}))  # half-width brackets
    path = xlsx(rows)
    call_command("import_cases", str(path), stdout=io.StringIO())
    assert "[##############################] 4/4 行" in capsys.readouterr().err
    numbers = set(Case.objects.values_list("number", flat=True))
    assert numbers == {f"（2024）红人调字第{n:04d}号" for n in (3, 5, 7, 12)}
    case = Case.objects.get(number="（2024）红人调字第0007号")
    assert case.state == "closed" and case.outcome == "agreed"
    assert case.org == world.home and case.network == "people"
    assert timezone.localdate(case.created_at) == dt.date(2024, 3, 8)
    assert str(case.amount) == "1500.50" and case.category == "neighbour"
    assert case.priority is True  # the applicant was born in 1955: elderly
    applicant = case.case_parties.get(role="applicant").party
    assert applicant.id_number == "640303195503010030" and "elderly" in applicant.tags
    assert case.access.filter(org=world.home).exists()
    event = CaseEvent.objects.get(case=case)
    assert event.type == "case.created"
    assert event.payload["data"]["imported"] == {"file": "register.xlsx", "row": 3}
    assert event.payload["case"]["number"] == case.number

    # A re-run (with one new row) imports only what is missing.
    rows.append(good_row(20))
    out = io.StringIO()
    call_command("import_cases", str(xlsx(rows)), "--no-progress", stdout=out)
    assert "skipped=4 imported=1" in out.getvalue()
    assert Case.objects.count() == 5 and CaseEvent.objects.count() == 5


def test_live_intake_continues_after_the_highest_imported_number(world, xlsx):
    import_file(xlsx([good_row(41), good_row(9)]))
    assert CaseNumberSequence.objects.get(org=world.home, year=2024).last == 41
    at = timezone.make_aware(dt.datetime(2024, 6, 1, 10))
    case = services.register_case(world.intake, case_body(world.home), now=at)
    assert case.number == "（2024）红人调字第0042号"


def test_a_number_used_by_another_case_is_an_error_not_a_skip(world, xlsx):
    at = timezone.make_aware(dt.datetime(2024, 6, 1, 10))
    live = services.register_case(world.intake, case_body(world.home), now=at)
    assert live.number == "（2024）红人调字第0001号"
    report = import_file(xlsx([good_row(1), good_row(2)]))
    assert report.imported == 1 and report.skipped == 0
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (2, "案号", "案号已被系统中的另一案件使用")
    ]
    assert Case.objects.get(number=live.number).summary == live.summary


def test_missing_required_column_refuses_the_file(world, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["案号", "调解组织"])
    path = tmp_path / "short.xlsx"
    wb.save(path)
    with pytest.raises(CommandError, match="缺少必需的列：登记日期、纠纷类型"):
        call_command("import_cases", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="无法读取XLSX文件"):
        call_command("import_cases", __file__, stdout=io.StringIO())


def test_template_has_the_documented_columns(tmp_path):
    from pathlib import Path

    from openpyxl import load_workbook

    path = tmp_path / "template.xlsx"
    call_command("import_cases", str(path), "--template", stdout=io.StringIO())
    header = [c.value for c in next(load_workbook(path).active.iter_rows(max_row=1))]
    doc = (Path(__file__).parents[2] / "docs" / "import.md").read_text()
    for name in header:
        assert f"| {name} |" in doc, name


def test_batches_write_every_table_on_either_database(world, xlsx):
    """The one write path (the ORM's bulk inserts), over several batches: the encrypted
    columns and their lookup digests as an intake writes them, one access row and one
    event per case, the events in the cases' order. Run on SQLite and on PostgreSQL."""
    from django.db import connection

    from mediation.models import CaseAccess, Party
    from mediation.models.crypto import digest, is_encrypted

    report = import_file(xlsx([good_row(n) for n in range(1, 6)]), batch_size=2)
    assert report.imported == 5 and not report.errors
    cases = list(Case.objects.order_by("pk"))
    events = list(CaseEvent.objects.order_by("pk"))
    assert [e.case_id for e in events] == [c.pk for c in cases]
    assert [e.payload["case"]["id"] for e in events] == [c.pk for c in cases]
    assert all(e.payload["orgs"] == [world.home.pk] and e.actor_id is None for e in events)
    assert CaseAccess.objects.filter(case__in=cases, org=world.home).count() == 5
    assert Party.objects.count() == 10
    with connection.cursor() as cur:  # the stored values, not the field's decryption
        cur.execute(f"SELECT id_number, id_number_digest, phone_digest FROM {Party._meta.db_table}")
        raw = cur.fetchall()
    for stored, id_digest, phone_digest in raw:
        assert is_encrypted(stored)
        assert id_digest in (
            digest("id_number", "640303195503010030"),
            digest("id_number", "640303198001010018"),
        )
        assert phone_digest
    for case in cases:
        roles = [(p.role, p.position) for p in case.case_parties.all()]
        assert roles == [("applicant", 0), ("respondent", 1)]
