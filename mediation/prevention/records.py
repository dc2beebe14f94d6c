"""Before and beside the dispute: screening rounds (矛盾纠纷排查) and legal consultations
(12348 热线与窗口法律咨询) — their writes and the figures the supervisor reads.

The writer of these records, owned by the service layer: a found dispute or a
consultation becomes a case only through `services.register_case`, in the same
transaction that links the record to the case, so a case never loses its origin and a
record is never registered twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation import policies
from mediation.actions import services
from mediation.errors import InvalidFields, NotPermitted, NotVisible, StateConflict
from mediation.law.choices import (
    CONSULTATION_CHANNELS,
    Category,
    Channel,
    ConsultationTopic,
    OrgKind,
    RiskLevel,
)
from mediation.law.identity import validate_phone
from mediation.law.jsonform import JsonForm, errors_of
from mediation.models import (
    Case,
    Consultation,
    Organization,
    ScreeningFinding,
    ScreeningRound,
)
from mediation.policies import Actor

MAX_FOUND = 50
MAX_PARTIES = 20


# -- screening -------------------------------------------------------------------------


class _RoundForm(JsonForm):
    org = forms.IntegerField(label=gettext_lazy("调解组织"))
    period_start = forms.DateField(label=gettext_lazy("排查开始日期"))
    period_end = forms.DateField(label=gettext_lazy("排查结束日期"))
    places = forms.CharField(label=gettext_lazy("排查地点"), max_length=2000)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=2000, required=False)

    def __init__(self, *args: Any, today: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("排查结束日期不能早于开始日期"))
        if end and self.today and end > self.today:
            self.add_error("period_end", _("排查期间不能在将来"))
        return data


class _FindingForm(JsonForm):
    summary = forms.CharField(label=gettext_lazy("纠纷简况"), max_length=5000)
    category = forms.ChoiceField(label=gettext_lazy("纠纷类型"), choices=Category.choices)
    risk = forms.ChoiceField(label=gettext_lazy("风险等级"), choices=RiskLevel.choices)


def record_screening(
    user: User, data: dict[str, Any], *, now: dt.datetime | None = None
) -> ScreeningRound:
    """Record a committee's screening round with the disputes it found, in one transaction."""
    now = now or timezone.now()
    form = _RoundForm(data, today=timezone.localdate(now))
    errors = {} if form.is_valid() else errors_of(form)
    found_in = data.get("found")
    if found_in is None:  # absent or null: no dispute found
        found_in = []
    found: list[dict[str, Any]] = []
    if not isinstance(found_in, list):
        errors["found"] = [_("排查发现的纠纷应为列表")]
    elif len(found_in) > MAX_FOUND:
        errors["found"] = [_("一次最多登记%(n)d件排查发现的纠纷") % {"n": MAX_FOUND}]
    else:
        for i, raw in enumerate(found_in):
            fform = _FindingForm(raw if isinstance(raw, dict) else {})
            if not fform.is_valid():
                errors.update(errors_of(fform, f"found[{i}]."))
                continue
            parties = raw.get("parties") or []
            if not isinstance(parties, list) or not all(isinstance(p, dict) for p in parties):
                errors[f"found[{i}].parties"] = [_("当事人应为列表")]
                continue
            if len(parties) > MAX_PARTIES:
                errors[f"found[{i}].parties"] = [_("当事人最多%(n)d人") % {"n": MAX_PARTIES}]
                continue
            found.append({**fform.cleaned_data, "parties": parties})
    org = None
    if "org" not in errors:
        org = Organization.objects.filter(pk=form.cleaned_data["org"]).first()
        if org is None:
            errors["org"] = [_("组织不存在")]
        elif org.kind != OrgKind.PEOPLE_COMMITTEE:
            errors["org"] = [
                _(
                    "矛盾纠纷排查由人民调解委员会开展（《人民调解工作若干规定》第三条：人民调解委员会的任务是调解民间纠纷，防止民间纠纷激化，预防民间纠纷发生）"
                )
            ]
    if errors or org is None:  # no errors: the organisation was found
        raise InvalidFields(_("提交的内容有误"), errors)
    if not policies.may_record_screening(user, org):
        raise NotPermitted(_("您无权为该调解委员会登记排查情况"))
    cd = form.cleaned_data
    with transaction.atomic():
        round_ = ScreeningRound.objects.create(
            org=org,
            period_start=cd["period_start"],
            period_end=cd["period_end"],
            places=cd["places"],
            note=cd.get("note") or "",
            created_by=user,
            created_at=now,
        )
        ScreeningFinding.objects.bulk_create(
            ScreeningFinding(round=round_, position=i, **f) for i, f in enumerate(found)
        )
    return round_


def get_finding(user: Actor, round_id: int, finding_id: int) -> ScreeningFinding:
    finding = (
        ScreeningFinding.objects.select_related("round", "round__org")
        .filter(
            pk=finding_id,
            round_id=round_id,
            round__in=policies.visible_screenings(user),
        )
        .first()
    )
    if finding is None:
        raise NotVisible(_("排查记录不存在"))
    return finding


def register_finding(
    user: User,
    round_id: int,
    finding_id: int,
    data: dict[str, Any] | None = None,
    *,
    now: dt.datetime | None = None,
) -> Case:
    """A found dispute becomes a case with channel `proactive` (主动排查), keeping the link.

    The body may supply what the finding lacks (parties, claims, another organisation);
    by default the case registers at the committee that screened, with the finding's
    summary and category."""
    now = now or timezone.now()
    finding = get_finding(user, round_id, finding_id)
    body = {
        "org": finding.round.org_id,
        "category": finding.category,
        "summary": finding.summary,
        "parties": finding.parties,
        **{k: v for k, v in (data or {}).items() if v not in (None, "", [])},
    }
    with transaction.atomic():
        locked = ScreeningFinding.objects.select_for_update().get(pk=finding.pk)
        if locked.case is not None:
            raise StateConflict(
                _("该纠纷已登记为案件 %(n)s") % {"n": locked.case.number}, "registered"
            )
        case = services.register_case(
            user,
            body,
            channel=Channel.PROACTIVE,
            now=now,
            event_data={"screening": finding.round_id, "finding": finding.pk},
        )
        locked.case = case
        locked.save(update_fields=["case"])
    return case


def committees_without_screening(month: dt.date) -> QuerySet[Organization]:
    """People's mediation committees with no round overlapping the month (1st of month)."""
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    rounds = ScreeningRound.objects.filter(
        org_id=OuterRef("pk"), period_start__lt=nxt, period_end__gte=first
    )
    return (
        Organization.objects.filter(kind=OrgKind.PEOPLE_COMMITTEE)
        .exclude(Exists(rounds))
        .order_by("region", "id")
    )


def screening_counts(start: dt.date | None, end: dt.date | None, region: str = "") -> dict:
    """排查 figures for the Ministry's table over [start, end] (open ends allowed): rounds
    held, disputes found, of which registered as cases; `None` when no round was recorded
    (无数据, not 0)."""
    rounds = ScreeningRound.objects.all()
    if start:
        rounds = rounds.filter(period_end__gte=start)
    if end:
        rounds = rounds.filter(period_start__lte=end)
    if region:
        rounds = rounds.filter(org__region=region)
    agg = rounds.aggregate(
        n_rounds=Count("id", distinct=True),
        n_found=Count("found", distinct=True),
        n_registered=Count("found", filter=Q(found__case__isnull=False), distinct=True),
    )
    if not agg["n_rounds"]:
        return {"rounds": None, "found": None, "registered": None}
    return {"rounds": agg["n_rounds"], "found": agg["n_found"], "registered": agg["n_registered"]}


# -- consultations ---------------------------------------------------------------------


class _ConsultationForm(JsonForm):
    org = forms.IntegerField(label=gettext_lazy("受理机构"), required=False)
    channel = forms.ChoiceField(
        label=gettext_lazy("渠道"),
        choices=[(c.value, c.label) for c in CONSULTATION_CHANNELS],
    )
    topic = forms.ChoiceField(label=gettext_lazy("咨询类别"), choices=ConsultationTopic.choices)
    category = forms.ChoiceField(label=gettext_lazy("涉及纠纷类型"), choices=Category.choices)
    question = forms.CharField(label=gettext_lazy("咨询问题"), max_length=5000)
    answer = forms.CharField(label=gettext_lazy("解答内容"), max_length=5000)
    caller_name = forms.CharField(label=gettext_lazy("来电（访）人"), max_length=50, required=False)
    caller_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30)

    def clean_caller_phone(self) -> str:
        return validate_phone(self.cleaned_data["caller_phone"])


def record_consultation(
    user: User, data: dict[str, Any], *, now: dt.datetime | None = None
) -> Consultation:
    now = now or timezone.now()
    form = _ConsultationForm(data)
    errors = {} if form.is_valid() else errors_of(form)
    desks = policies.consultation_orgs(user)
    org = None
    if "org" not in errors:
        org_id = form.cleaned_data.get("org") or (desks[0] if len(desks) == 1 else None)
        if org_id is None:
            errors["org"] = [_("请选择受理机构")]
        else:
            org = Organization.objects.filter(pk=org_id).first()
            if org is None:
                errors["org"] = [_("组织不存在")]
    if errors or org is None:  # no errors: the organisation was found
        raise InvalidFields(_("提交的内容有误"), errors)
    if not policies.may_record_consultation(user, org):
        raise NotPermitted(_("您无权为该机构登记法律咨询"))
    cd = form.cleaned_data
    return Consultation.objects.create(
        org=org,
        channel=cd["channel"],
        topic=cd["topic"],
        category=cd["category"],
        question=cd["question"],
        answer=cd["answer"],
        caller_name=cd.get("caller_name") or "",
        caller_phone=cd["caller_phone"],
        created_by=user,
        created_at=now,
    )


def get_consultation(user: Actor, pk: int | str) -> Consultation:
    found = policies.visible_consultations(user).filter(pk=pk).first()
    if found is None:
        raise NotVisible(_("咨询记录不存在"))
    return found


def register_consultation(
    user: User, pk: int | str, data: dict[str, Any], *, now: dt.datetime | None = None
) -> Case:
    """A consultation that turns out to be a dispute becomes a case: the caller is the
    applicant (their name and phone unless the body says otherwise), the channel is the
    consultation's, and the case keeps the link."""
    now = now or timezone.now()
    consultation = get_consultation(user, pk)
    body = {"category": consultation.category, "summary": consultation.question, **(data or {})}
    parties = body.get("parties")
    if isinstance(parties, list) and parties and isinstance(parties[0], dict):
        first = dict(parties[0])
        if first.get("role", "applicant") == "applicant":
            first.setdefault("name", consultation.caller_name)
            if not first.get("phone"):
                first["phone"] = consultation.caller_phone
            parties = [first, *parties[1:]]
        body["parties"] = parties
    with transaction.atomic():
        locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if locked.case is not None:
            raise StateConflict(
                _("该咨询已登记为案件 %(n)s") % {"n": locked.case.number}, "registered"
            )
        case = services.register_case(
            user,
            body,
            channel=consultation.channel,
            now=now,
            event_data={"consultation": consultation.pk},
        )
        locked.case = case
        locked.save(update_fields=["case"])
    return case


def consultation_counts(start: dt.date | None, end: dt.date | None) -> list[dict]:
    """Consultations by topic over [start, end] (dates in Asia/Shanghai, open ends
    allowed), by the database; each row also carries `count` for the dashboard's chart."""
    qs = Consultation.objects.all()
    if start:
        qs = qs.filter(created_at__date__gte=start)
    if end:
        qs = qs.filter(created_at__date__lte=end)
    rows = (
        qs.values("topic").annotate(n=Count("id"), registered=Count("case")).order_by("-n", "topic")
    )
    labels = dict(ConsultationTopic.choices)
    return [{"label": str(labels.get(r["topic"], r["topic"])), "count": r["n"], **r} for r in rows]
