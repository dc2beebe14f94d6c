"""Webhook endpoints (DESIGN §12.3): `POST/GET /api/webhooks/`, `GET/DELETE
/api/webhooks/{id}/`, `GET /api/webhooks/{id}/deliveries/`. Supervisors and the system
administrator keep them (mediation.actions.webhooks); the deliveries are made by
mediation.live.webhooks, never in a request. The secret is shown to nobody after creation."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from config.limits import BoundedJSONParser
from mediation import policies
from mediation.actions import webhooks as doors
from mediation.errors import InvalidFields, NotPermitted, NotVisible
from mediation.law.choices import EventType
from mediation.models import DeliveryStatus, Webhook, WebhookDelivery
from mediation.policies import Actor

from .signed_in import SignedInRequest
from .views import errors, json_object

WEBHOOK_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Webhook id"
)
EVENT_CHOICES = ["*", *EventType.values]


class WebhookRequestSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="接收地址，http:// 或 https://")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES),
        min_length=1,
        help_text='事件类型（§5），或 ["*"] 表示全部',
    )
    secret = serializers.CharField(
        min_length=16, max_length=200, help_text="签名密钥（HMAC-SHA256），创建后不再返回"
    )
    org = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="组织 id：只投递该组织可见案件的事件；省略或 null 为全区（监督视角）",
    )


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    org = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    last_event = serializers.IntegerField(
        help_text="已处理到的事件 id（已送达、已放弃或不属此地址）"
    )
    pending = serializers.IntegerField(help_text="正在重试的投递数（0 或 1：按序投递）")
    failed = serializers.IntegerField(help_text="已放弃的投递数")


class WebhookListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = WebhookSerializer(many=True)


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.IntegerField()
    event_type = serializers.CharField()
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    first_attempt_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    response_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()


class DeliveryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = DeliverySerializer(many=True)


class DeliveryPages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _manager(user: Actor) -> None:
    if not policies.may_manage_webhooks(user):
        raise NotPermitted(_("只有司法局监督管理人员或系统管理员可以管理 Webhook"))


def _local(value: Any) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def webhook_json(hook: Webhook) -> dict[str, Any]:
    counts = {DeliveryStatus.PENDING: 0, DeliveryStatus.FAILED: 0}
    for status in counts:
        counts[status] = hook.deliveries.filter(status=status).count()
    return {
        "id": hook.pk,
        "url": hook.url,
        "events": list(hook.events),
        "org": hook.org_id,
        "created_at": _local(hook.created_at),
        "last_event": hook.cursor,
        "pending": counts[DeliveryStatus.PENDING],
        "failed": counts[DeliveryStatus.FAILED],
    }


def delivery_json(row: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": row.pk,
        "event": row.event_id,
        "event_type": row.event.type,
        "status": row.status,
        "attempts": row.attempts,
        "first_attempt_at": _local(row.first_attempt_at),
        "last_attempt_at": _local(row.last_attempt_at),
        "next_attempt_at": _local(row.next_attempt_at),
        "response_code": row.response_code,
        "last_error": row.last_error,
    }


def _hook(user: Actor, pk: int) -> Webhook:
    _manager(user)
    hook = Webhook.objects.filter(pk=pk).first()
    if hook is None:
        raise NotVisible(_("Webhook 不存在"))
    return hook


class WebhookListView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="webhooks_list",
        summary="Webhook 列表（监督管理人员、系统管理员）",
        responses={200: WebhookListSerializer, **errors(401, 403, 405)},
    )
    def get(self, request: SignedInRequest) -> Response:
        _manager(request.user)
        rows = [webhook_json(h) for h in Webhook.objects.order_by("id")[:500]]
        return Response({"count": len(rows), "next": None, "previous": None, "results": rows})

    @extend_schema(
        summary="登记 Webhook：按事件 id 顺序投递 §5 的事件 JSON，HMAC-SHA256 签名",
        request=WebhookRequestSerializer,
        responses={201: WebhookSerializer, **errors(400, 401, 403, 405, 415)},
    )
    def post(self, request: SignedInRequest) -> Response:
        body = json_object(request)
        hook = doors.create_webhook(
            request.user,
            body.get("url"),
            body.get("events"),
            body.get("secret"),
            body.get("org"),
        )
        return Response(webhook_json(hook), status=201)


class WebhookDetailView(APIView):
    @extend_schema(
        operation_id="webhooks_get",
        summary="Webhook 详情（不含密钥）",
        parameters=[WEBHOOK_ID],
        responses={200: WebhookSerializer, **errors(401, 403, 404, 405)},
    )
    def get(self, request: SignedInRequest, pk: int) -> Response:
        return Response(webhook_json(_hook(request.user, pk)))

    @extend_schema(
        summary="删除 Webhook（停止投递，投递记录一并删除）",
        parameters=[WEBHOOK_ID],
        responses={204: None, **errors(401, 403, 404, 405)},
    )
    def delete(self, request: SignedInRequest, pk: int) -> Response:
        doors.delete_webhook(request.user, _hook(request.user, pk))
        return Response(status=204)


class WebhookDeliveriesView(APIView):
    @extend_schema(
        operation_id="webhooks_deliveries_list",
        summary="投递记录（新的在前）：状态、尝试次数、最近错误、下次尝试、响应码",
        parameters=[
            WEBHOOK_ID,
            OpenApiParameter("status", str, enum=list(DeliveryStatus.values)),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="默认 50，至多 200"),
        ],
        responses={200: DeliveryPageSerializer, **errors(400, 401, 403, 404, 405)},
    )
    def get(self, request: SignedInRequest, pk: int) -> Response:
        hook = _hook(request.user, pk)
        status = request.query_params.get("status")
        qs = hook.deliveries.select_related("event").order_by("-id")
        if status is not None:
            if status not in DeliveryStatus.values:
                raise InvalidFields(_("筛选条件有误"), {"status": [_("未知的投递状态")]})
            qs = qs.filter(status=status)
        pages = DeliveryPages()
        page = pages.paginate_queryset(qs, request, view=self) or []
        return pages.get_paginated_response([delivery_json(r) for r in page])
