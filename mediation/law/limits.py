"""The legal time limits as the law sets them (DESIGN.md §3 "Legal clocks").

`SEEDED` is what the data migration writes into `TimeLimit` and what `mediation.law.clocks`
falls back to for a stage the table holds no row for (an emptied table never leaves a
case without its clock). An administrator edits the table, not this list.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    ACCEPTANCE = "acceptance", _("受理决定")
    ACCEPTANCE_PRIORITY = "acceptance_priority", _("受理决定（优先受理）")
    MEDIATION = "mediation", _("调解期限")
    REFERRAL_PRE_FILING = "referral_pre_filing", _("委派调解")
    REFERRAL_POST_FILING = "referral_post_filing", _("委托调解")
    REFERRAL_SUMMARY = "referral_summary", _("委托调解（简易程序）")
    PETITION_ACCEPT = "petition_accept", _("信访事项受理告知")
    PETITION_HANDLE = "petition_handle", _("信访事项办理")
    CONFIRMATION_APPLY = "confirmation_apply", _("申请司法确认")
    CONFIRMATION_REGISTER = "confirmation_register", _("司法确认立案")
    CONFIRMATION_DECIDE = "confirmation_decide", _("司法确认审查")
    LABOUR_ARBITRATION_ACCEPT = "labour_arbitration_accept", _("劳动仲裁受理")
    LABOUR_ARBITRATION_AWARD = "labour_arbitration_award", _("劳动仲裁裁决")
    LAND_ARBITRATION_ACCEPT = "land_arbitration_accept", _("土地承包仲裁受理")
    LAND_ARBITRATION_AWARD = "land_arbitration_award", _("土地承包仲裁裁决")
    LITIGATION_FILING = "litigation_filing", _("法院立案审查")
    LEGAL_AID_REVIEW = "legal_aid_review", _("法律援助审查")
    COMPLAINT_HANDLE = "complaint_handle", _("投诉办理")


class Unit(models.TextChoices):
    CALENDAR = "calendar", _("日")
    WORKING = "working", _("工作日")
    # 民法典 第二百零二条: a period in months ends on the corresponding day of the last month
    # (the month's last day where it has none).
    MONTH = "month", _("个月")


class StartEvent(models.TextChoices):
    REGISTRATION = "registration", _("收到申请（登记）之日")
    ACCEPTANCE = "acceptance", _("受理之日")
    SIGN_FOR = "sign_for", _("签收法院移交材料之日")
    PETITION_RECEIVED = "petition_received", _("收到信访事项之日")
    PETITION_ACCEPTED = "petition_accepted", _("受理信访事项之日")
    AGREEMENT_EFFECTIVE = "agreement_effective", _("调解协议生效之日")
    APPLICATION = "application", _("收到司法确认申请之日")
    COURT_REGISTRATION = "court_registration", _("司法确认立案之日")
    FILING = "filing", _("收到当事人申请（起诉）之日")
    ARBITRATION_ACCEPTED = "arbitration_accepted", _("仲裁委员会受理之日")
    LEGAL_AID_APPLICATION = "legal_aid_application", _("收到法律援助申请（移送）之日")
    COMPLAINT_RECEIVED = "complaint_received", _("收到投诉之日")


ANY = ""

PEOPLE_MEDIATION_BASIS = (
    "人民调解委员会调解纠纷，一般在一个月内调结（《人民调解工作若干规定》第三十三条）"
)
# Mediation in the court's network is 特邀调解 (法释〔2016〕14号): the court's own limit, not
# the people's-mediation rule.
JUDICIAL_MEDIATION_BASIS = (
    "人民法院特邀调解的期限为30日，当事人同意延长的除外"
    "（《最高人民法院关于人民法院特邀调解的规定》，法释〔2016〕14号）"
)
LAWYER_MEDIATION_BASIS = (
    "律师调解参照特邀调解的期限，一般30日内调结，当事人同意延长的除外"
    "（《最高人民法院 司法部关于开展律师调解试点工作的意见》，司发通〔2017〕105号）"
)

# (network, category, stage, count, unit, start, extension, basis)
SEEDED = [
    (
        ANY,
        ANY,
        Stage.ACCEPTANCE,
        3,
        Unit.CALENDAR,
        StartEvent.REGISTRATION,
        0,
        "收到调解申请之日起3日内决定是否受理（本区受理时限，未见法定期限，管理员可按本地规定调整）",
    ),
    (
        ANY,
        ANY,
        Stage.ACCEPTANCE_PRIORITY,
        1,
        Unit.CALENDAR,
        StartEvent.REGISTRATION,
        0,
        "老年人、残疾人、军人军属、退役军人的纠纷优先受理，1日内决定是否受理"
        "（本区受理时限，未见法定期限，管理员可按本地规定调整）",
    ),
    (
        ANY,
        ANY,
        Stage.MEDIATION,
        1,
        Unit.MONTH,
        StartEvent.ACCEPTANCE,
        0,
        PEOPLE_MEDIATION_BASIS,
    ),
    (
        "judicial",
        ANY,
        Stage.MEDIATION,
        30,
        Unit.CALENDAR,
        StartEvent.ACCEPTANCE,
        0,
        JUDICIAL_MEDIATION_BASIS,
    ),
    (
        "lawyer",
        ANY,
        Stage.MEDIATION,
        30,
        Unit.CALENDAR,
        StartEvent.ACCEPTANCE,
        0,
        LAWYER_MEDIATION_BASIS,
    ),
    (
        ANY,
        "labor",
        Stage.MEDIATION,
        15,
        Unit.CALENDAR,
        StartEvent.REGISTRATION,
        0,
        "自收到调解申请之日起15日内未达成调解协议的，当事人可以依法申请仲裁"
        "（《劳动争议调解仲裁法》第十四条）",
    ),
    (
        ANY,
        "medical",
        Stage.MEDIATION,
        30,
        Unit.WORKING,
        StartEvent.ACCEPTANCE,
        0,
        "自受理之日起30个工作日内完成调解，鉴定时间不计入调解期限"
        "（《医疗纠纷预防和处理条例》第三十八条）",
    ),
    (
        "administrative",
        "traffic",
        Stage.MEDIATION,
        10,
        Unit.CALENDAR,
        StartEvent.ACCEPTANCE,
        0,
        "交通事故损害赔偿调解期限为10日（《道路交通安全法实施条例》第九十四条、第九十五条）",
    ),
    (
        ANY,
        ANY,
        Stage.REFERRAL_PRE_FILING,
        30,
        Unit.CALENDAR,
        StartEvent.SIGN_FOR,
        0,
        "委派调解期限为30日，自签收法院移交材料之日起计算"
        "（《最高人民法院关于人民法院特邀调解的规定》，法释〔2016〕14号）",
    ),
    (
        ANY,
        ANY,
        Stage.REFERRAL_POST_FILING,
        15,
        Unit.CALENDAR,
        StartEvent.SIGN_FOR,
        0,
        "委托调解期限为15日，自签收法院移交材料之日起计算"
        "（《最高人民法院关于人民法院特邀调解的规定》，法释〔2016〕14号）",
    ),
    (
        ANY,
        ANY,
        Stage.REFERRAL_SUMMARY,
        7,
        Unit.CALENDAR,
        StartEvent.SIGN_FOR,
        0,
        "适用简易程序的案件委托调解期限为7日，自签收法院移交材料之日起计算"
        "（《最高人民法院关于人民法院特邀调解的规定》，法释〔2016〕14号）",
    ),
    (
        ANY,
        ANY,
        Stage.PETITION_ACCEPT,
        15,
        Unit.CALENDAR,
        StartEvent.PETITION_RECEIVED,
        0,
        "自收到信访事项之日起15日内告知信访人是否受理（《信访工作条例》，2022年）",
    ),
    (
        ANY,
        ANY,
        Stage.PETITION_HANDLE,
        60,
        Unit.CALENDAR,
        StartEvent.PETITION_ACCEPTED,
        30,
        "自受理之日起60日内办结；情况复杂的，经批准可延长，延长不超过30日"
        "（《信访工作条例》，2022年）",
    ),
    (
        ANY,
        ANY,
        Stage.CONFIRMATION_APPLY,
        30,
        Unit.CALENDAR,
        StartEvent.AGREEMENT_EFFECTIVE,
        0,
        "自调解协议生效之日起30日内共同向人民法院申请司法确认（《民事诉讼法》第二百零五条）",
    ),
    (
        ANY,
        ANY,
        Stage.CONFIRMATION_REGISTER,
        3,
        Unit.CALENDAR,
        StartEvent.APPLICATION,
        0,
        "人民法院收到司法确认申请，应当在3日内决定是否受理"
        "（《最高人民法院关于人民调解协议司法确认程序的若干规定》（法释〔2011〕5号）第四条）",
    ),
    (
        ANY,
        ANY,
        Stage.CONFIRMATION_DECIDE,
        15,
        Unit.CALENDAR,
        StartEvent.COURT_REGISTRATION,
        10,
        "受理后15日内作出是否确认的决定；因特殊情况经本院院长批准可延长10日"
        "（《最高人民法院关于人民调解协议司法确认程序的若干规定》（法释〔2011〕5号）第五条）",
    ),
    (
        ANY,
        ANY,
        Stage.LABOUR_ARBITRATION_ACCEPT,
        5,
        Unit.CALENDAR,
        StartEvent.FILING,
        0,
        "劳动争议仲裁委员会收到仲裁申请之日起5日内决定是否受理（《劳动争议调解仲裁法》第二十九条）",
    ),
    (
        ANY,
        ANY,
        Stage.LAND_ARBITRATION_ACCEPT,
        5,
        Unit.WORKING,
        StartEvent.FILING,
        0,
        "农村土地承包仲裁委员会自收到仲裁申请之日起五个工作日内决定是否受理并通知申请人"
        "（《农村土地承包经营纠纷调解仲裁法》第二十四条）",
    ),
    (
        ANY,
        ANY,
        Stage.LAND_ARBITRATION_AWARD,
        60,
        Unit.CALENDAR,
        StartEvent.ARBITRATION_ACCEPTED,
        30,
        "自受理仲裁申请之日起六十日内结束；案情复杂经仲裁委员会主任批准可延长，延长不超过三十日"
        "（《农村土地承包经营纠纷调解仲裁法》第四十八条）",
    ),
    (
        ANY,
        ANY,
        Stage.LABOUR_ARBITRATION_AWARD,
        45,
        Unit.CALENDAR,
        StartEvent.ARBITRATION_ACCEPTED,
        15,
        "自受理仲裁申请之日起45日内结束；案情复杂经仲裁委员会主任批准可延期，延长不超过15日"
        "（《劳动争议调解仲裁法》第四十三条）",
    ),
    (
        ANY,
        ANY,
        Stage.LITIGATION_FILING,
        7,
        Unit.CALENDAR,
        StartEvent.FILING,
        0,
        "人民法院收到起诉状之日起7日内决定是否立案（《民事诉讼法》第一百二十六条）",
    ),
    (
        ANY,
        ANY,
        Stage.LEGAL_AID_REVIEW,
        7,
        Unit.CALENDAR,
        StartEvent.LEGAL_AID_APPLICATION,
        0,
        "法律援助机构自收到法律援助申请之日起7日内审查并作出是否给予法律援助的决定"
        "（《中华人民共和国法律援助法》第四十三条）",
    ),
    (
        # No statute fixes it: the justice bureau's own limit for complaints about
        # mediators (DESIGN.md §8), kept in the table so an administrator can change it.
        ANY,
        ANY,
        Stage.COMPLAINT_HANDLE,
        30,
        Unit.CALENDAR,
        StartEvent.COMPLAINT_RECEIVED,
        0,
        "投诉自收到之日起30日内办结（司法局内部办理时限，无法定期限）",
    ),
]
