"""The event stream over HTTP (GET /api/events/): the same events, in the same order, as
the WebSocket (DESIGN.md §5)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from mediation import policies
from mediation.events import serialise

from .responses import EventPageSerializer
from .signed_in import SignedInRequest
from .views import AUTH_ERRORS, errors

EVENT_PAGE = 200


class EventQuery(serializers.Serializer):
    since = serializers.IntegerField(min_value=0, max_value=2**63 - 1, required=False, default=0)
    limit = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, default=EVENT_PAGE
    )


class EventsView(GenericAPIView):
    filter_backends = []
    pagination_class = None

    @extend_schema(
        summary="事件流（since 之后、按 id 顺序，与 WebSocket 相同）",
        parameters=[EventQuery],
        responses={200: EventPageSerializer, **errors(400, *AUTH_ERRORS)},
    )
    def get(self, request: SignedInRequest) -> Response:
        # an empty value is absent, as for every query parameter
        query = EventQuery(data={k: v for k, v in request.query_params.items() if v != ""})
        query.is_valid(raise_exception=True)
        since, limit = query.validated_data["since"], query.validated_data["limit"]
        rows = list(
            policies.visible_events(request.user).filter(id__gt=since).order_by("id")[: limit + 1]
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return Response(
            {
                "results": [serialise(e) for e in rows],
                "next_since": rows[-1].pk if rows else since,
                "has_more": more,
                "next": request.build_absolute_uri(
                    replace_query_param(request.get_full_path(), "since", rows[-1].pk)
                )
                if more
                else None,
                "previous": None,
            }
        )
