"""以案定补 over the API (DESIGN §12.4): the yearly standard, a case's grade, the monthly
sheet (JSON and XLSX) and its submission, approval and return.

Thin views: parse, one call into mediation.county.subsidies or mediation.actions.subsidies,
the answer in the shapes below (which are also what the schema shows)."""

from typing import Any

from django.http import FileResponse, HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.converters import ID_MAX
from config.limits import BoundedJSONParser
from mediation import policies
from mediation.actions import subsidies as grading
from mediation.county import subsidies
from mediation.county.workbook import sheet_workbook
from mediation.errors import InvalidFields, NotPermitted, NotVisible
from mediation.law.subsidies import SubsidyGrade, SubsidyMonthStatus
from mediation.models import CaseSubsidy, SubsidyMonth, SubsidyStandard
from mediation.policies import Actor

from .schema import Schema, component, form_schema, ref
from .signed_in import SignedInRequest
from .supervision import BINARY, XLSX
from .views import AUTH_ERRORS, CASE_ID, errors, form_data

# -- shapes ------------------------------------------------------------------------------


class StandardSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    simple = serializers.CharField(help_text="简易（元）")
    general = serializers.CharField(help_text="一般（元）")
    difficult = serializers.CharField(help_text="疑难（元）")
    major = serializers.CharField(help_text="重大（元）")
    extra_written = serializers.CharField(help_text="书面协议加发（元）")
    extra_confirmation = serializers.CharField(help_text="司法确认加发（元）")
    extra_priority = serializers.CharField(help_text="优先群体当事人加发（元）")
    extra_cross_township = serializers.CharField(help_text="跨乡镇纠纷加发（元）")


class StandardListSerializer(serializers.Serializer):
    results = StandardSerializer(many=True)


class CaseSubsidySerializer(serializers.Serializer):
    case = serializers.IntegerField()
    proposed = serializers.ChoiceField(SubsidyGrade.choices, help_text="按案情建议的等级")
    cross_township = serializers.BooleanField()
    grade = serializers.ChoiceField(SubsidyGrade.choices, allow_null=True)
    reason = serializers.CharField()
    amount = serializers.CharField(allow_null=True, help_text="当前应发补贴（元）")


class MediatorRowSerializer(serializers.Serializer):
    mediator = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    cases = serializers.IntegerField()
    total = serializers.CharField()


class LineSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    number = serializers.CharField()
    mediator = serializers.CharField()
    grade = serializers.ChoiceField(SubsidyGrade.choices)
    grade_label = serializers.CharField()
    base = serializers.CharField()
    extras = serializers.CharField()
    amount = serializers.CharField(help_text="本行金额；更正行为与此前金额之差，可为负")
    adjustment = serializers.BooleanField()
    reason = serializers.CharField()


class OrgSheetSerializer(serializers.Serializer):
    org = serializers.IntegerField()
    org_name = serializers.CharField()
    status = serializers.ChoiceField(SubsidyMonthStatus.choices)
    status_label = serializers.CharField()
    return_reason = serializers.CharField()
    cases = serializers.IntegerField()
    total = serializers.CharField()
    mediators = MediatorRowSerializer(many=True)
    lines = LineSerializer(many=True)


class SheetSerializer(serializers.Serializer):
    month = serializers.CharField()
    orgs = OrgSheetSerializer(many=True)
    total = serializers.CharField()


class SubsidyMonthSerializer(serializers.Serializer):
    org = serializers.IntegerField(source="org_id")
    month = serializers.SerializerMethodField()
    status = serializers.ChoiceField(SubsidyMonthStatus.choices)
    return_reason = serializers.CharField()

    def get_month(self, obj: SubsidyMonth) -> str:
        return f"{obj.month:%Y-%m}"


@component("SubsidyStandardRequest")
def standard_request() -> Schema:
    return form_schema(subsidies.StandardForm)


@component("SubsidyGradeRequest")
def grade_request() -> Schema:
    return {
        "type": "object",
        "properties": {
            "grade": {"type": "string", "enum": SubsidyGrade.values},
            "reason": {"type": "string", "maxLength": 500, "description": "与建议等级不同时必填"},
            "cross_township": {
                "type": "boolean",
                "nullable": True,
                "description": "缺省按当事人住址推定",
            },
        },
        "required": ["grade"],
    }


@component("SubsidyMonthRequest")
def month_request() -> Schema:
    return {
        "type": "object",
        "properties": {
            "org": {
                "type": "integer",
                "minimum": 1,
                "maximum": ID_MAX,
                "description": "调解组织 id（报送：本人任负责人的组织）",
            },
            "reason": {"type": "string", "maxLength": 500, "description": "退回时必填"},
        },
        "required": ["org"],
    }


# -- views -------------------------------------------------------------------------------


class StandardListView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="以案定补标准（按年度）",
        responses={200: StandardListSerializer, **errors(403, *AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest) -> Response:
        if not subsidies.may_see_subsidies(request.user):
            raise NotPermitted(_("只有调解组织负责人和司法局监督管理人员可以查看补贴标准"))
        rows = [subsidies.standard_json(s) for s in SubsidyStandard.objects.all()]
        return Response({"results": rows})

    @extend_schema(
        summary="制定（或修改）年度以案定补标准（司法局）",
        request={"application/json": ref("SubsidyStandardRequest")},
        responses={200: StandardSerializer, **errors(400, 403, 415, *AUTH_ERRORS)},
    )
    def post(self, request: SignedInRequest) -> Response:
        standard = subsidies.set_standard(request.user, form_data(request))
        return Response(subsidies.standard_json(standard))


def _case_subsidy(user: Actor, pk: int) -> dict[str, Any]:
    case = policies.visible_cases(user).filter(pk=pk).first()
    if case is None:
        raise NotVisible(_("案件不存在"))
    found = CaseSubsidy.objects.filter(case=case).first()
    cross = found.cross_township if found else grading.cross_township(case)
    return {
        "case": case.pk,
        "proposed": grading.propose(case, cross),
        "cross_township": cross,
        "grade": found.grade if found else None,
        "reason": found.reason if found else "",
        "amount": subsidies.money(found.amount) if found else None,
    }


class CaseSubsidyView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="案件补贴等级（建议与评定）",
        parameters=[CASE_ID],
        responses={200: CaseSubsidySerializer, **errors(404, *AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest, pk: int) -> Response:
        return Response(_case_subsidy(request.user, pk))

    @extend_schema(
        summary="评定案件补贴等级（调解组织负责人，案件调解结束后）",
        parameters=[CASE_ID],
        request={"application/json": ref("SubsidyGradeRequest")},
        responses={
            200: CaseSubsidySerializer,
            **errors(400, 403, 404, 409, 415, *AUTH_ERRORS),
        },
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        grading.grade_case(pk, request.user, form_data(request))
        return Response(_case_subsidy(request.user, pk))


def _org_param(request: SignedInRequest) -> int | None:
    raw = request.query_params.get("org")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise InvalidFields(_("参数有误"), {"org": [_("应为组织 id")]})
    return int(raw)


ORG_PARAM = OpenApiParameter("org", OpenApiTypes.INT, description="调解组织 id（缺省：可见的全部）")


class SheetView(APIView):
    @extend_schema(
        summary="月度以案定补补贴表（按组织、调解员）",
        parameters=[ORG_PARAM],
        responses={200: SheetSerializer, **errors(400, 403, 404, *AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest, month: str) -> Response:
        when = subsidies.parse_month(month)
        return Response(subsidies.sheet(request.user, when, _org_param(request)))


class SheetWorkbookView(APIView):
    @extend_schema(
        summary="月度以案定补补贴表（XLSX）",
        parameters=[ORG_PARAM],
        responses={(200, XLSX): BINARY, **errors(400, 403, 404, *AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest, month: str) -> HttpResponseBase:
        when = subsidies.parse_month(month)
        data = subsidies.sheet(request.user, when, _org_param(request))
        subsidies.audit("export.subsidy_xlsx", request.user, {"month": data["month"]})
        return FileResponse(
            sheet_workbook(data),
            as_attachment=True,
            filename=f"subsidies-{data['month']}.xlsx",
            content_type=XLSX,
        )


# A month is submitted once it has ended: the current and later months are refused with
# that rule (a date relative to today, which the schema cannot state).
MONTH_PARAM = OpenApiParameter(
    "month",
    str,
    OpenApiParameter.PATH,
    pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$",
    description="月份 YYYY-MM；报送须是已结束的月份（当月及以后不能报送）",
)
_MONTH_SCHEMA: dict[str, Any] = {
    "parameters": [MONTH_PARAM],
    "request": {"application/json": ref("SubsidyMonthRequest")},
    "responses": {200: SubsidyMonthSerializer, **errors(400, 403, 409, 415, *AUTH_ERRORS)},
}


class SubmitView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(summary="报送月度补贴表（调解组织负责人）", **_MONTH_SCHEMA)
    def post(self, request: SignedInRequest, month: str) -> Response:
        m = subsidies.submit(request.user, subsidies.parse_month(month), form_data(request))
        return Response(SubsidyMonthSerializer(m).data)


class ApproveView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(summary="审核通过月度补贴表（司法局；通过后冻结）", **_MONTH_SCHEMA)
    def post(self, request: SignedInRequest, month: str) -> Response:
        data = form_data(request)
        m = subsidies.decide(request.user, subsidies.parse_month(month), data, approve=True)
        return Response(SubsidyMonthSerializer(m).data)


class ReturnView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(summary="退回月度补贴表（司法局，须说明理由）", **_MONTH_SCHEMA)
    def post(self, request: SignedInRequest, month: str) -> Response:
        data = form_data(request)
        m = subsidies.decide(request.user, subsidies.parse_month(month), data, approve=False)
        return Response(SubsidyMonthSerializer(m).data)
