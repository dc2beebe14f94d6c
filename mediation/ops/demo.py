"""Demo data for 红寺堡区 (DESIGN.md §10), driven through the real services so every demo
case has an honest history of events. Deterministic (seeded) and idempotent."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.db import transaction
from django.utils import timezone

from mediation.actions import services
from mediation.county.demo import seed_advisers, seed_subsidies, seed_training_and_targets
from mediation.documents import backlog, records
from mediation.law.choices import (
    Category,
    Channel,
    EscalationKind,
    FailReason,
    OrgKind,
    ReferRoute,
    Role,
    State,
)
from mediation.law.identity import id_check_char
from mediation.law.transitions import STATUS_OR_TITLE_CATEGORIES
from mediation.models import Case, Membership, Organization
from mediation.ops import demo_disputes, demo_parties, demo_video
from mediation.ops.demo_police import POLICE_STATIONS, seed_police_referrals
from mediation.ops.demo_prevention import seed_prevention
from mediation.ops.demo_staff import DemoPassword, build_mediator_profiles
from workflows.models import CaseTask
from workflows.services import complete_task, start_court_referral, start_petition_transfer

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOWNSHIPS = [
    # name, short code of the township committee, villages (name, short code)
    ("红寺堡镇", "红", [("中圈塘村", "红中"), ("弘德村", "红弘")]),
    ("太阳山镇", "太", [("太阳山村", "太阳"), ("沙草墩村", "太沙")]),
    ("大河乡", "大", [("大河村", "大河"), ("龙源村", "大龙")]),
    ("新庄集乡", "新庄", [("康庄村", "新康"), ("杨柳村", "新杨")]),
    ("柳泉乡", "柳", [("柳泉村", "柳泉"), ("永新村", "柳永")]),
    ("南川乡", "南", [("南川村", "南川"), ("东源村", "南东")]),
    ("新民街道", "新民", [("新民社区", "新社"), ("平安社区", "新平")]),
]
INDUSTRY = [
    ("红寺堡区医疗纠纷人民调解委员会", "医", "medical"),
    ("红寺堡区道路交通事故纠纷人民调解委员会", "交", "traffic"),
    ("红寺堡区劳动争议人民调解委员会", "劳", "labour"),
    ("红寺堡区旅游纠纷人民调解委员会", "旅", "tourism"),
    ("红寺堡区教育纠纷人民调解委员会", "教", "education"),
    ("红寺堡区环境纠纷人民调解委员会", "环", "environment"),
]
# name, short code, the kind of organ whose remit (mediation.law.remits) it mediates within
ADMIN_ORGANS = [
    ("红寺堡区公安局交通警察大队", "交警", "traffic_police"),
    ("红寺堡区人力资源和社会保障局", "人社", "human_resources"),
    ("红寺堡区卫生健康局", "卫健", "health"),
    ("红寺堡区市场监督管理局", "市监", "market_regulation"),
    ("红寺堡区自然资源局", "自然", "natural_resources"),
]
DISTRICT = "红寺堡区"

SURNAMES = "马杨李王张刘丁海田苏金白何罗周吴"
# Given names by the gender they are read as, so a party's name and gender agree.
GIVEN_MALE = ["建国", "学军", "志强", "文华", "振华", "国庆", "永福", "德胜", "红军", "少华"]
GIVEN_FEMALE = ["桂兰", "玉梅", "海燕", "秀英", "小花", "淑珍", "春燕", "彩霞", "金花", "丽娟"]
GIVEN = GIVEN_MALE + GIVEN_FEMALE
ETHNIC = ["回族", "汉族", "回族", "汉族", "回族"]

# username, organisation name, role, Chinese name
ACCOUNTS = [
    ("intake", "红寺堡区公共法律服务中心", Role.INTAKE_CLERK, "周晓梅"),
    ("mediator", "红寺堡镇人民调解委员会", Role.MEDIATOR, "马桂兰"),
    ("mediator2", "红寺堡镇人民调解委员会", Role.MEDIATOR, "杨志强"),
    ("head", "红寺堡镇人民调解委员会", Role.ORG_HEAD, "李文华"),
    ("outsider", "太阳山镇人民调解委员会", Role.MEDIATOR, "张海燕"),
    ("admin_mediator", "红寺堡区公安局交通警察大队", Role.MEDIATOR, "王德胜"),
    ("lawyer", "红寺堡区律师调解工作室", Role.MEDIATOR, "丁明"),
    ("clerk", "红寺堡区人民法院", Role.CLERK, "海春燕"),
    ("judge", "红寺堡区人民法院", Role.JUDGE, "金振华"),
    ("president", "红寺堡区人民法院", Role.PRESIDENT, "罗德胜"),
    ("petition", "红寺堡区信访局", Role.PETITION_OFFICER, "田国庆"),
    ("arbiter", "红寺堡区劳动人事争议仲裁委员会", Role.ARBITRATOR, "苏永福"),
    # the land-contract commission's staff, so its referral tasks reach someone
    ("land_arbiter", "红寺堡区农村土地承包仲裁委员会", Role.ARBITRATOR, "马玉琴"),
    ("legalaid", "红寺堡区法律援助中心", Role.LEGAL_AID_OFFICER, "罗彩霞"),
    ("supervisor", "红寺堡区司法局", Role.SUPERVISOR, "白淑珍"),
    # a village legal adviser arranged by the township's justice office (§12.4)
    ("adviser", "红寺堡镇司法所", Role.LEGAL_ADVISER, "何文华"),
    ("police", "红寺堡派出所", Role.POLICE_OFFICER, "海志强"),  # 警调对接 (§12.4)
]


def build_organizations() -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}

    def put(
        name: str,
        short: str,
        kind: str,
        region: str = "",
        parent: Organization | None = None,
        subtype: str = "",
        scope: str = "",
        court_code: str = "",
    ) -> Organization:
        org, _created = Organization.objects.update_or_create(
            name=name,
            defaults={
                "short_code": short,
                "kind": kind,
                "region": region,
                "parent": parent,
                "subtype": subtype,
                "scope": scope,
                "court_code": court_code,
                # Every organisation prints its telephone on its letters (移送函, 告知书).
                "phone": f"0953-50{len(orgs) + 10:05d}",
            },
        )
        orgs[name] = org
        return org

    bureau = put("红寺堡区司法局", "区司", OrgKind.JUSTICE_BUREAU, DISTRICT)
    put("红寺堡区公共法律服务中心", "红公", OrgKind.LEGAL_SERVICE_CENTER, DISTRICT, bureau)
    put("红寺堡区法律援助中心", "援", OrgKind.LEGAL_AID, DISTRICT, bureau)
    put("红寺堡区信访局", "红访", OrgKind.PETITION_BUREAU, DISTRICT)
    put("红寺堡区劳动人事争议仲裁委员会", "红仲", OrgKind.ARBITRATION, DISTRICT, scope="labor")
    put(
        "红寺堡区农村土地承包仲裁委员会",
        "土仲",
        OrgKind.ARBITRATION,
        DISTRICT,
        scope="land_contract",
    )
    court = put("红寺堡区人民法院", "红院", OrgKind.COURT, DISTRICT, court_code="宁0303")
    put("红寺堡区人民法院太阳山人民法庭", "太庭", OrgKind.COURT, "太阳山镇", court)
    put("红寺堡区律师调解工作室", "律", OrgKind.LAWYER_STUDIO, DISTRICT, bureau)
    for name, short, subtype in ADMIN_ORGANS:
        put(name, short, OrgKind.ADMIN_ORGAN, DISTRICT, subtype=subtype)
    for name, short, subtype in INDUSTRY:
        put(name, short, OrgKind.PEOPLE_COMMITTEE, DISTRICT, bureau, subtype)
    for town, short, villages in TOWNSHIPS:
        office = put(f"{town}司法所", f"{short}司", OrgKind.JUSTICE_BUREAU, town, bureau)
        committee = put(
            f"{town}人民调解委员会", short, OrgKind.PEOPLE_COMMITTEE, town, office, "township"
        )
        for vname, vshort in villages:
            put(
                f"{town}{vname}人民调解委员会",
                vshort,
                OrgKind.PEOPLE_COMMITTEE,
                town,
                committee,
                "village",
            )
    for name, short, region in POLICE_STATIONS:
        put(name, short, OrgKind.POLICE_STATION, region)
    return orgs


def _set_name(user: User, full_name: str) -> None:
    user.last_name, user.first_name = full_name[:1], full_name[1:]


def build_accounts(orgs: dict[str, Organization]) -> dict[str, User]:
    users = {}
    password = DemoPassword(settings.DEMO_PASSWORD)
    rng = random.Random(7)
    for username, org_name, role, full in ACCOUNTS:
        users[username] = _account(username, full, password, orgs[org_name], role)
    # Every other mediating organisation gets a head and a mediator so demo cases move.
    for org in orgs.values():
        if not org.is_mediating:
            continue
        for role in (Role.ORG_HEAD, Role.MEDIATOR):
            if Membership.objects.filter(org=org, role=role).exists():
                continue
            full = rng.choice(SURNAMES) + rng.choice(GIVEN)
            _account(f"{role}_{org.pk}", full, password, org, role)
    return users


def _account(username: str, full: str, pw: DemoPassword, org: Organization, role: str) -> User:
    user, created = get_user_model().objects.get_or_create(username=username)
    if created or not pw.holds(user.password):
        _set_name(user, full)
        user.password = pw.encoded
        user.save()
        password_validation.password_changed(pw.raw, user)  # the history, as set_password
    Membership.objects.get_or_create(user=user, org=org, role=role)
    return user


def make_id_number(rng: random.Random, birth: dt.date, male: bool) -> str:
    seq = rng.randrange(0, 50) * 2 + (1 if male else 0)
    body = f"640303{birth:%Y%m%d}{rng.randrange(0, 10)}{seq:02d}"[:17]
    body = body[:14] + f"{rng.randrange(0, 10)}{rng.randrange(0, 10)}{seq % 10}"
    return body + id_check_char(body)


def _person(rng: random.Random, role: str, today: dt.date) -> dict[str, Any]:
    male = rng.random() < 0.5
    age = rng.choice([25, 34, 41, 52, 63, 68, 75, 30, 45, 16])
    birth = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    tags: list[str] = []
    if rng.random() < 0.08:
        tags.append("disabled")
    # A veteran or a migrant worker is an adult: the draws stay, so the demo is the same.
    if rng.random() < 0.05 and age >= 18:
        tags.append("veteran")
    if rng.random() < 0.1 and age >= 18:
        tags.append("migrant_worker")
    person: dict[str, Any] = {
        "role": role,
        "kind": "person",
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN_MALE if male else GIVEN_FEMALE),
        "gender": "male" if male else "female",
        "ethnicity": rng.choice(ETHNIC),
        "id_number": make_id_number(rng, birth, male),
        "phone": f"139{rng.randrange(10**7, 10**8)}",
        "address": f"宁夏吴忠市红寺堡区{rng.choice(TOWNSHIPS)[0]}",
        "tags": tags,
    }
    if age < 18:
        # A minor takes part through a guardian (民法典 art 23): registration needs one.
        parent_birth = dt.date(today.year - 42, birth.month, birth.day)
        person["representative"] = {
            "kind": "guardian",
            "name": person["name"][:1] + rng.choice(GIVEN_FEMALE if male else GIVEN_MALE),
            "id_number": make_id_number(rng, parent_birth, not male),
            "phone": f"138{rng.randrange(10**7, 10**8)}",
            "authorization": "户口簿载明的父母子女关系",
        }
    return person


SUMMARIES = {
    Category.NEIGHBOUR: (
        "双方因院墙排水问题发生争执，申请人称被申请人修建院墙导致雨水倒灌。",
        "请求被申请人改建排水沟并赔偿损失。",
    ),
    Category.LABOR: ("申请人在被申请人工地务工三个月，被拖欠工资。", "请求支付拖欠工资。"),
    Category.TRAFFIC: ("双方车辆在县道发生刮擦，交警认定同等责任。", "请求赔偿车辆维修费。"),
    Category.MARRIAGE_FAMILY: ("兄妹因赡养父母费用分担发生纠纷。", "请求按月分担赡养费。"),
    Category.HOUSING_LAND: ("双方对宅基地界线有争议。", "请求确认宅基地界线。"),
    Category.LAND_CONTRACT: ("土地流转合同到期后租金未付清。", "请求支付剩余流转费。"),
    Category.CONTRACT: ("买卖枸杞苗合同履行发生争议。", "请求退还货款。"),
    Category.MEDICAL: ("患者术后出现并发症，家属对诊疗过程有异议。", "请求医院赔偿医疗费。"),
    Category.PROPERTY_MGMT: (
        "申请人以小区照明和门禁长期损坏为由拒交物业费，与物业公司发生争执。",
        "请求物业公司修复设施、改进服务。",
    ),
    Category.CONSUMER: ("购买的农机存在质量问题。", "请求退货退款。"),
}


# The disputes an industry committee or an administrative organ takes (its remit).
SPECIALISED = {
    **{key: [Category.MEDICAL] for key in ("medical", "health")},
    **{key: [Category.TRAFFIC] for key in ("traffic", "traffic_police")},
    **{key: [Category.LABOR] for key in ("labour", "human_resources")},
    "market_regulation": [Category.CONSUMER],
    "natural_resources": [Category.HOUSING_LAND],
}


def _case_payload(rng: random.Random, org: Organization, today: dt.date) -> dict[str, Any]:
    category = rng.choice(SPECIALISED.get(org.subtype) or list(SUMMARIES))
    summary, claims = SUMMARIES[category]
    respondent = _person(rng, "respondent", today)
    # The draws stay as they were (rng.random, then rng.choice when drawn): the rest of
    # the demo is the same; only who the respondent is follows the dispute.
    drawn = rng.random() < 0.25
    if drawn:
        rng.choice(["红寺堡区某建筑公司", "某农业合作社", "某物业服务公司"])
    name = demo_disputes.respondent_org(category, drawn)
    if name:
        respondent = {
            "role": "respondent",
            "kind": "organization",
            "name": name,
            "credit_code": "91640300MA76A1B2C3",
            "phone": "0953-5012345",
        }
    return {
        "org": org.pk,
        "category": category,
        "channel": rng.choice(DESK_CHANNELS),
        "summary": summary,
        "claims": claims,
        "amount": str(rng.choice([None, 1500, 3000, 12000, 48000]) or ""),
        "region": org.region if org.region != DISTRICT else rng.choice(TOWNSHIPS)[0],
        "parties": [_person(rng, "applicant", today), respondent],
    }


DESK_CHANNELS = [Channel.WALK_IN, Channel.HOTLINE, Channel.ONLINE, Channel.PROACTIVE]
DESK_CHANNELS.append(Channel.POLICE_REFERRAL)

# Target end states, weighted so every page has something to show.
PLAN = (
    [State.REGISTERED] * 20
    + [State.ACCEPTED] * 15
    + [State.MEDIATING] * 30
    + [State.AGREED] * 15
    + [State.CONFIRMING] * 10
    + [State.CONFIRMED] * 10
    + [State.CONFIRMATION_REJECTED] * 5
    + [State.FAILED] * 15
    + [State.REFERRED] * 10
    + [State.DECLINED] * 8
    + [State.WITHDRAWN] * 8
    + [State.CLOSED] * 40
    + [State.ARCHIVED] * 14
)


def _staff(org: Organization, role: str) -> User:
    """The first member with `role` (build_accounts gives every mediating organisation a
    head and a mediator)."""
    m = Membership.objects.filter(org=org, role=role).select_related("user").order_by("id").first()
    if m is None:
        raise LookupError(f"{org} has no {role}")
    return m.user


def _complete_court_task(
    case: Case, kind: str, user: User, data: str | dict[str, Any], t: dt.datetime
) -> None:
    if isinstance(data, str):
        data = {"decision": "register", "number": data}
    task = CaseTask.objects.get(case=case, kind=kind, status="NEW")
    complete_task(task.pk, user, data, now=t)


def drive(
    case: Case,
    target: str,
    rng: random.Random,
    users: dict[str, User],
    orgs: dict[str, Organization],
    t: dt.datetime,
) -> None:
    """Move a registered case to `target` through the transition service."""
    head = _staff(case.org, Role.ORG_HEAD)
    mediator = _staff(case.org, Role.MEDIATOR)
    court = orgs["红寺堡区人民法院"]
    judge = users["judge"]

    def step(name: str, user: User, data: dict[str, Any] | None = None, days: int = 1) -> Case:
        nonlocal t
        t = min(t + dt.timedelta(days=days, hours=rng.randint(0, 8)), timezone.now())
        return services.perform(case, name, user, data or {}, now=t)

    if target == State.REGISTERED:
        return
    if target == State.DECLINED:
        step(
            "decline", head, {"reason": "不属于人民调解受理范围", "routes": "可向人民法院提起诉讼"}
        )
        return
    if target == State.WITHDRAWN and rng.random() < 0.5:
        step("withdraw", head, {"note": "申请人撤回申请"})
        return
    step("accept", head, {"mediator": mediator.pk})
    if target == State.ACCEPTED:
        return
    if target == State.WITHDRAWN:
        step("withdraw", mediator, {"note": "双方自行和解，申请人撤回"})
        return
    step("begin", mediator, {"consent": True})
    services.add_session(
        case,
        mediator,
        {
            "held_at": t.isoformat(),
            "place": f"{case.org.name}调解室",
            "attendees": "申请人、被申请人、调解员",
            "record": "双方陈述事实，调解员释法明理。",
        },
        now=t,
    )
    _flag_escalation(case, mediator, t)
    if target == State.MEDIATING:
        return
    if target in (State.FAILED, State.REFERRED):
        step(
            "fail",
            mediator,
            {"reason": rng.choice(FailReason.values), "routes": demo_disputes.routes(case)},
        )
        if target == State.REFERRED:
            route = (
                ReferRoute.ARBITRATION if case.category == Category.LABOR else ReferRoute.LITIGATION
            )
            step("refer", mediator, {"route": route})
        if target == State.FAILED or rng.random() < 0.5:
            return
        step("record_result", mediator, {"result": "已由人民法院立案受理"})
        return
    summary, _claims = SUMMARIES.get(Category(case.category), (case.summary, ""))
    agreement = {
        "form": "written",
        "facts": summary,
        "responsibilities": "被申请人对纠纷的发生负主要责任，申请人负次要责任。",
        "terms": demo_disputes.terms(case),
        "performance_method": "银行转账",
        "amount": "3000.00",
    }
    t = min(t + dt.timedelta(days=1), timezone.now())
    eff = timezone.localdate(t)
    # An oral agreement suits a small neighbour dispute performed at once (PML art 28);
    # labour and medical agreements are always written (LDMAL art 14).
    if case.category == Category.NEIGHBOUR and target == State.AGREED and rng.random() < 0.5:
        agreement["form"] = "oral"
    else:
        agreement["effective_date"] = eff.isoformat()
    agreement["performance_due"] = (eff + dt.timedelta(days=10)).isoformat()
    step("reach_agreement", mediator, agreement, days=0)
    if target == State.AGREED:
        return
    judicial = case.network == "judicial"
    if target in (State.CONFIRMING, State.CONFIRMED, State.CONFIRMATION_REJECTED) and not judicial:
        application = {"court": court.pk, "joint_application": True, "paper_signatures": True}
        if case.category in STATUS_OR_TITLE_CATEGORIES:
            application.update(concerns_status=False, concerns_title=False)
        step("request_confirmation", mediator, application)
        if target == State.CONFIRMING:
            return
        # The court's side runs through the confirmation flow's tasks (clerk, then judge).
        t = min(t + dt.timedelta(days=1), timezone.now())
        number = f"（{t.year}）宁0303民特{case.pk}号"
        _complete_court_task(case, "confirmation.register", users["clerk"], number, t)
        t = min(t + dt.timedelta(days=4), timezone.now())
        if target == State.CONFIRMED:
            _complete_court_task(case, "confirmation.decide", judge, {"decision": "confirm"}, t)
        else:
            grounds = {"decision": "reject", "grounds": "协议内容违反法律强制性规定"}
            _complete_court_task(case, "confirmation.decide", judge, grounds, t)
        return
    if target in (State.CLOSED, State.ARCHIVED):
        # the follow-up comes after the performance date (eff + 10), unless that is ahead
        t = min(t + dt.timedelta(days=12), timezone.now())
        visit = {"date": timezone.localdate(t).isoformat(), "performed": True, "note": "已履行"}
        if timezone.localdate(t) < eff + dt.timedelta(days=10):
            visit["early_reason"] = "被申请人已提前履行完毕"
        services.add_follow_up(case, mediator, visit, now=t)
        step("close", mediator, {"note": "协议已履行"}, days=0)
        if target == State.ARCHIVED:
            step("archive", head, {})


# 防止民间纠纷激化 (the Ministry table's columns): some mediations meet a dispute that
# threatens to become one of these — one case in five, the kinds in turn — and those that
# settle count as prevented; the others stay flagged.
ESCALATIONS = [
    (EscalationKind.CRIMINAL, "一方扬言报复对方，有持械伤人的苗头"),
    (EscalationKind.MASS_PETITION, "十余户村民扬言集体到区政府上访"),
    (EscalationKind.MASS_FIGHT, "双方家族各自召集亲属，有聚众械斗的苗头"),
    (EscalationKind.SUICIDE, "申请人情绪低落，流露轻生念头"),
]


def _flag_escalation(case: Case, mediator: User, t: dt.datetime) -> None:
    if case.pk % 5:
        return
    kind, note = ESCALATIONS[(case.pk // 5) % len(ESCALATIONS)]
    services.flag_risk(case, mediator, {"level": "medium", "note": note, "kind": kind}, now=t)


def seed(
    say: Callable[[str], object] | None = None,
    count: int = len(PLAN),
    *,
    defer_documents: bool = False,
) -> dict[str, int]:
    """`defer_documents` (`seed_demo`): queue the cases' documents for `serve` to render
    once it answers (mediation.documents.backlog) instead of rendering them now."""
    with transaction.atomic():
        orgs = build_organizations()
        users = build_accounts(orgs)
        build_mediator_profiles()
    existing = Case.objects.filter(registered_by__username__in=["intake", "mediator"]).count()
    if existing:
        return {"organizations": len(orgs), "cases_created": 0}
    rng = random.Random(2026)
    now = timezone.now()
    with records.deferred(defer_documents) as jobs:
        created = _seed_cases(rng, users, orgs, count, now, say)
        seed_prevention(rng, users, orgs, now, person=_person, staff=_staff)
        # beside the plan: the dispute whose parties take part online (§12.2) and the
        # police stations' referrals (警调对接); before the month's subsidies, which grade
        # every ended committee case, these included
        demo_parties.seed_online_dispute(users, orgs, _person, drive)
        seed_police_referrals(users, orgs, _person, drive)
        seed_subsidies(users["supervisor"], now)
        seed_training_and_targets(users["supervisor"], now)
        seed_advisers(users["supervisor"], users.get("adviser"), now)
        demo_video.seed_video_session(users, now)
    # after the jobs' own on-commit hooks (immediate here, in autocommit; last in a test's)
    transaction.on_commit(lambda: backlog.add(jobs))
    return {"organizations": len(orgs), "cases_created": created}


def _seed_cases(
    rng: random.Random,
    users: dict[str, User],
    orgs: dict[str, Organization],
    count: int,
    now: dt.datetime,
    say: Callable[[str], object] | None,
) -> int:
    mediating = [o for o in orgs.values() if o.is_mediating]
    home = orgs["红寺堡镇人民调解委员会"]
    created, shown = 0, time.monotonic()
    for i, target in enumerate(PLAN[:count]):
        org = home if i % 3 == 0 else rng.choice(mediating)
        start = now - dt.timedelta(days=rng.randint(0, 330), hours=rng.randint(0, 20))
        if target in (
            State.CONFIRMING,
            State.AGREED,
            State.REGISTERED,
            State.ACCEPTED,
            State.MEDIATING,
        ):
            start = now - dt.timedelta(days=rng.randint(0, 12), hours=rng.randint(1, 20))
        payload = _case_payload(rng, org, timezone.localdate(start))
        case = _register(i, org, payload, users, start)
        drive(case, target, rng, users, orgs, start)
        created += 1
        if say and time.monotonic() - shown > 2:
            say(f"演示案件：{created}/{count}")
            shown = time.monotonic()
    return created


def _register(
    i: int, org: Organization, payload: dict[str, Any], users: dict[str, User], t: dt.datetime
) -> Case:
    """Most cases come to the desk; some come from the petition bureau (访调对接) or are
    referred by the court (诉调对接) — to people's mediation committees only."""
    if org.kind == OrgKind.PEOPLE_COMMITTEE and i % 10 == 4:
        received = timezone.localdate(t)
        body = {
            **payload,
            "petition_number": f"红访转〔{received.year}〕{i + 1}号",
            "petitioner_consent": True,
            "received_on": received.isoformat(),
            "feedback_due": (received + dt.timedelta(days=60)).isoformat(),
        }
        return start_petition_transfer(users["petition"], body, now=t)
    if org.kind == OrgKind.PEOPLE_COMMITTEE and i % 10 == 7:
        year = timezone.localdate(t).year
        body = {**payload, "referral_number": f"（{year}）宁0303民诉前调{i + 1}号"}
        return start_court_referral(users["clerk"], body, now=t)
    registrar = users["intake"] if i % 2 else users["mediator"]
    if registrar.username == "mediator" and org.name != "红寺堡镇人民调解委员会":
        registrar = users["intake"]
    return services.register_case(registrar, payload, now=t)
