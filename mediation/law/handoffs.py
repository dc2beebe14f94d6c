"""The court's side of the handoffs: judicial confirmation 司法确认 (DESIGN.md §4.1) and
court referral 委派/委托调解 (§4.3).

Confirmation: the court registers the application or refuses to accept it (不予受理) within
3 days, then confirms or rejects within 15 days of registration; the court's president may
extend the review once by 10 days (法释〔2011〕5号 arts 4–5). Court referral: before filing
(委派) an agreement may be confirmed or closed by a 调解书 and a failure is filed (立案);
after filing (委托) an agreement ends in a 调解书 or the suit's withdrawal and a failure goes
back to the trial (CPL art 102: judgment without delay), never to a confirmation.
"""

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation.law import clocks
from mediation.law.choices import Channel, HandoffKind, OrgKind, State
from mediation.law.clocks import Clock
from mediation.law.limits import Stage
from mediation.models import Case, Organization

# -- judicial confirmation ----------------------------------------------------------------

# Why a court does not accept an application (不予受理).
REFUSAL_REASONS = [
    ("wrong_court", gettext_lazy("不属于本院管辖")),
    ("late", gettext_lazy("超过协议生效之日起30日的申请期限")),
    ("not_joint", gettext_lazy("非双方共同申请")),
    ("excluded", gettext_lazy("涉及身份关系或物权、知识产权确权")),
]

# The clerk's registration step answers only whether the court takes the application
# (民诉法解释 第三百五十五条); whether the agreement holds is the judge's ruling (第三百五十八条).
CLERK_REFUSES_ONLY_INTAKE = gettext_lazy(
    "书记员立案登记时只能以不予受理的法定事由裁定（《最高人民法院关于适用〈中华人民共和国"
    "民事诉讼法〉的解释》第三百五十五条）；协议是否有效由法官审查后裁定驳回申请（第三百五十八条）"
)

JOINT_APPLICATION_REQUIRED = gettext_lazy(
    "司法确认须由双方当事人共同申请（《民事诉讼法》第二百零五条）"
)


# A court's case number: （year）court code, case type 民特, sequence 号 (《最高人民法院关于
# 人民法院案件案号的若干规定》第二条、第三条). A tribunal numbers in its basic court's name.
CASE_NUMBER_RULE = "《最高人民法院关于人民法院案件案号的若干规定》第二条"


def court_code(court: Organization) -> str:
    basic = court.parent if court.parent_id and court.parent else court
    return court.court_code or basic.court_code


def special_number_error(number: str, court: Organization, today: dt.date) -> str | None:
    """A 民特 number in the form `（2026）宁0303民特12号`: the year the court received it
    (this year or last), this court's code."""
    code = court_code(court)
    pattern = re.escape(code) if code else r"[\u4e00-\u9fff]\d{4}"
    match = re.fullmatch(rf"（(\d{{4}})）{pattern}民特([1-9]\d*)号", number.strip())
    example = f"（{today.year}）{code or '宁0303'}民特1号"
    if match is None:
        return _(
            "案号格式应为“%(example)s”：收案年度、法院代字、类型代字“民特”、案件编号（%(law)s）"
        ) % {
            "example": example,
            "law": CASE_NUMBER_RULE,
        }
    # 收案年度: the year the court received the application — this year, or last year for
    # one received before the new year and registered after it.
    if not today.year - 1 <= int(match.group(1)) <= today.year:
        return _("案号的年度应为收案年度（%(last)d或%(year)d年）（%(law)s）") % {
            "last": today.year - 1,
            "year": today.year,
            "law": CASE_NUMBER_RULE,
        }
    return None


def refusal_grounds(reason: str, note: str = "") -> str:
    """The grounds of a refusal at intake as the ruling `not_accepted` records them."""
    grounds = _("不予受理：%(reason)s") % {"reason": dict(REFUSAL_REASONS)[reason]}
    return f"{grounds}（{note}）" if note else grounds


def ruling_date_error(
    day: dt.date, agreement_effective: dt.date | None, today: dt.date
) -> str | None:
    """A ruling is made on an agreement already in effect (《人民调解法》第三十三条: the
    parties apply within 30 days from the day the agreement took effect), and not later
    than today."""
    if day > today:
        return _("裁定日期不能晚于今天")
    if agreement_effective is not None and day < agreement_effective:
        return _("裁定日期不能早于调解协议生效之日（%(day)s，《人民调解法》第三十三条）") % {
            "day": agreement_effective.isoformat()
        }
    return None


def register_clock(now: dt.datetime) -> Clock:
    return clocks.clock(Stage.CONFIRMATION_REGISTER, now)


def decide_clock(registered_at: dt.datetime) -> Clock:
    return clocks.clock(Stage.CONFIRMATION_DECIDE, registered_at)


def recorded_decide_clock(registered_at: dt.datetime, due: dt.datetime, basis: str) -> Clock:
    """The review period as recorded (its due date possibly extended)."""
    basis = basis or clocks.rule(Stage.CONFIRMATION_DECIDE).basis
    return clocks.fixed_clock(Stage.CONFIRMATION_DECIDE, registered_at, due, basis, "calendar")


def extended_decide_clock(registered_at: dt.datetime) -> Clock:
    """The president's extension counts on from the original end of the review period
    (registration + 15 days), not from the working day it rolled to."""
    return clocks.extended(Stage.CONFIRMATION_DECIDE, decide_clock(registered_at))


# -- court referral -----------------------------------------------------------------------

PRE_FILING, POST_FILING = "pre_filing", "post_filing"  # 委派, 委托
REFERRAL_KINDS = (PRE_FILING, POST_FILING)


def referral_kind_error(kind: str) -> str | None:
    if kind not in REFERRAL_KINDS:
        return _("应为 pre_filing（委派）或 post_filing（委托）")
    return None


# 特邀调解: the court refers to an invited mediation organisation or mediator, never to a
# court (法释〔2016〕14号 第一条: 特邀调解组织或者特邀调解员).
REFERRAL_TARGET_KINDS = (OrgKind.PEOPLE_COMMITTEE, OrgKind.ADMIN_ORGAN, OrgKind.LAWYER_STUDIO)


def referral_target_error(kind: str) -> str | None:
    if kind in REFERRAL_TARGET_KINDS:
        return None
    return _(
        "委派、委托调解只能交由特邀调解组织或者特邀调解员进行，不能委派给人民法院"
        "（《最高人民法院关于人民法院特邀调解的规定》法释〔2016〕14号第一条）"
    )


def referral_due_error(
    due: dt.datetime, kind: str, summary: bool, agreed: bool, now: dt.datetime
) -> str | None:
    """The court's letter may fix the date only within the referral's own limit (委派 30,
    委托 15, summary 7 days); beyond it, only with the parties' recorded agreement."""
    limit = clocks.clock(clocks.referral_stage(kind, summary), now)
    if due <= limit.due or agreed:
        return None
    return _(
        "期限超过法定调解期限（至%(day)s；%(basis)s）；延长须经双方当事人同意，"
        "请记录当事人同意延长（extension_agreed）"
    ) % {"day": timezone.localdate(limit.due).isoformat(), "basis": limit.basis}


POST_FILING_NO_CONFIRMATION = gettext_lazy(
    "委托调解（立案后）的案件不能申请司法确认：司法确认适用于诉讼外达成的调解协议"
    "（《民事诉讼法》第二百零五条）；委托调解达成协议的，由人民法院依法出具调解书或准许撤诉"
    "（《民事诉讼法》第一百条、第一百四十八条）"
)


def referral_kind(case: Case) -> str:
    """委派 or 委托 of a court-referred case ('' for any other case)."""
    if case.channel != Channel.COURT_REFERRAL:
        return ""
    handoff = case.handoffs.filter(kind=HandoffKind.COURT_REFERRAL).order_by("-pk").first()
    return str(handoff.data.get("kind") or PRE_FILING) if handoff else ""


def court_instrument(case: Case) -> str:
    """The court's own instrument that ended a referred case's agreement — its 调解书
    number or the suit's withdrawal — or ''. Such a case closes on the court's act."""
    if case.channel != Channel.COURT_REFERRAL:
        return ""
    for data in case.handoffs.filter(kind=HandoffKind.COURT_REFERRAL).values_list(
        "data", flat=True
    ):
        found = data.get("mediation_document") or data.get("suit_withdrawn")
        if found:
            return str(found)
    return ""


def court_outcomes(state: str, network: str, kind: str) -> list[str]:
    """The court's decisions on a referred case's outcome, in the order offered."""
    filed = kind == POST_FILING
    out = []
    if state == State.AGREED:
        if network != "judicial" and not filed:
            out.append("confirm")
        out.append("mediation_document")
        if filed:
            out.append("withdraw_suit")
    if state == State.FAILED:
        out.append("resume_trial" if filed else "file")
    out.append("acknowledge")
    return out
