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

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation.law import clocks
from mediation.law.choices import State
from mediation.law.clocks import Clock
from mediation.law.limits import Stage

# -- judicial confirmation ----------------------------------------------------------------

# Why a court does not accept an application (不予受理).
REFUSAL_REASONS = [
    ("wrong_court", gettext_lazy("不属于本院管辖")),
    ("late", gettext_lazy("超过协议生效之日起30日的申请期限")),
    ("not_joint", gettext_lazy("非双方共同申请")),
    ("excluded", gettext_lazy("涉及身份关系或物权、知识产权确权")),
]

JOINT_APPLICATION_REQUIRED = gettext_lazy(
    "司法确认须由双方当事人共同申请（《民事诉讼法》第二百零五条）"
)


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
