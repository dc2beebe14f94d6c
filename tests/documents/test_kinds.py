"""Every document kind, generated from a realistic case and read back with pdftotext."""

import re

import pytest

from mediation import documents
from mediation.actions import services
from mediation.documents.layout import cn_date, ymd
from mediation.law.choices import State

from .conftest import (
    add_session,
    agree,
    assert_in_order,
    assert_present,
    flat,
    ink_fraction,
    page_count,
    pdftotext,
    today,
)


def text_of(kind, case, **kw):
    pdf = documents.render(kind, case, **kw)
    assert pdf.startswith(b"%PDF")
    return pdf, pdftotext(pdf)


def test_application(world, font_mode):
    case = world.make_case(State.REGISTERED)
    pdf, text = text_of("application", case)
    assert_in_order(
        text,
        [
            "红寺堡镇人民调解委员会",
            "调解申请书",
            f"编号：{case.number}",
            "申请人：马建国，男，回族",
            "640303195503010030",
            "被申请人：杨学军",
            "申请事项",
            "请求改建排水沟。",
            "事实和理由",
            "双方因院墙排水问题发生争执。",
            "涉及金额：人民币3000.00元",
            "此致",
            "红寺堡镇人民调解委员会",
            "申请人：马建国（签名或盖章）",
            cn_date(case.created_at),
        ],
        case.number,
    )
    assert ink_fraction(pdf) > 0.01


def test_acceptance_and_rights_notice(world, font_mode):
    case = world.make_case(State.ACCEPTED)
    _pdf, text = text_of("acceptance", case)
    assert_in_order(
        text,
        [
            "受理登记表",
            case.number,
            "纠纷简要情况",
            "双方因院墙排水问题发生争执。",
            "受理意见",
            "由马桂兰担任人民调解员",
            "负责人（签名）",
        ],
        case.number,
    )
    # the Ministry's form is one page, its signatures under the opinion they sign
    assert page_count(_pdf) == 1
    assert_present(
        text,
        [
            "受理日期",
            ymd(case.accepted_at),
            "承办调解员",
            "马桂兰",
            "马建国（老年人、退役军人）",
            "640303195503010030",
            "被申请人",
            "杨学军",
            "640303198001010018",
            "13895300001",
        ],
    )
    _pdf, text = text_of("rights_notice", case)
    assert_in_order(
        text,
        [
            "权利义务告知书",
            case.number,
            "马建国、杨学军：",
            "当事人享有下列权利",
            "（一）选择或者接受调解员",
            "（四）自主表达意愿、自愿达成调解协议",
            "当事人应当履行下列义务",
            "（一）如实陈述纠纷事实",
            "（三）尊重对方当事人行使权利",
            "本案人民调解员为马桂兰",
            "红寺堡镇人民调解委员会（盖章）",
            cn_date(case.accepted_at),
            "马建国已阅知（签名）",
            "杨学军已阅知（签名）",
        ],
        case.number,
    )


def test_session_record_one_form_per_session(world, font_mode):
    case = world.make_case(State.MEDIATING)
    add_session(world, case, "第一次调解：双方陈述。", n=2)
    add_session(world, case, "第二次调解：被申请人同意改建。", n=1)
    pdf, text = text_of("session_record", case)
    assert_in_order(
        text,
        [
            "调解记录（第1次）",
            case.number,
            "调解情况记录",
            "第一次调解：双方陈述。",
            "马建国（签名）",
            "杨学军（签名）",
            "调解记录（第2次）",
            "调解情况记录",
            "第二次调解：被申请人同意改建。",
        ],
        case.number,
    )
    assert_present(
        text, ["红寺堡镇人民调解委员会调解室", "马建国、杨学军", "马建国与杨学军邻里纠纷"]
    )
    assert page_count(pdf) == 2


def test_agreement_carries_what_the_law_asks(agreed_case, font_mode):
    case, a = agreed_case, agreed_case.current_agreement
    pdf, text = text_of("agreement", case)
    assert_in_order(
        text,
        [
            "人民调解协议书",
            f"编号：{case.number}",
            "申请人：马建国",
            "640303195503010030",
            "被申请人：杨学军",
            "640303198001010018",
            "纠纷主要事实",
            # the agreement's own facts and each party's responsibility (PML art 29)
            "被申请人修建院墙致申请人院内雨水倒灌",
            "争议事项",
            "请求改建排水沟。",
            "各方当事人的责任",
            "被申请人修建院墙未留排水通道，应承担主要责任。",
            "经调解，双方当事人自愿达成如下协议",
            "被申请人于十日内改建排水沟并赔偿申请人三千元。",
            "履行方式、时限",
            "现金一次性支付",
            f"履行期限：{ymd(a.performance_due)}前履行完毕",
            f"本协议自{ymd(a.effective_date)}起生效",
            "《中华人民共和国人民调解法》第二十九条至第三十一条",
            "三十日内共同向人民法院申请司法确认",
            "本协议一式三份，当事人各持一份，红寺堡镇人民调解委员会留存一份",
            "申请人：马建国（签名、盖章或按指印）",
            "被申请人：杨学军（签名、盖章或按指印）",
            "人民调解员：马桂兰（签名）",
            "红寺堡镇人民调解委员会（盖章）",
            cn_date(a.effective_date),
        ],
        case.number,
    )
    assert "年" in cn_date(a.effective_date) and "〇" in cn_date(a.effective_date)
    # one "争议事项" heading, not two (review fix)
    assert flat(text, case.number).count("争议事项") == 1
    assert ink_fraction(pdf) > 0.01


def test_masked_personal_data(agreed_case):
    _pdf, text = text_of("agreement", agreed_case, full=False)
    assert "640303********0030" in text
    assert "640303195503010030" not in text
    assert "13995312345" not in text and "139****2345" in text


def test_oral_agreement(world, font_mode):
    case = world.make_case(State.MEDIATING)
    case = agree(world, case, form="oral", terms="被申请人当场赔偿申请人五百元。")
    _pdf, text = text_of("oral_agreement", case)
    assert_in_order(
        text,
        [
            "口头协议登记表",
            case.number,
            "当事人以口头方式达成调解协议",
            "马建国（签名）",
            "杨学军（签名）",
            "红寺堡镇人民调解委员会（盖章）",
        ],
        case.number,
    )
    assert_present(
        text,
        [
            "申请人马建国",
            "被申请人杨学军",
            "被申请人修建院墙致申请人院内雨水倒灌",
            "被申请人当场赔偿申请人五百元。",
            "现金一次性支付",
        ],
    )
    ok, reason = documents.applies("agreement", case)
    assert not ok and "口头协议" in reason


def test_confirmation_application(world, font_mode):
    case = world.make_case(State.CONFIRMING)
    _pdf, text = text_of("confirmation_application", case)
    assert_in_order(
        text,
        [
            "司法确认申请书",
            "申请人：马建国",
            "申请人：杨学军",
            "请求事项",
            "请求确认申请人马建国、杨学军于",
            "经红寺堡镇人民调解委员会主持调解达成的《人民调解协议书》",
            "（见附件1）有效",
            "事实和理由",
            # in a joint application both are 申请人: the terms name each side
            "杨学军修建院墙致马建国院内雨水倒灌",
            "杨学军于十日内改建排水沟并赔偿马建国三千元。",
            "申请人承诺",
            "附：",
            f"《人民调解协议书》（编号：{case.number}）一份",
            "申请人身份证明",
            "财产权利证明",
            "送达地址",
            "此致",
            "红寺堡区人民法院",
            "申请人：马建国（签名或盖章）",
            "申请人：杨学军（签名或盖章）",
            cn_date(case.confirmation_requested_at),
        ],
    )
    # a joint application: every party applies, nobody is a 被申请人 here
    assert "被申请人" not in flat(text)


def test_lawyer_network_failure(world, font_mode):
    case = world.make_case(State.MEDIATING, org=world.lawyer_studio)
    case = services.perform(
        case,
        "fail",
        case.mediator,
        {
            "reason": "no_agreement",
            "routes": "可向法院起诉",
            "undisputed_facts": "双方确认院墙系被申请人于2015年所建。",
        },
    )
    assert case.number.startswith("（") and "律调字" in case.number
    assert "律律调字" not in case.number
    _pdf, text = text_of("termination_notice", case)
    assert_in_order(
        text,
        [
            "红寺堡区律师调解工作室",
            "终止调解告知书",
            case.number,
            "马建国、杨学军：",
            "马建国与杨学军邻里纠纷一案",
            "因未能达成协议",
            "《最高人民法院司法部关于开展律师调解试点工作的意见》",
            "决定终止调解",
            "你（单位）可以通过下列途径维护自己的权利",
            "可向法院起诉",
            "特此告知",
            "红寺堡区律师调解工作室（盖章）",
        ],
        case.number,
    )
    _pdf, text = text_of("undisputed_facts", case)
    assert_in_order(
        text,
        [
            "无争议事实记载",
            case.number,
            "申请人：马建国",
            "被申请人：杨学军",
            "双方当事人未能达成调解协议",
            "一、双方当事人无争议的事实",
            "双方确认院墙系被申请人于2015年所建。",
            "二、双方当事人仍有争议的事项",
            "请求改建排水沟。",
            "无需对调解过程中已确认的无争议事实举证",
            "马建国（签名）",
            "杨学军（签名）",
            "律师调解员：丁明（签名）",
        ],
        case.number,
    )
    # the facts entered for the record, not the applicant's summary
    assert "双方因院墙排水问题发生争执" not in flat(text, case.number)
    assert "人民调解法" not in flat(text, case.number)
    people = world.make_case(State.FAILED)
    ok, reason = documents.applies("undisputed_facts", people)
    assert not ok and "律师调解" in reason


def test_transfer_letter_for_referral_and_for_transfer(world, font_mode):
    # labour disputes go to the labour arbitration commission (LDMAL art 5)
    case = world.make_case(State.FAILED, category="labor")
    case = services.perform(
        case, "refer", world.mediator, {"route": "arbitration", "target_org": world.arbitration.pk}
    )
    _pdf, text = text_of("transfer_letter", case)
    assert_in_order(
        text,
        [
            # to the parties: a notice of their route, not a letter between bodies
            "告知书",
            case.number,
            "马建国、杨学军：",
            "马建国与杨学军劳动争议纠纷一案",
            "调解终止",
            "你（单位）可以依法向红寺堡区劳动人事争议仲裁委员会申请仲裁",
            "联系人：马桂兰",
            "红寺堡镇人民调解委员会（盖章）",
        ],
        case.number,
    )
    moved = world.make_case(State.ACCEPTED)
    moved = services.perform(
        moved,
        "transfer",
        world.head,
        {"target_org": world.other.pk, "reason": "纠纷发生地在太阳山镇"},
    )
    _pdf, text = text_of("transfer_letter", moved)
    assert_in_order(
        text,
        [
            "红寺堡镇人民调解委员会",
            "移送函",
            # the sender's number: the receiver numbers the case anew (issue 28)
            moved.original_number,
            "太阳山镇人民调解委员会：",
            "因纠纷发生地在太阳山镇",
            "我单位现将该纠纷移送你单位调解",
            "红寺堡镇人民调解委员会（盖章）",
        ],
    )


def test_follow_up(world, font_mode):
    case = world.make_case(State.CLOSED)
    _pdf, text = text_of("follow_up", case)
    assert_in_order(
        text, ["回访记录", case.number, "回访情况", "回访人（签名）", cn_date(today())], case.number
    )
    assert_present(
        text,
        [
            "回访日期",
            ymd(today()),
            "申请人马建国",
            "被申请人杨学军",
            "被申请人于十日内改建排水沟并赔偿申请人三千元",
            "已履行",
        ],
    )


@pytest.mark.parametrize(
    ("state", "kind", "reason"),
    [
        (State.REGISTERED, "acceptance", "尚未受理"),
        (State.DECLINED, "acceptance", "不予受理"),
        (State.ACCEPTED, "session_record", "尚无调解记录"),
        (State.MEDIATING, "agreement", "尚未达成调解协议"),
        (State.AGREED, "confirmation_application", "未申请司法确认"),
        (State.AGREED, "termination_notice", "未终止调解"),
        (State.MEDIATING, "transfer_letter", "未移送或移交"),
        (State.AGREED, "follow_up", "尚无回访记录"),
    ],
)
def test_not_applicable_has_a_reason(world, state, kind, reason):
    case = world.make_case(state)
    ok, why = documents.applies(kind, case)
    assert not ok and reason in why
    with pytest.raises(documents.NotApplicable) as exc:
        documents.render(kind, case)
    assert reason in exc.value.reason


def test_judicial_network_has_no_confirmation(world):
    case = world.make_case(State.AGREED, org=world.court)
    ok, why = documents.applies("confirmation_application", case)
    assert not ok and "法院调解" in why


def test_case_file_files_every_document_in_order(world, font_mode):
    case = world.make_case(State.MEDIATING)
    add_session(world, case, "第一次调解记录。", n=2)
    add_session(world, case, "第二次调解记录。", n=1)
    case = agree(world, case)
    visit = {"date": today().isoformat(), "performed": True, "early_reason": "已当场履行"}
    services.add_follow_up(case, world.mediator, visit)
    case = services.perform(case, "close", world.mediator, {"note": "已履行"})
    pdf = documents.render("case_file", case)
    text = pdftotext(pdf)
    titles = [
        "人民调解申请书",
        "人民调解受理登记表",
        "人民调解权利义务告知书",
        "人民调解记录（第1次）",
        "人民调解记录（第2次）",
        "人民调解协议书",
        "人民调解回访记录",
        "案件流转记录",
        "卷内备考表",
    ]
    # cover, then contents listing every document, then the documents in that order
    assert_in_order(text, ["人民调解卷宗", "卷内目录", *titles], case.number)
    assert_present(text, ["申请人：马建国；被申请人：杨学军", "案件登记", "开始调解", "达成协议"])
    # the contents cite the 卷内页号 stamped on the page each document starts on
    contents = pdftotext(pdf, 2, layout=True)
    pages = page_count(pdf)
    front = 2
    for title in titles:
        row = next(line for line in contents.splitlines() if title in line)
        start = int(re.search(r"\s(\d+)(?:–\d+)?(?:\s|$)", row.split(title, 1)[1]).group(1))
        assert 1 <= start <= pages - front
        page_text = pdftotext(pdf, front + start)
        assert page_text.split()[0] == str(start) or str(start) in page_text.split()[:3]
        body = flat(page_text, case.number)
        assert title.replace("（第1次）", "").replace("（第2次）", "") in body, (title, start)
    # the 备考表 is the last page
    assert "卷内备考表" in pdftotext(pdf, pages)
    assert_present(pdftotext(pdf, pages), ["立卷人", "检查人", "保管期限", "定期30年"])


def test_font_modes_embed_or_not(agreed_case, settings, ttf_font):
    settings.PDF_FONT_MODE = "ttf"
    ttf = documents.render("agreement", agreed_case)
    settings.PDF_FONT_MODE = "cid"
    cid = documents.render("agreement", agreed_case)
    assert b"/FontFile2" in ttf  # embedded TrueType subset
    assert b"STSong-Light" in cid and b"/FontFile" not in cid
    for pdf in (ttf, cid):
        assert "被申请人于十日内改建排水沟并赔偿申请人三千元。" in pdftotext(pdf)
        assert ink_fraction(pdf) > 0.01


def test_available_lists_what_applies_in_filing_order(world):
    case = world.make_case(State.FAILED, org=world.lawyer_studio)
    assert [code for code, _title in documents.available(case)] == [
        "application",
        "acceptance",
        "rights_notice",
        "termination_notice",
        "case_file",
    ]
    assert documents.available(world.make_case(State.REGISTERED)) == [
        ("application", "人民调解申请书"),
        ("case_file", "人民调解卷宗"),
    ]
