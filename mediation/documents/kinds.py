"""The document kinds of DESIGN.md §7: one builder each, and the registry `KINDS`.

A builder takes a `Ctx` (the case with its rows loaded once) and returns the flowables
of one or more forms ("sections": one per mediation session, one per follow-up); a
download joins them with page breaks, the case file files them in order. `applies(ctx)`
says whether the kind exists for the case in its current state, and why not.
"""

from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether

from ..choices import (
    AgreementForm,
    EventType,
    FailReason,
    Network,
    PartyKind,
    PartyRole,
    ReferRoute,
    State,
    Tag,
)
from ..identity import mask_id_number, mask_phone
from ..models import Organization
from .layout import (
    CONTENT_W,
    cn_date,
    form_table,
    gap,
    list_table,
    para,
    paras,
    signature_block,
    styles,
    ymd,
    ymd_hm,
)

ORG_WORD = {
    Network.PEOPLE: "人民调解委员会",
    Network.ADMINISTRATIVE: "行政机关",
    Network.JUDICIAL: "人民法院",
    Network.LAWYER: "律师调解工作室",
}


def person_name(user) -> str:
    if user is None:
        return ""
    return f"{user.last_name}{user.first_name}".strip() or user.get_username()


class Ctx:
    """One case and everything its documents print, loaded once per PDF."""

    def __init__(self, case, *, font, full=True):
        self.case, self.font, self.full = case, font, full

    @cached_property
    def s(self):
        return styles(self.font)

    @cached_property
    def org(self):
        return self.case.org

    @cached_property
    def links(self):
        return list(self.case.case_parties.select_related("party").order_by("position", "id"))

    def by_role(self, role):
        return [link.party for link in self.links if link.role == role]

    @cached_property
    def applicants(self):
        return self.by_role(PartyRole.APPLICANT)

    @cached_property
    def respondents(self):
        return self.by_role(PartyRole.RESPONDENT)

    @cached_property
    def agreement(self):
        return self.case.agreements.order_by("-id").first()

    @cached_property
    def sessions(self):
        return list(self.case.sessions.select_related("recorded_by").order_by("held_at", "id"))

    @cached_property
    def follow_ups(self):
        return list(self.case.follow_ups.select_related("recorded_by").order_by("date", "id"))

    @cached_property
    def events(self):
        return list(self.case.events.select_related("actor").order_by("id"))

    def last_transition(self, name):
        for event in reversed(self.events):
            data = (event.payload or {}).get("data") or {}
            if event.type == EventType.CASE_TRANSITIONED and data.get("transition") == name:
                return event
        return None

    @cached_property
    def mediator_name(self):
        return person_name(self.case.mediator)

    @property
    def mediator_title(self):
        return "人民调解员" if self.case.network == Network.PEOPLE else "调解员"

    def basis(self, articles) -> str:
        """The legal basis cited: the People's Mediation Law binds people's mediation;
        the other networks follow it by reference."""
        if self.case.network == Network.PEOPLE:
            return f"根据《中华人民共和国人民调解法》{articles}的规定"
        return f"参照《中华人民共和国人民调解法》{articles}的规定"

    def id_number(self, party):
        return party.id_number if self.full else mask_id_number(party.id_number)

    def phone(self, party):
        return party.phone if self.full else mask_phone(party.phone)

    def particulars(self, party, role_label) -> str:
        """申请人：马建国，男，回族，1955年3月1日出生，公民身份号码……"""
        bits = [party.name]
        if party.kind == PartyKind.PERSON:
            if party.gender:
                bits.append(party.get_gender_display())
            if party.ethnicity:
                bits.append(party.ethnicity)
            if party.birth_date and self.full:
                bits.append(f"{ymd(party.birth_date)}出生")
            if party.id_number:
                bits.append(f"公民身份号码：{self.id_number(party)}")
            if party.address:
                bits.append(f"住址：{party.address}")
        else:
            if party.credit_code:
                bits.append(f"统一社会信用代码：{party.credit_code}")
            if party.representative:
                bits.append(f"法定代表人（负责人）：{party.representative}")
            if party.address:
                bits.append(f"住所：{party.address}")
        if party.phone:
            bits.append(f"联系电话：{self.phone(party)}")
        return f"{role_label}：" + "，".join(bits) + "。"

    def party_paras(self, roles=(PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.THIRD_PARTY)):
        out = []
        for role in roles:
            label = PartyRole(role).label
            out += [para(self.particulars(p, label), self.s.body) for p in self.by_role(role)]
        return out

    def names(self, parties) -> str:
        return "、".join(p.name for p in parties)

    @property
    def dispute(self) -> str:
        """马建国与杨学军邻里纠纷"""
        return (
            f"{self.names(self.applicants)}与{self.names(self.respondents)}"
            f"{self.case.get_category_display()}纠纷"
        )

    def head(self, title):
        s = self.s
        return [
            para(self.org.name, s.subtitle),
            para(title, s.title),
            para(f"编号：{self.case.number}", s.number),
        ]

    def seal(self, date):
        """The organisation's seal and date line, right-aligned, never split."""
        s = self.s
        return [
            KeepTogether(
                [gap(8), para(f"{self.org.name}（盖章）", s.right), para(cn_date(date), s.right)]
            )
        ]


# -- builders -------------------------------------------------------------------------


def build_application(ctx: Ctx):
    s, case = ctx.s, ctx.case
    out = ctx.head(_("调解申请书"))
    out += ctx.party_paras()
    out += [para(_("申请事项："), s.heading)] + (
        paras(case.claims, s.indent) or [para("—", s.indent)]
    )
    out += [para(_("事实和理由："), s.heading), *paras(case.summary, s.indent)]
    if case.amount is not None:
        out.append(para(f"涉及金额：人民币{case.amount}元。", s.indent))
    out += [
        para(
            f"来源渠道：{case.get_channel_display()}；纠纷类型：{case.get_category_display()}。",
            s.indent,
        ),
        para(f"现申请{ctx.org.name}依法予以调解。", s.indent),
        gap(2),
        para("此致", s.body),
        para(ctx.org.name, s.body),
        signature_block(
            s, [f"申请人：{p.name}（签名或盖章）" for p in ctx.applicants], cn_date(case.created_at)
        ),
    ]
    return [out]


def build_acceptance(ctx: Ctx):
    s, case = ctx.s, ctx.case
    rows = [
        ["案号", case.number, "受理日期", ymd(case.accepted_at)],
        ["来源渠道", case.get_channel_display(), "纠纷类型", case.get_category_display()],
        ["乡镇（街道）", case.region or "—", "村（社区）", case.village or "—"],
        ["登记时间", ymd_hm(case.created_at), "调解期限", ymd(case.due_at) or "—"],
        ["承办调解员", ctx.mediator_name or "—", "优先办理", "是" if case.priority else "否"],
    ]
    if case.amount is not None:
        rows.append(["涉及金额", f"人民币{case.amount}元"])
    party_rows = []
    for link in ctx.links:
        p = link.party
        tags = "、".join(str(Tag(t).label) for t in p.tags if t in Tag.values)
        party_rows.append(
            [
                link.get_role_display(),
                f"{p.name}（{tags}）" if tags else p.name,
                p.get_gender_display() if p.gender else "—",
                ctx.id_number(p) or p.credit_code or "—",
                ctx.phone(p) or "—",
                p.address or "—",
            ]
        )
    out = ctx.head(_("受理登记表"))
    out += [form_table(s, rows), gap(3), para("当事人情况", s.heading)]
    widths = [16 * mm, 26 * mm, 10 * mm, 43 * mm, 28 * mm]
    widths.append(CONTENT_W - sum(widths))
    out.append(
        list_table(
            s, ["地位", "姓名/名称", "性别", "证件号码", "联系电话", "住址"], party_rows, widths
        )
    )
    out += [para("纠纷简要情况", s.heading), *paras(case.summary, s.indent)]
    out += [para("申请事项", s.heading)] + (paras(case.claims, s.indent) or [para("—", s.indent)])
    out += [
        para("受理意见", s.heading),
        para(
            f"经审查，该纠纷属于本{ORG_WORD.get(case.network, '组织')}受理范围，"
            f"当事人同意调解，决定予以受理，由{ctx.mediator_name}担任{ctx.mediator_title}。",
            s.indent,
        ),
        signature_block(s, ["负责人（签名）：", "登记人（签名）："], cn_date(case.accepted_at)),
    ]
    return [out]


RIGHTS = [
    "（一）选择或者接受调解员；",
    "（二）接受调解、拒绝调解或者要求终止调解；",
    "（三）要求调解公开进行或者不公开进行；",
    "（四）自主表达意愿、自愿达成调解协议。",
]
DUTIES = [
    "（一）如实陈述纠纷事实；",
    "（二）遵守调解现场秩序，尊重调解员；",
    "（三）尊重对方当事人行使权利。",
]


def build_rights_notice(ctx: Ctx):
    s, case = ctx.s, ctx.case
    everyone = [link.party for link in ctx.links]
    out = ctx.head(_("权利义务告知书"))
    out += [
        para(f"{ctx.names(everyone)}：", s.body),
        para(
            f"你（单位）与对方当事人之间的{case.get_category_display()}纠纷，"
            f"本{ORG_WORD.get(case.network, '组织')}已于{ymd(case.accepted_at)}受理。"
            "调解遵循当事人自愿、平等的原则，不违背法律、法规和国家政策，尊重当事人的权利，"
            "不因调解而阻止当事人依法通过仲裁、行政、司法等途径维护自己的权利。"
            f"{ctx.basis('第二十三条、第二十四条')}，现将你（单位）"
            "在调解活动中享有的权利和承担的义务告知如下：",
            s.indent,
        ),
        para("一、当事人享有下列权利：", s.heading),
        *[para(x, s.indent) for x in RIGHTS],
        para("二、当事人应当履行下列义务：", s.heading),
        *[para(x, s.indent) for x in DUTIES],
        para(
            f"本案{ctx.mediator_title}为{ctx.mediator_name}。当事人认为调解员与本纠纷有利害关系"
            "或者其他关系可能影响公正调解的，可以申请回避。",
            s.indent,
        ),
        *ctx.seal(case.accepted_at),
        signature_block(s, [f"{p.name}已阅知（签名）：" for p in everyone]),
    ]
    return [out]


def build_session_record(ctx: Ctx):
    s = ctx.s
    sections = []
    for n, session in enumerate(ctx.sessions, start=1):
        rows = [
            ["时间", ymd_hm(session.held_at), "地点", session.place],
            ["调解员", ctx.mediator_name or "—", "记录人", person_name(session.recorded_by) or "—"],
            ["参加人员", session.attendees],
            ["案由", ctx.dispute],
        ]
        out = ctx.head(_("调解记录") + (f"（第{n}次）" if len(ctx.sessions) > 1 else ""))
        out += [form_table(s, rows), para("调解情况记录：", s.heading)]
        out += paras(session.record, s.indent)
        out.append(
            signature_block(
                s,
                [f"{p.name}（签名）：" for p in ctx.applicants + ctx.respondents]
                + [f"{ctx.mediator_title}（签名）：", "记录人（签名）："],
            )
        )
        sections.append(out)
    return sections


def _agreement_parties(ctx):
    return ctx.party_paras()


def build_agreement(ctx: Ctx):
    s, case, a = ctx.s, ctx.case, ctx.agreement
    copies = len(ctx.links) + 1
    out = ctx.head(_("调解协议书"))
    out += _agreement_parties(ctx)
    out += [para("纠纷主要事实、争议事项：", s.heading), *paras(case.summary, s.indent)]
    if case.claims:
        out += [para("争议事项：", s.heading), *paras(case.claims, s.indent)]
    out += [para("经调解，双方当事人自愿达成如下协议：", s.heading), *paras(a.terms, s.indent)]
    out += [
        para("履行方式、时限：", s.heading),
        *paras(a.performance_method, s.indent),
        para(f"履行期限：{ymd(a.performance_due)}前履行完毕。", s.indent),
        para(
            f"本协议自{ymd(a.effective_date)}起生效，对双方当事人具有法律约束力，"
            "当事人应当按照约定履行。",
            s.indent,
        ),
    ]
    if case.network != Network.JUDICIAL and not a.concerns_status:
        out.append(
            para(
                "双方当事人认为有必要的，可以自本协议生效之日起三十日内共同向"
                "人民法院申请司法确认。",
                s.indent,
            )
        )
    out.append(para(f"本协议一式{copies}份，当事人、{ctx.org.name}各持一份。", s.indent))
    out.append(
        signature_block(
            s,
            [
                f"{PartyRole(link.role).label}：{link.party.name}（签名、盖章或按指印）"
                for link in ctx.links
            ]
            + [f"{ctx.mediator_title}：{ctx.mediator_name}（签名）"],
        )
    )
    out += ctx.seal(a.effective_date)
    return [out]


def build_oral_agreement(ctx: Ctx):
    s, case, a = ctx.s, ctx.case, ctx.agreement
    rows = [
        ["案号", case.number, "纠纷类型", case.get_category_display()],
        [
            "当事人",
            "；".join(f"{PartyRole(link.role).label}{link.party.name}" for link in ctx.links),
        ],
        ["纠纷事项", case.summary],
        ["协议内容", a.terms],
        ["履行方式", a.performance_method],
        ["履行期限", ymd(a.performance_due), "生效日期", ymd(a.effective_date)],
        [ctx.mediator_title, ctx.mediator_name, "登记日期", ymd(a.created_at)],
    ]
    out = ctx.head(_("口头协议登记表"))
    out += [
        form_table(s, rows),
        para("当事人以口头方式达成调解协议，调解员已记录协议内容，当事人确认无误。", s.indent),
        signature_block(
            s,
            [f"{link.party.name}（签名）：" for link in ctx.links]
            + [f"{ctx.mediator_title}（签名）："],
        ),
        *ctx.seal(a.created_at),
    ]
    return [out]


def build_confirmation_application(ctx: Ctx):
    s, case, a = ctx.s, ctx.case, ctx.agreement
    court = case.confirmation_court
    out = ctx.head(_("司法确认申请书"))
    out += ctx.party_paras()
    out += [
        para("请求事项：", s.heading),
        para(
            f"请求确认申请人于{ymd(a.effective_date)}经{ctx.org.name}主持调解达成的调解协议有效。",
            s.indent,
        ),
        para("事实和理由：", s.heading),
        *paras(case.summary, s.indent),
        para(f"经{ctx.org.name}主持调解，双方当事人自愿达成调解协议，协议内容如下：", s.indent),
        *paras(a.terms, s.indent),
        para("申请人承诺：", s.heading),
        para("（一）出于解决纠纷的目的自愿达成协议，没有恶意串通、规避法律的行为；", s.indent),
        para(
            "（二）如果因为该协议内容而给他人造成损害的，愿意承担相应的民事责任和其他法律责任。",
            s.indent,
        ),
        para("附：调解协议书一份。", s.indent),
        gap(2),
        para("此致", s.body),
        para(court.name if court else "人民法院", s.body),
        signature_block(
            s,
            [f"申请人：{link.party.name}（签名或盖章）" for link in ctx.links],
            cn_date(case.confirmation_requested_at),
        ),
    ]
    if case.ruling_date:
        if case.state == State.CONFIRMATION_REJECTED or case.rejection_grounds:
            result = f"{ymd(case.ruling_date)}裁定不予确认。理由：{case.rejection_grounds}"
        else:
            result = f"{ymd(case.ruling_date)}裁定确认调解协议有效。"
        out += [gap(4), para("法院处理结果：", s.heading), para(result, s.indent)]
    return [out]


def build_termination_notice(ctx: Ctx):
    s, case = ctx.s, ctx.case
    event = ctx.last_transition("fail")
    reason = FailReason(case.end_reason).label if case.end_reason in FailReason.values else ""
    everyone = [link.party for link in ctx.links]
    out = ctx.head(_("终止调解告知书"))
    out += [
        para(f"{ctx.names(everyone)}：", s.body),
        para(
            f"{ctx.dispute}一案，本{ORG_WORD.get(case.network, '组织')}于{ymd(case.accepted_at)}"
            f"受理并进行调解。因{reason}，{ctx.basis('第二十六条')}，"
            "决定终止调解。",
            s.indent,
        ),
        para("你（单位）可以通过下列途径维护自己的权利：", s.heading),
        *paras(case.routes_advised, s.indent),
        para("特此告知。", s.indent),
        *ctx.seal(event.at if event else None),
    ]
    return [out]


def build_transfer_letter(ctx: Ctx):
    s, case = ctx.s, ctx.case
    out = ctx.head(_("移送函"))
    if case.referral_route:
        event = ctx.last_transition("refer")
        route = ReferRoute(case.referral_route).label
        target = case.referral_org.name if case.referral_org else f"有管辖权的{route}机关"
        reason = FailReason(case.end_reason).label if case.end_reason in FailReason.values else ""
        body = (
            f"{ctx.dispute}一案，经本{ORG_WORD.get(case.network, '组织')}调解，因{reason}，"
            f"调解终止。根据当事人的意愿，现将该纠纷移送你单位，通过{route}途径依法处理。"
        )
        date = event.at if event else None
    else:
        event = ctx.last_transition("transfer")
        data = (event.payload.get("data") or {}) if event else {}
        source = Organization.objects.filter(pk=data.get("from_org")).first()
        target = ctx.org.name
        body = (
            f"{ctx.dispute}一案，因{data.get('reason', '')}，"
            f"{source.name if source else '原调解组织'}现将该纠纷移交你单位调解。"
        )
        date = event.at if event else None
    out += [
        para(f"{target}：", s.body),
        para(body, s.indent),
        para(
            "随函附送调解申请书、受理登记表、调解记录等案件材料，请查收并将处理结果函告我单位。",
            s.indent,
        ),
        para(f"联系人：{ctx.mediator_name or '—'}    联系电话：{ctx.org.phone or '—'}", s.indent),
        *ctx.seal(date),
    ]
    return [out]


def build_follow_up(ctx: Ctx):
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
            ["回访人", person_name(f.recorded_by) or "—", "回访次数", f"第{n}次"],
        ]
        out = ctx.head(_("回访记录"))
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


def build_undisputed_facts(ctx: Ctx):
    s, case = ctx.s, ctx.case
    reason = FailReason(case.end_reason).label if case.end_reason in FailReason.values else ""
    event = ctx.last_transition("fail")
    out = ctx.head(_("无争议事实记载"))
    out += ctx.party_paras()
    out += [
        para(
            f"{ctx.dispute}一案，经{ctx.org.name}调解，因{reason}，双方当事人未能达成调解协议。"
            "经双方当事人同意，律师调解员将调解过程中双方没有争议的事实记载如下：",
            s.indent,
        ),
        para("一、双方当事人无争议的事实：", s.heading),
        *paras(case.summary, s.indent),
        para("二、双方当事人仍有争议的事项：", s.heading),
        *(paras(case.claims, s.indent) or [para("—", s.indent)]),
        para(
            "双方当事人确认以上无争议事实。在诉讼程序中，除涉及国家利益、社会公共利益和他人"
            "合法权益的外，当事人无需对调解过程中已确认的无争议事实举证。",
            s.indent,
        ),
        signature_block(
            s,
            [f"{link.party.name}（签名）：" for link in ctx.links]
            + [f"律师调解员：{ctx.mediator_name}（签名）"],
        ),
        *ctx.seal(event.at if event else None),
    ]
    return [out]


# -- registry ---------------------------------------------------------------------------

OK = (True, "")


def _always(ctx):
    return OK


def _accepted(ctx):
    if ctx.case.accepted_at is None:
        if ctx.case.state == State.DECLINED:
            return False, _("该案件不予受理，没有受理登记表")
        return False, _("该案件尚未受理")
    return OK


def _has_sessions(ctx):
    return OK if ctx.sessions else (False, _("该案件尚无调解记录"))


def _agreement_of(form):
    def check(ctx):
        a = ctx.agreement
        if a is None:
            return False, _("该案件尚未达成调解协议")
        if a.form != form:
            if form == AgreementForm.WRITTEN:
                return False, _("该案件为口头协议，请下载口头协议登记表")
            return False, _("该案件为书面协议，请下载调解协议书")
        return OK

    return check


def _confirmation(ctx):
    if ctx.case.network == Network.JUDICIAL:
        return False, _("法院调解无需申请司法确认")
    if ctx.case.confirmation_requested_at is None or ctx.agreement is None:
        return False, _("该案件未申请司法确认")
    return OK


def _failed(ctx):
    if ctx.case.end_reason not in FailReason.values:
        return False, _("该案件未终止调解")
    return OK


def _transferred(ctx):
    if ctx.case.referral_route or ctx.last_transition("transfer"):
        return OK
    return False, _("该案件未移送或移交")


def _has_follow_ups(ctx):
    return OK if ctx.follow_ups else (False, _("该案件尚无回访记录"))


def _lawyer_failed(ctx):
    if ctx.case.network != Network.LAWYER:
        return False, _("无争议事实记载仅适用于律师调解")
    return _failed(ctx)


@dataclass(frozen=True)
class Kind:
    code: str
    title: str
    check: object
    builder: object

    def applies(self, case_or_ctx) -> tuple[bool, str]:
        ctx = case_or_ctx if isinstance(case_or_ctx, Ctx) else Ctx(case_or_ctx, font="")
        ok, reason = self.check(ctx)
        return ok, str(reason)

    def sections(self, ctx: Ctx) -> list[list]:
        return self.builder(ctx)


# In the Ministry of Justice's filing order (the case file files them so).
_ORDER = [
    Kind("application", "调解申请书", _always, build_application),
    Kind("acceptance", "受理登记表", _accepted, build_acceptance),
    Kind("rights_notice", "权利义务告知书", _accepted, build_rights_notice),
    Kind("session_record", "调解记录", _has_sessions, build_session_record),
    Kind("agreement", "调解协议书", _agreement_of(AgreementForm.WRITTEN), build_agreement),
    Kind(
        "oral_agreement", "口头协议登记表", _agreement_of(AgreementForm.ORAL), build_oral_agreement
    ),
    Kind("termination_notice", "终止调解告知书", _failed, build_termination_notice),
    Kind("undisputed_facts", "无争议事实记载", _lawyer_failed, build_undisputed_facts),
    Kind("transfer_letter", "移送函", _transferred, build_transfer_letter),
    Kind("follow_up", "回访记录", _has_follow_ups, build_follow_up),
    Kind(
        "confirmation_application", "司法确认申请书", _confirmation, build_confirmation_application
    ),
]
FILING_ORDER = [k.code for k in _ORDER]
# The case file (卷宗) exists at every stage: regenerated on demand, stored at archive.
KINDS: dict[str, Kind] = {k.code: k for k in [*_ORDER, Kind("case_file", "卷宗", _always, None)]}
