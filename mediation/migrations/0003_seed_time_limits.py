"""Seed TimeLimit with the law's values (DESIGN.md §3 "Legal clocks").

The rows are fixed here rather than read from mediation.law.limits.SEEDED, which may
change later (a change there needs a data migration of its own); on a fresh database the
table equals SEEDED, as tests/mediation/test_clocks.py checks. An administrator edits the
table afterwards."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

FIELDS = ("network", "category", "stage", "count", "unit", "start", "extension", "basis")
# One row a line, "" is any; in this order they get ids 1 to 23.
# fmt: off
ROWS = [
    ("", "", "acceptance", 3, "calendar", "registration", 0, "收到调解申请之日起3日内决定是否受理（大调解工作规范）"),
    ("", "", "acceptance_priority", 1, "calendar", "registration", 0, "老年人、残疾人、军人军属、退役军人的纠纷优先受理，1日内决定是否受理（大调解工作规范：优先受理、优先办理）"),
    ("", "", "mediation", 1, "month", "acceptance", 0, "人民调解委员会调解纠纷，一般在一个月内调结（《人民调解工作若干规定》第三十三条）"),
    ("judicial", "", "mediation", 30, "calendar", "acceptance", 0, "人民法院特邀调解的期限为30日，当事人同意延长的除外（《最高人民法院关于人民法院特邀调解的规定》，法释〔2016〕14号）"),
    ("lawyer", "", "mediation", 30, "calendar", "acceptance", 0, "律师调解参照特邀调解的期限，一般30日内调结，当事人同意延长的除外（《最高人民法院 司法部关于开展律师调解试点工作的意见》，司发通〔2017〕105号）"),
    ("", "labor", "mediation", 15, "calendar", "registration", 0, "自收到调解申请之日起15日内未达成调解协议的，当事人可以依法申请仲裁（《劳动争议调解仲裁法》第十四条）"),
    ("", "medical", "mediation", 30, "working", "acceptance", 0, "自受理之日起30个工作日内完成调解，鉴定时间不计入调解期限（《医疗纠纷预防和处理条例》第三十八条）"),
    ("administrative", "traffic", "mediation", 10, "calendar", "acceptance", 0, "交通事故损害赔偿调解期限为10日（《道路交通安全法实施条例》第九十四条、第九十五条）"),
    ("", "", "referral_pre_filing", 30, "calendar", "sign_for", 0, "委派调解期限为30日，自签收法院移交材料之日起计算（《最高人民法院关于人民法院特邀调解的规定》，法释〔2016〕14号）"),
    ("", "", "referral_post_filing", 15, "calendar", "sign_for", 0, "委托调解期限为15日，自签收法院移交材料之日起计算（《最高人民法院关于人民法院特邀调解的规定》，法释〔2016〕14号）"),
    ("", "", "referral_summary", 7, "calendar", "sign_for", 0, "适用简易程序的案件委托调解期限为7日，自签收法院移交材料之日起计算（《最高人民法院关于人民法院特邀调解的规定》，法释〔2016〕14号）"),
    ("", "", "petition_accept", 15, "calendar", "petition_received", 0, "自收到信访事项之日起15日内告知信访人是否受理（《信访工作条例》，2022年）"),
    ("", "", "petition_handle", 60, "calendar", "petition_accepted", 30, "自受理之日起60日内办结；情况复杂的，经批准可延长，延长不超过30日（《信访工作条例》，2022年）"),
    ("", "", "confirmation_apply", 30, "calendar", "agreement_effective", 0, "自调解协议生效之日起30日内共同向人民法院申请司法确认（《民事诉讼法》第二百零五条）"),
    ("", "", "confirmation_register", 3, "calendar", "application", 0, "人民法院收到司法确认申请，应当在3日内决定是否受理（《最高人民法院关于人民调解协议司法确认程序的若干规定》（法释〔2011〕5号）第四条）"),
    ("", "", "confirmation_decide", 15, "calendar", "court_registration", 10, "受理后15日内作出是否确认的决定；因特殊情况经本院院长批准可延长10日（《最高人民法院关于人民调解协议司法确认程序的若干规定》（法释〔2011〕5号）第五条）"),
    ("", "", "labour_arbitration_accept", 5, "calendar", "filing", 0, "劳动争议仲裁委员会收到仲裁申请之日起5日内决定是否受理（《劳动争议调解仲裁法》第二十九条）"),
    ("", "", "land_arbitration_accept", 5, "working", "filing", 0, "农村土地承包仲裁委员会自收到仲裁申请之日起五个工作日内决定是否受理并通知申请人（《农村土地承包经营纠纷调解仲裁法》第二十四条）"),
    ("", "", "land_arbitration_award", 60, "calendar", "arbitration_accepted", 30, "自受理仲裁申请之日起六十日内结束；案情复杂经仲裁委员会主任批准可延长，延长不超过三十日（《农村土地承包经营纠纷调解仲裁法》第四十八条）"),
    ("", "", "labour_arbitration_award", 45, "calendar", "arbitration_accepted", 15, "自受理仲裁申请之日起45日内结束；案情复杂经仲裁委员会主任批准可延期，延长不超过15日（《劳动争议调解仲裁法》第四十三条）"),
    ("", "", "litigation_filing", 7, "calendar", "filing", 0, "人民法院收到起诉状之日起7日内决定是否立案（《民事诉讼法》第一百二十六条）"),
    ("", "", "legal_aid_review", 7, "calendar", "legal_aid_application", 0, "法律援助机构自收到法律援助申请之日起7日内审查并作出是否给予法律援助的决定（《中华人民共和国法律援助法》第四十三条）"),
    ("", "", "complaint_handle", 30, "calendar", "complaint_received", 0, "投诉自收到之日起30日内办结（司法局内部办理时限，无法定期限）"),
]
# fmt: on


def seed(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    TimeLimit = apps.get_model("mediation", "TimeLimit")
    for row in ROWS:
        TimeLimit.objects.create(**dict(zip(FIELDS, row, strict=True)))


def unseed(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("mediation", "TimeLimit").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("mediation", "0002_append_only_triggers")]
    replaces = [
        ("mediation", "0004_seed_time_limits"),
        ("mediation", "0014_timelimit_complaint_handle"),
        ("mediation", "0017_mediation_limits_by_network_and_month"),
        ("mediation", "0018_land_contract_arbitration_clocks"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
