"""The legal rules the intake, the records and the corrections apply (mediation.actions
asks them): who needs a guardian, which tags the law derives from a birth date, what a party
may do when an agreement is not performed, when a risk must be reported to the police, the
consent an online application needs and the shape of a case number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from mediation.law.choices import (
    NETWORK_WORD,
    Category,
    Outcome,
    PartyKind,
    PerformanceRoute,
    RepresentativeKind,
    State,
    Tag,
)
from mediation.law.identity import age_on

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from mediation.models import Case

# -- parties ----------------------------------------------------------------------------


def derived_tags(
    kind: str, birth_date: dt.date | None, tags: Iterable[str], today: dt.date
) -> list[str]:
    """The tags a natural person's age gives (elderly from 60, minor under 18), with the
    given ones, sorted."""
    out = set(tags)
    if kind == PartyKind.PERSON and birth_date:
        age = age_on(birth_date, today)
        if age >= 60:
            out.add(Tag.ELDERLY)
        if age < 18:
            out.add(Tag.MINOR)
    return sorted(out)


def guardian_error(party: dict[str, Any]) -> str | None:
    """Registration is refused for a minor or a person without full capacity who has no
    guardian: the guardian acts as their legal representative (民法典 arts 23, 27–28)."""
    if party.get("kind") != PartyKind.PERSON:
        return None
    needs = Tag.MINOR in party.get("tags", ()) or party.get("limited_capacity")
    rep = party.get("representative") or {}
    if needs and rep.get("kind") != RepresentativeKind.GUARDIAN:
        who = (
            _("未成年人")
            if Tag.MINOR in party.get("tags", ())
            else _("无民事行为能力或限制民事行为能力人")
        )
        return _(
            "当事人“%(name)s”是%(who)s，须登记其监护人作为法定代理人（《民法典》第二十三条）"
        ) % {"name": party.get("name", ""), "who": who}
    return None


def privacy_consent_error(consent: object) -> str | None:
    """An application online needs the applicant's consent to the privacy notice, given
    explicitly (个人信息保护法 art 14): only a literal `true` is consent."""
    if consent is True:
        return None
    return _("请阅读并同意个人信息处理说明（《个人信息保护法》第十四条）")


# -- the case number ---------------------------------------------------------------------


def case_number(short_code: str, network: str, year: int, serial: int) -> str:
    """（2026）红人调字第0007号: the year, the organisation's code, the network's word."""
    word = NETWORK_WORD[network]
    # One network word after the organisation's code: "律" + "律调" is "律调", not "律律调".
    if short_code.endswith(word[0]):
        word = word[1:]
    return f"（{year}）{short_code}{word}字第{serial:04d}号"


# -- after an agreement ------------------------------------------------------------------


def performance_routes(case: Case) -> list[str]:
    """What a party may do when the other side does not perform the agreement: enforce a
    confirmed one (CPL art 206); sue on an unconfirmed one (PML art 32); for labour
    disputes, arbitration or — for wages, injury costs and compensation — a payment order
    (LDMAL arts 15–16)."""
    confirmed = case.state == State.CONFIRMED or case.outcome == Outcome.CONFIRMED
    routes: list[str] = [PerformanceRoute.ENFORCEMENT] if confirmed else []
    if case.category == Category.LABOR:
        routes += [PerformanceRoute.LABOUR_ARBITRATION, PerformanceRoute.PAYMENT_ORDER]
    elif not confirmed:
        routes.append(PerformanceRoute.SUIT)
        # A creditor of money under an agreement may ask for a payment order (CPL art 225;
        # 2017 律师调解意见): any monetary agreement, not only a labour one.
        agreement = case.current_agreement
        if agreement is not None and agreement.amount:
            routes.append(PerformanceRoute.PAYMENT_ORDER)
    return routes


ROUTE_REFUSALS: dict[str, _StrPromise] = {
    PerformanceRoute.ENFORCEMENT: _lazy(
        "只有经人民法院确认有效的调解协议才能申请强制执行（《民事诉讼法》第二百零六条）"
    ),
    PerformanceRoute.SUIT: _lazy(
        "已经司法确认的协议应申请强制执行；劳动争议调解协议不履行的，应申请仲裁或支付令"
        "（《人民调解法》第三十二条、《劳动争议调解仲裁法》第十五条）"
    ),
    PerformanceRoute.LABOUR_ARBITRATION: _lazy(
        "只有劳动争议调解协议不履行的才申请劳动争议仲裁（《劳动争议调解仲裁法》第十五条）"
    ),
    PerformanceRoute.PAYMENT_ORDER: _lazy(
        "支付令只适用于给付金钱或有价证券的请求：调解协议须载明给付金额（《民事诉讼法》"
        "第二百二十五条；劳动争议见《劳动争议调解仲裁法》第十六条）；已经司法确认的协议应申请强制执行"
    ),
}


# -- risk --------------------------------------------------------------------------------


def police_report_errors(reported_to: str, reported_at: dt.datetime | None) -> dict[str, list[str]]:
    """A high risk (of crime or public-order harm) is reported to the police (PML art 25):
    the messages for the station and the time when either is missing."""
    rule = _(
        "可能激化为治安案件、刑事案件的纠纷，应当及时向当地公安机关报告"
        "（《人民调解法》第二十五条）：请填写%(what)s"
    )
    errors: dict[str, list[str]] = {}
    if not reported_to:
        errors["reported_to"] = [rule % {"what": _("报告的公安派出所")}]
    if reported_at is None:
        errors["reported_at"] = [rule % {"what": _("报告时间")}]
    return errors


# -- the dates of records under a case ------------------------------------------------------


def record_day_error(day: dt.date, case: Case, today: dt.date) -> str | None:
    """A session or follow-up happened: not after today, not before the case began."""
    if day > today:
        return _("日期不能晚于今天")
    began = timezone.localdate(case.created_at) if case.created_at else None
    if began is not None and day < began:
        return _("日期不能早于案件登记之日（%(day)s）") % {"day": began.isoformat()}
    return None


def closing_follow_up_error(case: Case) -> str | None:
    """The follow-up a case closes on comes after the agreement's performance date, or
    says why earlier (e.g. performed ahead of time): the committee supervises performance
    (《人民调解法》第三十一条)."""
    agreement = case.current_agreement
    last = case.follow_ups.order_by("-date", "-id").first()
    if agreement is None or last is None or last.date >= agreement.performance_due:
        return None
    if last.early_reason.strip():
        return None
    return _(
        "最近一次回访（%(day)s）早于协议履行期限（%(due)s）：请在履行期限届满后回访，"
        "或在回访记录中说明提前回访结案的理由（《人民调解法》第三十一条）"
    ) % {"day": last.date.isoformat(), "due": agreement.performance_due.isoformat()}
