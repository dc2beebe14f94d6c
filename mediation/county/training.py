"""Mediator training and the yearly assessment (调解员培训、考评): the bureau records a
session with who attended, and grades each mediator once a year; the roster and the
assignment suggestions show the year's hours and grade (mediation.supervision.roster).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation import policies
from mediation.errors import InvalidFields, NotPermitted, NotVisible
from mediation.law.choices import Role
from mediation.law.jsonform import Data, Errors, JsonForm, errors_of
from mediation.law.training import (
    ASSESSMENT_BASIS,
    MAX_HOURS,
    MIN_HOURS,
    TRAINING_BASIS,
    MediatorAssessment,
)
from mediation.models import MediatorGrade, Membership, TrainingAttendance, TrainingSession
from mediation.policies import Actor
from mediation.supervision.complaints import audit

MAX_ATTENDEES = 500


class SessionForm(JsonForm):
    topic = forms.CharField(label=gettext_lazy("培训主题"), max_length=100)
    hours = forms.DecimalField(
        label=gettext_lazy("学时"),
        max_digits=4,
        decimal_places=1,
        min_value=MIN_HOURS,
        max_value=MAX_HOURS,
    )
    trainer = forms.CharField(label=gettext_lazy("授课人"), max_length=50)
    held_on = forms.DateField(label=gettext_lazy("培训日期"))


class GradeForm(JsonForm):
    mediator = forms.IntegerField(label=gettext_lazy("调解员"), min_value=1)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    grade = forms.ChoiceField(label=gettext_lazy("考评等次"), choices=MediatorAssessment.choices)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)


def _supervisor(user: Actor, message: str) -> None:
    if not policies.is_supervisor(user):
        raise NotPermitted(message)


def _mediator_ids(raw: Any, errors: Errors, field: str) -> list[int]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_ATTENDEES:
        errors[field] = [_("出勤人员应为调解员 id 列表（最多%(n)d人）") % {"n": MAX_ATTENDEES}]
        return []
    ids = []
    for value in raw:
        if isinstance(value, bool) or not str(value).isdigit():
            errors[field] = [_("出勤人员应为调解员 id 列表（最多%(n)d人）") % {"n": MAX_ATTENDEES}]
            return []
        ids.append(int(value))
    ids = sorted(set(ids))
    known = set(
        Membership.objects.filter(user_id__in=ids, role=Role.MEDIATOR).values_list(
            "user_id", flat=True
        )
    )
    unknown = [i for i in ids if i not in known]
    if unknown:
        errors[field] = [_("不是调解员：%(ids)s") % {"ids": ", ".join(map(str, unknown))}]
    return ids


def _future(held_on: dt.date, today: dt.date, errors: Errors) -> None:
    if held_on > today:
        errors["attendees"] = [
            _("培训尚未举行（%(d)s），不能登记出勤") % {"d": held_on.isoformat()}
        ]


def record_session(user: User, data: Data, *, now: dt.datetime | None = None) -> TrainingSession:
    """A training session with the mediators who attended (optional; more may be added once
    it has taken place)."""
    now = now or timezone.now()
    _supervisor(user, _("只有司法局监督管理人员可以登记培训（%(b)s）") % {"b": TRAINING_BASIS})
    form = SessionForm(data)
    errors = {} if form.is_valid() else errors_of(form)
    ids = _mediator_ids(data.get("attendees"), errors, "attendees")
    held_on = form.cleaned_data.get("held_on") if not form.errors.get("held_on") else None
    if ids and held_on is not None:
        _future(held_on, timezone.localdate(now), errors)
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    with transaction.atomic():
        session = TrainingSession.objects.create(
            created_by=user, created_at=now, **form.cleaned_data
        )
        TrainingAttendance.objects.bulk_create(
            TrainingAttendance(session=session, mediator_id=i) for i in ids
        )
    return session


def add_attendance(
    user: User, pk: int, data: Data, *, now: dt.datetime | None = None
) -> TrainingSession:
    now = now or timezone.now()
    _supervisor(user, _("只有司法局监督管理人员可以登记培训出勤"))
    session = TrainingSession.objects.filter(pk=pk).first()
    if session is None:
        raise NotVisible(_("培训不存在"))
    errors: Errors = {}
    ids = _mediator_ids(data.get("attendees"), errors, "attendees")
    if not ids and not errors:
        errors["attendees"] = [_("请选择出勤的调解员")]
    _future(session.held_on, timezone.localdate(now), errors)
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    with transaction.atomic():
        TrainingAttendance.objects.bulk_create(
            [TrainingAttendance(session=session, mediator_id=i) for i in ids],
            ignore_conflicts=True,
        )
    return session


def session_json(s: TrainingSession) -> dict[str, Any]:
    return {
        "id": s.pk,
        "topic": s.topic,
        "hours": f"{s.hours:.1f}",
        "trainer": s.trainer,
        "held_on": s.held_on.isoformat(),
        "attendees": sorted(a.mediator_id for a in s.attendance.all()),
    }


def sessions(year: int | None = None) -> QuerySet[TrainingSession]:
    qs = TrainingSession.objects.prefetch_related("attendance")
    return qs.filter(held_on__year=year) if year else qs


def grade_mediator(user: User, data: Data, *, now: dt.datetime | None = None) -> MediatorGrade:
    """The yearly assessment; set again for the same year, it replaces the earlier one."""
    now = now or timezone.now()
    _supervisor(
        user, _("只有司法局监督管理人员可以评定调解员考评等次（%(b)s）") % {"b": ASSESSMENT_BASIS}
    )
    form = GradeForm(data)
    errors = {} if form.is_valid() else errors_of(form)
    cd = form.cleaned_data
    if (
        "mediator" in cd
        and not Membership.objects.filter(user_id=cd["mediator"], role=Role.MEDIATOR).exists()
    ):
        errors["mediator"] = [_("不是调解员")]
    if "year" in cd and cd["year"] > timezone.localdate(now).year:
        errors["year"] = [_("不能评定将来年度的考评")]
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    with transaction.atomic():
        row, _created = MediatorGrade.objects.update_or_create(
            mediator_id=cd["mediator"],
            year=cd["year"],
            defaults={
                "grade": cd["grade"],
                "note": cd.get("note") or "",
                "set_by": user,
                "set_at": now,
            },
        )
        audit(
            "mediator.assessed",
            user,
            {"mediator": cd["mediator"], "year": cd["year"], "grade": cd["grade"]},
            at=now,
        )
    return row


def grade_json(g: MediatorGrade) -> dict[str, Any]:
    return {
        "mediator": g.mediator_id,
        "year": g.year,
        "grade": g.grade,
        "grade_label": g.get_grade_display(),
        "note": g.note,
    }


def hours_this_year(year: int) -> Coalesce:
    """A user row's training hours in `year`, by the database (for the roster)."""
    rows = (
        TrainingAttendance.objects.filter(mediator_id=OuterRef("pk"), session__held_on__year=year)
        .order_by()
        .values("mediator_id")
        .annotate(h=Sum("session__hours"))
        .values("h")
    )
    money: DecimalField[Decimal, Decimal] = DecimalField(max_digits=6, decimal_places=1)
    return Coalesce(Subquery(rows, output_field=money), Value(Decimal(0)), output_field=money)


def grade_this_year(year: int) -> Subquery:
    return Subquery(
        MediatorGrade.objects.filter(mediator_id=OuterRef("pk"), year=year).values("grade")[:1]
    )
