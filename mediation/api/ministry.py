"""The Ministry's whole people's-mediation report over the API (DESIGN §12.4): the figures
as JSON and the workbook laid out as the Ministry's form; the monthly PDF carries the same
tables (mediation.api.supervision.MonthlyReportView). Supervisors only: the bureau files it."""

from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers as S
from rest_framework.response import Response
from rest_framework.views import APIView

from config.replica import reads_statistics
from mediation.supervision import figures as supervision
from mediation.supervision import ministry_export, ministry_report
from mediation.supervision.aggregates import Filters

from . import supervision_shapes as shapes
from .signed_in import SignedInRequest
from .supervision import BINARY, PERIOD_PARAMS, XLSX, _audit_export, _supervisor_only
from .views import errors


class MinistryCountSerializer(S.Serializer):
    key = S.CharField()
    label = S.CharField()  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)
    count = S.IntegerField(allow_null=True, help_text="非人民调解时为 null")


class MinistryOrganisationsSerializer(S.Serializer):
    rows = MinistryCountSerializer(
        many=True, help_text="村（居）、乡镇（街道）、企（事）业、行业性专业性、派驻"
    )
    total = S.IntegerField()


class MinistryMediatorRowSerializer(S.Serializer):
    key = S.CharField(help_text="full_time 专职 / part_time 兼职")
    label = S.CharField()  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)
    count = S.IntegerField(help_text="人数")
    trained = S.IntegerField(help_text="统计期间参加培训的人数")
    trainings = S.IntegerField(help_text="培训人次")
    hours = S.CharField(help_text="培训学时（一位小数）")


class MinistryMediatorTotalSerializer(MinistryMediatorRowSerializer):
    def get_fields(self) -> dict[str, S.Field]:
        fields = super().get_fields()
        fields.pop("key")
        fields.pop("label")
        return fields


class MinistryMediatorsSerializer(S.Serializer):
    rows = MinistryMediatorRowSerializer(many=True)
    total = MinistryMediatorTotalSerializer()


class MinistryAgreementsSerializer(S.Serializer):
    succeeded = S.IntegerField()
    written = S.IntegerField()
    oral = S.IntegerField()
    performed = S.IntegerField(help_text="最近一次回访为已履行的件数")
    amount = S.CharField(help_text="协议涉及金额（万元，两位小数）")


class MinistryReportSerializer(S.Serializer):
    filters = shapes.PeriodSerializer()
    organisations = MinistryOrganisationsSerializer(
        allow_null=True, help_text="非人民调解时为 null"
    )
    mediators = MinistryMediatorsSerializer(allow_null=True, help_text="非人民调解时为 null")
    cases = shapes.MinistryTableSerializer(help_text="表三：按纠纷类型（同 stats/ministry/）")
    prevention = MinistryCountSerializer(many=True, help_text="防止民间纠纷激化")
    agreements = MinistryAgreementsSerializer(allow_null=True)
    sources = MinistryCountSerializer(many=True, help_text="纠纷来源")


EXAMPLE = {
    "filters": {"from": "2026-01-01", "to": "2026-12-31", "network": "", "region": ""},
    "organisations": {
        "rows": [{"key": "village", "label": "村（居）人民调解委员会", "count": 14}],
        "total": 28,
    },
    "mediators": {
        "rows": [
            {
                "key": "full_time",
                "label": "专职",
                "count": 6,
                "trained": 4,
                "trainings": 7,
                "hours": "28.0",
            }
        ],
        "total": {"count": 30, "trained": 12, "trainings": 18, "hours": "64.0"},
    },
    "cases": {"filters": {}, "rows": [], "total": {}, "screening": None},
    "prevention": [{"key": "prevented_criminal", "label": "民转刑", "count": 2}],
    "agreements": {"succeeded": 120, "written": 90, "oral": 30, "performed": 80, "amount": "56.20"},
    "sources": [{"key": "source_applied", "label": "当事人申请", "count": 140}],
}


def _report(request: SignedInRequest) -> tuple[dict, Filters]:
    _supervisor_only(request.user)
    filters = supervision.parse_filters(request.query_params)
    report = ministry_report.ministry_report(request.user, filters)
    report["cases"] = {"filters": filters.as_dict(), **report["cases"]}
    return report, filters


class MinistryReportView(APIView):
    @extend_schema(
        summary="司法部人民调解统计报表（组织、调解员、纠纷、防止激化、协议履行、来源；仅监督管理人员）",
        parameters=PERIOD_PARAMS,
        responses={200: MinistryReportSerializer, **errors(400, 401, 403, 405)},
        examples=[OpenApiExample("一年的报表（节选）", value=EXAMPLE, response_only=True)],
    )
    @reads_statistics
    def get(self, request: SignedInRequest) -> Response:
        report, _filters = _report(request)
        return Response(report)


class MinistryWorkbookView(APIView):
    @extend_schema(
        summary="司法部人民调解统计报表（XLSX，每表一页；仅监督管理人员）",
        parameters=PERIOD_PARAMS,
        responses={(200, XLSX): BINARY, **errors(400, 401, 403, 405)},
    )
    @reads_statistics
    def get(self, request: SignedInRequest) -> HttpResponseBase:
        report, filters = _report(request)
        out = ministry_export.workbook(report, filters)
        _audit_export(request.user, "ministry_xlsx", filters.as_dict())
        stamp = timezone.localtime().strftime("%Y%m%d")
        return FileResponse(
            out, as_attachment=True, filename=f"ministry-report-{stamp}.xlsx", content_type=XLSX
        )
