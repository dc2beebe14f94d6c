"""Mediator training, the yearly assessment and the plan's targets over the API (DESIGN
§12.4): thin views over mediation.county.training and mediation.county.indicators."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.limits import BoundedJSONParser
from mediation import policies
from mediation.county import indicators, training
from mediation.errors import InvalidFields, NotPermitted
from mediation.law.indicators import IndicatorMetric
from mediation.law.training import MediatorAssessment
from mediation.models import MediatorGrade

from .schema import Schema, component, form_schema, ref
from .signed_in import SignedInRequest
from .views import AUTH_ERRORS, errors, form_data


class TrainingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    topic = serializers.CharField()
    hours = serializers.CharField(help_text="学时")
    trainer = serializers.CharField()
    held_on = serializers.DateField()
    attendees = serializers.ListField(child=serializers.IntegerField(), help_text="出勤调解员 id")


class TrainingListSerializer(serializers.Serializer):
    results = TrainingSerializer(many=True)


class AssessmentSerializer(serializers.Serializer):
    mediator = serializers.IntegerField()
    year = serializers.IntegerField()
    grade = serializers.ChoiceField(MediatorAssessment.choices)
    grade_label = serializers.CharField()
    note = serializers.CharField()


class AssessmentListSerializer(serializers.Serializer):
    results = AssessmentSerializer(many=True)


ATTENDEES: Schema = {
    "type": "array",
    "items": {"type": "integer"},
    "maxItems": training.MAX_ATTENDEES,
    "nullable": True,
    "description": "出勤调解员 id（培训举行之后才能登记）",
}


@component("TrainingRequest")
def training_request() -> Schema:
    return form_schema(training.SessionForm, extra={"attendees": ATTENDEES})


@component("TrainingAttendanceRequest")
def attendance_request() -> Schema:
    return {"type": "object", "properties": {"attendees": ATTENDEES}, "required": ["attendees"]}


@component("AssessmentRequest")
def assessment_request() -> Schema:
    return form_schema(training.GradeForm)


TRAINING_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="培训 id")
YEAR_MIN, YEAR_MAX = 2000, 2100  # the assessment's own bounds (GradeForm.year)
YEAR = OpenApiParameter(
    "year",
    {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX},
    description="年度（缺省：全部）",
)


def _year(request: SignedInRequest) -> int | None:
    raw = request.query_params.get("year")
    if not raw:
        return None
    # raw[:5]: a year of thousands of digits is no year, and int() of it would raise
    if not (raw.isascii() and raw.isdigit() and YEAR_MIN <= int(raw[:5]) <= YEAR_MAX):
        message = _("年度应为%(a)d至%(b)d之间的四位年份") % {"a": YEAR_MIN, "b": YEAR_MAX}
        raise InvalidFields(_("参数有误"), {"year": [message]})
    return int(raw)


def _roster_reader(request: SignedInRequest) -> None:
    if not policies.may_see_roster(request.user):
        raise NotPermitted(_("您无权查看调解员培训和考评"))


class TrainingListView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="调解员培训",
        parameters=[YEAR],
        responses={200: TrainingListSerializer, **errors(400, 403, *AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest) -> Response:
        _roster_reader(request)
        rows = [training.session_json(s) for s in training.sessions(_year(request))[:500]]
        return Response({"results": rows})

    @extend_schema(
        summary="登记调解员培训（司法局）",
        request={"application/json": ref("TrainingRequest")},
        responses={201: TrainingSerializer, **errors(400, 403, 415, *AUTH_ERRORS)},
    )
    def post(self, request: SignedInRequest) -> Response:
        session = training.record_session(request.user, form_data(request))
        session = training.sessions().get(pk=session.pk)
        return Response(training.session_json(session), status=status.HTTP_201_CREATED)


class TrainingAttendanceView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="登记培训出勤（司法局；培训举行之后）",
        parameters=[TRAINING_ID],
        request={"application/json": ref("TrainingAttendanceRequest")},
        responses={200: TrainingSerializer, **errors(400, 403, 404, 415, *AUTH_ERRORS)},
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        training.add_attendance(request.user, pk, form_data(request))
        return Response(training.session_json(training.sessions().get(pk=pk)))


class AssessmentListView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="调解员年度考评",
        parameters=[YEAR],
        responses={200: AssessmentListSerializer, **errors(400, 403, *AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest) -> Response:
        _roster_reader(request)
        qs = MediatorGrade.objects.order_by("-year", "mediator_id")
        year = _year(request)
        if year:
            qs = qs.filter(year=year)
        return Response({"results": [training.grade_json(g) for g in qs[:1000]]})

    @extend_schema(
        summary="评定调解员年度考评等次（司法局；同一年度再次评定即更正）",
        request={"application/json": ref("AssessmentRequest")},
        responses={200: AssessmentSerializer, **errors(400, 403, 415, *AUTH_ERRORS)},
    )
    def post(self, request: SignedInRequest) -> Response:
        row = training.grade_mediator(request.user, form_data(request))
        return Response(training.grade_json(row))


# -- the plan's targets (附件2 指标) ----------------------------------------------------------


class TrendPointSerializer(serializers.Serializer):
    month = serializers.CharField()
    value = serializers.CharField(allow_null=True)


class IndicatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    name = serializers.CharField()
    metric = serializers.ChoiceField(IndicatorMetric.choices)
    how = serializers.CharField(help_text="计算口径")
    target = serializers.CharField()
    unit = serializers.CharField()
    note = serializers.CharField()
    value = serializers.CharField(allow_null=True, help_text="年初至今的数值；无数据为 null")
    met = serializers.BooleanField(allow_null=True)
    trend = TrendPointSerializer(many=True)


class IndicatorListSerializer(serializers.Serializer):
    results = IndicatorSerializer(many=True)


@component("IndicatorRequest")
def indicator_request() -> Schema:
    return form_schema(indicators.IndicatorForm)


class IndicatorListView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="规划指标（目标值、按数据计算的数值和逐月趋势；监督管理人员）",
        parameters=[YEAR],
        responses={200: IndicatorListSerializer, **errors(400, 403, *AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest) -> Response:
        if not policies.is_supervisor(request.user):
            raise NotPermitted(_("只有司法局监督管理人员可以查看规划指标"))
        year = _year(request) or timezone.localdate().year
        return Response({"results": indicators.indicator_rows(year)})

    @extend_schema(
        summary="新增或修改规划指标（按年度和名称）",
        request={"application/json": ref("IndicatorRequest")},
        responses={200: IndicatorSerializer, **errors(400, 403, 415, *AUTH_ERRORS)},
    )
    def post(self, request: SignedInRequest) -> Response:
        row = indicators.set_indicator(request.user, form_data(request))
        return Response(next(r for r in indicators.indicator_rows(row.year) if r["id"] == row.pk))
