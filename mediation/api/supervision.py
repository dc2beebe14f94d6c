"""Supervision API (DESIGN.md §6, §8): statistics and exports, the mediator roster,
complaints and the negative list. Views are thin: parse, call mediation.supervision.figures /
roster / complaints / exports, answer."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.converters import ID_MAX
from config.limits import BoundedJSONParser
from config.replica import reads_statistics
from config.tokens import AnonymousAllowedTokenAuthentication
from mediation import policies
from mediation.errors import InvalidFields, NotPermitted, NotVisible
from mediation.law.choices import Category, Network
from mediation.law.identity import display_name, mask_name, mask_phone
from mediation.models import Case, Complaint, NegativeListEntry
from mediation.models.supervision import ComplaintState, MediatorKind
from mediation.ops.ratelimit import client_ip, count
from mediation.policies import Actor
from mediation.supervision import complaints, exports, ministry_export, ministry_report, roster
from mediation.supervision import figures as supervision

from . import supervision_shapes as shapes
from .filters import CaseFilter
from .guards import QuotaHeaders
from .headers import RATE_LIMIT_HEADERS
from .idempotency import PARAMETERS as IDEMPOTENCY
from .idempotency import idempotent
from .pagination import one_page
from .requests import COMPLAINT_TRANSITION_BODY
from .schema import ref
from .signed_in import SignedInRequest
from .views import errors, form_data

if TYPE_CHECKING:  # the stubs' protocol of a permission object
    from rest_framework.permissions import _SupportsHasPermission

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERIOD_PARAMS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="起始日期（含），登记时间"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="截止日期（含）"),
    OpenApiParameter("network", str, enum=list(Network.values), description="调解类型"),
    OpenApiParameter("region", str, description="乡镇（街道）"),
]
BINARY = OpenApiResponse(OpenApiTypes.BINARY)


def _supervisor_only(user: Actor) -> None:
    if not policies.may_supervise(user):
        raise NotPermitted(_("只有司法局监督管理人员可以导出统计和案件数据"))


def _as_of(data: dict[str, Any]) -> dict[str, Any]:
    data["as_of"] = serializers.DateTimeField().to_representation(data["as_of"])
    return data


class StatsSummaryView(GenericAPIView):
    """§8 figures over the caller's visible cases; the case list's filters apply too."""

    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter
    pagination_class = None

    def get_queryset(self) -> QuerySet[Case]:
        return policies.visible_cases(self.request.user)

    @extend_schema(
        summary="统计：分布、成功率、司法确认率、履行率、金额、结案天数、超期、高风险、优先、信访反馈",
        parameters=PERIOD_PARAMS,
        responses={200: shapes.StatsSummarySerializer, **errors(400, 401, 405)},
    )
    @reads_statistics
    def get(self, request: SignedInRequest) -> Response:
        filters = supervision.parse_filters(request.query_params)
        base = self.filter_queryset(self.get_queryset())
        return Response(_as_of(supervision.summary(request.user, filters, base=base)))


class MinistryTableView(APIView):
    @extend_schema(
        summary="人民调解工作统计表（按纠纷类型）",
        parameters=PERIOD_PARAMS,
        responses={200: shapes.MinistryTableSerializer, **errors(400, 401, 405)},
    )
    @reads_statistics
    def get(self, request: SignedInRequest) -> Response:
        filters = supervision.parse_filters(request.query_params)
        table = supervision.ministry_table(request.user, filters)
        return Response({"filters": filters.as_dict(), **table})


def _audit_export(user: Actor, kind: str, filters: dict[str, Any], rows: int | None = None) -> None:
    payload: dict[str, Any] = {"export": kind, "filters": filters}
    if rows is not None:
        payload["rows"] = rows
    complaints.audit("export." + kind, user, payload)


class StatsExportView(APIView):
    @extend_schema(
        summary="统计工作簿（XLSX，仅监督管理人员）",
        parameters=PERIOD_PARAMS,
        responses={(200, XLSX): BINARY, **errors(400, 401, 403, 405)},
    )
    @reads_statistics
    def get(self, request: SignedInRequest) -> HttpResponseBase:
        _supervisor_only(request.user)
        filters = supervision.parse_filters(request.query_params)
        data = supervision.summary(request.user, filters)
        table = supervision.ministry_table(request.user, filters)
        out = exports.stats_workbook(data, table, filters)
        _audit_export(request.user, "stats_xlsx", filters.as_dict())
        stamp = timezone.localtime().strftime("%Y%m%d")
        return FileResponse(
            out, as_attachment=True, filename=f"statistics-{stamp}.xlsx", content_type=XLSX
        )


class MonthlyReportView(APIView):
    @extend_schema(
        summary="月度工作报告（PDF，仅监督管理人员）",
        parameters=[
            OpenApiParameter("month", str, OpenApiParameter.PATH, description="YYYY-MM"),
            *PERIOD_PARAMS[2:],
        ],
        responses={(200, "application/pdf"): BINARY, **errors(400, 401, 403, 405)},
    )
    @reads_statistics
    def get(self, request: SignedInRequest, month: str) -> HttpResponseBase:
        _supervisor_only(request.user)
        first, last = supervision.parse_month(month)
        params = {**request.query_params.dict(), "from": first.isoformat(), "to": last.isoformat()}
        filters = supervision.parse_filters(params)
        data = supervision.summary(request.user, filters)
        report = ministry_report.ministry_report(request.user, filters)
        pdf = exports.monthly_pdf(
            data,
            report["cases"],
            filters,
            first,
            more=lambda styles: ministry_export.pdf_story(styles, report),
        )
        _audit_export(request.user, "monthly_pdf", filters.as_dict())
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="monthly-{month}.pdf"'
        return response


class CaseExportView(GenericAPIView):
    filter_backends = [DjangoFilterBackend]
    filterset_class = CaseFilter
    pagination_class = None

    def get_queryset(self) -> QuerySet[Case]:
        return policies.visible_cases(self.request.user, Case.objects.all())

    @extend_schema(
        summary="案件清单工作簿（XLSX，筛选条件同案件列表；身份证号、电话脱敏；仅监督管理人员）",
        responses={(200, XLSX): BINARY, **errors(400, 401, 403, 405)},
    )
    @reads_statistics
    def get(self, request: SignedInRequest) -> HttpResponseBase:
        _supervisor_only(request.user)
        qs = self.filter_queryset(self.get_queryset())
        out, rows = exports.cases_workbook(qs)
        used = {k: v for k, v in request.query_params.lists() if k in CaseFilter.base_filters}
        _audit_export(request.user, "cases_xlsx", used, rows)
        stamp = timezone.localtime().strftime("%Y%m%d")
        return FileResponse(
            out, as_attachment=True, filename=f"cases-{stamp}.xlsx", content_type=XLSX
        )


# -- roster ------------------------------------------------------------------------------


class RosterQuery(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=50)
    specialty = serializers.ChoiceField(choices=Category.choices, required=False)
    kind = serializers.ChoiceField(choices=MediatorKind.choices, required=False)
    region = serializers.CharField(required=False, allow_blank=True, max_length=50)
    org = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    case = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, help_text="推荐：为该案件受理/更换调解员"
    )

    def validate_region(self, value: str) -> str:
        if value and value not in supervision.known_regions():
            raise serializers.ValidationError(_("未知的乡镇（街道）"))
        return value


class MediatorsView(APIView):
    @extend_schema(
        summary="调解员名册；case= 时按专长、乡镇、在办量推荐",
        description="专兼职、类别、专长、组织、在办案件、成效、不良执业信息",
        parameters=[RosterQuery],
        responses={200: shapes.MediatorsSerializer, **errors(400, 401, 403, 404, 405)},
    )
    def get(self, request: SignedInRequest) -> Response:
        if not policies.may_see_roster(request.user):
            raise NotPermitted(_("您无权查看调解员名册"))
        query = RosterQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        f = query.validated_data
        if f.get("case"):
            case = policies.visible_cases(request.user).filter(pk=f["case"]).first()
            if case is None:
                raise NotVisible(_("案件不存在"))
            return Response({"case": case.pk, **one_page(roster.suggest(case))})
        qs = roster.roster(
            request.user,
            q=f.get("q", "").strip(),
            specialty=f.get("specialty", ""),
            region=f.get("region", ""),
            org=f.get("org"),
            kind=f.get("kind", ""),
        ).order_by("load", "pk")
        rows = [roster.mediator_json(u) for u in qs[:500]]
        return Response(one_page(rows, qs.count() if len(rows) == 500 else None))


# -- complaints ------------------------------------------------------------------------


def complaint_json(c: Complaint, user: Actor) -> dict[str, Any]:
    full = policies.may_supervise(user)
    return {
        "id": c.pk,
        "state": c.state,
        "state_label": c.get_state_display(),
        "org": {"id": c.org_id, "name": c.org.name},
        "mediator": (
            {"id": c.mediator_id, "name": display_name(c.mediator)} if c.mediator_id else None
        ),
        "case": c.case.number if c.case is not None else None,
        "complainant": c.complainant if full else mask_name(c.complainant),
        "contact": c.contact if full else mask_phone(c.contact),
        "facts": c.facts,
        "received_at": timezone.localtime(c.received_at).isoformat(),
        "due_at": timezone.localtime(c.due_at).isoformat(),
        "due_basis": c.due_basis,
        "overdue": c.closed_at is None and c.due_at < timezone.now(),
        "handler": display_name(c.handler) if c.handler_id else None,
        "conclusion": c.conclusion,
        "closed_at": timezone.localtime(c.closed_at).isoformat() if c.closed_at else None,
        "available_transitions": complaints.available(c, user),
        "events": [
            {
                "type": e.type,
                "at": timezone.localtime(e.at).isoformat(),
                "actor": display_name(e.actor) if e.actor_id else None,
                "data": {k: v for k, v in e.payload.items()},
            }
            for e in c.events.select_related("actor").order_by("id")
        ],
        "negative_entries": [roster.entry_json(e) for e in c.negative_entries.order_by("id")],
    }


def _complaints_qs(user: Actor) -> QuerySet[Complaint]:
    return policies.visible_complaints(user).select_related("org", "mediator", "case", "handler")


class ComplaintListView(QuotaHeaders):
    parser_classes = [BoundedJSONParser]
    # Anyone may complain: a bad token on the POST is ignored, not a 401 (docs/api.md);
    # the GET still needs a valid one (no user: 401).
    authentication_classes = [AnonymousAllowedTokenAuthentication, SessionAuthentication]

    def get_permissions(self) -> "Sequence[_SupportsHasPermission]":
        return [AllowAny()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(
        operation_id="complaints_list",
        summary="投诉列表（监督管理人员全部；调解员仅本人被投诉的）",
        parameters=[OpenApiParameter("state", str, enum=list(ComplaintState.values))],
        responses={200: shapes.ComplaintListSerializer, **errors(400, 401, 405)},
    )
    def get(self, request: SignedInRequest) -> Response:
        state = request.query_params.get("state") or None  # empty: absent, as everywhere
        if state is not None and state not in ComplaintState.values:
            raise InvalidFields(_("筛选条件有误"), {"state": [_("未知的投诉状态")]})
        qs = _complaints_qs(request.user)
        if state:
            qs = qs.filter(state=state)
        rows = [complaint_json(c, request.user) for c in qs[:500]]
        return Response(one_page(rows, qs.count() if len(rows) == 500 else None))

    @extend_schema(
        summary="投诉调解员或调解组织（无需登录，按来源地址限制频率）",
        parameters=[*IDEMPOTENCY, *RATE_LIMIT_HEADERS],
        request={"application/json": ref("ComplaintRequest")},
        responses={201: shapes.ComplaintReceiptSerializer, **errors(400, 405, 415, 422, 429)},
        auth=[],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        self.quota = count(
            "complaint-ip:" + client_ip(request),
            settings.COMPLAINT_RATE_PER_IP,
            settings.PORTAL_RATE_WINDOW_SECONDS,
        )
        if self.quota.exceeded:
            return self.throttled_answer(self.quota)
        complaint = complaints.submit(form_data(request), actor=request.user)
        complaint = _complaints_qs_all().get(pk=complaint.pk)
        return Response(
            {
                "id": complaint.pk,
                "state": complaint.state,
                "state_label": complaint.get_state_display(),
                "due_at": timezone.localtime(complaint.due_at).isoformat(),
                "due_basis": complaint.due_basis,
            },
            status=status.HTTP_201_CREATED,
        )


def _complaints_qs_all() -> QuerySet[Complaint]:
    return Complaint.objects.select_related("org")


COMPLAINT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


class ComplaintDetailView(APIView):
    @extend_schema(
        operation_id="complaints_get",
        summary="投诉详情",
        parameters=[COMPLAINT_ID],
        responses={200: shapes.ComplaintSerializer, **errors(401, 404, 405)},
    )
    def get(self, request: SignedInRequest, pk: int) -> Response:
        c = _complaints_qs(request.user).filter(pk=pk).first()
        if c is None:
            raise NotVisible(_("投诉不存在"))
        return Response(complaint_json(c, request.user))


class ComplaintTransitionView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="办理投诉",
        description=(
            "investigate {note} · uphold {conclusion, negative_list?, conduct, occurred_on,"
            " until} · dismiss {conclusion}"
        ),
        parameters=[
            COMPLAINT_ID,
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(complaints.TRANSITIONS)),
        ],
        request={"application/json": COMPLAINT_TRANSITION_BODY},
        responses={200: shapes.ComplaintSerializer, **errors(400, 401, 403, 404, 405, 409, 415)},
    )
    def post(self, request: SignedInRequest, pk: int, name: str) -> Response:
        data = form_data(request)
        if "negative_list" in request.data and isinstance(request.data, dict):
            data["negative_list"] = request.data.get("negative_list") is True
        complaints.perform(pk, name, request.user, data)
        c = _complaints_qs(request.user).get(pk=pk)
        return Response(complaint_json(c, request.user))


class NegativeListView(APIView):
    @extend_schema(
        summary="不良执业信息（仅监督管理人员）；默认只列仍在公示期内的",
        parameters=[
            OpenApiParameter("mediator", OpenApiTypes.INT),
            OpenApiParameter("org", OpenApiTypes.INT),
            OpenApiParameter("all", OpenApiTypes.BOOL, description="含已过公示期的"),
        ],
        responses={200: shapes.NegativeListSerializer, **errors(400, 401, 403, 405)},
    )
    def get(self, request: SignedInRequest) -> Response:
        if not policies.may_supervise(request.user):
            raise NotPermitted(_("只有司法局监督管理人员可以查询不良执业信息"))
        errs, ids = {}, {}
        for key in ("mediator", "org"):
            raw = request.query_params.get(key, "")
            if raw:
                if not (raw.isascii() and raw.isdigit()) or len(raw) > 18 or int(raw) < 1:
                    errs[key] = [_("应为数字 id")]
                else:
                    ids[key] = int(raw)
        show_all = request.query_params.get("all", "")
        if show_all not in ("", "true", "false", "1", "0"):
            errs["all"] = [_("应为 true 或 false")]
        if errs:
            raise InvalidFields(_("筛选条件有误"), errs)
        qs = NegativeListEntry.objects.select_related("org", "mediator").order_by(
            "-occurred_on", "-id"
        )
        if show_all not in ("true", "1"):
            qs = qs.filter(until__gte=timezone.localdate())
        if "mediator" in ids:
            qs = qs.filter(mediator_id=ids["mediator"])
        if "org" in ids:
            qs = qs.filter(org_id=ids["org"])
        rows = [
            {
                **roster.entry_json(e),
                "mediator": (
                    {"id": e.mediator_id, "name": display_name(e.mediator)}
                    if e.mediator_id
                    else None
                ),
                "org": {"id": e.org_id, "name": e.org.name},
                "active": e.until >= timezone.localdate(),
            }
            for e in qs[:1000]
        ]
        return Response(one_page(rows, qs.count() if len(rows) == 1000 else None))
