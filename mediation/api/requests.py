"""Request bodies of the mediation endpoints, as the OpenAPI document shows them: each is
derived from the service form that validates it (mediation.api.schema.form_schema), plus
the few fields a service reads beside its form."""

from collections.abc import Callable

from django import forms
from django.utils.functional import Promise

from mediation.actions import services
from mediation.law.choices import EscalationKind, RiskLevel, Tag
from mediation.prevention import records as prevention
from mediation.supervision import complaints

from .schema import Schema, component, enum_ref, form_schema, ref

PARTY_TAGS = {
    "type": "array",
    "items": enum_ref(Tag.choices),
    "nullable": True,
    "description": "当事人标签（老年人、未成年人、残疾人等由身份号码推定的标签自动加上）",
}


@component("PartyRequest")
def party_request() -> Schema:
    return form_schema(services._PartyForm, extra={"tags": PARTY_TAGS}, exclude=("tags",))


@component("CaseRegistrationRequest")
def case_registration() -> Schema:
    return form_schema(
        services._CaseForm,
        extra={
            "parties": {
                "type": "array",
                "items": ref("PartyRequest"),
                "minItems": 2,
                "description": "当事人：至少一名申请人（applicant）和一名被申请人（respondent）",
            }
        },
        required_extra=["parties"],
    )


@component("CaseRegistrationSupplement")
def case_registration_supplement() -> Schema:
    schema = case_registration()
    schema.pop("required", None)
    schema["description"] = "登记所需内容，缺省取原记录"
    return schema


@component("CaseCorrectionRequest")
def case_correction() -> Schema:
    return form_schema(
        services._CaseForm,
        only=services.CORRECTABLE_CASE_FIELDS,
        optional=True,
        description="只传要更正的字段",
    )


@component("PartyCorrectionRequest")
def party_correction() -> Schema:
    return form_schema(
        services._PartyForm,
        only=services.CORRECTABLE_PARTY_FIELDS,
        exclude=("tags",),
        optional=True,
        extra={"tags": PARTY_TAGS} if "tags" in services.CORRECTABLE_PARTY_FIELDS else {},
        description="只传要更正的字段",
    )


@component("SessionRequest")
def session_request() -> Schema:
    """A session held (the mediation record). Its name is what generated clients have
    called it since the first release; an online session is its own component beside it."""
    return form_schema(services._SessionForm)


@component("OnlineSessionRequest")
def online_session_request() -> Schema:
    return {
        "type": "object",
        "description": "预定视频调解（DESIGN §12.6）：预定时间晚于现在，邀请本案当事人",
        "properties": {
            "online": {"type": "boolean", "enum": [True]},
            "scheduled_at": {"type": "string", "format": "date-time"},
            "invited": {
                "type": "array",
                "items": {"type": "integer"},
                "minItems": 1,
                "maxItems": 3,
                "description": "受邀请的当事人编号（本案当事人）",
            },
            "place": {"type": "string", "maxLength": 200, "nullable": True},
        },
        "required": ["online", "scheduled_at", "invited"],
    }


@component("AddSessionRequest")
def add_session_request() -> Schema:
    # Two named shapes, so that a generated client keeps `SessionRequest` and gains
    # `OnlineSessionRequest` (an inline anyOf became SessionRequestType0/Type1 there).
    return {"anyOf": [ref("SessionRequest"), ref("OnlineSessionRequest")]}


@component("FollowUpRequest")
def follow_up_request() -> Schema:
    schema = form_schema(services._FollowUpForm)
    # NullBooleanField so that the page's "unknown" is a message; over JSON it is required.
    schema["properties"]["performed"] = {"type": "boolean", "description": "协议是否已履行"}
    schema["required"] = ["date", "performed"]
    return schema


@component("RiskRequest")
def risk_request() -> Schema:
    return {
        "type": "object",
        "properties": {
            "level": {"type": "string", "enum": list(RiskLevel.values)},
            "note": {"type": "string", "minLength": 1, "pattern": r"\S"},
            "kind": {
                "type": "string",
                "enum": [*EscalationKind.values, ""],
                "nullable": True,
                "description": "可能激化为：criminal 民转刑 / mass_petition 群体性上访 / "
                "mass_fight 群体性械斗 / suicide 自杀",
            },
            # PML art 25: required for a high risk (services.flag_risk says so in a 400).
            "reported_to": {
                "type": "string",
                "nullable": True,  # null is absent, as for every request field
                "maxLength": 100,
                "description": "高风险必填：报告的公安派出所（《人民调解法》第二十五条）",
            },
            "reported_at": {
                "type": "string",
                "format": "date-time",
                "nullable": True,
                "description": "高风险必填：报告时间",
            },
        },
        "required": ["level", "note"],
    }


PORTAL_PARTY_FIELDS = ("kind", "name", "id_number", "credit_code", "phone", "address")


@component("PortalPartyRequest")
def portal_party() -> Schema:
    return form_schema(services._PartyForm, only=PORTAL_PARTY_FIELDS, exclude=("kind",))


@component("PortalApplicationRequest")
def portal_application() -> Schema:
    case = form_schema(services._CaseForm, only=("category", "summary", "claims", "region"))
    case["properties"].update(
        {
            "applicant": ref("PortalPartyRequest"),
            "respondent": ref("PortalPartyRequest"),
            "org": {
                "type": "integer",
                "minimum": 1,
                "maximum": 2**63 - 1,
                "nullable": True,
                "description": "调解组织 id；或只填 region，由乡镇人民调解委员会受理",
            },
            "privacy_consent": {
                "type": "boolean",
                "enum": [True],
                "description": "同意个人信息处理说明（《个人信息保护法》第十四条）",
            },
        }
    )
    case["required"] = [*case.get("required", []), "applicant", "respondent", "privacy_consent"]
    case["description"] = "申请人须为自然人，并填写联系电话和公民身份号码"
    return case


@component("ScreeningFindingRequest")
def finding_request() -> Schema:
    return form_schema(
        prevention._FindingForm,
        extra={
            "parties": {
                "type": "array",
                "items": {"type": "object"},
                "maxItems": prevention.MAX_PARTIES,
                "nullable": True,
                "description": "涉及的当事人（登记为案件时再逐项校验）",
            }
        },
    )


@component("ScreeningRequest")
def screening_request() -> Schema:
    return form_schema(
        prevention._RoundForm,
        extra={
            "found": {
                "type": "array",
                "items": ref("ScreeningFindingRequest"),
                "maxItems": prevention.MAX_FOUND,
                "nullable": True,
            }
        },
    )


@component("ConsultationRequest")
def consultation_request() -> Schema:
    return form_schema(prevention._ConsultationForm)


@component("ComplaintRequest")
def complaint_request() -> Schema:
    return form_schema(complaints.SubmitForm)


def _complaint_transition(
    name: str, form: type[forms.Form], label: str | Promise
) -> Callable[[], Schema]:
    return lambda: form_schema(form, description=f"{name}（{label}）")


for _name, (_form, _label) in complaints.TRANSITIONS.items():
    component("ComplaintTransition" + _name.capitalize())(
        _complaint_transition(_name, _form, _label)
    )

COMPLAINT_TRANSITION_BODY = {
    "anyOf": [ref("ComplaintTransition" + n.capitalize()) for n in complaints.TRANSITIONS],
    "description": "字段取决于路径中的 name",
}
