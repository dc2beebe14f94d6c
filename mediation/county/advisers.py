"""Village legal advisers (村（居）法律顾问, DESIGN §12.4): the bureau registers an adviser and
the villages they serve (only within the region of the 司法所 that arranges them); the adviser
records duty days and services from a phone; coverage per township and the year's services,
counted by the database, go on the supervisor's dashboard."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation import policies
from mediation.errors import InvalidFields, NotPermitted, NotVisible
from mediation.law.advisers import (
    ADVISER_BASIS,
    COVERAGE_TARGET,
    VILLAGE_SUBTYPES,
    AdviserKind,
    AdviserServiceKind,
    in_region,
)
from mediation.law.choices import OrgKind, Role
from mediation.law.jsonform import Data, Errors, JsonForm, errors_of
from mediation.models import (
    AdviserService,
    AdviserVillage,
    LegalAdviser,
    Membership,
    Organization,
)
from mediation.policies import Actor
from mediation.supervision.complaints import audit

MAX_PEOPLE = 10_000


class AdviserForm(JsonForm):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=AdviserKind.choices)
    licence_number = forms.CharField(label=gettext_lazy("执业证号"), max_length=30, required=False)
    workplace = forms.CharField(label=gettext_lazy("执业机构"), max_length=100, required=False)
    org = forms.IntegerField(label=gettext_lazy("安排单位"), min_value=1)
    user = forms.IntegerField(label=gettext_lazy("账号"), min_value=1, required=False)


class AssignForm(JsonForm):
    village = forms.IntegerField(label=gettext_lazy("村（社区）"), min_value=1)
    since = forms.DateField(label=gettext_lazy("服务起始日期"), required=False)


class ServiceForm(JsonForm):
    kind = forms.ChoiceField(label=gettext_lazy("服务类型"), choices=AdviserServiceKind.choices)
    on = forms.DateField(label=gettext_lazy("日期"))
    village = forms.IntegerField(label=gettext_lazy("村（社区）"), min_value=1)
    people = forms.IntegerField(
        label=gettext_lazy("服务人次"), min_value=0, max_value=MAX_PEOPLE, required=False
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)


def villages() -> QuerySet[Organization]:
    """Every village and community (by its people's mediation committee)."""
    return Organization.objects.filter(kind=OrgKind.PEOPLE_COMMITTEE, subtype__in=VILLAGE_SUBTYPES)


def _bureau(user: Actor) -> None:
    if not policies.is_supervisor(user):
        raise NotPermitted(_("只有司法局监督管理人员可以管理村（居）法律顾问"))


def own_adviser(user: Actor) -> LegalAdviser | None:
    """The adviser row of a signed-in legal adviser, else None."""
    if not policies.has_role_anywhere(user, Role.LEGAL_ADVISER):
        return None
    return LegalAdviser.objects.filter(user_id=user.pk or 0).first()


def visible_advisers(user: Actor) -> QuerySet[LegalAdviser]:
    """The bureau sees every adviser; an adviser sees only themself; anyone else is refused."""
    qs = LegalAdviser.objects.select_related("org").prefetch_related("villages__village")
    if policies.is_supervisor(user):
        return qs
    if policies.has_role_anywhere(user, Role.LEGAL_ADVISER):
        return qs.filter(user_id=user.pk or 0)
    raise NotPermitted(_("您无权查看村（居）法律顾问"))


def register_adviser(user: User, data: Data, *, now: dt.datetime | None = None) -> LegalAdviser:
    now = now or timezone.now()
    _bureau(user)
    form = AdviserForm(data)
    errors: Errors = {} if form.is_valid() else errors_of(form)
    cd = form.cleaned_data
    if "org" in cd and not Organization.objects.filter(pk=cd["org"]).exclude(region="").exists():
        errors["org"] = [_("安排单位不存在或未设所属乡镇（街道）")]
    account = cd.get("user")
    if account:
        if not Membership.objects.filter(user_id=account, role=Role.LEGAL_ADVISER).exists():
            errors["user"] = [_("该账号不是村（居）法律顾问角色")]
        elif LegalAdviser.objects.filter(user_id=account).exists():
            errors["user"] = [_("该账号已登记为法律顾问")]
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    with transaction.atomic():
        adviser = LegalAdviser.objects.create(
            user_id=account or None,
            name=cd["name"],
            kind=cd["kind"],
            licence_number=cd.get("licence_number") or "",
            workplace=cd.get("workplace") or "",
            org_id=cd["org"],
            created_at=now,
            created_by=user,
        )
        audit("adviser.registered", user, {"adviser": adviser.pk, "org": cd["org"]}, at=now)
    return adviser


def assign_village(
    user: User, pk: int, data: Data, *, now: dt.datetime | None = None
) -> AdviserVillage:
    """The adviser serves one more village, which must lie in the arranging 司法所's region."""
    now = now or timezone.now()
    _bureau(user)
    adviser = LegalAdviser.objects.select_related("org").filter(pk=pk).first()
    if adviser is None:
        raise NotVisible(_("法律顾问不存在"))
    form = AssignForm(data)
    errors: Errors = {} if form.is_valid() else errors_of(form)
    cd = form.cleaned_data
    village = villages().filter(pk=cd["village"]).first() if "village" in cd else None
    if "village" in cd and village is None:
        errors["village"] = [_("不是村（社区）")]
    elif village is not None and not in_region(adviser.org.region, village.region):
        errors["village"] = [
            _("%(v)s不在%(o)s的辖区（%(r)s）内，不能安排该法律顾问服务（%(b)s）")
            % {
                "v": village.name,
                "o": adviser.org.name,
                "r": adviser.org.region,
                "b": ADVISER_BASIS,
            }
        ]
    elif village is not None and adviser.villages.filter(village=village).exists():
        errors["village"] = [_("该法律顾问已服务此村（社区）")]
    if errors or village is None:
        raise InvalidFields(_("提交的内容有误"), errors)
    with transaction.atomic():
        link = AdviserVillage.objects.create(
            adviser=adviser,
            village=village,
            since=cd.get("since") or timezone.localdate(now),
            created_by=user,
        )
        audit("adviser.assigned", user, {"adviser": adviser.pk, "village": village.pk}, at=now)
    return link


def record_service(user: User, data: Data, *, now: dt.datetime | None = None) -> AdviserService:
    """A duty day or a service, by the adviser themself, in a village they serve."""
    now = now or timezone.now()
    adviser = own_adviser(user)
    if adviser is None:
        raise NotPermitted(_("只有登记在册的村（居）法律顾问可以记录服务"))
    form = ServiceForm(data)
    errors: Errors = {} if form.is_valid() else errors_of(form)
    cd = form.cleaned_data
    if "on" in cd and cd["on"] > timezone.localdate(now):
        errors["on"] = [_("不能记录将来日期的服务")]
    if "village" in cd and not adviser.villages.filter(village_id=cd["village"]).exists():
        errors["village"] = [_("您不是该村（社区）的法律顾问")]
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    try:
        with transaction.atomic():
            return AdviserService.objects.create(
                adviser=adviser,
                kind=cd["kind"],
                on=cd["on"],
                village_id=cd["village"],
                people=cd.get("people") or 0,
                note=cd.get("note") or "",
                recorded_at=now,
            )
    except IntegrityError:
        raise InvalidFields(_("提交的内容有误"), {"on": [_("该日已记录值班")]}) from None


def visible_services(user: Actor) -> QuerySet[AdviserService]:
    qs = AdviserService.objects.select_related("adviser", "village")
    if policies.is_supervisor(user):
        return qs
    if policies.has_role_anywhere(user, Role.LEGAL_ADVISER):
        return qs.filter(adviser__user_id=user.pk or 0)
    raise NotPermitted(_("您无权查看法律顾问服务记录"))


def adviser_json(a: LegalAdviser) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "licence_number": a.licence_number,
        "workplace": a.workplace,
        "org": a.org_id,
        "org_name": a.org.name,
        "region": a.org.region,
        "user": a.user_id,
        "villages": [
            {"id": v.village_id, "name": v.village.name, "since": v.since.isoformat()}
            for v in a.villages.all()
        ],
    }


def service_json(s: AdviserService) -> dict[str, Any]:
    return {
        "id": s.pk,
        "adviser": s.adviser_id,
        "adviser_name": s.adviser.name,
        "kind": s.kind,
        "kind_label": s.get_kind_display(),
        "on": s.on.isoformat(),
        "village": s.village_id,
        "village_name": s.village.name,
        "people": s.people,
        "note": s.note,
    }


def _rate(covered: int, total: int) -> str | None:
    if not total:
        return None
    return str((Decimal(covered * 100) / total).quantize(Decimal("0.1"), ROUND_HALF_UP))


def coverage() -> dict[str, Any]:
    """Villages with an adviser ÷ all villages, per township and overall, by the database."""
    rows = (
        villages()
        .order_by()
        .values("region")
        .annotate(
            villages=Count("pk", distinct=True),
            covered=Count("pk", distinct=True, filter=Q(adviser_links__isnull=False)),
        )
        .order_by("region")
    )
    townships = [
        {
            "region": r["region"],
            "villages": r["villages"],
            "covered": r["covered"],
            "rate": _rate(r["covered"], r["villages"]),
            "met": r["covered"] == r["villages"],
        }
        for r in rows
    ]
    total = sum(t["villages"] for t in townships)
    covered = sum(t["covered"] for t in townships)
    return {
        "target": str(COVERAGE_TARGET),
        "townships": townships,
        "villages": total,
        "covered": covered,
        "rate": _rate(covered, total),
        "met": covered == total,
    }


def service_counts(year: int, adviser: LegalAdviser | None = None) -> dict[str, Any]:
    """The year's duty days and services by kind (each with the people served)."""
    qs = AdviserService.objects.filter(on__year=year)
    if adviser is not None:
        qs = qs.filter(adviser=adviser)
    found = {
        r["kind"]: r
        for r in qs.order_by().values("kind").annotate(n=Count("pk"), people=Sum("people"))
    }
    kinds = [
        {
            "kind": k.value,
            "kind_label": str(k.label),
            "count": found.get(k.value, {}).get("n", 0),
            "people": found.get(k.value, {}).get("people") or 0,
        }
        for k in AdviserServiceKind
    ]
    return {"year": year, "kinds": kinds}
