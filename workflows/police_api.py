"""`POST /api/police/referrals/` (警调对接, DESIGN.md §12.4): thin, as the petition
transfer beside it (workflows.api): parse, one service call, the domain errors map to HTTP
in the API's one exception handler."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from mediation.api import serializers as s
from mediation.api.idempotency import PARAMETERS as IDEMPOTENCY
from mediation.api.idempotency import idempotent
from mediation.api.schema import component, ref
from mediation.api.serializers import case_json
from mediation.api.views import errors
from mediation.law import police

from . import services
from .api import DUE, JsonView, _body, _registration, _user


@component("PoliceReferralRequest")
def police_referral_request() -> dict[str, Any]:
    schema = _registration(
        **{
            "incident_number": {
                "type": "string",
                "minLength": 1,
                "maxLength": police.INCIDENT_NUMBER,
                "pattern": r"\S",
                "description": "接处警编号：同一派出所的编号只对应一个案件（重复为 409）",
            },
            "feedback_due": {
                **DUE,
                "nullable": True,
                "description": "调解结果反馈期限（可选）：" + DUE["description"],
            },
            "police_station": {
                "type": "integer",
                "minimum": 1,
                "maximum": 2**63 - 1,
                "nullable": True,
                "description": "移交的派出所（缺省为本人所在的第一个）",
            },
        }
    )
    schema["required"] += ["incident_number"]
    schema["description"] = (
        "登记案件的内容（org 为接收的人民调解委员会，"
        f"{police.REFERRAL_LAW}；其他机构为 400）加接处警信息"
    )
    return schema


class PoliceReferralView(JsonView):
    @extend_schema(
        operation_id="police_refer",
        summary="派出所移交人民调解（警调对接）",
        description="同一派出所的接处警编号只对应一个案件：重复为 409（existing_case 为已有案件）。"
        "调解有结果后，调解组织的 police.feedback 任务反馈结果，派出所的 police.review 任务查看"
        "（认可办结或退回补充反馈）。",
        parameters=IDEMPOTENCY,
        request={"application/json": ref("PoliceReferralRequest")},
        responses={201: s.CaseDetailSerializer, **errors(403, 409, 422)},
        tags=["police"],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        case = services.start_police_referral(_user(request), _body(request))
        return Response(case_json(case, request.user), status=status.HTTP_201_CREATED)
