"""Screenings (矛盾纠纷排查) and consultations (法律咨询) over the API (DESIGN.md §6).

Thin views: parse, one call into mediation.prevention.records, the answer from the serializers
below (which are also what the schema shows)."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.limits import BoundedJSONParser
from mediation import policies
from mediation.errors import InvalidFields, NotPermitted
from mediation.law.identity import mask_phone
from mediation.models import Consultation, ScreeningFinding, ScreeningRound
from mediation.policies import Actor
from mediation.prevention import records as prevention

from . import serializers as s
from .idempotency import PARAMETERS as IDEMPOTENCY
from .idempotency import idempotent
from .pagination import one_page, page_of
from .schema import ref
from .signed_in import SignedInRequest
from .views import (
    AUTH_ERRORS,
    errors,
    form_data,
)

# -- shapes ------------------------------------------------------------------------------


class FindingSerializer(serializers.ModelSerializer):
    case = serializers.SerializerMethodField()

    class Meta:
        model = ScreeningFinding
        fields = ["id", "summary", "category", "risk", "parties", "case"]

    def get_case(self, obj: ScreeningFinding) -> dict[str, Any] | None:
        case = obj.case  # no query when there is none
        return None if case is None else {"id": case.pk, "number": case.number}


class ScreeningSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    org = serializers.IntegerField(source="org_id")
    org_name = serializers.CharField(source="org.name")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    places = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    found = FindingSerializer(many=True)


class ConsultationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    org = serializers.IntegerField(source="org_id")
    channel = serializers.CharField()
    topic = serializers.CharField()
    topic_label = serializers.CharField(source="get_topic_display")
    category = serializers.CharField()
    question = serializers.CharField()
    answer = serializers.CharField()
    caller_name = serializers.CharField()
    caller_phone = serializers.SerializerMethodField(help_text="受理机构以外的人看到掩码")
    created_at = serializers.DateTimeField()
    case = serializers.SerializerMethodField()

    def get_caller_phone(self, obj: Consultation) -> str:
        if policies.sees_caller(self.context["user"], obj):
            return obj.caller_phone
        return mask_phone(obj.caller_phone)

    def get_case(self, obj: Consultation) -> dict[str, Any] | None:
        case = obj.case  # no query when there is none
        return None if case is None else {"id": case.pk, "number": case.number}


class UnscreenedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    region = serializers.CharField()


# -- views -------------------------------------------------------------------------------


def _rounds(user: Actor) -> QuerySet[ScreeningRound]:
    return policies.visible_screenings(user).select_related("org").prefetch_related("found__case")


class ScreeningListView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="排查记录",
        parameters=[OpenApiParameter("org", OpenApiTypes.INT, description="调解组织 id")],
        responses={200: page_of(ScreeningSerializer, "ScreeningPage"), **errors(*AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest) -> Response:
        qs = _rounds(request.user)
        org = request.query_params.get("org")
        if org:
            if not (org.isascii() and org.isdigit()) or len(org) > 18 or int(org) < 1:
                raise InvalidFields(_("参数有误"), {"org": [_("应为组织 id")]})
            qs = qs.filter(org_id=int(org))
        rows = ScreeningSerializer(qs[:200], many=True).data  # the latest 200; count: all
        return Response(one_page(rows, qs.count() if len(rows) == 200 else None))

    @extend_schema(
        summary="登记排查情况",
        parameters=IDEMPOTENCY,
        request={"application/json": ref("ScreeningRequest")},
        responses={201: ScreeningSerializer, **errors(400, 403, 415, 422, *AUTH_ERRORS)},
    )
    @idempotent
    def post(self, request: SignedInRequest) -> Response:
        body = form_data(request)
        round_ = prevention.record_screening(request.user, body)
        round_ = _rounds(request.user).get(pk=round_.pk)
        return Response(ScreeningSerializer(round_).data, status=status.HTTP_201_CREATED)


class ScreeningFindingRegisterView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="将排查发现的纠纷登记为案件（主动排查）",
        description="请求体可补充登记所需内容（parties、claims、org 等），缺省取排查记录。",
        parameters=IDEMPOTENCY,
        request={"application/json": ref("CaseRegistrationSupplement")},
        responses={201: s.CaseDetailSerializer, **errors(400, 403, 404, 409, 422, *AUTH_ERRORS)},
    )
    @idempotent
    def post(self, request: SignedInRequest, pk: int, fid: int) -> Response:
        case = prevention.register_finding(request.user, pk, fid, form_data(request))
        return Response(s.case_json(case, request.user), status=status.HTTP_201_CREATED)


class UnscreenedView(APIView):
    @extend_schema(
        summary="本月尚未开展排查的调解委员会（监督管理）",
        parameters=[OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM")],
        responses={
            200: page_of(UnscreenedSerializer, "UnscreenedPage"),
            **errors(400, 403, *AUTH_ERRORS),
        },
    )
    def get(self, request: SignedInRequest) -> Response:
        if not policies.is_supervisor(request.user):
            raise NotPermitted(_("仅监督管理人员可查看"))
        raw = request.query_params.get("month")
        month = timezone.localdate().replace(day=1)
        if raw:
            try:
                month = dt.datetime.strptime(raw, "%Y-%m").date()
            except ValueError:
                raise InvalidFields(_("参数有误"), {"month": [_("月份格式应为 YYYY-MM")]}) from None
        orgs = prevention.committees_without_screening(month)
        return Response(one_page(UnscreenedSerializer(orgs, many=True).data))


class ConsultationListView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="法律咨询记录",
        responses={
            200: page_of(ConsultationSerializer, "ConsultationPage"),
            **errors(*AUTH_ERRORS),
        },
    )
    def get(self, request: SignedInRequest) -> Response:
        qs = policies.visible_consultations(request.user).select_related("case")
        rows = ConsultationSerializer(qs[:200], many=True, context={"user": request.user}).data
        return Response(one_page(rows, qs.count() if len(rows) == 200 else None))

    @extend_schema(
        summary="登记法律咨询（12348热线、窗口）",
        parameters=IDEMPOTENCY,
        request={"application/json": ref("ConsultationRequest")},
        responses={201: ConsultationSerializer, **errors(400, 403, 415, 422, *AUTH_ERRORS)},
    )
    @idempotent
    def post(self, request: SignedInRequest) -> Response:
        row = prevention.record_consultation(request.user, form_data(request))
        data = ConsultationSerializer(row, context={"user": request.user}).data
        return Response(data, status=status.HTTP_201_CREATED)


class ConsultationRegisterView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="将法律咨询登记为纠纷案件",
        description="来电（访）人为申请人（姓名、电话缺省取咨询记录），渠道同咨询。",
        parameters=IDEMPOTENCY,
        request={"application/json": ref("CaseRegistrationSupplement")},
        responses={201: s.CaseDetailSerializer, **errors(400, 403, 404, 409, 422, *AUTH_ERRORS)},
    )
    @idempotent
    def post(self, request: SignedInRequest, pk: int) -> Response:
        case = prevention.register_consultation(request.user, pk, form_data(request))
        return Response(s.case_json(case, request.user), status=status.HTTP_201_CREATED)
