"""Documents an archive would file (issue 28, part B): each paper under the right issuer,
number and seal — the sender's 移送函, the parties' 司法确认申请书, the basic court's
民事调解书, the 交警's forms — and a 卷宗 an archivist accepts."""

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from mediation import documents
from mediation.actions import services
from mediation.documents.layout import cn_date
from mediation.law.choices import State
from mediation.law.court_fees import acceptance_fee, mediated_fee
from mediation.models import Case
from tests.conftest import case_body

from .conftest import add_session, agree, assert_in_order, flat, page_count, pdftotext

# A date a document prints, a time the log prints: never an ISO stamp.
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def page_of(pdf: bytes, needle: str) -> int:
    return next(n for n in range(1, page_count(pdf) + 1) if needle in flat(pdftotext(pdf, n)))


def test_transfer_letter_is_the_senders_to_the_receiver_with_only_the_papers_it_has(world):
    world.home.phone = "0953-5012301"
    world.home.save()
    case = world.make_case(State.ACCEPTED)
    number = case.number
    case = services.perform(
        case,
        "transfer",
        world.head,
        {"target_org": world.other.pk, "reason": "纠纷发生地在太阳山镇"},
    )
    pdf = documents.render("transfer_letter", case)
    text = pdftotext(pdf)
    assert_in_order(
        text,
        [
            # headed, numbered and sealed by the sender, addressed to the receiver
            "红寺堡镇人民调解委员会",
            "移送函",
            f"编号：{number}",
            "太阳山镇人民调解委员会：",
            "马建国与杨学军邻里纠纷一案，因纠纷发生地在太阳山镇，我单位现将该纠纷移送你单位调解",
            "随函附送",
            "1.人民调解申请书一份；",
            "2.人民调解受理登记表一份。",
            "请查收，并将处理结果函告我单位",
            "联系人：李文华",
            "联系电话：0953-5012301",
            "红寺堡镇人民调解委员会（盖章）",
            cn_date(timezone.now()),
        ],
    )
    body = flat(text)
    # only the papers that exist: no session was held, nothing was uploaded
    assert "调解记录" not in body and "证据材料" not in body
    # not the receiver's paper, and not the parties' (no tracking code on it)
    assert "太阳山镇人民调解委员会（盖章）" not in body and "扫码查询" not in text

    # a case transferred before acceptance has no acceptance form to send
    early = world.make_case(State.REGISTERED)
    early = services.perform(
        early,
        "transfer",
        world.head,
        {"target_org": world.other.pk, "reason": "纠纷发生地在太阳山镇"},
    )
    body = flat(pdftotext(documents.render("transfer_letter", early)))
    assert "人民调解申请书一份。" in body and "受理登记表" not in body


def test_route_notice_to_the_parties_is_a_gaozhishu_with_the_phone(world):
    world.home.phone = "0953-5012301"
    world.home.save()
    case = world.make_case(State.FAILED, category="labor")
    case = services.perform(
        case, "refer", world.mediator, {"route": "arbitration", "target_org": world.arbitration.pk}
    )
    assert documents.KINDS["transfer_letter"].title_for(case) == "告知书"
    text = pdftotext(documents.render("transfer_letter", case))
    assert_in_order(
        text,
        [
            "红寺堡镇人民调解委员会",
            "告知书",
            f"编号：{case.number}",
            "马建国、杨学军：",
            "申请仲裁",
            "特此告知",
            "联系电话：0953-5012301",
            "红寺堡镇人民调解委员会（盖章）",
        ],
        case.number,
    )
    body = flat(text, case.number)
    assert "移送函" not in body and body.count("红寺堡区劳动人事争议仲裁委员会") == 1


def test_confirmation_application_is_the_parties_own_and_signed_under_its_text(world):
    case = world.make_case(State.CONFIRMING)
    pdf = documents.render("confirmation_application", case)
    text = pdftotext(pdf)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # the parties' paper: no committee letterhead, number, seal or tracking code
    assert lines[0] == "司法确认申请书" and lines[1].startswith("申请人：马建国")
    body = flat(text)
    assert "（盖章）" not in body.replace("（签名或盖章）", "")
    assert "扫码查询" not in text and f"案号：{case.number}" not in text
    # the signatures share their page with the text they sign
    sign = page_of(pdf, "申请人：杨学军（签名或盖章）")
    assert "此致" in flat(pdftotext(pdf, sign)) and "请求事项" in flat(pdftotext(pdf, 1))


@pytest.mark.parametrize("kind", ["acceptance", "oral_agreement"])
def test_ministry_forms_fit_one_page_with_their_signatures(world, kind):
    case = world.make_case(State.MEDIATING)
    add_session(world, case)
    if kind == "oral_agreement":
        case = agree(world, case, form="oral", terms="被申请人当场赔偿申请人五百元。")
    pdf = documents.render(kind, case)
    assert page_count(pdf) == 1
    body = flat(pdftotext(pdf), case.number)
    assert "（签名）" in body
    # its 案号 row says the number once: no 编号 line repeating it
    assert body.count(case.number) == 1


def test_mediation_statement_is_the_basic_courts_even_when_its_tribunal_mediated(world):
    case = world.make_case(State.AGREED, org=world.tribunal)
    pdf = documents.render("mediation_statement", case)
    text = pdftotext(pdf)
    number = f"（{timezone.localdate().year}）宁0303民初1号"  # the court's first
    assert_in_order(
        text,
        [
            "红寺堡区人民法院",
            "民事调解书",
            number,
            "原告：马建国",
            "被告：杨学军",
            "案件受理费50元，减半收取计25元",
            "第一百条第三款",
            "审判员",
            "红寺堡区人民法院（院印）",
            "本件与原本核对无异",
            "书记员",
        ],
    )
    body = flat(text)
    assert "人民法庭" not in body  # a tribunal has no seal or numbers of its own
    assert body.count("民初") == 1 and case.number not in body and "扫码查询" not in text
    assert "签收日期" not in body


def test_court_acceptance_fee_follows_the_schedule():
    # 《诉讼费用交纳办法》第十三条: 50 yuan up to 10,000; 2.5% to 100,000; 2% to 200,000
    assert acceptance_fee(None) == Decimal(50)
    assert acceptance_fee(Decimal(3000)) == Decimal(50)
    assert acceptance_fee(Decimal(50_000)) == Decimal(1050)
    assert acceptance_fee(Decimal(150_000)) == Decimal(3300)
    # 第十五条: halved when the case ends in mediation
    assert mediated_fee(Decimal(50_000)) == Decimal(525)


def test_traffic_police_use_the_road_accident_forms(world):
    case = world.make_case(State.AGREED, org=world.traffic_police, category="traffic")
    text = flat(pdftotext(documents.render("agreement", case)), case.number)
    assert "红寺堡区公安局交通警察大队道路交通事故损害赔偿调解书" in text
    assert "本调解书一式三份" in text and "本协议" not in text
    failed = world.make_case(State.FAILED, org=world.traffic_police, category="traffic")
    text = flat(pdftotext(documents.render("termination_notice", failed)), failed.number)
    assert "道路交通事故损害赔偿调解终结书" in text
    assert "红寺堡区公安局交通警察大队（盖章）" in text


def test_no_empty_reason_and_copies_in_words(world):
    case = world.make_case(State.MEDIATING)
    case = services.perform(
        case, "fail", world.mediator, {"reason": "other", "routes": "可向法院起诉"}
    )
    body = flat(pdftotext(documents.render("termination_notice", case)), case.number)
    assert "因其他" not in body and "决定终止调解" in body
    agreed = world.make_case(State.AGREED)
    body = flat(pdftotext(documents.render("agreement", agreed)), agreed.number)
    assert "本协议一式三份" in body and "一式3份" not in body


def test_application_in_the_ministrys_words(world):
    case = world.make_case(State.REGISTERED)
    body = flat(pdftotext(documents.render("application", case)), case.number)
    age = (
        timezone.localdate().year
        - 1955
        - (timezone.localdate() < dt.date(timezone.localdate().year, 3, 1))
    )
    assert f"申请人：马建国，男，回族，1955年3月1日出生，{age}岁" in body
    assert "自愿申请红寺堡镇人民调解委员会依法予以调解" in body


def test_case_file_log_in_words_and_counts_that_agree(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        # the confirmation's handoff and the court's registration are in the log
        case = world.register_confirmation(world.make_case(State.CONFIRMING))
    client = APIClient()
    client.force_authenticate(world.head)
    # a download is reading, not handling: it is no entry of the file
    assert client.get(f"/api/cases/{case.pk}/documents/agreement.pdf").status_code == 200
    pdf = documents.render("case_file", case)
    text = pdftotext(pdf)
    body = flat(text, case.number)
    # not archived: the volume says so and carries no filing date
    assert "尚未归档" in body and "不作为归档案卷" in body
    assert "导出文书" not in body and "下载" not in body
    assert not ISO_TIME.search(text)
    for raw in ("case.transitioned", "reach_agreement", "handoff", "due_at", "confirmation"):
        assert raw not in body
    assert "衔接流程开启" in body and "司法确认" in body and "登记受理" in body
    # the 备考表 counts what the 卷内目录 lists
    contents = pdftotext(pdf, 2, layout=True)
    listed = len(re.findall(r"^\s*\d+\s+\S.*\s\d+(?:–\d+)?\s*$", contents, re.M))
    assert listed >= 5
    last = pdftotext(pdf, page_count(pdf))
    assert f"本卷共有文件材料{listed}件" in flat(last)
    assert "保管期限：定期30年" in flat(last)


def test_retention_terms_of_the_archives_rules(world):
    failed = world.make_case(State.FAILED)
    assert "保管期限：定期10年" in flat(pdftotext(documents.render("case_file", failed)))
    risky = world.make_case(State.MEDIATING)
    services.flag_risk(
        risky,
        world.mediator,
        {
            "level": "high",
            "note": "双方扬言械斗",
            "reported_to": "红寺堡派出所",
            "reported_at": timezone.now().isoformat(),
        },
    )
    risky.refresh_from_db()
    assert "保管期限：永久" in flat(pdftotext(documents.render("case_file", risky)))


def test_court_mediation_numbers_use_the_courts_case_type(world):
    case = world.make_case(State.REGISTERED, org=world.court)
    assert re.fullmatch(r"（20\d\d）红院民诉前调字第\d{4}号", case.number)
    assert "法调" not in case.number


def test_follow_up_record_asks_satisfaction_and_escalation(world):
    case = world.make_case(State.AGREED)
    services.add_follow_up(
        case,
        world.mediator,
        {
            "date": timezone.localdate().isoformat(),
            "performed": False,
            "satisfaction": "dissatisfied",
            "escalation_signs": True,
            "note": "被申请人拒不改建，申请人扬言自行拆墙。",
        },
    )
    text = pdftotext(documents.render("follow_up", case))
    body = flat(text, case.number)
    for needle in ("满意度", "不满意", "激化迹象"):
        assert needle in body
    assert re.search(r"激化迹象\s*有", text) or "激化迹象有" in body
    # the API shows what was recorded
    client = APIClient()
    client.force_authenticate(world.head)
    got = client.get(f"/api/cases/{case.pk}/").json()["follow_ups"][0]
    assert got["satisfaction"] == "dissatisfied" and got["escalation_signs"] is True


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _task(client, kind, case):
    tasks = client.get("/api/tasks/").json()["results"]
    return next(t for t in tasks if t["type"] == kind and t["case"]["id"] == case.pk)


def test_petition_slip_feedback_and_return_note_are_filed(world):
    petition, mediator = _api(world.petition), _api(world.mediator)
    body = {
        **case_body(world.home),
        "petition_number": "宁红信转〔2026〕15号",
        "feedback_due": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "petitioner_consent": True,
    }
    r = petition.post("/api/petitions/transfers/", body, format="json")
    assert r.status_code == 201, r.content
    case = world.advance(Case.objects.get(pk=r.json()["id"]), State.FAILED)
    # the bureau's slip, under the bureau's name, number and seal
    text = pdftotext(documents.render("petition_transfer", case))
    assert_in_order(
        text,
        [
            "红寺堡区信访局",
            "信访事项转办单",
            "信访件编号：宁红信转〔2026〕15号",
            "红寺堡镇人民调解委员会：",
            "经信访人同意",
            "红寺堡区信访局（盖章）",
        ],
    )
    assert "扫码查询" not in text and case.number not in flat(text)
    ok, why = documents.applies("petition_feedback", case)
    assert not ok and "尚未" in why
    task = _task(mediator, "petition.feedback", case)
    r = mediator.post(
        f"/api/tasks/{task['id']}/complete/",
        {"decision": "submit", "feedback": "被申请人拒绝继续调解。"},
        format="json",
    )
    assert r.status_code == 200, r.content
    task = _task(petition, "petition.review", case)
    r = petition.post(
        f"/api/tasks/{task['id']}/complete/",
        {"decision": "return", "note": "请补充说明当事人意愿"},
        format="json",
    )
    assert r.status_code == 200, r.content
    text = pdftotext(documents.render("petition_feedback", case))
    assert_in_order(
        text,
        [
            "红寺堡镇人民调解委员会",
            "办理情况反馈",
            "红寺堡区信访局：",
            "信访件编号：宁红信转〔2026〕15号",
            "被申请人拒绝继续调解。",
            "信访部门审核意见",
            "退回重办：请补充说明当事人意愿",
            "红寺堡镇人民调解委员会（盖章）",
        ],
        case.number,
    )
    pdf = documents.render("case_file", case)
    assert_in_order(pdftotext(pdf, 2), ["信访事项转办单", "人民调解受理登记表", "办理情况反馈"])
    if os.environ.get("LAW_DOCS_DUMP"):  # to look at the pages while working on them
        Path(os.environ["LAW_DOCS_DUMP"], "petition_case_file.pdf").write_bytes(pdf)


def test_court_referral_result_goes_back_to_the_court(world):
    from workflows.services import start_court_referral

    body = {
        **case_body(world.home),
        "referral_number": "（2026）宁0303民诉前调1号",
        "kind": "pre_filing",
    }
    case = world.advance(start_court_referral(world.clerk, body), State.AGREED)
    assert documents.KINDS["referral_result"].title_for(case) == "委派调解结果反馈函"
    text = pdftotext(documents.render("referral_result", case))
    assert_in_order(
        text,
        [
            "红寺堡镇人民调解委员会",
            "委派调解结果反馈函",
            f"编号：{case.number}",
            "红寺堡区人民法院：",
            "委派编号：（2026）宁0303民诉前调1号",
            "双方当事人自愿达成调解协议",
            "特此函告",
            "红寺堡镇人民调解委员会（盖章）",
        ],
        case.number,
    )
    # the court closes the referral with its 调解书: its number is in the file's log
    from workflows.models import CaseTask
    from workflows.services import complete_task

    task = CaseTask.objects.get(case=case, kind="court.outcome", status="NEW")
    complete_task(
        task.pk, world.clerk, {"decision": "mediation_document", "number": "（2026）宁0303民初5号"}
    )
    pdf = documents.render("case_file", case)
    assert "委派调解结果反馈函" in pdftotext(pdf, 2)
    assert "出具调解书；案号：（2026）宁0303民初5号" in flat(pdftotext(pdf), case.number)
    if os.environ.get("LAW_DOCS_DUMP"):
        Path(os.environ["LAW_DOCS_DUMP"], "referral_case_file.pdf").write_bytes(pdf)


def test_a_transferred_case_keeps_its_first_number_on_its_papers(world):
    """The receiver numbers a transferred case (issue 28); the number the parties were given
    first stays on the receiver's papers as 原案号, and on the 卷宗's cover."""
    case = world.make_case(State.REGISTERED)
    first = case.number
    case = services.perform(
        case, "transfer", world.head, {"target_org": world.other.pk, "reason": "属地管辖"}
    )
    receiver_head = world.staff(world.other, "org_head")
    mediator = world.staff(world.other, "mediator")
    case = services.perform(case, "accept", receiver_head, {"mediator": mediator.pk})
    for kind in ("acceptance", "rights_notice"):  # a form with its 案号 row; a numbered notice
        text = flat(pdftotext(documents.render(kind, case)))
        assert case.number in text and f"原案号：{first}" in text, kind
    cover = flat(pdftotext(documents.render("case_file", case), 1, 1))
    assert "原案号" in cover and first in cover
