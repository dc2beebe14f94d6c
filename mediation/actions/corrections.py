"""Corrections of the registered facts (PATCH /api/cases/{id}/ and …/parties/{pid}/, the
case page's edit forms): one `case.updated` event names the changed fields, masked where
personal; the stored documents that print them get a new version after commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.documents import records
from mediation.errors import InvalidFields, NotPermitted, NotVisible, StateConflict
from mediation.events import record_event
from mediation.law.case_rules import derived_tags
from mediation.law.choices import DERIVED_TAGS, PRIORITY_TAGS, EventType, PartyKind
from mediation.law.identity import mask_id_number, mask_name, mask_phone
from mediation.law.jsonform import Data, Errors, errors_of
from mediation.models import Case, CaseParty, Party

from .base import CaseRef, check_if_match, load_for_update
from .intake_forms import CaseForm, PartyForm

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CORRECTABLE_CASE_FIELDS = ("summary", "claims", "amount", "region", "category")
CORRECTABLE_PARTY_FIELDS = (
    "kind",
    "name",
    "gender",
    "ethnicity",
    "id_number",
    "credit_code",
    "representative",
    "phone",
    "address",
    "tags",
)
# What a correction event may carry of a value: events reach every desk that sees the
# case, so personal values are masked and free text is named, never copied.
_EVENT_VALUE: dict[str, Callable[[str], str] | None] = {
    "name": mask_name,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "summary": None,
    "claims": None,
    "address": None,
}


def _event_value(field: str, value: Any) -> Any:
    if field in _EVENT_VALUE:
        fn = _EVENT_VALUE[field]
        return fn(value or "") if fn else None
    if isinstance(value, Decimal):
        return str(value)
    return value


def _changes(field_values: Data, before: Data) -> Data:
    return {
        field: {"from": _event_value(field, before[field]), "to": _event_value(field, value)}
        for field, value in field_values.items()
    }


def _load_for_correction(case_or_id: CaseRef, user: User) -> Case:
    case = load_for_update(case_or_id, user)
    if case.is_frozen:
        raise StateConflict(_("案件已归档，卷宗已封存，不能再更正"), case.state)
    if not policies.may_correct(user, case):
        raise NotPermitted(_("只有办理组织可以更正案件信息"))
    return case


def _unknown_fields(data: Iterable[str], allowed: Sequence[str]) -> Errors:
    unknown = sorted(set(data) - set(allowed))
    if not unknown:
        return {}
    return {
        "non_field_errors": [
            _("不能更正的字段：%(f)s（可更正：%(ok)s）")
            % {"f": "、".join(unknown), "ok": "、".join(allowed)}
        ]
    }


def correct_case(
    case_or_id: CaseRef,
    user: User,
    data: Data | None,
    *,
    now: dt.datetime | None = None,
    if_match: str | None = None,
) -> Case:
    """Correct the registered facts of a case (summary, claims, amount, region, category):
    one `case.updated` event names the changed fields. Nothing else of the case changes
    here: its state only by `perform`."""
    now = now or timezone.now()
    data = dict(data or {})
    errors = _unknown_fields(data, CORRECTABLE_CASE_FIELDS)
    with transaction.atomic():
        case = _load_for_correction(case_or_id, user)
        check_if_match(case, if_match)  # under the row lock: no change slips in between
        before = {f: getattr(case, f) for f in CORRECTABLE_CASE_FIELDS}
        merged = {**before, **data, "org": case.org_id, "channel": case.channel}
        if merged.get("amount") is None:
            merged.pop("amount")
        form = CaseForm(merged)
        if not form.is_valid():
            errors.update({k: v for k, v in errors_of(form).items() if k in data})
        if errors:
            raise InvalidFields(_("提交的内容有误"), errors)
        cd = form.cleaned_data
        new: Data = {f: cd.get(f) if f == "amount" else (cd.get(f) or "") for f in data}
        changed = {f: v for f, v in new.items() if v != before[f]}
        if changed:
            Case.objects.filter(pk=case.pk).update(**changed, updated_at=now)
            for f, v in changed.items():
                setattr(case, f, v)
            case.updated_at = now
            event = record_event(
                case,
                EventType.CASE_UPDATED,
                user,
                {
                    "correction": "case",
                    "fields": sorted(changed),
                    "changes": _changes(changed, before),
                },
                at=now,
            )
            records.after_correction(case, sorted(changed), event)
    return case


def correct_party(
    case_or_id: CaseRef,
    party_id: int | str,
    user: User,
    data: Data | None,
    *,
    now: dt.datetime | None = None,
    if_match: str | None = None,
) -> Party:
    """Correct one party of a case; derived tags (elderly, minor) and the case's priority
    follow a changed ID number."""
    now = now or timezone.now()
    data = dict(data or {})
    errors = _unknown_fields(data, CORRECTABLE_PARTY_FIELDS)
    with transaction.atomic():
        case = _load_for_correction(case_or_id, user)
        check_if_match(case, if_match)
        link = (
            CaseParty.objects.select_related("party").filter(case=case, party_id=party_id).first()
        )
        if link is None:
            raise NotVisible(_("该案件没有这名当事人"))
        party = link.party
        before = {f: getattr(party, f) for f in CORRECTABLE_PARTY_FIELDS}
        manual_tags = sorted(set(party.tags) - DERIVED_TAGS)
        merged = {**before, "tags": manual_tags, **data, "role": link.role}
        if merged.get("kind") == PartyKind.ORGANIZATION:
            # an organisation has no gender or ID number: drop what a person carried
            merged.update(gender="", id_number="")
        elif "id_number" in data or "gender" in data:
            merged.setdefault("gender", "")
        pform = PartyForm({k: v for k, v in merged.items() if v is not None})
        if not pform.is_valid():
            errors.update(errors_of(pform))
        if errors:
            raise InvalidFields(_("提交的内容有误"), errors)
        cd = pform.cleaned_data
        today = timezone.localdate(now)
        new: Data = {f: cd.get(f) or ("" if f != "tags" else []) for f in CORRECTABLE_PARTY_FIELDS}
        new["tags"] = derived_tags(cd["kind"], cd.get("birth_date"), cd.get("tags") or [], today)
        changed = {f: v for f, v in new.items() if v != before[f]}
        if changed:
            Party.objects.filter(pk=party.pk).update(**changed, birth_date=cd.get("birth_date"))
            for f, v in changed.items():
                setattr(party, f, v)
            priority = (
                CaseParty.objects.filter(case=case)
                .exclude(party=party)
                .values_list("party__tags", flat=True)
            )
            is_priority = bool(set(new["tags"]) & PRIORITY_TAGS) or any(
                set(tags or []) & PRIORITY_TAGS for tags in priority
            )
            if is_priority != case.priority:
                Case.objects.filter(pk=case.pk).update(priority=is_priority, updated_at=now)
                case.priority = is_priority
            event = record_event(
                case,
                EventType.CASE_UPDATED,
                user,
                {
                    "correction": "party",
                    "party": party.pk,
                    "fields": sorted(changed),
                    "changes": _changes(changed, before),
                },
                at=now,
            )
            # Stored documents are records: those that print a corrected field get a new
            # version after commit; the old versions stay.
            records.after_correction(case, ["party"], event)
    return party
