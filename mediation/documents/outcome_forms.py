"""The builders of the documents of an outcome (DESIGN.md §7): agreements, the court's
statement, the confirmation application, the notices that end or hand off a case, the
follow-up record, the undisputed facts."""

import datetime as dt

from django.db.models import Min, Q
from django.utils import timezone

from mediation.law.choices import (
    Category,
    FailReason,
    Network,
    OrgKind,
    PartyRole,
    Role,
)
from mediation.law.court_fees import acceptance_fee, mediated_fee, yuan
from mediation.law.identity import display_name

from ..models import Case, Membership, Organization, Party
from .context import (
    LAWYER_OPINION,
    Ctx,
    Section,
)
from .layout import (
    cn_count,
    cn_date,
    form_table,
    gap,
    keep_together,
    para,
    paras,
    signature_block,
    ymd,
)


def agreement_facts(ctx: Ctx) -> str:
    """The facts the agreement states: entered with the agreement when it has them."""
    return getattr(ctx.agreement, "facts", "") or ctx.case.summary


def responsibilities(ctx: Ctx) -> list[str]:
    """Each party's responsibility as entered with the agreement (PML art 29)."""
    value = getattr(ctx.agreement, "responsibilities", None)
    if not value:
        return []
    if isinstance(value, str):
        return [line for line in value.splitlines() if line.strip()]
    if isinstance(value, dict):
        value = [{"party": k, "responsibility": v} for k, v in value.items()]
    names = {str(link.party_id): link.party.name for link in ctx.links}
    out = []
    for item in value:
        if isinstance(item, dict):
            who = item.get("name") or names.get(str(item.get("party")), "")
            what = item.get("responsibility") or item.get("text") or ""
            out.append(f"{who}：{what}" if who else what)
        else:
            out.append(str(item))
    return [line for line in out if line.strip()]


def build_agreement(ctx: Ctx) -> list[Section]:
    s, case, a = ctx.s, ctx.case, ctx.made_agreement
    copies = len(ctx.links) + 1
    title = ctx.title("agreement")
    # The 交警's paper is a 调解书 and calls itself so throughout.
    word = "调解书" if title.endswith("调解书") else "协议"
    out = ctx.head(title)
    out += ctx.party_paras()
    out += [para("纠纷主要事实：", s.heading), *paras(agreement_facts(ctx), s.indent)]
    if case.claims:
        out += [para("争议事项：", s.heading), *paras(case.claims, s.indent)]
    duties = responsibilities(ctx)
    if duties:
        out += [para("各方当事人的责任：", s.heading), *[para(d, s.indent) for d in duties]]
    out += [para("经调解，双方当事人自愿达成如下协议：", s.heading), *paras(a.terms, s.indent)]
    out += [
        para("履行方式、时限：", s.heading),
        *paras(a.performance_method, s.indent),
        para(f"履行期限：{ymd(a.performance_due)}前履行完毕。", s.indent),
    ]
    # The closing clauses — the effect, the confirmation, the copies — go with the
    # signatures: a signature page never stands with only a line of boilerplate.
    closing = [
        para(
            f"本{word}自{ymd(a.effective_date)}起生效，对双方当事人具有法律约束力，"
            f"当事人应当按照约定履行（{ctx.law('agreement')}）。",
            s.indent,
        ),
    ]
    if not a.concerns_status:
        closing.append(
            para(
                f"双方当事人认为有必要的，可以自本{word}生效之日起三十日内共同向"
                "人民法院申请司法确认。",
                s.indent,
            )
        )
    signatures = keep_together(
        [
            *closing,
            para(
                f"本{word}一式{cn_count(copies)}份，当事人各持一份，{ctx.org.name}留存一份。",
                s.indent,
            ),
            signature_block(
                s,
                [
                    f"{PartyRole(link.role).label}：{link.party.name}（签名、盖章或按指印）"
                    for link in ctx.links
                ]
                + [f"{ctx.mediator_title}：{ctx.mediator_name}（签名）"],
            ),
        ]
    )
    out += ctx.seal(a.effective_date, signatures)
    return [out]


def court_case_number(case: Case) -> str:
    """The court's own number for the case it closes by a 民事调解书: （2026）宁0303民初7号 —
    year, the basic court's code (a tribunal numbers under it), the type 民初 (first-instance
    civil case, 《最高人民法院关于人民法院案件案号的若干规定》), the sequence without padding.

    The sequence is the court's, not the mediation case's: a tribunal and its basic court
    each number their 诉前调 cases from 1, so their serials would give two cases one 民初
    number. N is the case's place, by its first agreement, among the judicial cases of the
    basic court and its tribunals whose first agreement fell in that year — unique per court
    and year, and stable, since agreements are never deleted."""
    court = case.org.basic_court
    first = case.agreements.order_by("id").first()
    year = timezone.localtime(first.created_at if first else None).year
    if first is None:
        return f"（{year}）{court.court_code or court.short_code}民初　号"
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, 1, 1, tzinfo=tz)
    end = dt.datetime(year + 1, 1, 1, tzinfo=tz)
    seq = (
        Case.objects.filter(network=Network.JUDICIAL)
        .filter(Q(org=court) | Q(org__parent=court, org__kind=OrgKind.COURT))
        .annotate(first_id=Min("agreements__id"), first_at=Min("agreements__created_at"))
        .filter(first_id__lte=first.id, first_at__gte=start, first_at__lt=end)
        .count()
    )
    return f"（{year}）{court.court_code or court.short_code}民初{seq}号"


def _court_member(org: Organization, role: str) -> str:
    """The tribunal's own member of `role`, or else the basic court's."""
    for where in dict.fromkeys([org, org.basic_court]):
        m = (
            Membership.objects.select_related("user")
            .filter(org=where, role=role, user__is_active=True)
            .order_by("id")
            .first()
        )
        if m:
            return display_name(m.user)
    return ""


def _court_clerk(org: Organization) -> str:
    """The clerk who signs: the tribunal's own, or else the basic court's."""
    return _court_member(org, Role.CLERK)


def _court_judge(case: Case) -> str:
    """The 审判员 who signs the 调解书 (民事诉讼法 第一百条第二款: 审判人员、书记员署名): the
    case's mediator when a judge of the tribunal or its court; a mediator who is not (an
    invited mediator, a judge's assistant) cannot sign a court's instrument, so the
    tribunal's, or else the court's, judge does."""
    org = case.org
    if (
        case.mediator_id
        and Membership.objects.filter(
            user_id=case.mediator_id,
            org__in=[org, org.basic_court],
            role=Role.JUDGE,
            user__is_active=True,
        ).exists()
    ):
        return display_name(case.mediator)
    return _court_member(org, Role.JUDGE)


# In court the parties are plaintiff and defendant (民事诉讼法 第五十一条).
COURT_ROLES: dict[str, str] = {
    PartyRole.APPLICANT: "原告",
    PartyRole.RESPONDENT: "被告",
    PartyRole.THIRD_PARTY: "第三人",
}
STATEMENT_EFFECT = "《中华人民共和国民事诉讼法》第一百条第三款"


def court_words(text: str) -> str:
    """The mediation's words for the parties in the court's: a 民事调解书 names them 原告
    and 被告 throughout, as its heading does (the 诉前调解 record said 申请人/被申请人)."""
    return text.replace("被申请人", "\0").replace("申请人", "原告").replace("\0", "被告")


def build_mediation_statement(ctx: Ctx) -> list[Section]:
    """民事调解书: the court's own instrument (民事诉讼法 第一百条): the claims, the facts,
    the result and the fee, under the basic court's name, number and seal even when its
    tribunal mediated; signed by the judge and the clerk; served on the parties by 送达回证
    and effective when they sign for it — no sign-off lines in the instrument itself."""
    s, case, a = ctx.s, ctx.case, ctx.made_agreement
    court = ctx.org.basic_court
    plaintiffs = ctx.applicants
    out: Section = [
        para(court.name, s.subtitle),
        para("民 事 调 解 书", s.title),
        para(court_case_number(case), s.number),
    ]
    for link in ctx.links:
        out.append(para(ctx.particulars(link.party, COURT_ROLES[link.role]), s.body))
    out += [
        para(
            f"原告{ctx.names(plaintiffs)}与被告{ctx.names(ctx.respondents)}"
            f"{case.get_category_display()}纠纷一案，本院于{ymd(case.accepted_at)}立案后，"
            "依法进行了调解。",
            s.indent,
        ),
        para("诉讼请求：", s.heading),
        *(paras(court_words(case.claims), s.indent) or [para("—", s.indent)]),
        para("案件事实：", s.heading),
        *paras(court_words(agreement_facts(ctx)), s.indent),
    ]
    duties = [court_words(d) for d in responsibilities(ctx)]
    if duties:
        out += [para("各方当事人的责任：", s.heading), *[para(d, s.indent) for d in duties]]
    labour = case.category == Category.LABOR
    fee = acceptance_fee(case.amount, labour=labour)
    half = mediated_fee(case.amount, labour=labour)
    out += [
        para("本案经本院主持调解，当事人自愿达成如下协议：", s.heading),
        *paras(court_words(a.terms), s.indent),
        para(f"履行方式：{a.performance_method}；履行期限：{ymd(a.performance_due)}前。", s.indent),
        para(
            f"案件受理费{yuan(fee)}元，减半收取计{yuan(half)}元，由原告{ctx.names(plaintiffs)}"
            "负担（《诉讼费用交纳办法》第十五条、第三十一条）。",
            s.indent,
        ),
        para("上述协议，不违反法律规定，本院予以确认。", s.indent),
    ]
    clerk = _court_clerk(ctx.org)
    out.append(
        keep_together(
            [
                para(
                    f"本调解书经各方当事人签收后，即具有法律效力（{STATEMENT_EFFECT}）。",
                    s.indent,
                ),
                gap(8),
                para(f"审判员　{_court_judge(case) or '　　　　'}", s.right),
                gap(4),
                para(cn_date(a.effective_date), s.right),
                para(f"{court.name}（院印）", s.right),
                gap(4),
                para("本件与原本核对无异", s.body),
                gap(2),
                para(f"书记员　{clerk or '　　　　'}", s.right),
            ]
        )
    )
    return [out]


def build_oral_agreement(ctx: Ctx) -> list[Section]:
    s, case, a = ctx.s, ctx.case, ctx.made_agreement
    rows = [
        ["案号", case.number, "纠纷类型", case.get_category_display()],
        [
            "当事人",
            "；".join(f"{PartyRole(link.role).label}{link.party.name}" for link in ctx.links),
        ],
        ["纠纷事项", agreement_facts(ctx)],
        ["协议内容", a.terms],
        ["履行方式", a.performance_method],
        ["履行期限", ymd(a.performance_due), "生效日期", ymd(a.effective_date)],
        [ctx.mediator_title, ctx.mediator_name, "登记日期", ymd(a.created_at)],
    ]
    out = ctx.head(ctx.title("oral_agreement"), numbered=False)
    out += [
        form_table(s, rows),
        para("当事人以口头方式达成调解协议，调解员已记录协议内容，当事人确认无误。", s.indent),
    ]
    signatures = signature_block(
        s,
        [f"{link.party.name}（签名）：" for link in ctx.links]
        + [f"{ctx.mediator_title}（签名）："],
    )
    out += ctx.seal(a.created_at, signatures)
    return [out]


# 法释〔2011〕5号 第三条: what a confirmation application hands in besides the agreement.
CONFIRMATION_ATTACHMENTS = [
    "申请人身份证明、资格证明；",
    "与调解协议相关的财产权利证明等证明材料；",
    "当事人送达地址、电话号码等联系方式（送达地址确认书）。",
]


def confirmation_applicants(ctx: Ctx) -> list[Party]:
    """The parties who apply: those named in the application when recorded, otherwise
    every party (a joint application)."""
    ids = getattr(ctx.case, "confirmation_applicants", None) or getattr(
        ctx.agreement, "applicants", None
    )
    if ids:
        wanted = {int(i) for i in ids}
        chosen = [link.party for link in ctx.links if link.party_id in wanted]
        if chosen:
            return chosen
    return [link.party for link in ctx.links]


def by_name(ctx: Ctx, text: str) -> str:
    """The agreement's words with each side named: in a joint application every party is
    an 申请人, so "被申请人赔偿申请人" would not say who pays whom."""
    respondents, applicants = ctx.names(ctx.respondents), ctx.names(ctx.applicants)
    if not respondents or not applicants:
        return text
    # 被申请人 contains 申请人: replace it first, through a marker no input holds.
    marker = "\x00"
    return (
        text.replace("被申请人", marker).replace("申请人", applicants).replace(marker, respondents)
    )


def build_confirmation_application(ctx: Ctx) -> list[Section]:
    """司法确认申请书: the parties' own application to the court (民事诉讼法 第二百零五条;
    法释〔2011〕5号): no organisation's letterhead, number or seal; the agreement it asks to
    confirm listed first among the papers attached; the parties sign under the text."""
    s, case, a = ctx.s, ctx.case, ctx.made_agreement
    court = case.confirmation_court
    applicants = confirmation_applicants(ctx)
    agreement_title = ctx.title("agreement")
    out: Section = [para("司法确认申请书", s.title), gap(2)]
    out += [para(ctx.particulars(p, "申请人"), s.body) for p in applicants]
    consenting = set(getattr(case, "confirmation_consent_of", None) or [])
    others = [link.party for link in ctx.links if link.party_id in consenting]
    if others:
        out.append(para(f"{ctx.names(others)}已同意由申请人申请司法确认（同意书附后）。", s.indent))
    out += [
        para("请求事项：", s.heading),
        para(
            f"请求确认申请人{ctx.names(applicants)}于{ymd(a.effective_date)}经{ctx.org.name}"
            f"主持调解达成的《{agreement_title}》（见附件1）有效。",
            s.indent,
        ),
        para("事实和理由：", s.heading),
        *paras(by_name(ctx, agreement_facts(ctx)), s.indent),
        para(f"经{ctx.org.name}主持调解，双方当事人自愿达成调解协议，协议内容如下：", s.indent),
        *paras(by_name(ctx, a.terms), s.indent),
        para("申请人承诺：", s.heading),
        para("（一）出于解决纠纷的目的自愿达成协议，没有恶意串通、规避法律的行为；", s.indent),
        para(
            "（二）如果因为该协议内容而给他人造成损害的，愿意承担相应的民事责任和其他法律责任。",
            s.indent,
        ),
    ]
    attached = [f"《{agreement_title}》（编号：{case.number}）一份；", *CONFIRMATION_ATTACHMENTS]
    # The attachments, the addressee and the signatures stay together: a signature
    # block is never alone on a page.
    out.append(
        keep_together(
            [
                para("附：", s.heading),
                *[para(f"{n}. {item}", s.indent) for n, item in enumerate(attached, start=1)],
                gap(2),
                para("此致", s.body),
                para(court.name if court else "", s.body),
                signature_block(
                    s,
                    [f"申请人：{p.name}（签名或盖章）" for p in applicants],
                    cn_date(case.confirmation_requested_at),
                ),
            ]
        )
    )
    return [out]


def fail_reason(case: Case) -> str:
    """Why mediation ended, as a clause can say it: "其他" says nothing ("因其他，" reads
    as a blank), so it is left out."""
    if case.end_reason in FailReason.values and case.end_reason != FailReason.OTHER:
        return str(FailReason(case.end_reason).label)
    return ""


def because(reason: object) -> str:
    """因……， — or nothing when no reason was given (never "因，")."""
    return f"因{reason}，" if reason else ""


def build_termination_notice(ctx: Ctx) -> list[Section]:
    s, case = ctx.s, ctx.case
    event = ctx.last_transition("fail")
    reason = fail_reason(case)
    everyone = [link.party for link in ctx.links]
    refused_before = (
        case.end_reason == FailReason.PARTY_REFUSED and case.respondent_consent_at is None
    )
    if refused_before:
        # PML art 17: a party's clear refusal means no mediation at all.
        body = (
            f"{ctx.dispute}一案，{ctx.self_word}于{ymd(case.accepted_at)}受理。"
            f"因当事人一方明确拒绝调解，{ctx.basis('refused')}，不得调解，决定终止调解。"
        )
    else:
        body = (
            f"{ctx.dispute}一案，{ctx.self_word}于{ymd(case.accepted_at)}"
            f"受理并进行调解。{because(reason)}{ctx.basis('terminate')}，决定终止调解。"
        )
    out = ctx.head(ctx.title("termination_notice"))
    out += [
        para(f"{ctx.names(everyone)}：", s.body),
        para(body, s.indent),
        para("你（单位）可以通过下列途径维护自己的权利：", s.heading),
        *paras(case.routes_advised, s.indent),
        para("特此告知。", s.indent),
        *ctx.seal(event.at if event else None),
    ]
    return [out]


def build_decline_notice(ctx: Ctx) -> list[Section]:
    s, case = ctx.s, ctx.case
    event = ctx.last_transition("decline")
    out = ctx.head(ctx.title("decline_notice"))
    out += [
        para(f"{ctx.names(ctx.applicants)}：", s.body),
        para(
            f"你（单位）于{ymd(case.created_at)}申请调解的{ctx.dispute}一案，"
            f"经审查，{because(case.end_note)}{ctx.self_word}决定不予受理。",
            s.indent,
        ),
        para("你（单位）可以通过下列途径维护自己的权利：", s.heading),
        *paras(case.routes_advised, s.indent),
        para("特此告知。", s.indent),
        *ctx.seal(event.at if event else None),
    ]
    return [out]


def build_follow_up(ctx: Ctx) -> list[Section]:
    s, case = ctx.s, ctx.case
    a = ctx.agreement
    sections = []
    for n, f in enumerate(ctx.follow_ups, start=1):
        rows = [
            ["案号", case.number, "回访日期", ymd(f.date)],
            [
                "当事人",
                "；".join(f"{PartyRole(link.role).label}{link.party.name}" for link in ctx.links),
            ],
            ["协议内容", a.terms if a else "—"],
            [
                "履行期限",
                ymd(a.performance_due) if a else "—",
                "履行情况",
                "已履行" if f.performed else "未履行",
            ],
            ["回访人", display_name(f.recorded_by) or "—", "回访次数", f"第{n}次"],
            [
                "满意度",
                f.get_satisfaction_display() if f.satisfaction else "未评价",
                "激化迹象",
                "有" if f.escalation_signs else "无",
            ],
        ]
        out = ctx.head(ctx.title("follow_up"), numbered=False)
        out += [form_table(s, rows), para("回访情况：", s.heading)]
        out += paras(f.note, s.indent) or [
            para(
                "协议履行情况良好，当事人无异议。" if f.performed else "协议尚未履行完毕。",
                s.indent,
            )
        ]
        out.append(signature_block(s, ["回访人（签名）：", "被回访人（签名）："], cn_date(f.date)))
        sections.append(out)
    return sections


def build_undisputed_facts(ctx: Ctx) -> list[Section]:
    s, case = ctx.s, ctx.case
    reason = fail_reason(case)
    event = ctx.last_transition("fail")
    out = ctx.head(ctx.title("undisputed_facts"))
    out += ctx.party_paras()
    out += [
        para(
            f"{ctx.dispute}一案，经{ctx.org.name}调解，{because(reason)}双方当事人未能达成"
            "调解协议。经双方当事人同意，律师调解员将调解过程中双方没有争议的事实记载如下"
            f"（{LAWYER_OPINION}）：",
            s.indent,
        ),
        para("一、双方当事人无争议的事实：", s.heading),
        *paras(case.undisputed_facts, s.indent),
        para("二、双方当事人仍有争议的事项：", s.heading),
        *(paras(case.claims, s.indent) or [para("—", s.indent)]),
        para(
            "双方当事人确认以上无争议事实。在诉讼程序中，除涉及国家利益、社会公共利益和他人"
            "合法权益的外，当事人无需对调解过程中已确认的无争议事实举证。",
            s.indent,
        ),
    ]
    signatures = signature_block(
        s,
        [f"{link.party.name}（签名）：" for link in ctx.links]
        + [f"律师调解员：{ctx.mediator_name}（签名）"],
    )
    out += ctx.seal(event.at if event else None, signatures)
    return [out]


# -- registry ---------------------------------------------------------------------------
