"""Village legal advisers over the API (村（居）法律顾问, DESIGN §12.4): thin views over
mediation.county.advisers — the bureau registers advisers and their villages and reads the
coverage; an adviser records duty days and services and sees only their own."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.limits import BoundedJSONParser
from mediation import policies
from mediation.county import advisers
from mediation.errors import InvalidFields, NotPermitted
from mediation.law.advisers import AdviserKind, AdviserServiceKind

from .schema import Schema, component, form_schema, ref
from .signed_in import SignedInRequest
from .views import AUTH_ERRORS, errors, form_data


class AdviserVillageSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="村（社区）人民调解委员会 id")
    name = serializers.CharField()
    since = serializers.DateField()


class AdviserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(AdviserKind.choices)
    kind_label = serializers.CharField()
    licence_number = serializers.CharField()
    workplace = serializers.CharField()
    org = serializers.IntegerField(help_text="安排单位（乡镇司法所）")
    org_name = serializers.CharField()
    region = serializers.CharField()
    user = serializers.IntegerField(allow_null=True, help_text="法律顾问的账号")
    villages = AdviserVillageSerializer(many=True)


class AdviserListSerializer(serializers.Serializer):
    results = AdviserSerializer(many=True)


class AdviserServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    adviser = serializers.IntegerField()
    adviser_name = serializers.CharField()
    kind = serializers.ChoiceField(AdviserServiceKind.choices)
    kind_label = serializers.CharField()
    on = serializers.DateField()
    village = serializers.IntegerField()
    village_name = serializers.CharField()
    people = serializers.IntegerField()
    note = serializers.CharField()


class AdviserServiceListSerializer(serializers.Serializer):
    results = AdviserServiceSerializer(many=True)


class TownshipCoverageSerializer(serializers.Serializer):
    region = serializers.CharField()
    villages = serializers.IntegerField()
    covered = serializers.IntegerField()
    rate = serializers.CharField(allow_null=True, help_text="覆盖率（%）")
    met = serializers.BooleanField()


class ServiceCountSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(AdviserServiceKind.choices)
    kind_label = serializers.CharField()
    count = serializers.IntegerField()
    people = serializers.IntegerField()


class CoverageSerializer(serializers.Serializer):
    target = serializers.CharField(help_text="覆盖率目标（%）")
    townships = TownshipCoverageSerializer(many=True)
    villages = serializers.IntegerField()
    covered = serializers.IntegerField()
    rate = serializers.CharField(allow_null=True)
    met = serializers.BooleanField()
    year = serializers.IntegerField()
    services = ServiceCountSerializer(many=True, help_text="本年值班天数和各类服务次数")


@component("AdviserRequest")
def adviser_request() -> Schema:
    return form_schema(advisers.AdviserForm)


@component("AdviserVillageRequest")
def adviser_village_request() -> Schema:
    return form_schema(advisers.AssignForm)


@component("AdviserServiceRequest")
def adviser_service_request() -> Schema:
    return form_schema(advisers.ServiceForm)


ADVISER_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="法律顾问 id"
)
MONTH = OpenApiParameter("month", OpenApiTypes.STR, description="月份 YYYY-MM（缺省：全部）")


class AdviserListView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="村（居）法律顾问（司法局看全部；法律顾问只看本人）",
        responses={200: AdviserListSerializer, **errors(403, *AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest) -> Response:
        rows = advisers.visible_advisers(request.user)[:1000]
        return Response({"results": [advisers.adviser_json(a) for a in rows]})

    @extend_schema(
        summary="登记村（居）法律顾问（司法局）",
        request={"application/json": ref("AdviserRequest")},
        responses={201: AdviserSerializer, **errors(400, 403, 415, *AUTH_ERRORS)},
    )
    def post(self, request: SignedInRequest) -> Response:
        adviser = advisers.register_adviser(request.user, form_data(request))
        adviser = advisers.visible_advisers(request.user).get(pk=adviser.pk)
        return Response(advisers.adviser_json(adviser), status=status.HTTP_201_CREATED)


class AdviserVillagesView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="安排法律顾问服务一个村（社区）（司法局；限安排单位辖区）",
        parameters=[ADVISER_ID],
        request={"application/json": ref("AdviserVillageRequest")},
        responses={201: AdviserSerializer, **errors(400, 403, 404, 415, *AUTH_ERRORS)},
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        advisers.assign_village(request.user, pk, form_data(request))
        adviser = advisers.visible_advisers(request.user).get(pk=pk)
        return Response(advisers.adviser_json(adviser), status=status.HTTP_201_CREATED)


def _month(request: SignedInRequest) -> tuple[int, int] | None:
    raw = request.query_params.get("month")
    if not raw:
        return None
    parts = raw.split("-")
    if len(parts) != 2 or not all(p.isascii() and p.isdigit() for p in parts):
        raise InvalidFields(_("参数有误"), {"month": [_("应为 YYYY-MM")]})
    year, month = int(parts[0]), int(parts[1])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise InvalidFields(_("参数有误"), {"month": [_("应为 YYYY-MM")]})
    return year, month


class AdviserServiceListView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="法律顾问值班和服务记录（司法局看全部；法律顾问只看本人）",
        parameters=[MONTH],
        responses={200: AdviserServiceListSerializer, **errors(400, 403, *AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest) -> Response:
        qs = advisers.visible_services(request.user)
        month = _month(request)
        if month:
            qs = qs.filter(on__year=month[0], on__month=month[1])
        return Response({"results": [advisers.service_json(s) for s in qs[:1000]]})

    @extend_schema(
        summary="记录值班或服务（法律顾问本人，限所服务的村（社区））",
        request={"application/json": ref("AdviserServiceRequest")},
        responses={201: AdviserServiceSerializer, **errors(400, 403, 415, *AUTH_ERRORS)},
    )
    def post(self, request: SignedInRequest) -> Response:
        row = advisers.record_service(request.user, form_data(request))
        row = advisers.visible_services(request.user).get(pk=row.pk)
        return Response(advisers.service_json(row), status=status.HTTP_201_CREATED)


class CoverageView(APIView):
    @extend_schema(
        summary="村（居）法律顾问覆盖率（按乡镇）和本年服务统计（监督管理人员）",
        responses={200: CoverageSerializer, **errors(403, *AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest) -> Response:
        if not policies.is_supervisor(request.user):
            raise NotPermitted(_("只有司法局监督管理人员可以查看法律顾问覆盖率"))
        year = timezone.localdate().year
        counts = advisers.service_counts(year)
        return Response({**advisers.coverage(), "year": year, "services": counts["kinds"]})
