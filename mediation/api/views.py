"""REST API (DESIGN.md §6). Views are thin: parse, call one service, answer the case JSON;
domain errors become HTTP in mediation.api.errors (one table)."""

import datetime as dt
import functools
import time
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import authenticate, update_session_auth_hash, user_logged_in
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from knox.models import AuthToken
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import BaseAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config import tokens
from config.converters import IdConverter
from config.limits import BoundedJSONParser
from config.tokens import TokenAuthentication
from mediation import policies
from mediation.actions import queue_sql, services
from mediation.actions.base import case_etag
from mediation.errors import InvalidFields, NotPermitted, NotVisible
from mediation.events import serialise
from mediation.law.transitions import TRANSITION_NAMES
from mediation.models import Case, CaseAccess, CaseEvent, Membership, Organization, case_sql
from mediation.policies import Actor

from . import requests as _requests  # noqa: F401  (registers the request components)
from . import serializers as s
from .filters import CaseFilter, QueryFilterBackend
from .headers import ETAG, IF_MATCH
from .idempotency import PARAMETERS as IDEMPOTENCY
from .idempotency import idempotent
from .pagination import OnePage, QueueCursorPagination, QueueKey, one_page, ordered, page_of
from .responses import (
    ConflictSerializer,
    DetailSerializer,
    ErrorSerializer,
    EventSerializer,
    PasswordChangeSerializer,
    ThrottledSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from .schema import TRANSITION_BODY, ref
from .signed_in import SignedInRequest

# -- documentation helpers --------------------------------------------------------------

_ERROR_TEXT = {
    400: "输入有误：errors 按字段列出中文提示（当事人字段形如 parties[1].id_number）",
    401: "未登录或令牌无效",
    403: "无权执行此操作（可见该案件但无此权限）",
    404: "不存在或不可见",
    405: "不支持的方法",
    409: "状态冲突：current_state 为案件当前状态",
    412: "If-Match 与案件当前版本不符：响应头 ETag 为当前版本",
    415: "不支持的内容类型",
    422: "幂等键已用于另一个请求（请求体不同）",
    429: "请求过于频繁（登录失败次数过多）",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    out: dict[int, OpenApiResponse] = {}
    for code in codes:
        serializer = {409: ConflictSerializer, 429: ThrottledSerializer}.get(code, ErrorSerializer)
        out[code] = OpenApiResponse(serializer, description=_ERROR_TEXT[code])
    return out


AUTH_ERRORS = (401, 405)
CASE_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="案件 id")


# -- body helpers ----------------------------------------------------------------------


def json_object(request: Request) -> dict[str, Any]:
    data = request.data
    if isinstance(data, QueryDict):
        data = data.dict()
    if not isinstance(data, dict):
        raise InvalidFields(
            _("请求体应为 JSON 对象"), {"non_field_errors": [_("请求体应为 JSON 对象")]}
        )
    return dict(data)


def form_data(request: Request) -> dict[str, Any]:
    """The JSON object body as the service forms take it; each form checks the JSON type
    of each value itself (mediation.law.jsonform), so nothing is converted here."""
    return json_object(request)


# -- authentication ---------------------------------------------------------------------


def required_strings(request: Request, *names: str) -> list[str]:
    """The named string fields of a JSON body; a 400 naming each one missing."""
    data = json_object(request)
    values = [value if isinstance(value := data.get(n), str) else "" for n in names]
    missing = {n: [_("该字段是必填项。")] for n, v in zip(names, values, strict=True) if not v}
    # NUL cannot be stored or looked up in PostgreSQL text (the login is a query).
    missing |= {n: [_("不能包含空字符")] for n, v in zip(names, values, strict=True) if "\x00" in v}
    if missing:
        raise InvalidFields(_("提交的内容有误"), missing)
    return values


class TokenView(APIView):
    parser_classes = [BoundedJSONParser]
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_token",
        summary="用用户名和密码换取 API 令牌",
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, **errors(400, 405, 415, 429)},
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        username, password = required_strings(request, "username", "password")
        # The Django request: a refused login flags it for the lockout (config.security).
        user = authenticate(request._request, username=username, password=password)
        if user is None or not user.is_active:
            raise InvalidFields(
                _("用户名或密码错误"), {"non_field_errors": [_("用户名或密码错误")]}
            )
        # A login like any other: last_login, the access log and the lockout's reset.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        return Response({"token": tokens.issue(user)})

    @extend_schema(
        operation_id="auth_token_revoke",
        summary="注销当前 API 令牌",
        request=None,
        responses={204: None, **errors(400, *AUTH_ERRORS)},
        tags=["auth"],
    )
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, AuthToken):
            raise InvalidFields(
                _("当前请求未使用 API 令牌"), {"non_field_errors": [_("当前请求未使用 API 令牌")]}
            )
        tokens.revoke(request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # POST (log in) is open; DELETE acts on the caller's own token.
    def get_authenticators(self) -> list[BaseAuthentication]:
        if getattr(self.request, "method", None) == "DELETE":
            return [TokenAuthentication()]
        return []

    def get_permissions(self) -> list[BasePermission]:
        if getattr(self.request, "method", None) == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]


class PasswordView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="auth_password",
        summary="修改本人密码（所有 API 令牌随之失效）",
        request=PasswordChangeSerializer,
        responses={200: DetailSerializer, **errors(400, 415, 429, *AUTH_ERRORS)},
        tags=["auth"],
    )
    def post(self, request: SignedInRequest) -> Response:
        data = json_object(request)
        old = value if isinstance(value := data.get("old_password"), str) else ""
        new = value if isinstance(value := data.get("new_password"), str) else ""
        missing = {
            k: [_("该字段是必填项。")]
            for k, v in (("old_password", old), ("new_password", new))
            if not v
        }
        if missing:
            raise InvalidFields(_("提交的内容有误"), missing)
        user = request.user
        # Through authenticate(): a wrong old password counts toward the lockout like any
        # failed login, so a stolen token cannot be used to guess the password.
        if authenticate(request._request, username=user.get_username(), password=old) is None:
            raise InvalidFields(_("原密码错误"), {"old_password": [_("原密码错误")]})
        try:
            validate_password(new, user)
        except DjangoValidationError as exc:
            raise InvalidFields(
                _("新密码不符合要求"), {"new_password": list(exc.messages)}
            ) from None
        with transaction.atomic():
            user.set_password(new)
            user.save(update_fields=["password"])
            tokens.revoke_all(user)
        if request.auth is None:  # a browser session: keep this one signed in
            update_session_auth_hash(request._request, user)
        return Response({"detail": _("密码已修改，所有 API 令牌已失效")})


class MeView(APIView):
    @extend_schema(
        operation_id="me",
        summary="当前用户",
        responses={200: s.MeSerializer, **errors(*AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest) -> Response:
        return Response(s.MeSerializer(request.user).data)


# -- organisations ----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="组织机构",
        responses={200: s.OrganizationSerializer(many=True), **errors(*AUTH_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="组织详情", responses={200: s.OrganizationSerializer, **errors(404, *AUTH_ERRORS)}
    ),
)
class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = IdConverter.regex
    queryset = Organization.objects.order_by("id")
    serializer_class = s.OrganizationSerializer
    filter_backends = []
    pagination_class = OnePage

    @extend_schema(
        summary="组织成员及角色",
        responses={
            200: page_of(s.MemberSerializer, "MemberPage"),
            **errors(403, 404, *AUTH_ERRORS),
        },
    )
    @action(detail=True)
    def members(self, request: SignedInRequest, pk: str | None = None) -> Response:
        org = self.get_object()
        if not policies.may_see_staff(request.user, org):
            raise NotPermitted(_("只有本机构成员和司法局可查看其人员名单"))
        rows = (
            Membership.objects.filter(org=org, user__is_active=True)
            .select_related("user")
            .order_by("role", "user_id")
        )
        return Response(one_page(s.MemberSerializer(rows, many=True).data))


# -- cases ------------------------------------------------------------------------------


SPARSE_ACCESS = 1000
PageIds = list[int]  # named: CaseViewSet.list shadows `list` in the class body


def narrow_to_sparse_access(user: Actor, qs: QuerySet[Case]) -> QuerySet[Case]:
    """Speed only; visibility itself is policies.visible_cases.

    A queue page walks the (priority, created_at, id) index and keeps the rows the caller
    may see. For an organisation with few cases among many that walk covers the whole
    table (SQLite cannot turn the EXISTS around). When the caller's organisations can see
    fewer than SPARSE_ACCESS cases (one bounded count, remembered for a minute), the same
    condition is added as an id list, so the database starts from those ids and sorts a
    few rows instead."""
    if policies.is_supervisor(user):
        return qs
    orgs = frozenset(policies.org_ids(user))
    return _narrow(qs, orgs) if _sparse(orgs) else qs


def _narrow(qs: QuerySet[Case], orgs: Iterable[int]) -> QuerySet[Case]:
    return qs.filter(pk__in=CaseAccess.objects.filter(org_id__in=orgs).values("case_id"))


# {(database, organisations, threshold): (sparse?, when counted)}; the answer only picks
# the plan, so it may be a minute old: a queue page need not count the access rows first.
_sparse_memo: dict[tuple[str, frozenset[int], int], tuple[bool, float]] = {}
SPARSE_MEMO_SECONDS = 60


def _sparse(orgs: frozenset[int]) -> bool:
    key, now = (connection.alias, orgs, SPARSE_ACCESS), time.monotonic()
    known = _sparse_memo.get(key)
    if known is None or now - known[1] > SPARSE_MEMO_SECONDS:
        if len(_sparse_memo) > 10_000:  # bounded: one entry per set of organisations
            _sparse_memo.clear()
        access = CaseAccess.objects.filter(org_id__in=orgs)
        known = (access[:SPARSE_ACCESS].count() < SPARSE_ACCESS, now)
        _sparse_memo[key] = known
    return known[0]


# What the compiled id query of the unfiltered queue is built with (case_sql.bind swaps
# them for the caller's organisations and the cursor): ids and an instant no row has.
_ORG_SENTINEL = -72_720_100
_PK_SENTINEL = -72_720_002
_AT_SENTINEL = dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)


def unfiltered_page_ids(user: Actor, key: QueueKey | None, reverse: bool, limit: int) -> list[int]:
    """The first `limit` ids of the caller's queue from the cursor `key`, with no filter:
    the query the ORM path builds (visible_cases, narrow_to_sparse_access,
    pagination.ordered), compiled once per shape (supervisor or not, how many
    organisations, sparse or not, the cursor's direction and priority) and run with the
    caller's values: building and compiling it on every page was a large share of the
    desks' and integrators' most frequent request.
    tests/api/test_case_list.py compares it with the ORM's for every user and cursor."""
    supervisor = policies.is_supervisor(user)
    orgs = [] if supervisor else sorted(policies.org_ids(user))
    if not supervisor and not orgs:
        return []
    sparse = not supervisor and _sparse(frozenset(orgs))
    marks = [_ORG_SENTINEL - i for i in range(len(orgs))]

    def build() -> QuerySet[Case, int]:
        qs = Case.objects.all()
        if not supervisor:
            qs = policies.visible_to_orgs(qs, marks)
            if sparse:
                qs = _narrow(qs, marks)
        cursor = None if key is None else (key[0], _AT_SENTINEL, _PK_SENTINEL)
        return ordered(qs, cursor, reverse).values_list("pk", flat=True)

    shape = ("queue_ids", supervisor, len(orgs), sparse, None if key is None else key[0], reverse)
    sql, params = case_sql.compiled_once(shape, build)
    values: dict[object, object] = dict(zip(marks, orgs, strict=True))
    if key is not None:
        adapt = connection.ops.adapt_datetimefield_value
        values[_PK_SENTINEL] = key[2]
        values[adapt(_AT_SENTINEL)] = adapt(key[1])
    with connection.cursor() as cur:
        # The compiled query has no LIMIT: the page size is a parameter, not a shape.
        cur.execute(f"{sql} LIMIT %s", [*case_sql.bind(params, values), limit])
        return [row[0] for row in cur.fetchall()]


@extend_schema_view(
    list=extend_schema(
        summary="可见案件（游标分页，优先案件在前）",
        responses={200: s.CaseListSerializer(many=True), **errors(400, 404, *AUTH_ERRORS)},
    ),
    retrieve=extend_schema(
        summary="案件详情",
        parameters=[CASE_ID, ETAG],
        responses={200: s.CaseDetailSerializer, **errors(404, *AUTH_ERRORS)},
    ),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    parser_classes = [BoundedJSONParser]
    serializer_class = s.CaseDetailSerializer
    pagination_class = QueueCursorPagination
    filter_backends = [QueryFilterBackend]
    filterset_class = CaseFilter
    lookup_value_regex = IdConverter.regex

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        paginator = self.paginator
        assert isinstance(paginator, QueueCursorPagination)
        if request.query_params.keys() <= {
            paginator.cursor_query_param,
            paginator.page_size_query_param,
        }:
            # No filter: the page's ids by the compiled query, no queryset built.
            read = functools.partial(unfiltered_page_ids, request.user)
            rows = paginator.paginate_ids(read, self.page_rows, request)
        else:
            rows = paginator.paginate_queryset(
                self.filter_queryset(self.get_queryset()), request, self
            )
        return paginator.get_paginated_response(self.get_serializer(rows, many=True).data)

    def get_queryset(self) -> QuerySet[Case]:
        user = self.request.user
        if self.action == "list":
            # The page's rows are read by page_rows: here only the ids are selected.
            return narrow_to_sparse_access(user, policies.visible_cases(user))
        # One case: visibility here, its records read by case_json (mediation.actions.queue_sql).
        return policies.visible_cases(user)

    def page_rows(self, ids: PageIds) -> Iterable[Case]:
        """The rows of a queue page whose ids were just read from the visible, filtered
        queue (QueueCursorPagination): by primary key with what a row shows, without
        compiling and evaluating the visibility condition a second time, in hand-written
        SQL (mediation.actions.queue_sql)."""
        return queue_sql.page_cases(ids)

    def get_serializer_class(self) -> type[s.CaseListSerializer]:
        return s.CaseListSerializer if self.action == "list" else s.CaseDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "user": self.request.user,
            "now": timezone.now(),
        }

    def get_object(self) -> Case:
        # Visibility is the queryset: a case the caller may not see does not exist for them.
        obj = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise NotVisible(_("案件不存在"))
        return obj

    def _case(self, case: Case) -> Response:
        # ETag: the version a PATCH may name in If-Match (docs/api.md "ETag and If-Match").
        return Response(s.case_json(case, self.request.user), headers={"ETag": case_etag(case)})

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._case(self.get_object())

    @extend_schema(
        summary="登记案件",
        parameters=IDEMPOTENCY,
        request={"application/json": ref("CaseRegistrationRequest")},
        responses={201: s.CaseDetailSerializer, **errors(400, 403, 415, 422, *AUTH_ERRORS)},
    )
    @idempotent
    def create(self, request: SignedInRequest) -> Response:
        case = services.register_case(request.user, form_data(request))
        return Response(s.case_json(case, request.user), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="更正案件信息",
        description="办理组织在归档前更正纠纷事实、申请事项、金额、乡镇、纠纷类型；"
        "每次更正产生 case.updated 事件（个人信息脱敏）。已归档为 409。",
        parameters=[CASE_ID, IF_MATCH, ETAG],
        request={"application/json": ref("CaseCorrectionRequest")},
        responses={
            200: s.CaseDetailSerializer,
            **errors(400, 403, 404, 409, 412, 415, *AUTH_ERRORS),
        },
    )
    def partial_update(self, request: SignedInRequest, pk: str) -> Response:
        case = services.correct_case(
            int(pk), request.user, form_data(request), if_match=request.headers.get("If-Match")
        )
        return self._case(Case.objects.get(pk=case.pk))

    @extend_schema(
        summary="更正当事人信息",
        parameters=[
            CASE_ID,
            IF_MATCH,
            ETAG,
            OpenApiParameter(
                "pid", OpenApiTypes.INT, OpenApiParameter.PATH, description="当事人 id"
            ),
        ],
        request={"application/json": ref("PartyCorrectionRequest")},
        responses={
            200: s.CaseDetailSerializer,
            **errors(400, 403, 404, 409, 412, 415, *AUTH_ERRORS),
        },
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=rf"parties/(?P<pid>{IdConverter.regex})",
        filter_backends=[],
    )
    def party(self, request: SignedInRequest, pk: str, pid: str) -> Response:
        if_match = request.headers.get("If-Match")
        services.correct_party(
            int(pk), int(pid), request.user, form_data(request), if_match=if_match
        )
        return self._case(Case.objects.get(pk=int(pk)))

    @extend_schema(
        summary="执行状态变更",
        description=(
            "请求体字段取决于 name（见 DESIGN §6 与案件详情的 available_transitions）："
            + "；".join(f"{n}" for n in TRANSITION_NAMES)
        ),
        parameters=[
            CASE_ID,
            OpenApiParameter(
                "name",
                str,
                OpenApiParameter.PATH,
                enum=[*TRANSITION_NAMES],
                description="操作名",
            ),
        ],
        request={"application/json": TRANSITION_BODY},
        responses={
            200: s.CaseTransitionSerializer,
            **errors(400, 403, 404, 409, 415, *AUTH_ERRORS),
        },
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def transition(self, request: SignedInRequest, pk: str, name: str) -> Response:
        data = form_data(request)
        case = services.perform(int(pk), name, request.user, data)
        body = s.case_json(case, request.user)
        # What the actor must be told: a mediator on the negative list, a labour time bar.
        warnings = services.transition_warnings(case, name, data, timezone.now())
        if warnings or name in ("accept", "reassign"):
            body["warnings"] = warnings
        return Response(body)

    @extend_schema(
        summary="案件事件（审计记录）",
        parameters=[CASE_ID],
        responses={200: page_of(EventSerializer, "CaseEventPage"), **errors(404, *AUTH_ERRORS)},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request: SignedInRequest, pk: str | None = None) -> Response:
        case = self.get_object()
        rows = CaseEvent.objects.filter(case=case).select_related(None).order_by("id")
        return Response(one_page([serialise(e) for e in rows]))

    @extend_schema(
        summary="登记调解记录，或预定视频调解（online: true）",
        parameters=[CASE_ID, *IDEMPOTENCY],
        request={"application/json": ref("AddSessionRequest")},
        responses={
            201: s.SessionSerializer,
            **errors(400, 403, 404, 409, 415, 422, *AUTH_ERRORS),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    @idempotent
    def sessions(self, request: SignedInRequest, pk: str) -> Response:
        session = services.add_session(int(pk), request.user, form_data(request))
        return Response(s.SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记回访记录",
        parameters=[CASE_ID, *IDEMPOTENCY],
        request={"application/json": ref("FollowUpRequest")},
        responses={
            201: s.FollowUpSerializer,
            **errors(400, 403, 404, 409, 415, 422, *AUTH_ERRORS),
        },
    )
    @action(detail=True, methods=["post"], url_path="follow-ups", filter_backends=[])
    @idempotent
    def follow_ups(self, request: SignedInRequest, pk: str) -> Response:
        follow_up = services.add_follow_up(int(pk), request.user, form_data(request))
        return Response(s.FollowUpSerializer(follow_up).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="标记矛盾激化风险",
        parameters=[CASE_ID],
        request={"application/json": ref("RiskRequest")},
        responses={200: s.CaseDetailSerializer, **errors(400, 403, 404, 415, *AUTH_ERRORS)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def risk(self, request: SignedInRequest, pk: str) -> Response:
        case = services.flag_risk(int(pk), request.user, form_data(request))
        return self._case(Case.objects.get(pk=case.pk))  # updated_at as stored: the ETag
