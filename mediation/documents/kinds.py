"""The document kinds of DESIGN.md §7: one builder each, and the registry `KINDS`.

A builder takes a `Ctx` (the case with its rows loaded once) and returns the flowables
of one or more forms ("sections": one per mediation session, one per follow-up); a
download joins them with page breaks, the case file files them in order. `applies(ctx)`
says whether the kind exists for the case in its current state, and why not.
"""

from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether

from mediation.law.choices import (
    AgreementForm,
    Category,
    Channel,
    EventType,
    FailReason,
    Network,
    PartyKind,
    PartyRole,
    ReferRoute,
    Role,
    State,
    Tag,
)
from mediation.law.identity import display_name, mask_id_number, mask_phone

from ..models import Membership, Organization
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

# How an organisation names itself in its documents ("本委员会", "本院").
ORG_WORD = {
    Network.PEOPLE: "委员会",
    Network.ADMINISTRATIVE: "机关",
    Network.JUDICIAL: "院",
    Network.LAWYER: "工作室",
}

PML = "《中华人民共和国人民调解法》"
CPL = "《中华人民共和国民事诉讼法》"
LAWYER_OPINION = "《最高人民法院 司法部关于开展律师调解试点工作的意见》（司发通〔2017〕105号）"
# The law each network speaks by, per purpose: rights (the notice of rights and duties),
# terminate (mediation ended), refused (a party refused before mediation began),
# agreement (what makes the agreement bind).
VOICE = {
    Network.PEOPLE: {
        "rights": f"{PML}第二十三条、第二十四条",
        "terminate": f"{PML}第二十六条",
        "refused": f"{PML}第十七条",
        "agreement": f"{PML}第二十九条至第三十一条",
    },
    Network.LAWYER: dict.fromkeys(["rights", "terminate", "refused", "agreement"], LAWYER_OPINION),
    Network.JUDICIAL: {
        "rights": f"{CPL}第九十六条",
        "terminate": f"{CPL}第一百零二条",
        "refused": f"{CPL}第九十六条",
        "agreement": f"{CPL}第一百条、第一百零一条",
    },
}
# Administrative mediation speaks by the law of its field.
FIELD_LAW = {
    Category.TRAFFIC: "《中华人民共和国道路交通安全法》第七十四条",
    Category.MEDICAL: "《医疗纠纷预防和处理条例》第四十条",
    Category.LABOR: "《中华人民共和国劳动争议调解仲裁法》第十条",
    Category.LAND_CONTRACT: "《中华人民共和国农村土地承包经营纠纷调解仲裁法》第三条",
    Category.HOUSING_LAND: "《中华人民共和国土地管理法》第十四条",
    Category.FOREST_LAND: "《中华人民共和国森林法》第二十二条",
    Category.CONSUMER: "《中华人民共和国消费者权益保护法》第三十九条",
    Category.ENVIRONMENT: "《中华人民共和国环境保护法》第五十八条",
}
ADMIN_DEFAULT_LAW = "有关法律、法规关于行政调解的规定"

# The Ministry of Justice's formats title people's-mediation papers "人民调解……".
NETWORK_TITLES = {
    Network.PEOPLE: {
        "application": "人民调解申请书",
        "acceptance": "人民调解受理登记表",
        "rights_notice": "人民调解权利义务告知书",
        "session_record": "人民调解记录",
        "agreement": "人民调解协议书",
        "oral_agreement": "人民调解口头协议登记表",
        "follow_up": "人民调解回访记录",
        "case_file": "人民调解卷宗",
    },
    Network.ADMINISTRATIVE: {"agreement": "行政调解协议书", "case_file": "行政调解卷宗"},
    Network.LAWYER: {"agreement": "律师调解协议书", "case_file": "律师调解卷宗"},
    Network.JUDICIAL: {"case_file": "诉前调解卷宗"},
}
# Channels through which a party applied: only they have an application form.
PARTY_CHANNELS = {Channel.WALK_IN, Channel.HOTLINE, Channel.ONLINE}


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
        return display_name(self.case.mediator)

    @property
    def mediator_title(self):
        return {Network.PEOPLE: "人民调解员", Network.LAWYER: "律师调解员"}.get(
            self.case.network, "调解员"
        )

    @property
    def self_word(self) -> str:
        """本委员会 / 本机关 / 本院 / 本工作室"""
        return "本" + ORG_WORD.get(self.case.network, "组织")

    def law(self, purpose: str) -> str:
        """The citation this network's documents give for `purpose`."""
        if self.case.network == Network.ADMINISTRATIVE:
            return FIELD_LAW.get(self.case.category, ADMIN_DEFAULT_LAW)
        return VOICE.get(self.case.network, VOICE[Network.PEOPLE])[purpose]

    def basis(self, purpose: str) -> str:
        law = self.law(purpose)
        return f"根据{law}" + ("" if law == ADMIN_DEFAULT_LAW else "的规定")

    def title(self, code: str) -> str:
        return KINDS[code].title_for(self.case)

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
        text = f"{role_label}：" + "，".join(bits) + "。"
        rep = getattr(party, "representative_info", None)  # guardian or agent, when recorded
        if rep and rep.get("name"):
            word = "法定代理人（监护人）" if rep.get("kind") == "guardian" else "委托代理人"
            text += f"{word}：{rep['name']}。"
        return text

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

    def seal(self, date, signatures=None):
        """The organisation's seal and date line, right-aligned, kept on one page with
        the signature lines above it: a seal never falls alone on a page."""
        s = self.s
        items = [gap(8), para(f"{self.org.name}（盖章）", s.right), para(cn_date(date), s.right)]
        if signatures is not None:
            items = [signatures, *items]
        return [KeepTogether(items)]


# -- builders -------------------------------------------------------------------------


def build_application(ctx: Ctx):
    s, case = ctx.s, ctx.case
    out = ctx.head(ctx.title("application"))
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
    out = ctx.head(ctx.title("acceptance"))
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
    # The form records what is known at acceptance: the respondent's consent is asked
    # afterwards (mediation is voluntary, PML art 17) and recorded when mediation begins.
    if case.respondent_consent_at:
        consent = f"被申请人已于{ymd(case.respondent_consent_at)}同意调解。"
    else:
        consent = "调解开始前，将征询被申请人是否同意调解；一方明确拒绝的，不得调解。"
    # the opinion and its signatures stay on one page
    out.append(
        KeepTogether(
            [
                para("受理意见", s.heading),
                para(
                    f"经审查，该纠纷属于{ctx.self_word}受理范围，决定予以受理，"
                    f"由{ctx.mediator_name}担任{ctx.mediator_title}。{consent}",
                    s.indent,
                ),
                signature_block(
                    s, ["负责人（签名）：", "登记人（签名）："], cn_date(case.accepted_at)
                ),
            ]
        )
    )
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
    out = ctx.head(ctx.title("rights_notice"))
    out += [
        para(f"{ctx.names(everyone)}：", s.body),
        para(
            f"你（单位）与对方当事人之间的{case.get_category_display()}纠纷，"
            f"{ctx.self_word}已于{ymd(case.accepted_at)}受理。"
            "调解遵循当事人自愿、平等的原则，不违背法律、法规和国家政策，尊重当事人的权利，"
            "不因调解而阻止当事人依法通过仲裁、行政、司法等途径维护自己的权利。"
            f"{ctx.basis('rights')}，现将你（单位）"
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
            [
                "调解员",
                ctx.mediator_name or "—",
                "记录人",
                display_name(session.recorded_by) or "—",
            ],
            ["参加人员", session.attendees],
            ["案由", ctx.dispute],
        ]
        title = ctx.title("session_record") + (f"（第{n}次）" if len(ctx.sessions) > 1 else "")
        out = ctx.head(title)
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


def build_agreement(ctx: Ctx):
    s, case, a = ctx.s, ctx.case, ctx.agreement
    copies = len(ctx.links) + 1
    out = ctx.head(ctx.title("agreement"))
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
        para(
            f"本协议自{ymd(a.effective_date)}起生效，对双方当事人具有法律约束力，"
            f"当事人应当按照约定履行（{ctx.law('agreement')}）。",
            s.indent,
        ),
    ]
    if not a.concerns_status:
        out.append(
            para(
                "双方当事人认为有必要的，可以自本协议生效之日起三十日内共同向"
                "人民法院申请司法确认。",
                s.indent,
            )
        )
    # The last clause goes with the signatures: a signature page never stands bare.
    signatures = KeepTogether(
        [
            para(f"本协议一式{copies}份，当事人、{ctx.org.name}各持一份。", s.indent),
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


def court_case_number(case) -> str:
    """The court's own form of a case number: （2026）红院民诉前调7号 — year, the court's
    code, the type code of pre-litigation mediation, the sequence without padding."""
    import re

    m = re.match(r"（(\d{4})）.*第0*(\d+)号$", case.number)
    year, seq = (m.group(1), m.group(2)) if m else (str(timezone.localtime().year), "1")
    return f"（{year}）{case.org.short_code}民诉前调{seq}号"


def _court_clerk(org):
    m = (
        Membership.objects.select_related("user")
        .filter(org=org, role=Role.CLERK, user__is_active=True)
        .order_by("id")
        .first()
    )
    return display_name(m.user) if m else ""


def build_mediation_statement(ctx: Ctx):
    """民事调解书: the court's own instrument (CPL art 100): the claims, the facts, the
    result; signed by the judge and the clerk under the court's seal; effective when the
    parties sign for it."""
    s, case, a = ctx.s, ctx.case, ctx.agreement
    out = [
        para(ctx.org.name, s.subtitle),
        para("民 事 调 解 书", s.title),
        para(court_case_number(case), s.number),
    ]
    out += ctx.party_paras()
    out += [
        para(
            f"{ctx.dispute}一案，本院于{ymd(case.accepted_at)}受理后，依法进行了调解。",
            s.indent,
        ),
        para("当事人的请求：", s.heading),
        *(paras(case.claims, s.indent) or [para("—", s.indent)]),
        para("案件事实：", s.heading),
        *paras(agreement_facts(ctx), s.indent),
    ]
    duties = responsibilities(ctx)
    if duties:
        out += [para("各方当事人的责任：", s.heading), *[para(d, s.indent) for d in duties]]
    out += [
        para("本案经本院主持调解，当事人自愿达成如下协议：", s.heading),
        *paras(a.terms, s.indent),
        para(f"履行方式：{a.performance_method}；履行期限：{ymd(a.performance_due)}前。", s.indent),
        para("上述协议，不违反法律规定，本院予以确认。", s.indent),
    ]
    clerk = _court_clerk(ctx.org)
    signed = KeepTogether(
        [
            para(
                f"本调解书经双方当事人签收后，即具有法律效力（{ctx.law('agreement')}）。",
                s.indent,
            ),
            gap(8),
            para(f"审判员　{ctx.mediator_name or '　　　　'}", s.right),
            gap(2),
            para(cn_date(a.effective_date), s.right),
            para(f"{ctx.org.name}（院印）", s.right),
            gap(2),
            para("本件与原本核对无异", s.body),
            para(f"书记员　{clerk or '　　　　'}", s.right),
            gap(4),
            para("当事人签收：", s.heading),
            signature_block(s, [f"{link.party.name}（签名）　签收日期：" for link in ctx.links]),
        ]
    )
    out.append(signed)
    return [out]


def build_oral_agreement(ctx: Ctx):
    s, case, a = ctx.s, ctx.case, ctx.agreement
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
    out = ctx.head(ctx.title("oral_agreement"))
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


# 法释〔2011〕5号 art 3: what a confirmation application hands in.
CONFIRMATION_ATTACHMENTS = [
    "调解协议书一份；",
    "申请人身份证明、资格证明；",
    "与调解协议相关的财产权利证明等证明材料；",
    "当事人送达地址、电话号码等联系方式（送达地址确认书）；",
]


def confirmation_applicants(ctx: Ctx):
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


def build_confirmation_application(ctx: Ctx):
    s, case, a = ctx.s, ctx.case, ctx.agreement
    court = case.confirmation_court
    applicants = confirmation_applicants(ctx)
    out = ctx.head(ctx.title("confirmation_application"))
    out += [para(ctx.particulars(p, "申请人"), s.body) for p in applicants]
    consenting = set(getattr(case, "confirmation_consent_of", None) or [])
    others = [link.party for link in ctx.links if link.party_id in consenting]
    if others:
        out.append(para(f"{ctx.names(others)}已同意由申请人申请司法确认（同意书附后）。", s.indent))
    out += [
        para("请求事项：", s.heading),
        para(
            f"请求确认申请人于{ymd(a.effective_date)}经{ctx.org.name}主持调解达成的调解协议有效。",
            s.indent,
        ),
        para("事实和理由：", s.heading),
        *paras(agreement_facts(ctx), s.indent),
        para(f"经{ctx.org.name}主持调解，双方当事人自愿达成调解协议，协议内容如下：", s.indent),
        *paras(a.terms, s.indent),
        para("申请人承诺：", s.heading),
        para("（一）出于解决纠纷的目的自愿达成协议，没有恶意串通、规避法律的行为；", s.indent),
        para(
            "（二）如果因为该协议内容而给他人造成损害的，愿意承担相应的民事责任和其他法律责任。",
            s.indent,
        ),
        para("附：", s.heading),
        *[
            para(f"{n}. {item}", s.indent)
            for n, item in enumerate(CONFIRMATION_ATTACHMENTS, start=1)
        ],
        gap(2),
        para("此致", s.body),
        para(court.name if court else "", s.body),
        signature_block(
            s,
            [f"申请人：{p.name}（签名或盖章）" for p in applicants],
            cn_date(case.confirmation_requested_at),
        ),
    ]
    return [out]


def _because(reason: str) -> str:
    """因……， — or nothing when no reason was given (never "因，")."""
    return f"因{reason}，" if reason else ""


def build_termination_notice(ctx: Ctx):
    s, case = ctx.s, ctx.case
    event = ctx.last_transition("fail")
    reason = FailReason(case.end_reason).label if case.end_reason in FailReason.values else ""
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
            f"受理并进行调解。{_because(reason)}{ctx.basis('terminate')}，决定终止调解。"
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


def build_decline_notice(ctx: Ctx):
    s, case = ctx.s, ctx.case
    event = ctx.last_transition("decline")
    out = ctx.head(ctx.title("decline_notice"))
    out += [
        para(f"{ctx.names(ctx.applicants)}：", s.body),
        para(
            f"你（单位）于{ymd(case.created_at)}申请调解的{ctx.dispute}一案，"
            f"经审查，{_because(case.end_note)}{ctx.self_word}决定不予受理。",
            s.indent,
        ),
        para("你（单位）可以通过下列途径维护自己的权利：", s.heading),
        *paras(case.routes_advised, s.indent),
        para("特此告知。", s.indent),
        *ctx.seal(event.at if event else None),
    ]
    return [out]


# Where the parties go on each route when no receiving body is named.
ROUTE_BODY = {
    ReferRoute.ARBITRATION: "有管辖权的仲裁委员会",
    ReferRoute.LITIGATION: "有管辖权的人民法院",
    ReferRoute.ADMINISTRATIVE_ADJUDICATION: "有权处理的行政机关",
}
ROUTE_ACTION = {
    ReferRoute.ARBITRATION: "申请仲裁",
    ReferRoute.LITIGATION: "提起诉讼",
    ReferRoute.ADMINISTRATIVE_ADJUDICATION: "申请行政裁决",
}


def build_transfer_letter(ctx: Ctx):
    s, case = ctx.s, ctx.case
    out = ctx.head(ctx.title("transfer_letter"))
    if case.referral_route:
        # The mediating body advises and records; the parties file (DESIGN §3 refer).
        event = ctx.last_transition("refer")
        route = case.referral_route
        action = ROUTE_ACTION.get(route, "依法处理")
        reason = FailReason(case.end_reason).label if case.end_reason in FailReason.values else ""
        everyone = [link.party for link in ctx.links]
        if case.network == Network.JUDICIAL and route == ReferRoute.LITIGATION:
            # A court does not send a case to itself: the dispute goes on to a lawsuit here.
            where = "本院"
            tail = "本院将依法登记立案，转入诉讼程序审理。"
        else:
            target = case.referral_org
            where = target.name if target else ROUTE_BODY.get(route, "有关机关")
            tail = (
                f"{ctx.self_word}已将本案调解情况函告{target.name}，请你（单位）持本函及有关材料"
                "前往办理。"
                if target
                else "请你（单位）持本函及有关材料前往办理。"
            )
        body = (
            f"{ctx.dispute}一案，经{ctx.self_word}调解，{_because(reason)}调解终止。"
            f"你（单位）可以依法向{where}{action}。{tail}"
        )
        out += [para(f"{ctx.names(everyone)}：", s.body), para(body, s.indent)]
        date = event.at if event else None
    else:
        event = ctx.last_transition("transfer")
        data = (event.payload.get("data") or {}) if event else {}
        source = Organization.objects.filter(pk=data.get("from_org")).first()
        body = (
            f"{ctx.dispute}一案，{_because(data.get('reason', ''))}"
            f"{source.name if source else '原调解组织'}现将该纠纷移交你单位调解。"
        )
        out += [
            para(f"{ctx.org.name}：", s.body),
            para(body, s.indent),
            para(
                "随函附送调解申请书、受理登记表、调解记录等案件材料，请查收并将处理结果函告我单位。",
                s.indent,
            ),
        ]
        date = event.at if event else None
    out += [
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
            ["回访人", display_name(f.recorded_by) or "—", "回访次数", f"第{n}次"],
        ]
        out = ctx.head(ctx.title("follow_up"))
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
    out = ctx.head(ctx.title("undisputed_facts"))
    out += ctx.party_paras()
    out += [
        para(
            f"{ctx.dispute}一案，经{ctx.org.name}调解，{_because(reason)}双方当事人未能达成"
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

OK = (True, "")


def _always(ctx):
    return OK


def _applied(ctx):
    if ctx.case.channel in PARTY_CHANNELS:
        return OK
    return False, _("本案经“%(channel)s”转来，当事人未提交调解申请书") % {
        "channel": ctx.case.get_channel_display()
    }


def _accepted(ctx):
    if ctx.case.accepted_at is None:
        if ctx.case.state == State.DECLINED:
            return False, _("该案件不予受理，没有受理登记表")
        return False, _("该案件尚未受理")
    return OK


def _declined(ctx):
    return OK if ctx.case.end_reason == "declined" else (False, _("该案件未被不予受理"))


def _has_sessions(ctx):
    return OK if ctx.sessions else (False, _("该案件尚无调解记录"))


def _agreement_of(form):
    def check(ctx):
        a = ctx.agreement
        if a is None:
            return False, _("该案件尚未达成调解协议")
        if ctx.case.network == Network.JUDICIAL:
            return False, _("法院调解达成协议的，制作民事调解书")
        if a.form != form:
            if form == AgreementForm.WRITTEN:
                return False, _("该案件为口头协议，请下载口头协议登记表")
            return False, _("该案件为书面协议，请下载调解协议书")
        return OK

    return check


def _court_agreement(ctx):
    if ctx.case.network != Network.JUDICIAL:
        return False, _("民事调解书仅由人民法院制作")
    if ctx.agreement is None:
        return False, _("该案件尚未达成调解协议")
    return OK


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
    ok = _failed(ctx)
    if ok[0] and not ctx.case.undisputed_facts.strip():
        return False, _("终止调解时未记载无争议事实")
    return ok


def _one(ctx):
    return [""]


@dataclass(frozen=True)
class Kind:
    code: str
    title: str
    check: object
    builder: object
    # The records a kind has one document per ("session:12"); one-per-case kinds: [""].
    subject_keys: object = _one

    def applies(self, case_or_ctx) -> tuple[bool, str]:
        ctx = case_or_ctx if isinstance(case_or_ctx, Ctx) else Ctx(case_or_ctx, font="")
        ok, reason = self.check(ctx)
        return ok, str(reason)

    def sections(self, ctx: Ctx) -> list[list]:
        return self.builder(ctx)

    def subjects(self, ctx: Ctx) -> list[str]:
        return self.subject_keys(ctx)

    def title_for(self, case) -> str:
        return NETWORK_TITLES.get(case.network, {}).get(self.code, self.title)


def _session_keys(ctx):
    return [f"session:{x.pk}" for x in ctx.sessions]


def _follow_up_keys(ctx):
    return [f"follow_up:{x.pk}" for x in ctx.follow_ups]


# In the Ministry of Justice's filing order (the case file files them so).
_ORDER = [
    Kind("application", "调解申请书", _applied, build_application),
    Kind("acceptance", "受理登记表", _accepted, build_acceptance),
    Kind("decline_notice", "不予受理告知书", _declined, build_decline_notice),
    Kind("rights_notice", "权利义务告知书", _accepted, build_rights_notice),
    Kind("session_record", "调解记录", _has_sessions, build_session_record, _session_keys),
    Kind("agreement", "调解协议书", _agreement_of(AgreementForm.WRITTEN), build_agreement),
    Kind(
        "oral_agreement", "口头协议登记表", _agreement_of(AgreementForm.ORAL), build_oral_agreement
    ),
    Kind("mediation_statement", "民事调解书", _court_agreement, build_mediation_statement),
    Kind("termination_notice", "终止调解告知书", _failed, build_termination_notice),
    Kind("undisputed_facts", "无争议事实记载", _lawyer_failed, build_undisputed_facts),
    Kind("transfer_letter", "移送函", _transferred, build_transfer_letter),
    Kind("follow_up", "回访记录", _has_follow_ups, build_follow_up, _follow_up_keys),
    Kind(
        "confirmation_application", "司法确认申请书", _confirmation, build_confirmation_application
    ),
]
FILING_ORDER = [k.code for k in _ORDER]
# The case file (卷宗) exists at every stage: assembled on demand, stored at archive.
KINDS: dict[str, Kind] = {k.code: k for k in [*_ORDER, Kind("case_file", "卷宗", _always, None)]}
