"""The Ministry of Justice's whole people's-mediation report (司法部人民调解统计报表) for a
period: beyond the case table (figures.ministry_table) the organisations by type, the
mediators by type and training, 防止民间纠纷激化, agreements performed and the disputes'
sources. Every figure is a database aggregate (one GROUP BY per table): a year of the
district's million cases is one pass, never a loop over cases in Python.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case as When_
from django.db.models import CharField, Count, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from mediation.law.choices import EscalationKind, Network, OrgKind, Role
from mediation.models import Membership, Organization, TrainingAttendance
from mediation.models.supervision import EmploymentKind
from mediation.policies import Actor

from .aggregates import Filters
from .figures import MINISTRY_COLUMNS, ministry_table

# 人民调解组织 by the Ministry's types. Organization.subtype says which: a village or a
# community committee is 村（居）, a township's or a street's 乡镇（街道）, an enterprise's
# 企（事）业单位, one stationed in a court, police station or petition bureau 派驻; every
# other subtype is an industry's or a profession's (医疗, 交通, 劳动 …: 行业性专业性).
ORG_TYPES = [
    ("village", gettext_lazy("村（居）人民调解委员会")),
    ("township", gettext_lazy("乡镇（街道）人民调解委员会")),
    ("enterprise", gettext_lazy("企（事）业单位人民调解委员会")),
    ("industry", gettext_lazy("行业性专业性人民调解委员会")),
    ("stationed", gettext_lazy("派驻人民调解工作室（委员会）")),
]
ORG_SUBTYPES = {
    "village": ("village", "community"),
    "township": ("township", "street"),
    "enterprise": ("enterprise", "institution"),
    "stationed": ("stationed", "court_stationed", "police_stationed", "petition_stationed"),
}
EMPLOYMENT = [(k, label) for k, label in EmploymentKind.choices]
PREVENTION = [(f"prevented_{k}", label) for k, label in EscalationKind.choices]
SOURCES = [
    ("source_applied", gettext_lazy("当事人申请")),
    ("source_proactive", gettext_lazy("主动调解")),
    ("source_referred", gettext_lazy("接受委托移送")),
]
AGREEMENTS = [
    ("succeeded", gettext_lazy("调解成功（件）")),
    ("written", gettext_lazy("书面协议（件）")),
    ("oral", gettext_lazy("口头协议（件）")),
    ("performed", gettext_lazy("协议履行（件）")),
    ("amount", gettext_lazy("协议涉及金额（万元）")),
]
MEDIATOR_COLUMNS = [
    ("count", gettext_lazy("人数")),
    ("trained", gettext_lazy("参加培训人数")),
    ("trainings", gettext_lazy("培训人次")),
    ("hours", gettext_lazy("培训学时")),
]


def _org_type() -> When_:
    whens = [When(subtype__in=subs, then=Value(key)) for key, subs in ORG_SUBTYPES.items()]
    return When_(*whens, default=Value("industry"), output_field=CharField())


def organisations(filters: Filters) -> dict[str, Any]:
    """People's mediation committees by the Ministry's type (as they stand; a committee
    has no founding date here), in the region when one is chosen."""
    qs = Organization.objects.filter(kind=OrgKind.PEOPLE_COMMITTEE)
    if filters.region:
        qs = qs.filter(region=filters.region)
    counts = dict(
        qs.order_by()
        .annotate(t=_org_type())
        .values("t")
        .annotate(n=Count("id"))
        .values_list("t", "n")
    )
    rows = [{"key": k, "label": str(label), "count": counts.get(k, 0)} for k, label in ORG_TYPES]
    return {"rows": rows, "total": sum(r["count"] for r in rows)}


def mediators(filters: Filters) -> dict[str, Any]:
    """People's mediators (members of a committee with the mediator role, each counted
    once) by 专职 / 兼职 — a mediator without a roster entry is 兼职, the roster's default —
    with how many attended a training in the period, their attendances and hours."""
    members = Membership.objects.filter(
        role=Role.MEDIATOR, org__kind=OrgKind.PEOPLE_COMMITTEE
    ).order_by()
    if filters.region:
        members = members.filter(org__region=filters.region)
    ids = members.values("user_id")
    employment = Coalesce("mediator__mediator_profile__employment", Value(EmploymentKind.PART_TIME))
    people = dict(
        get_user_model()
        .objects.filter(pk__in=ids)
        .order_by()
        .annotate(e=Coalesce("mediator_profile__employment", Value(EmploymentKind.PART_TIME)))
        .values("e")
        .annotate(n=Count("id"))
        .values_list("e", "n")
    )
    attended = TrainingAttendance.objects.filter(mediator_id__in=ids).order_by()
    if filters.start:
        attended = attended.filter(session__held_on__gte=filters.start)
    if filters.end:
        attended = attended.filter(session__held_on__lte=filters.end)
    training = {
        r["e"]: r
        for r in attended.annotate(e=employment)
        .values("e")
        .annotate(
            trained=Count("mediator_id", distinct=True),
            trainings=Count("id"),
            hours=Sum("session__hours"),
        )
    }
    rows = []
    for key, label in EMPLOYMENT:
        t = training.get(key, {})
        rows.append(
            {
                "key": key,
                "label": str(label),
                "count": people.get(key, 0),
                "trained": t.get("trained", 0),
                "trainings": t.get("trainings", 0),
                "hours": f"{t.get('hours') or 0:.1f}",
            }
        )
    total = {k: sum(r[k] for r in rows) for k in ("count", "trained", "trainings")}
    total["hours"] = f"{sum(float(r['hours']) for r in rows):.1f}"
    return {"rows": rows, "total": total}


def _picked(total: dict[str, Any] | None, keys: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"key": k, "label": str(label), "count": None if total is None else total[k]}
        for k, label in keys
    ]


def ministry_report(user: Actor, filters: Filters) -> dict[str, Any]:
    """The whole report: each of the form's tables, the case table's figures reused for
    the tables that are columns of it (防止激化, sources, agreements), so they agree."""
    people = not filters.network or filters.network == Network.PEOPLE
    cases = ministry_table(user, filters)
    total = cases["total"]
    agreements: dict[str, Any] | None = None
    if total is not None:
        agreements = {k: total[k] for k, _label in AGREEMENTS}
    columns = {k for k, _label in MINISTRY_COLUMNS}
    assert all(k in columns for k, _label in PREVENTION + SOURCES)  # one vocabulary
    return {
        "filters": filters.as_dict(),
        "organisations": organisations(filters) if people else None,
        "mediators": mediators(filters) if people else None,
        "cases": cases,
        "prevention": _picked(total, PREVENTION),
        "agreements": agreements,
        "sources": _picked(total, SOURCES),
    }


def labels() -> dict[str, list[tuple[str, str]]]:
    """The tables' row and column labels, for the workbook and the PDF."""
    return {
        "organisations": [(k, str(v)) for k, v in ORG_TYPES],
        "mediator_columns": [(k, str(v)) for k, v in MEDIATOR_COLUMNS],
        "agreements": [(k, str(v)) for k, v in AGREEMENTS],
    }
