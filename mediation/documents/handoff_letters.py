"""The papers of the cross-agency handoffs that a 卷宗 files (DESIGN.md §4): the petition
bureau's 信访事项转办单, the mediation organisation's 办理情况反馈 with the bureau's
review (a return note included), and its 委派调解结果反馈函 to the referring court.
Each is written from the handoff's record (`Handoff.data`), under its own issuer."""

import datetime as dt

from mediation.law.choices import HandoffKind, Outcome, State
from mediation.law.handoffs import POST_FILING
from mediation.law.petitions import CONSENT_LAW
from mediation.models import Handoff

from .context import Ctx, Section
from .layout import cn_date, gap, keep_together, para, paras, ymd

# What a return or an acceptance by the petition bureau is called on the paper.
REVIEW_WORDS = {"accept": "认可办理情况，予以办结", "return": "退回重办"}


def _handoff(ctx: Ctx, kind: str) -> Handoff | None:
    return ctx.case.handoffs.select_related("org").filter(kind=kind).order_by("id").last()


def _moment(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def petition_subjects(ctx: Ctx) -> list[str]:
    """One 办理情况反馈 per feedback given and per review of it: a feedback returned and
    given again files both rounds, each as it stood."""
    h = _handoff(ctx, HandoffKind.PETITION)
    if h is None or not h.data.get("feedback"):
        return []
    return [f"petition:{h.pk}:{len(h.data.get('reviews', []))}"]


def has_petition(ctx: Ctx) -> tuple[bool, str]:
    if _handoff(ctx, HandoffKind.PETITION) is None:
        return False, "该案件不是信访部门转办的案件"
    return True, ""


def has_petition_feedback(ctx: Ctx) -> tuple[bool, str]:
    if not petition_subjects(ctx):
        return False, "尚未向信访部门反馈办理情况"
    return True, ""


def has_referral_result(ctx: Ctx) -> tuple[bool, str]:
    h = _handoff(ctx, HandoffKind.COURT_REFERRAL)
    if h is None:
        return False, "该案件不是人民法院委派或委托调解的案件"
    if not ctx.case.outcome:
        return False, "委派调解尚无结果"
    return True, ""


def build_petition_transfer(ctx: Ctx) -> list[Section]:
    """信访事项转办单: the bureau's paper, under its name, 信访件编号 and seal, with the
    petitioner's consent its article asks for."""
    s, case = ctx.s, ctx.case
    h = _handoff(ctx, HandoffKind.PETITION)
    assert h is not None  # the kind's check
    opened = h.opened_at
    out: Section = [
        para(h.org.name, s.subtitle),
        para("信访事项转办单", s.title),
        para(f"信访件编号：{h.external_number}", s.number),
        para(f"{ctx.org.name}：", s.body),
        para(
            f"信访人{ctx.names(ctx.applicants)}反映其与{ctx.names(ctx.respondents)}之间的"
            f"{case.get_category_display()}纠纷，经信访人同意（{CONSENT_LAW}），现转你单位依法调解。",
            s.indent,
        ),
        para("信访事项：", s.heading),
        *paras(case.summary, s.indent),
        para("信访人的请求：", s.heading),
        *(paras(case.claims, s.indent) or [para("—", s.indent)]),
        para(
            f"请于{ymd(h.due_at)}前将办理情况书面反馈我单位。"
            if h.due_at
            else "请及时反馈办理情况。",
            s.indent,
        ),
    ]
    out.append(
        keep_together(
            [
                para(f"联系电话：{h.org.phone or '—'}", s.indent),
                gap(8),
                para(f"{h.org.name}（盖章）", s.right),
                para(cn_date(opened), s.right),
            ]
        )
    )
    return [out]


def build_petition_feedback(ctx: Ctx) -> list[Section]:
    """办理情况反馈: the mediation organisation's answer to the bureau, and what the bureau
    said of it so far (a return note stays in the file with the feedback it returned)."""
    s = ctx.s
    h = _handoff(ctx, HandoffKind.PETITION)
    assert h is not None
    data = h.data
    out = ctx.head("办理情况反馈")
    out += [
        para(f"{h.org.name}：", s.body),
        para(
            f"你单位转办的{ctx.dispute}（信访件编号：{h.external_number}），{ctx.self_word}"
            "已依法调解，现将办理情况反馈如下：",
            s.indent,
        ),
        *paras(str(data.get("feedback", "")), s.indent),
    ]
    state = data.get("case_state")
    if state in State.values:
        out.append(para(f"反馈时案件状态：{State(state).label}。", s.indent))
    reviews = [r for r in data.get("reviews", []) if isinstance(r, dict)]
    if reviews:
        out.append(para("信访部门审核意见：", s.heading))
        for r in reviews:
            when = _moment(r.get("at"))
            words = REVIEW_WORDS.get(str(r.get("decision")), "审核")
            note = f"：{r['note']}" if r.get("note") else ""
            out.append(para(f"{ymd(when)}，{words}{note}", s.indent))
    out += ctx.seal(_moment(data.get("feedback_at")))
    return [out]


def build_referral_result(ctx: Ctx) -> list[Section]:
    """委派调解结果反馈函: the mediation organisation tells the referring court how the
    referral ended (委托调解: 委托调解结果反馈函), under its own number and seal."""
    s, case = ctx.s, ctx.case
    h = _handoff(ctx, HandoffKind.COURT_REFERRAL)
    assert h is not None
    word = "委托" if h.data.get("kind") == POST_FILING else "委派"
    if case.outcome in (Outcome.AGREED, Outcome.CONFIRMED):
        result = "双方当事人自愿达成调解协议，调解协议书随函附送"
        at = ctx.last_transition("reach_agreement")
    elif case.outcome == Outcome.WITHDRAWN:
        result = "申请人撤回调解申请，调解结束"
        at = ctx.last_transition("withdraw")
    else:
        result = "双方当事人未能达成调解协议，调解终止"
        at = ctx.last_transition("fail") or ctx.last_transition("decline")
    out = ctx.head(f"{word}调解结果反馈函")
    out += [
        para(f"{h.org.name}：", s.body),
        para(
            f"你院于{ymd(h.opened_at)}{word}{ctx.self_word}调解的{ctx.dispute}"
            f"（{word}编号：{h.external_number}），{ctx.self_word}于{ymd(case.accepted_at)}受理，"
            f"经调解，{result}。",
            s.indent,
        ),
        para("特此函告。", s.indent),
        para(f"联系人：{ctx.mediator_name or '—'}　　联系电话：{ctx.org.phone or '—'}", s.indent),
        *ctx.seal(at.at if at else None),
    ]
    return [out]
