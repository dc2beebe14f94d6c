"""REST endpoints of the handoffs (DESIGN.md §6): the task inbox, task completion, petition
transfer and court referral. Thin: parse, one service call, the domain errors map to HTTP
in the API's one exception handler."""

from functools import partial
from typing import Any

from django.contrib.auth.models import User
from django.forms import Form
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.limits import BoundedJSONParser
from mediation.api import serializers as s
from mediation.api.idempotency import PARAMETERS as IDEMPOTENCY
from mediation.api.idempotency import idempotent
from mediation.api.pagination import one_page, page_of
from mediation.api.requests import case_registration
from mediation.api.schema import component, form_schema, ref
from mediation.api.serializers import case_json
from mediation.api.views import errors
from mediation.errors import InvalidFields
from mediation.events import case_snapshot
from mediation.law import petitions
from mediation.models import Case

from . import confirmation, court, petition, petition_clock, police, referral, services
from .models import CaseTask
from .nodes import CaseTaskNode


def task_json(task: CaseTask) -> dict[str, Any]:
    case = task.case
    assert case is not None  # a human task always has its case
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


# -- shapes ---------------------------------------------------------------------------------

FLOWS = (
    confirmation.ConfirmationFlow,
    petition.PetitionFlow,
    referral.ReferralFlow,
    court.CourtReferralFlow,
    police.PoliceFlow,
)
# Every task node of the flows, in the order the flows declare them.
TASK_NODES = [n for f in FLOWS for n in vars(f).values() if isinstance(n, CaseTaskNode)]
TASK_TYPES = [node.kind for node in TASK_NODES]


def decision_component(task_type: str, decision: str) -> str:
    return "Decision" + "".join(
        p.capitalize() for p in f"{task_type}.{decision}".replace("_", ".").split(".")
    )


def decision_components(node: CaseTaskNode) -> list[tuple[str, str, type[Form]]]:
    """(component name, decision, form) for every decision a task type may offer (its
    node's `forms`: what a given task offers now is among them). A decision offered with
    another form as well (a legal-aid centre's receipt) is named after that form."""
    out: list[tuple[str, str, type[Form]]] = []
    named: set[str] = set()
    for decision, form in node.forms:
        suffix = decision if decision not in named else form.__name__.removesuffix("Form")
        named.add(decision)
        out.append((decision_component(node.kind, suffix.lower()), decision, form))
    return out


def _decision_schema(task_type: str, decision: str, form: type[Form]) -> dict[str, Any]:
    schema = form_schema(form, description=f"{task_type}: {decision}")
    schema["properties"] = {
        "decision": {"type": "string", "enum": [decision]},
        **schema["properties"],
    }
    schema["required"] = ["decision", *schema.get("required", [])]
    return schema


for _node in TASK_NODES:
    for _name, _decision, _form in decision_components(_node):
        component(_name)(partial(_decision_schema, _node.kind, _decision, _form))

TASK_DECISION_BODY = {
    "anyOf": [ref(name) for node in TASK_NODES for name, *_ in decision_components(node)],
    "description": "decision 及其字段：可选的决定及字段见任务的 decisions",
}


class TaskCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    network = serializers.CharField()
    state = serializers.CharField()
    org = serializers.IntegerField()
    state_label = serializers.CharField()
    channel = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    decision = serializers.CharField()
    # A declared field named like Serializer.fields (a property the metaclass leaves alone).
    fields = s.TransitionFieldSerializer(many=True)  # type: ignore[assignment]


class TaskSerializer(serializers.Serializer):
    """task_json: a task of the caller's inbox (DESIGN.md §6)."""

    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=[(t, t) for t in TASK_TYPES])
    title = serializers.CharField()
    status = serializers.CharField(help_text="new / assigned / started / done / canceled")
    case = TaskCaseSerializer()
    org = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    due_basis = serializers.CharField()
    decisions = DecisionSerializer(many=True, help_text="办理时可选的决定及其字段")
    decision = serializers.DictField(allow_null=True, help_text="已办结任务的决定及字段")


class TaskCompletionSerializer(serializers.Serializer):
    task = TaskSerializer()
    case = s.CaseDetailSerializer()


def _registration(**extra: Any) -> dict[str, Any]:
    """The registration body without `channel` (the endpoint sets it), plus `extra`."""
    schema = case_registration()
    schema["properties"].pop("channel")
    schema["properties"].update(extra)
    schema["required"] = [f for f in schema["required"] if f != "channel"]
    return schema


DUE = {"type": "string", "description": "日期（YYYY-MM-DD，当日结束）或 ISO 8601 时间，须晚于现在"}
PAST_DAY = {"type": "string", "format": "date", "nullable": True}


@component("PetitionTransferRequest")
def petition_transfer_request() -> dict[str, Any]:
    schema = _registration(
        **{
            "petition_number": {"type": "string", "minLength": 1, "pattern": r"\S"},
            "feedback_due": {**DUE, "description": "办理情况反馈期限：" + DUE["description"]},
            "petition_bureau": {
                "type": "integer",
                "minimum": 1,
                "maximum": 2**63 - 1,
                "nullable": True,
                "description": "转办的信访部门（缺省为本人所在的第一个）",
            },
            "received_on": {**PAST_DAY, "description": "信访部门收到信访事项之日（缺省今天）"},
            "notified_on": {**PAST_DAY, "description": "已告知信访人受理之日"},
            # mediation.law.petitions: consent (art 33); not 涉法涉诉 (art 32 item 1).
            "petitioner_consent": {
                "type": "boolean",
                "enum": [True],  # anything else is refused: said in the schema, not only 400
                "description": "信访人同意转交人民调解"
                f"（须为 true，否则 400；{petitions.CONSENT_LAW}）",
            },
            "in_legal_proceedings": {
                "type": "boolean",
                "nullable": True,
                "description": "涉法涉诉事项不转交人民调解"
                f"（为 true 时 400；{petitions.LEGAL_PROCEEDINGS_LAW}）",
            },
        }
    )
    schema["required"] += ["petition_number", "feedback_due", "petitioner_consent"]
    schema["description"] = "登记案件的内容（org 为接收的调解组织）加转办信息"
    return schema


@component("CourtReferralRequest")
def court_referral_request() -> dict[str, Any]:
    schema = _registration(
        **{
            "referral_number": {"type": "string", "minLength": 1, "pattern": r"\S"},
            "kind": {
                "type": "string",
                "enum": ["pre_filing", "post_filing"],
                "nullable": True,
                "description": "pre_filing 委派（诉前）/ post_filing 委托（诉中），缺省委派",
            },
            "summary_procedure": {"type": "boolean", "nullable": True},
            "due_at": {
                **DUE,
                "nullable": True,
                "description": "法院函定的期限（可选；超过委派30日/委托15日/简易程序7日的，"
                "须记录当事人同意延长）",
            },
            "extension_agreed": {
                "type": "boolean",
                "nullable": True,
                "description": "当事人同意延长调解期限（due_at 超过法定期限时必填 true）",
            },
            "court": {
                "type": "integer",
                "minimum": 1,
                "maximum": 2**63 - 1,
                "nullable": True,
                "description": "委派的法院（缺省为本人所在的第一个）",
            },
        }
    )
    schema["required"] += ["referral_number"]
    schema["description"] = "登记案件的内容（org 为接收的调解组织）加委派信息"
    return schema


@component("PetitionClockRequest")
def petition_clock_request() -> dict[str, Any]:
    return form_schema(petitions.ClockUpdateForm)


def _user(request: Request) -> User:
    """The caller: the API admits signed-in users only (IsAuthenticated by default)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _body(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise InvalidFields("请求体应为 JSON 对象", {"non_field_errors": ["请求体应为 JSON 对象"]})
    return dict(request.data)


class JsonView(APIView):
    """This API speaks JSON only (a form or multipart body is a 415)."""

    parser_classes = [BoundedJSONParser]


class TaskListView(JsonView):
    @extend_schema(
        operation_id="tasks_list",
        summary="我的待办任务",
        responses={200: page_of(TaskSerializer, "TaskPage")},
        tags=["tasks"],
    )
    def get(self, request: Request) -> Response:
        return Response(one_page([task_json(t) for t in services.open_tasks(_user(request))]))


class TaskCompleteView(JsonView):
    @extend_schema(
        operation_id="tasks_complete",
        summary="办理任务",
        description="已办结或已取消的任务为 409（current_state 为案件状态）。",
        request={"application/json": TASK_DECISION_BODY},
        responses={200: TaskCompletionSerializer, **errors(403, 409)},
        tags=["tasks"],
    )
    def post(self, request: Request, pk: int) -> Response:
        task = services.complete_task(pk, _user(request), _body(request))
        task.refresh_from_db()
        assert task.case is not None  # every task of the four flows is a case's (CaseTaskNode)
        return Response({"task": task_json(task), "case": case_json(task.case, request.user)})


class PetitionTransferView(JsonView):
    @extend_schema(
        operation_id="petitions_transfer",
        summary="信访转办（访调对接）",
        description="同一信访部门的信访件编号只对应一个案件："
        "重复为 409（existing_case 为已有案件）。",
        parameters=IDEMPOTENCY,
        request={"application/json": ref("PetitionTransferRequest")},
        responses={201: s.CaseDetailSerializer, **errors(403, 409, 422)},
        tags=["petitions"],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        case = services.start_petition_transfer(_user(request), _body(request))
        return Response(case_json(case, request.user), status=status.HTTP_201_CREATED)


class CourtReferralView(JsonView):
    @extend_schema(
        operation_id="courts_refer",
        summary="法院委派/委托调解（诉调对接）",
        description="同一法院的委派/委托编号只对应一个案件："
        "重复为 409（existing_case 为已有案件）。",
        parameters=IDEMPOTENCY,
        request={"application/json": ref("CourtReferralRequest")},
        responses={201: s.CaseDetailSerializer, **errors(403, 409, 422)},
        tags=["courts"],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        case = services.start_court_referral(_user(request), _body(request))
        return Response(case_json(case, request.user), status=status.HTTP_201_CREATED)


class PetitionClockView(JsonView):
    @extend_schema(
        operation_id="petitions_update_clock",
        summary="信访事项期限：登记已告知信访人，或延长办理期限（一次，不超过30日）",
        request={"application/json": ref("PetitionClockRequest")},
        # 409: the bureau accepted the feedback (办结): the clocks stopped, current_state "closed"
        responses={200: s.CaseDetailSerializer, **errors(403, 409)},
        tags=["petitions"],
    )
    def post(self, request: Request, pk: int) -> Response:
        petition_clock.update(pk, _user(request), _body(request))
        return Response(case_json(Case.objects.get(pk=pk), request.user))
