"""REST endpoints of the handoffs (DESIGN.md §6): the task inbox, task completion, petition
transfer and court referral. Thin: parse, one service call, the domain errors map to HTTP
in the API's one exception handler."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from mediation.api.serializers import case_json
from mediation.errors import InvalidFields
from mediation.events import case_snapshot
from mediation.models import Case

from . import petition_clock, services


def task_json(task) -> dict:
    case = task.case
    return {
        "id": task.pk,
        "type": task.kind,
        "title": str(task.flow_task.task_title) if task.flow_task else task.kind,
        "status": task.status.lower(),
        "case": {
            **case_snapshot(case),
            "state_label": case.get_state_display(),
            "channel": case.channel,
        },
        "org": task.org_id,
        "created_at": timezone.localtime(task.created).isoformat(),
        "due_at": timezone.localtime(task.due_at).isoformat() if task.due_at else None,
        "due_basis": ((task.data or {}).get("clock") or {}).get("basis", ""),
        "decisions": services.describe_decisions(task) if services.task_is_open(task) else [],
        "decision": task.decision or None,
    }


def _body(request) -> dict:
    if not isinstance(request.data, dict):
        raise InvalidFields("请求体应为 JSON 对象", {"non_field_errors": ["请求体应为 JSON 对象"]})
    return dict(request.data)


class TaskListView(APIView):
    @extend_schema(
        summary="我的待办任务", responses={200: OpenApiResponse(description="task list")}
    )
    def get(self, request):
        return Response([task_json(t) for t in services.open_tasks(request.user)])


class TaskCompleteView(APIView):
    @extend_schema(
        summary="办理任务",
        request={"application/json": {"type": "object"}},
        responses={200: OpenApiResponse(description="task and case")},
    )
    def post(self, request, pk):
        task = services.complete_task(pk, request.user, _body(request))
        task.refresh_from_db()
        return Response({"task": task_json(task), "case": case_json(task.case, request.user)})


class PetitionTransferView(APIView):
    @extend_schema(
        summary="信访转办（访调对接）",
        request={"application/json": {"type": "object"}},
        responses={201: OpenApiResponse(description="the registered case")},
    )
    def post(self, request):
        case = services.start_petition_transfer(request.user, _body(request))
        return Response(case_json(case, request.user), status=status.HTTP_201_CREATED)


class CourtReferralView(APIView):
    @extend_schema(
        summary="法院委派/委托调解（诉调对接）",
        request={"application/json": {"type": "object"}},
        responses={201: OpenApiResponse(description="the registered case")},
    )
    def post(self, request):
        case = services.start_court_referral(request.user, _body(request))
        return Response(case_json(case, request.user), status=status.HTTP_201_CREATED)


class PetitionClockView(APIView):
    @extend_schema(
        summary="信访事项期限：登记已告知信访人，或延长办理期限（一次，不超过30日）",
        request={"application/json": {"type": "object"}},
        responses={200: OpenApiResponse(description="the case")},
    )
    def post(self, request, pk):
        petition_clock.update(pk, request.user, _body(request))
        return Response(case_json(Case.objects.get(pk=pk), request.user))
