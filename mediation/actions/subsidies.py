"""以案定补: the head sets a case's subsidy grade when the case has ended — the one door for
a case's grade, writing the ledger line and the case's event in one transaction.

A grade changed later is a new ledger line with the difference: in the case's own month
while that month's sheet is open or returned, in the current month once the sheet was
approved (frozen); never while it waits for the supervisor (409).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.errors import InvalidFields, NotPermitted, StateConflict
from mediation.events import record_event
from mediation.law.choices import AgreementForm, EventType, OrgKind, Outcome, Role
from mediation.law.jsonform import Data, Errors
from mediation.law.subsidies import (
    BASIS,
    PAID_OUTCOMES,
    CaseFacts,
    SubsidyGrade,
    SubsidyMonthStatus,
    propose_grade,
)
from mediation.models import (
    Agreement,
    Case,
    CaseParty,
    CaseSubsidy,
    MediationSession,
    Organization,
    SubsidyLine,
    SubsidyMonth,
    SubsidyStandard,
)

from .base import CaseRef, load_for_update

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CENT = Decimal("0.01")


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment).replace(day=1)


# Township-level names end so (乡、镇、街道); the district's own name (…区) is in every address.
TOWNSHIP_ENDINGS = ("乡", "镇", "街道")


def _townships() -> set[str]:
    regions = Organization.objects.exclude(region="").values_list("region", flat=True)
    return {r for r in regions if r.endswith(TOWNSHIP_ENDINGS)}


def cross_township(case: Case) -> bool:
    """The parties live in two or more townships (their addresses name them)."""
    towns = _townships()
    found = {
        t
        for link in CaseParty.objects.filter(case=case).select_related("party")
        for t in towns
        if t in (link.party.address or "")
    }
    return len(found) >= 2


def facts_of(case: Case, cross: bool | None = None) -> CaseFacts:
    return CaseFacts(
        category=case.category,
        amount=case.amount,
        parties=CaseParty.objects.filter(case=case).count(),
        sessions=MediationSession.objects.filter(case=case).count(),
        risk=case.risk_level,
        cross_township=cross_township(case) if cross is None else cross,
    )


def propose(case: Case, cross: bool | None = None) -> str:
    return propose_grade(facts_of(case, cross))


def amounts(
    case: Case, grade: str, standard: SubsidyStandard, cross: bool
) -> tuple[Decimal, Decimal]:
    """(the grade's amount, the extras the case earns) under `standard`."""
    base: Decimal = getattr(standard, grade)
    extras = Decimal(0)
    if Agreement.objects.filter(case=case, form=AgreementForm.WRITTEN).exists():
        extras += standard.extra_written
    if case.outcome == Outcome.CONFIRMED:
        extras += standard.extra_confirmation
    if case.priority:
        extras += standard.extra_priority
    if cross:
        extras += standard.extra_cross_township
    return base, extras


def _boolean(value: Any) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "on", "1", "false", "0"):
        return value in ("true", "on", "1")
    raise ValueError


def grade_case(
    case_or_id: CaseRef, user: User, data: Data | None, *, now: dt.datetime | None = None
) -> CaseSubsidy:
    """Set (or change) the case's subsidy grade; the head of the handling committee only."""
    now = now or timezone.now()
    data = data or {}
    errors: Errors = {}
    grade: Any = data.get("grade")
    if grade not in SubsidyGrade.values:
        errors["grade"] = [_("案件等级应为简易、一般、疑难或重大（以案定补标准）")]
    raw_reason = data.get("reason")
    reason = raw_reason.strip() if isinstance(raw_reason, str) else ""
    if raw_reason is not None and not isinstance(raw_reason, str):
        errors["reason"] = [_("应为文本")]
    elif len(reason) > 500:
        errors["reason"] = [_("不超过500字")]
    try:
        cross_in = _boolean(data.get("cross_township"))
    except ValueError:
        errors["cross_township"] = [_("应为是或否")]
        cross_in = None
    month = month_of(now)
    with transaction.atomic():
        case = load_for_update(case_or_id, user)
        if not policies.has_role(user, case.org_id, Role.ORG_HEAD):
            raise NotPermitted(_("只有办理组织的负责人可以评定案件补贴等级"))
        if case.org.kind != OrgKind.PEOPLE_COMMITTEE:
            raise StateConflict(
                _("以案定补只适用于人民调解委员会办理的案件（%(basis)s）") % {"basis": BASIS},
                case.state,
            )
        if case.outcome not in PAID_OUTCOMES:
            raise StateConflict(
                _("案件尚未调解结束（当前状态“%(state)s”），不能评定补贴等级")
                % {"state": case.get_state_display()},
                case.state,
            )
        standard = SubsidyStandard.objects.filter(year=month.year).first()
        if standard is None:
            errors.setdefault("grade", []).append(
                _("%(year)d年度以案定补标准尚未制定，请先由司法局制定标准") % {"year": month.year}
            )
        cross = cross_township(case) if cross_in is None else cross_in
        proposed = propose_grade(facts_of(case, cross))
        if grade in SubsidyGrade.values and grade != proposed and not reason:
            errors["reason"] = [
                _("评定等级与建议等级“%(p)s”不同，请说明理由") % {"p": SubsidyGrade(proposed).label}
            ]
        if errors or standard is None:
            raise InvalidFields(_("提交的内容有误"), errors)
        base, extras = amounts(case, grade, standard, cross)
        total = (base + extras).quantize(CENT)
        lines = SubsidyLine.objects.filter(case=case)
        paid = lines.aggregate(s=Sum("amount"))["s"] or Decimal(0)
        last = lines.order_by("-month", "-id").first()
        target = month
        if last is not None:
            sheet, _created = SubsidyMonth.objects.select_for_update().get_or_create(
                org_id=last.org_id, month=last.month
            )
            if sheet.status == SubsidyMonthStatus.SUBMITTED:
                raise StateConflict(
                    _("%(m)s补贴表已报送待审核，审核前不能更改该案等级")
                    % {"m": f"{last.month:%Y-%m}"},
                    sheet.status,
                )
            if sheet.status != SubsidyMonthStatus.APPROVED:
                target = last.month  # the case's month is still open: correct it there
        SubsidyMonth.objects.select_for_update().get_or_create(org_id=case.org_id, month=target)
        change = total - paid
        if last is None or change:
            SubsidyLine.objects.create(
                case=case,
                org_id=case.org_id,
                mediator_id=case.mediator_id,
                month=target,
                grade=grade,
                base=base,
                extras=extras,
                amount=change,
                adjustment=last is not None,
                reason=reason,
                created_by=user,
                created_at=now,
            )
        subsidy, _created = CaseSubsidy.objects.update_or_create(
            case=case,
            defaults={
                "grade": grade,
                "proposed": proposed,
                "reason": reason,
                "cross_township": cross,
                "amount": total,
                "set_by": user,
                "set_at": now,
            },
        )
        record_event(
            case,
            EventType.CASE_UPDATED,
            user,
            {
                "record": "subsidy_grade",
                "grade": grade,
                "proposed": proposed,
                "reason": reason,
                "amount": f"{total:.2f}",
                "change": f"{change:.2f}",
                "month": f"{target:%Y-%m}",
            },
            at=now,
        )
    return subsidy
