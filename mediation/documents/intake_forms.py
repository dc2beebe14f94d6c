"""The builders of the forms of intake and mediation (DESIGN.md §7): the application,
the acceptance form, the rights notice, the session records."""

from django.utils.translation import gettext as _
from reportlab.lib.units import mm

from mediation.law.choices import (
    Tag,
)
from mediation.law.identity import display_name
from mediation.models import Party

from .context import (
    Ctx,
    Section,
)
from .layout import (
    CONTENT_W,
    cn_date,
    form_table,
    gap,
    keep_together,
    list_table,
    para,
    paras,
    signature_block,
    ymd,
    ymd_hm,
)


def build_application(ctx: Ctx) -> list[Section]:
    s, case = ctx.s, ctx.case
    out = ctx.head(ctx.title("application"))
    out += [
        para(ctx.particulars(link.party, link.get_role_display(), on=case.created_at), s.body)
        for link in ctx.links
    ]
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
        keep_together(
            [
                para(
                    f"申请人已知悉调解的权利和义务，自愿申请{ctx.org.name}依法予以调解。",
                    s.indent,
                ),
                gap(2),
                para("此致", s.body),
                para(ctx.org.name, s.body),
                signature_block(
                    s,
                    [f"申请人：{p.name}（签名或盖章）" for p in ctx.applicants],
                    cn_date(case.created_at),
                ),
            ]
        ),
    ]
    return [out]


def build_acceptance(ctx: Ctx) -> list[Section]:
    s, case = ctx.s, ctx.case
    rows = [
        ["案号", case.number + ctx.original_number, "受理日期", ymd(case.accepted_at)],
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
        who = f"{p.name}（{tags}）" if tags else p.name
        # A minor or a person without full capacity acts through a guardian (民法典
        # 第二十三条): the form names who signs for them, as the application does.
        rep = p.representative_info
        if rep and rep.get("name"):
            word = "法定代理人" if rep.get("kind") == "guardian" else "委托代理人"
            who += f"；{word}：{rep['name']}"
        party_rows.append(
            [
                link.get_role_display(),
                who,
                p.get_gender_display() if p.gender else "—",
                ctx.id_number(p) or p.credit_code or "—",
                ctx.phone(p) or "—",
                p.address or "—",
            ]
        )
    out = ctx.head(ctx.title("acceptance"), numbered=False)
    out += [form_table(s, rows), gap(2)]
    widths = [16 * mm, 26 * mm, 10 * mm, 43 * mm, 28 * mm]
    widths.append(CONTENT_W - sum(widths))
    out.append(
        list_table(
            s, ["地位", "姓名/名称", "性别", "证件号码", "联系电话", "住址"], party_rows, widths
        )
    )
    # The form records what is known at acceptance: the respondent's consent is asked
    # afterwards (mediation is voluntary, PML art 17) and recorded when mediation begins.
    if case.respondent_consent_at:
        consent = f"被申请人已于{ymd(case.respondent_consent_at)}同意调解。"
    else:
        consent = "调解开始前，将征询被申请人是否同意调解；一方明确拒绝的，不得调解。"
    opinion = [
        para(
            f"经审查，该纠纷属于{ctx.self_word}受理范围，决定予以受理，"
            f"由{ctx.mediator_name}担任{ctx.mediator_title}。{consent}",
            s.cell,
        ),
        para("负责人（签名）：　　　　　　　登记人（签名）：　　　　　　　", s.cell),
        para(cn_date(case.accepted_at), s.right_cell),
    ]
    # As the Ministry's form: one page, the summary, the claims and the signed opinion
    # in the form's own rows, so the signatures never leave the text they sign.
    out.append(
        form_table(
            s,
            [
                ["纠纷简要情况", paras(case.summary, s.cell) or "—"],
                ["申请事项", paras(case.claims, s.cell) or "—"],
                ["受理意见", opinion],
            ],
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


def _guardian(party: Party) -> str:
    rep = party.representative_info
    return rep["name"] if rep and rep.get("kind") == "guardian" and rep.get("name") else ""


def _addressee(party: Party) -> str:
    """A minor is told through the guardian who acts for them (民法典 第二十三条)."""
    guardian = _guardian(party)
    return f"{party.name}（法定代理人：{guardian}）" if guardian else party.name


def _reader(party: Party) -> str:
    guardian = _guardian(party)
    return f"{party.name}的法定代理人{guardian}" if guardian else party.name


def build_rights_notice(ctx: Ctx) -> list[Section]:
    s, case = ctx.s, ctx.case
    everyone = [link.party for link in ctx.links]
    out = ctx.head(ctx.title("rights_notice"))
    out += [
        para(f"{'、'.join(_addressee(p) for p in everyone)}：", s.body),
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
        signature_block(s, [f"{_reader(p)}已阅知（签名）：" for p in everyone]),
    ]
    return [out]


def build_session_record(ctx: Ctx) -> list[Section]:
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
