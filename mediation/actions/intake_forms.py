"""The JSON forms of a registration: the case's fields, each party's and a natural
person's representative. The intake, the corrections and the online application clean
their bodies with them; the API publishes their schema (mediation.api.requests)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation.law import lengths
from mediation.law.choices import (
    DERIVED_TAGS,
    Category,
    Channel,
    Gender,
    PartyKind,
    PartyRole,
    RepresentativeKind,
    Tag,
)
from mediation.law.identity import (
    NameField,
    parse_resident_id,
    validate_credit_code,
    validate_phone,
)
from mediation.law.jsonform import Data, JsonForm, errors_of


class CaseForm(JsonForm):
    org = forms.IntegerField()
    channel = forms.ChoiceField(choices=Channel.choices)
    category = forms.ChoiceField(choices=Category.choices)
    summary = forms.CharField(max_length=lengths.SUMMARY, error_messages=lengths.MESSAGES)
    claims = forms.CharField(
        max_length=lengths.CLAIMS, required=False, error_messages=lengths.MESSAGES
    )
    # Money in yuan and fen. As text the schema's pattern says so; a JSON number's decimal
    # places are what JSON Schema cannot state exactly (multipleOf 0.01 fails on binary
    # floats), so the refusal names the rule rather than a digit count.
    amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        required=False,
        error_messages=dict.fromkeys(
            ("max_digits", "max_decimal_places", "max_whole_digits"),
            gettext_lazy(
                "金额以元计，整数至多12位、小数至多2位（分）；以数字给出时亦同，"
                "宜用文本，如 “3000.00”"
            ),
        ),
    )
    region = forms.CharField(
        max_length=lengths.REGION, required=False, error_messages=lengths.MESSAGES
    )
    village = forms.CharField(
        max_length=lengths.REGION, required=False, error_messages=lengths.MESSAGES
    )


class _PersonForm(JsonForm):
    """A person's ID number and phone, each checked when given (a party's, an agent's)."""

    def clean_id_number(self) -> str:
        value = self.cleaned_data.get("id_number") or ""
        return parse_resident_id(value).number if value else ""

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone") or ""
        return validate_phone(value) if value else ""


class PartyForm(_PersonForm):
    role = forms.ChoiceField(choices=PartyRole.choices)
    kind = forms.ChoiceField(choices=PartyKind.choices)
    name = NameField(max_length=lengths.NAME, error_messages=lengths.MESSAGES)
    gender = forms.ChoiceField(choices=Gender.choices, required=False)
    ethnicity = forms.CharField(
        max_length=lengths.ETHNICITY, required=False, error_messages=lengths.MESSAGES
    )
    id_number = forms.CharField(max_length=18, required=False)
    birth_date = forms.DateField(required=False)
    credit_code = forms.CharField(max_length=18, required=False)
    legal_representative = NameField(
        max_length=lengths.REPRESENTATIVE, required=False, error_messages=lengths.MESSAGES
    )
    phone = forms.CharField(max_length=lengths.PHONE, required=False)
    address = forms.CharField(
        max_length=lengths.ADDRESS, required=False, error_messages=lengths.MESSAGES
    )
    tags = forms.JSONField(required=False)
    limited_capacity = forms.BooleanField(required=False)
    representative = forms.Field(required=False)  # an object: see _representative

    def clean_credit_code(self) -> str:
        value = self.cleaned_data.get("credit_code") or ""
        return validate_credit_code(value) if value else ""

    def clean_tags(self) -> list[str]:
        tags = self.cleaned_data.get("tags")
        tags = [] if tags is None else tags  # absent or null; an empty {} or "" is no list
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ValidationError(_("特殊群体标签应为列表"))
        unknown = sorted(set(tags) - set(Tag.values))
        if unknown:
            raise ValidationError(_("未知的特殊群体标签：%(tags)s") % {"tags": "、".join(unknown)})
        return sorted(set(tags) - DERIVED_TAGS)  # derived tags come from the ID number

    def clean(self) -> Data:
        super().clean()
        data = self.cleaned_data
        data["representative"] = self._representative(data)
        if data.get("kind") == PartyKind.PERSON and data.get("id_number"):
            rid = parse_resident_id(data["id_number"])
            data["birth_date"] = rid.birth_date
            if data.get("gender") and data["gender"] != rid.gender:
                self.add_error("gender", _("性别与公民身份号码不符"))
            data["gender"] = rid.gender
        if data.get("kind") == PartyKind.ORGANIZATION:
            data["gender"], data["id_number"], data["birth_date"] = "", "", None
        return data

    def _representative(self, data: Data) -> Data | None:
        """A natural person's guardian or agent `{"kind", "name", "id_number", "phone",
        "authorization"}`. For an organisation a plain string is its legal representative
        (the field's earlier meaning)."""
        raw = self.data.get("representative")
        if raw in (None, "", {}):
            return None
        if isinstance(raw, str):
            if data.get("kind") == PartyKind.ORGANIZATION:
                data["legal_representative"] = data.get("legal_representative") or raw[:50]
                return None
            raw = None
        form = RepresentativeForm(raw if isinstance(raw, dict) else {})
        if not isinstance(raw, dict):
            self.add_error(
                "representative",
                _(
                    "代理人应为对象：kind（guardian 监护人 / agent 委托代理人）、name、id_number、"
                    "phone、authorization"
                ),
            )
            return None
        if data.get("kind") == PartyKind.ORGANIZATION:
            self.add_error("representative", _("组织当事人请填写法定代表人/负责人"))
            return None
        if not form.is_valid():
            for field, messages in errors_of(form).items():
                for m in messages:
                    self.add_error("representative", f"{field}: {m}")
            return None
        return form.cleaned_data


class RepresentativeForm(_PersonForm):
    kind = forms.ChoiceField(choices=RepresentativeKind.choices)
    name = NameField(max_length=50)
    id_number = forms.CharField(max_length=18, required=False)
    phone = forms.CharField(max_length=30, required=False)
    authorization = forms.CharField(max_length=2000, required=False)


def representative_fields(rep: Data | None) -> dict[str, str]:
    """A representative as the Party row's `rep_*` columns."""
    rep = rep or {}
    return {
        "rep_kind": rep.get("kind") or "",
        "rep_name": rep.get("name") or "",
        "rep_id_number": rep.get("id_number") or "",
        "rep_phone": rep.get("phone") or "",
        "rep_authorization": rep.get("authorization") or "",
    }
