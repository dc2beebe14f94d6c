"""Intake: `register_case`, used by every channel (a desk, a petition transfer, a court
referral, the police), and the application a party makes online."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.documents import records
from mediation.errors import InvalidFields, NotPermitted
from mediation.events import record_event
from mediation.law.case_rules import (
    case_number,
    derived_tags,
    guardian_error,
    privacy_consent_error,
)
from mediation.law.choices import (
    MEDIATING_KINDS,
    PRIORITY_TAGS,
    AccessReason,
    Channel,
    EventType,
    PartyKind,
    PartyRole,
)
from mediation.law.clocks import acceptance_clock
from mediation.law.jsonform import Data, Errors, errors_of
from mediation.law.remits import remit_error
from mediation.models import Case, CaseNumberSequence, CaseParty, Organization, Party

from .base import grant_access
from .intake_forms import CaseForm, PartyForm, representative_fields

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def allocate_number(org: Organization, year: int) -> str:
    """Next number for (org, year), inside the caller's transaction: the counter row is
    locked until commit, so numbers are never duplicated and a rollback leaves no gap."""
    CaseNumberSequence.objects.bulk_create(
        [CaseNumberSequence(org=org, year=year, last=0)], ignore_conflicts=True
    )
    seq = CaseNumberSequence.objects.select_for_update().get(org=org, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return case_number(org.short_code, org.network, year, seq.last)


@dataclass
class Registration:
    """A registration that passed validation: the case's cleaned fields, its mediating
    organisation, the cleaned parties (with their derived tags) and the priority flag."""

    fields: dict[str, Any]
    org: Organization
    parties: list[dict[str, Any]]
    priority: bool


def validate_registration(
    data: Data | None,
    *,
    channel: str | None = None,
    now: dt.datetime | None = None,
    authorize: Callable[[Organization], None] | None = None,
) -> Registration:
    """The intake's validation, without writing: the cleaned registration, or InvalidFields
    with every message. `authorize(org)` is called as soon as the organisation is known
    and the body is well formed, before the checks of the parties' ages and guardians, so
    a user who may not register there is refused before being told more about the body."""
    now = now or timezone.now()
    data = dict(data or {})
    if channel:
        data["channel"] = channel
    form = CaseForm(data)
    errors: Errors = {} if form.is_valid() else errors_of(form)
    parties_in = data.get("parties")
    parties: list[Data] = []
    if not isinstance(parties_in, list) or not parties_in:
        errors.setdefault("parties", []).append(_("至少需要一名申请人和一名被申请人"))
    else:
        for i, raw in enumerate(parties_in):
            pform = PartyForm(raw if isinstance(raw, dict) else {})
            if pform.is_valid():
                parties.append(pform.cleaned_data)
                continue
            who = raw.get("name") if isinstance(raw, dict) and raw.get("name") else f"#{i + 1}"
            for field, messages in errors_of(pform).items():
                errors[f"parties[{i}].{field}"] = [
                    _("当事人“%(who)s”：%(msg)s") % {"who": who, "msg": m} for m in messages
                ]
        roles = {p["role"] for p in parties}
        if not errors and not {PartyRole.APPLICANT, PartyRole.RESPONDENT} <= roles:
            errors.setdefault("parties", []).append(_("至少需要一名申请人和一名被申请人"))
    org = None
    if "org" not in errors and form.is_valid():
        org = Organization.objects.filter(pk=form.cleaned_data["org"]).first()
        if org is None:
            errors["org"] = [_("组织不存在")]
        elif org.kind not in MEDIATING_KINDS:
            errors["org"] = [_("只能登记到调解组织")]
        elif error := remit_error(org, form.cleaned_data["category"]):
            errors["category"] = [error]
    if errors or org is None:
        raise InvalidFields(_("提交的内容有误"), errors)
    if authorize is not None:
        authorize(org)

    today = timezone.localdate(now)
    for i, p in enumerate(parties):
        p["tags"] = derived_tags(p["kind"], p.get("birth_date"), p.get("tags") or [], today)
        error = guardian_error(p)
        if error:
            errors[f"parties[{i}].representative"] = [error]
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    priority = any(set(p["tags"]) & PRIORITY_TAGS for p in parties)
    return Registration(form.cleaned_data, org, parties, priority)


def register_case(
    user: User | None,
    data: Data | None,
    *,
    channel: str | None = None,
    now: dt.datetime | None = None,
    check_permission: bool = True,
    extra_access: Iterable[Organization | int] = (),
    event_data: Data | None = None,
) -> Case:
    """Intake for every channel. `channel` forces the channel (petition, court referral)."""
    now = now or timezone.now()

    def authorize(org: Organization) -> None:
        if check_permission and not policies.may_register(user, org):
            raise NotPermitted(_("您无权为该组织登记案件"))

    registration = validate_registration(data, channel=channel, now=now, authorize=authorize)
    return _write_registration(
        registration, user, now=now, extra_access=extra_access, event_data=event_data
    )


def _write_registration(
    registration: Registration,
    user: User | None,
    *,
    now: dt.datetime,
    extra_access: Iterable[Organization | int] = (),
    event_data: Data | None = None,
) -> Case:
    """The intake's writes, in one transaction: the case with its number and acceptance
    clock, its parties, its access grants and its `case.created` event."""
    cd, org, parties = registration.fields, registration.org, registration.parties
    with transaction.atomic():
        case: Case = Case(
            number=allocate_number(org, timezone.localtime(now).year),
            network=org.network,
            org=org,
            registering_org=org,
            registered_by=user,
            channel=cd["channel"],
            category=cd["category"],
            summary=cd["summary"],
            claims=cd.get("claims") or "",
            amount=cd.get("amount"),
            region=cd.get("region") or org.region,
            village=cd.get("village") or "",
            priority=registration.priority,
            created_at=now,
        )
        case.set_clock(acceptance_clock(registration.priority, now))
        case.save()
        for i, p in enumerate(parties):
            party = Party.objects.create(
                kind=p["kind"],
                name=p["name"],
                gender=p.get("gender") or "",
                ethnicity=p.get("ethnicity") or "",
                id_number=p.get("id_number") or "",
                birth_date=p.get("birth_date"),
                credit_code=p.get("credit_code") or "",
                representative=p.get("legal_representative") or "",
                limited_capacity=bool(p.get("limited_capacity")),
                **representative_fields(p.get("representative")),
                phone=p.get("phone") or "",
                address=p.get("address") or "",
                tags=p["tags"],
            )
            CaseParty.objects.create(case=case, party=party, role=p["role"], position=i)
        grant_access(case, org, AccessReason.HANDLER, now)
        # The intake desk routes what it registers (transfer, withdraw): it must see it.
        for org_id in policies.intake_desks(user, org):
            grant_access(case, org_id, AccessReason.INTAKE, now)
        for partner in extra_access:  # the referring court or petition bureau
            grant_access(case, partner, AccessReason.HANDOFF, now)
        created = record_event(
            case,
            EventType.CASE_CREATED,
            user,
            {"channel": case.channel, "priority": registration.priority, **(event_data or {})},
            at=now,
        )
        records.after_event(case, "created", created)
    return case


# -- online application (网上申请调解, POST /api/portal/applications/) ------------------------


def apply_online(data: Data | None, *, now: dt.datetime | None = None) -> Case:
    """A party applies without an account: one applicant (a natural person who gives a
    phone and an ID number, so the case can be tracked and the person identified) and the
    other side; the chosen organisation, or the township's people's mediation committee.
    Consent to the privacy notice is required (mediation.law.case_rules)."""
    data = dict(data or {})
    errors: Errors = {}
    consent_error = privacy_consent_error(data.get("privacy_consent"))
    if consent_error:
        errors["privacy_consent"] = [consent_error]
    applicant = data.get("applicant") if isinstance(data.get("applicant"), dict) else None
    respondent = data.get("respondent") if isinstance(data.get("respondent"), dict) else None
    if applicant is None:
        errors["applicant"] = [_("请填写申请人信息")]
    else:
        if not str(applicant.get("phone") or "").strip():
            errors["applicant.phone"] = [_("请填写申请人联系电话，用于查询进度")]
        if not str(applicant.get("id_number") or "").strip():
            errors["applicant.id_number"] = [_("请填写申请人公民身份号码")]
    if respondent is None:
        errors["respondent"] = [_("请填写对方当事人信息")]
    org_id: Any = data.get("org")  # the body's own value: a number, text, anything
    region = data.get("region")
    region = region.strip() if isinstance(region, str) else ""
    org = None
    if org_id not in (None, ""):
        try:
            org_id = int(org_id)
        except (TypeError, ValueError):
            org_id = None
        org = Organization.objects.filter(pk=org_id, kind__in=MEDIATING_KINDS).first()
        if org is None:
            errors["org"] = [_("请选择调解组织")]
    elif region:
        org = (
            Organization.objects.filter(kind="people_committee", region=region, subtype="township")
            .order_by("id")
            .first()
        )
        if org is None:
            errors["region"] = [_("该乡镇（街道）暂无人民调解委员会，请直接选择调解组织")]
    else:
        errors["org"] = [_("请选择调解组织或所在乡镇（街道）")]
    applicant_body = {**(applicant or {}), "role": PartyRole.APPLICANT, "kind": PartyKind.PERSON}
    respondent_body = {"kind": PartyKind.PERSON, **(respondent or {})}
    respondent_body["role"] = PartyRole.RESPONDENT
    # Every message at once (a phone and a consent missing are both said), before writing.
    for key, raw, given in (
        ("applicant", applicant_body, applicant),
        ("respondent", respondent_body, respondent),
    ):
        pform = PartyForm(raw)
        if given is not None and not pform.is_valid():
            for field, messages in errors_of(pform).items():
                errors.setdefault(f"{key}.{field}", []).extend(messages)
    body = {
        "org": org.pk if org else 0,
        "channel": Channel.ONLINE,
        "category": data.get("category") or "",
        "summary": data.get("summary") or "",
        "claims": data.get("claims") or "",
        "region": region or (org.region if org else ""),
        "parties": [applicant_body, respondent_body],
    }
    form = CaseForm(body)
    if not form.is_valid():
        errors.update({k: v for k, v in errors_of(form).items() if k != "org"})
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    return register_case(None, body, channel=Channel.ONLINE, now=now, check_permission=False)
