"""Page forms of the desks added for issue #12: the online application and the portal's
tracking, the petition and court desks, and corrections. Like mediation.web.forms they
collect and render input only; the services check every rule and their messages are put
back next to the fields."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

from django import forms
from django.utils.translation import gettext_lazy as _

from mediation import policies
from mediation.law import lengths, petitions, police
from mediation.law.choices import MEDIATING_KINDS, Category, OrgKind, PartyKind
from mediation.models import Organization

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.utils.functional import _StrPromise

    from mediation.models import Case, Party

# A select's options: (value, label) pairs, the label text or a lazy translation.
Choices: TypeAlias = "list[tuple[str, str | _StrPromise]]"

BLANK: Choices = [("", "—")]


def set_choices(field: forms.Field, choices: Iterable[tuple[str, Any]]) -> None:
    """The options of a select built at runtime (an organisation list, a law's narrowing)."""
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{field!r} has no choices")
    field.choices = choices


def _text(
    label: str | _StrPromise,
    max_length: int,
    *,
    textarea: bool = False,
    rows: int = 3,
    **attrs: str,
) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if textarea else forms.TextInput()
    widget.attrs.update(attrs)
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        error_messages=lengths.MESSAGES,
        widget=widget,
    )


class DateInput(forms.TextInput):
    """Dates typed and shown as 2026-11-28 whatever the browser's locale (a native date
    input renders 2026/11/28 or 11/28/2026 by locale). The placeholder shows the format,
    not a date: in a due-date field a fixed example date read as a suggested deadline."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {
            "placeholder": _("年-月-日"),
            "pattern": r"\d{4}-\d{2}-\d{2}",
            "inputmode": "numeric",
            "maxlength": "10",
            "autocomplete": "off",
        }
        super().__init__({**base, **(attrs or {})})


def mediating_org_choices() -> Choices:
    orgs = Organization.objects.filter(kind__in=MEDIATING_KINDS).order_by("kind", "region", "id")
    return [*BLANK, *((str(o.pk), o.name) for o in orgs)]


def township_choices() -> Choices:
    regions = (
        Organization.objects.filter(kind=OrgKind.PEOPLE_COMMITTEE, subtype="township")
        .order_by("id")
        .values_list("region", flat=True)
    )
    return [*BLANK, *((r, r) for r in dict.fromkeys(regions))]


# -- online application ------------------------------------------------------------------


class ApplicationForm(forms.Form):
    applicant_name = _text(_("申请人姓名"), lengths.NAME)
    applicant_id_number = _text(_("公民身份号码"), 18)
    applicant_phone = _text(_("联系电话"), lengths.PHONE, inputmode="tel")
    applicant_address = _text(_("住址"), lengths.ADDRESS)
    respondent_kind = forms.ChoiceField(
        label=_("对方是"), choices=PartyKind.choices, initial=PartyKind.PERSON, required=False
    )
    respondent_name = _text(_("对方姓名或名称"), lengths.NAME)
    respondent_phone = _text(_("对方联系电话（如知道）"), lengths.PHONE, inputmode="tel")
    respondent_address = _text(_("对方住址或地址（如知道）"), lengths.ADDRESS)
    category = forms.ChoiceField(
        label=_("纠纷类型"), choices=[*BLANK, *Category.choices], required=False
    )
    summary = _text(_("纠纷经过"), lengths.SUMMARY, textarea=True, rows=5)
    claims = _text(_("希望解决的问题"), lengths.CLAIMS, textarea=True, rows=2)
    region = forms.ChoiceField(label=_("所在乡镇（街道）"), required=False)
    org = forms.ChoiceField(label=_("或直接选择调解组织"), required=False)
    privacy_consent = forms.BooleanField(label=_("我已阅读并同意个人信息处理说明"), required=False)

    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["region"], township_choices())
        set_choices(self.fields["org"], mediating_org_choices())

    def payload(self) -> dict[str, Any]:
        d = self.data

        def v(key: str) -> str:
            return (d.get(key) or "").strip()

        applicant = {
            "name": v("applicant_name"),
            "id_number": v("applicant_id_number"),
            "phone": v("applicant_phone"),
            "address": v("applicant_address"),
        }
        respondent = {
            "kind": v("respondent_kind") or PartyKind.PERSON,
            "name": v("respondent_name"),
            "phone": v("respondent_phone"),
            "address": v("respondent_address"),
        }
        body = {
            "applicant": {k: x for k, x in applicant.items() if x},
            "respondent": {k: x for k, x in respondent.items() if x},
            "category": v("category"),
            "summary": v("summary"),
            "claims": v("claims"),
            "region": v("region"),
            "org": v("org") or None,
            "privacy_consent": d.get("privacy_consent") in ("on", "true", "1"),
        }
        return body

    def apply_errors(self, errors: Mapping[str, list[str]]) -> None:
        for key, messages in errors.items():
            field: str | None = key.replace(".", "_")
            if field in ("applicant_role", "respondent_role"):
                field = None
            if field not in self.fields:
                if field in ("applicant", "respondent"):
                    field = f"{field}_name"
                else:
                    field = None
            for m in messages:
                self.add_error(field, m)


# -- public portal: tracking a case -----------------------------------------------------


class TrackForm(forms.Form):
    number = forms.CharField(label=_("案号"), max_length=64)
    phone = forms.CharField(label=_("申请人联系电话"), max_length=30)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs["placeholder"] = "（2026）红人调字第0007号"


# -- corrections on the case page -------------------------------------------------------


class CaseCorrectionForm(forms.Form):
    category = forms.ChoiceField(label=_("纠纷类型"), choices=Category.choices, required=False)
    region = _text(_("乡镇（街道）"), lengths.REGION)
    amount = forms.CharField(
        label=_("涉及金额（元）"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    summary = _text(_("纠纷事实"), lengths.SUMMARY, textarea=True, rows=5)
    claims = _text(_("申请事项"), lengths.CLAIMS, textarea=True, rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "fix")
        super().__init__(*args, **kwargs)

    @classmethod
    def for_case(cls, case: Case) -> CaseCorrectionForm:
        return cls(
            initial={
                "category": case.category,
                "region": case.region,
                "amount": "" if case.amount is None else str(case.amount),
                "summary": case.summary,
                "claims": case.claims,
            }
        )

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for name in self.fields:
            raw = self.data.get(self.add_prefix(name))
            if raw is None:
                continue
            body[name] = raw.strip()
        if body.get("amount") == "":
            body["amount"] = None
        return body


class PartyCorrectionForm(forms.Form):
    """Person fields or organisation fields by kind (the page hides the other set)."""

    kind = forms.ChoiceField(label=_("类别"), choices=PartyKind.choices, required=False)
    name = _text(_("姓名/名称"), lengths.NAME)
    id_number = _text(_("公民身份号码"), 18)
    ethnicity = _text(_("民族"), lengths.ETHNICITY)
    credit_code = _text(_("统一社会信用代码"), 18)
    representative = _text(_("法定代表人/负责人"), lengths.REPRESENTATIVE)
    phone = _text(_("联系电话"), lengths.PHONE, inputmode="tel")
    address = _text(_("住址/地址"), lengths.ADDRESS)

    PERSON = ("id_number", "ethnicity")
    ORGANIZATION = ("credit_code", "representative")

    @classmethod
    def for_party(
        cls, party: Party, *, data: Mapping[str, Any] | None = None
    ) -> PartyCorrectionForm:
        initial = {name: getattr(party, name) or "" for name in cls.base_fields}
        return cls(data=data, initial=initial, prefix=f"party{party.pk}")

    def payload(self) -> dict[str, Any]:
        kind = (self.data.get(self.add_prefix("kind")) or "").strip()
        skip = self.ORGANIZATION if kind == PartyKind.PERSON else self.PERSON
        body: dict[str, Any] = {}
        for name in self.fields:
            if name in skip:
                continue
            raw = self.data.get(self.add_prefix(name))
            if raw is not None:
                body[name] = raw.strip()
        return body


# -- petition and court desks --------------------------------------------------------------


class HandoffCaseForm(forms.Form):
    """The registration part of a petition transfer or a court referral."""

    org = forms.ChoiceField(label=_("接收的调解组织"), required=False)
    category = forms.ChoiceField(
        label=_("纠纷类型"), choices=[*BLANK, *Category.choices], required=False
    )
    amount = forms.CharField(
        label=_("涉及金额（元）"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    region = _text(_("乡镇（街道）"), lengths.REGION)
    summary = _text(_("纠纷事实"), lengths.SUMMARY, textarea=True, rows=4)
    claims = _text(_("申请事项"), lengths.CLAIMS, textarea=True, rows=2)

    use_required_attribute = False
    CASE_FIELDS = ("org", "category", "amount", "region", "summary", "claims")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["org"], mediating_org_choices())

    def value(self, name: str) -> str:
        return (self.data.get(name) or "").strip()

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {k: self.value(k) for k in self.CASE_FIELDS}
        if not body["amount"]:
            body.pop("amount")
        return body


class PetitionTransferForm(HandoffCaseForm):
    petition_number = _text(_("信访件编号"), lengths.PETITION_NUMBER)
    feedback_due = forms.CharField(label=_("反馈期限"), required=False, widget=DateInput())
    petitioner_consent = forms.BooleanField(label=petitions.CONSENT_LABEL, required=False)

    def payload(self) -> dict[str, Any]:
        return {
            **super().payload(),
            "petition_number": self.value("petition_number"),
            "feedback_due": self.value("feedback_due"),
            "petitioner_consent": self.data.get("petitioner_consent") in ("on", "true", "1"),
        }


class PoliceReferralForm(HandoffCaseForm):
    """警调对接: the receiver is a people's mediation committee (mediation.law.police)."""

    incident_number = _text(police.INCIDENT_LABEL, police.INCIDENT_NUMBER)
    feedback_due = forms.CharField(
        label=_("反馈期限（可不填）"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        committees = Organization.objects.filter(kind__in=police.RECEIVING_KINDS)
        rows = committees.order_by("region", "id").values_list("pk", "name")
        set_choices(self.fields["org"], [*BLANK, *((str(pk), name) for pk, name in rows)])
        self.fields["org"].label = _("接收的人民调解委员会")

    def payload(self) -> dict[str, Any]:
        body = {**super().payload(), "incident_number": self.value("incident_number")}
        if self.value("feedback_due"):
            body["feedback_due"] = self.value("feedback_due")
        return body


REFERRAL_KINDS = [
    ("pre_filing", _("委派调解（立案前，30日）")),
    ("post_filing", _("委托调解（立案后，15日）")),
    ("summary", _("委托调解·简易程序（7日）")),
]


class CourtReferralForm(HandoffCaseForm):
    referral_number = _text(_("委派/委托编号"), lengths.PETITION_NUMBER)
    kind = forms.ChoiceField(label=_("方式"), choices=REFERRAL_KINDS, required=False)
    due_at = forms.CharField(
        label=_("调解期限（不填按法定期限）"), required=False, widget=DateInput()
    )

    def payload(self) -> dict[str, Any]:
        kind = self.value("kind") or "pre_filing"
        body = {
            **super().payload(),
            "referral_number": self.value("referral_number"),
            "kind": "post_filing" if kind == "summary" else kind,
            "summary_procedure": kind == "summary",
        }
        if self.value("due_at"):
            body["due_at"] = self.value("due_at")
        return body


CORRECTED_FIELD_LABELS = {
    "summary": _("纠纷事实"),
    "claims": _("申请事项"),
    "amount": _("涉及金额"),
    "region": _("乡镇（街道）"),
    "category": _("纠纷类型"),
    "kind": _("当事人类别"),
    "name": _("姓名/名称"),
    "gender": _("性别"),
    "ethnicity": _("民族"),
    "id_number": _("公民身份号码"),
    "credit_code": _("统一社会信用代码"),
    "representative": _("法定代表人/负责人"),
    "phone": _("联系电话"),
    "address": _("住址"),
    "tags": _("特殊群体"),
}


def correction_text(data: Mapping[str, Any]) -> str:
    """The timeline's line for a correction event: what was corrected, by name."""
    fields = "、".join(str(CORRECTED_FIELD_LABELS.get(f, f)) for f in data.get("fields", []))
    if data.get("correction") == "party":
        return str(_("更正当事人信息：%(fields)s")) % {"fields": fields}
    return str(_("更正案件信息：%(fields)s")) % {"fields": fields}


def corrections_context(
    user: User | AnonymousUser,
    case: Case,
    *,
    case_form: CaseCorrectionForm | None = None,
    party_forms: Mapping[int, PartyCorrectionForm] | None = None,
) -> dict[str, Any]:
    """The edit forms the case page offers this user (none when they may not correct)."""
    if case.is_frozen or not policies.may_correct(user, case):
        return {}
    party_forms = party_forms or {}
    parties = [
        {
            "link": link,
            "form": party_forms.get(link.party_id) or PartyCorrectionForm.for_party(link.party),
        }
        for link in case.case_parties.select_related("party").order_by("position", "id")
    ]
    return {
        "case_form": case_form or CaseCorrectionForm.for_case(case),
        "parties": parties,
        "open": bool(case_form is not None or party_forms),
    }
