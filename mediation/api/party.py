"""The parties' API (DESIGN.md §12.2): sign-in by phone and one-time code, their cases and
notices, read receipts and evidence. A party token (`Authorization: Party <token>`) is not
a staff login: these views take nothing else, and the staff API never takes it."""

import re
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mediation.actions import attachments
from mediation.actions import party_access as parties
from mediation.actions import party_signing as signing
from mediation.errors import InvalidFields
from mediation.models import PartySession, PartySignature, SignedDocument
from mediation.ops.ratelimit import client_ip

from .guards import QuotaHeaders
from .headers import RATE_LIMIT_HEADERS
from .signed_in import SignedInRequest
from .views import CASE_ID, errors, json_object

KEYWORD = "Party"


class PartyTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, PartySession] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, token = header.partition(" ")
        if scheme != KEYWORD:
            return None
        session = parties.session_for(token.strip())
        if session is None:
            raise exceptions.AuthenticationFailed(_("登录已过期，请重新获取验证码登录"))
        return AnonymousUser(), session

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class IsParty(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, PartySession)


class PartyTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Party <token>` from POST /api/party/session/."""

    target_class = "mediation.api.party.PartyTokenAuthentication"
    name = "partyAuth"

    def get_security_definition(self, auto_schema: object) -> Any:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=KEYWORD
        )


PartyToken = inline_serializer(
    "PartyToken", {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()}
)
NOTICE_FIELDS: dict[str, serializers.Field] = {
    "id": serializers.CharField(),
    "kind": serializers.ChoiceField(
        choices=["acceptance", "session", "video", "agreement", "termination"]
    ),
    "title": serializers.CharField(),
    "text": serializers.CharField(),
    "issued_at": serializers.DateTimeField(),
    "read_at": serializers.DateTimeField(allow_null=True),
    "time": serializers.DateTimeField(required=False, help_text="调解通知：调解时间"),
    "place": serializers.CharField(required=False, help_text="调解通知：调解地点"),
    "room": serializers.CharField(required=False, help_text="视频调解邀请：调解室的地址"),
    "sha256": serializers.CharField(required=False, help_text="调解协议：文本的 SHA-256"),
}
CASE_FIELDS: dict[str, serializers.Field] = {
    "id": serializers.IntegerField(),
    "number": serializers.CharField(),
    "state": serializers.CharField(),
    "state_label": serializers.CharField(),
    "next_step": serializers.CharField(),
    "org": serializers.CharField(),
    "org_phone": serializers.CharField(),
    "category_label": serializers.CharField(),
    "me": inline_serializer(
        "PartySelf",
        {
            "party": serializers.IntegerField(),
            "role": serializers.CharField(),
            "name": serializers.CharField(),
            "phone": serializers.CharField(),
        },
        many=True,
    ),
    "parties": inline_serializer(
        "PartyOther",
        {
            "role": serializers.CharField(),
            "role_label": serializers.CharField(),
            "name": serializers.CharField(help_text="本人全名，其他当事人脱敏"),
            "me": serializers.BooleanField(),
        },
        many=True,
    ),
    "notices": inline_serializer("PartyNotice", NOTICE_FIELDS, many=True),
    "documents": inline_serializer(
        "PartyDocumentToSign",
        {
            "document": serializers.ChoiceField(choices=SignedDocument.choices),
            "title": serializers.CharField(),
            "text": serializers.CharField(),
            "sha256": serializers.CharField(),
            "open": serializers.BooleanField(help_text="现在可以签署"),
            "signed_at": serializers.DateTimeField(allow_null=True),
        },
        many=True,
    ),
}
NOTICE_ID = OpenApiParameter("nid", str, OpenApiParameter.PATH, description="通知 id")
PARTY_ERRORS = (401,)


# The API takes the number as the schema states it (the web form also takes spaces and
# dashes, as people type them): 11 digits of a mainland mobile, +86 allowed.
PHONE_PATTERN = r"^(\+86)?1[3-9][0-9]{9}$"
CODE_PATTERN = r"^[0-9]{6}$"


def phone_field() -> serializers.Field:
    return serializers.RegexField(
        PHONE_PATTERN, help_text="案件登记的11位手机号码（可带 +86）：其他写法答 400"
    )


def api_phone(value: object) -> str:
    if not (isinstance(value, str) and re.fullmatch(PHONE_PATTERN, value)):
        value = ""  # refused below with the one message, whatever was sent
    return parties.mobile_or_400(value)


class PartyCodeView(QuotaHeaders):
    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes: list[type[BasePermission]] = []

    @extend_schema(
        operation_id="party_code",
        summary="当事人获取登录验证码（无论号码是否登记，均答 204）",
        parameters=RATE_LIMIT_HEADERS,
        request=inline_serializer("PartyCodeRequest", {"phone": phone_field()}),
        responses={204: None, **errors(400, 415, 429)},
        auth=[],
        tags=["party"],
    )
    def post(self, request: Request) -> Response:
        phone = api_phone(json_object(request).get("phone"))
        self.quota = parties.code_quota(phone, client_ip(request))
        if self.quota.exceeded:
            return self.throttled_answer(self.quota)
        parties.request_code(phone)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PartySessionView(QuotaHeaders):
    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes: list[type[BasePermission]] = []

    @extend_schema(
        operation_id="party_session",
        summary="当事人以手机号和验证码登录（5分钟有效，错误5次失效）",
        parameters=RATE_LIMIT_HEADERS,
        request=inline_serializer(
            "PartySessionRequest",
            {
                "phone": phone_field(),
                "code": serializers.RegexField(
                    CODE_PATTERN, help_text="短信验证码（6位数字，5分钟内有效）"
                ),
            },
        ),
        responses={201: PartyToken, **errors(400, 415, 429)},
        auth=[],
        tags=["party"],
    )
    def post(self, request: Request) -> Response:
        body = json_object(request)
        self.quota = parties.check_quota(client_ip(request))
        if self.quota.exceeded:
            return self.throttled_answer(self.quota)
        phone = api_phone(body.get("phone"))
        token = parties.start_session(phone, body.get("code"))
        session = parties.session_for(token)
        assert session is not None
        return Response(
            {"token": token, "expires_at": parties.iso(session.expires_at)},
            status=status.HTTP_201_CREATED,
        )


class PartyView(APIView):
    authentication_classes = [PartyTokenAuthentication]
    permission_classes = [IsParty]

    @staticmethod
    def session(request: Request) -> PartySession:
        assert isinstance(request.auth, PartySession)
        return request.auth


class PartyCasesView(PartyView):
    @extend_schema(
        operation_id="party_cases",
        summary="当事人本人的案件、进度和通知",
        responses={
            200: inline_serializer("PartyCase", CASE_FIELDS, many=True),
            **errors(*PARTY_ERRORS),
        },
        tags=["party"],
    )
    def get(self, request: Request) -> Response:
        return Response(signing.my_cases(self.session(request)))


class PartyNoticeReadView(PartyView):
    @extend_schema(
        operation_id="party_notice_read",
        summary="当事人确认已阅读通知（电子送达回执，民事诉讼法第九十条）",
        parameters=[CASE_ID, NOTICE_ID],
        request=None,
        responses={
            200: inline_serializer(
                "PartyNoticeRead",
                {"notice": serializers.CharField(), "read_at": serializers.DateTimeField()},
            ),
            **errors(404, *PARTY_ERRORS),
        },
        tags=["party"],
    )
    def post(self, request: Request, pk: int, nid: str) -> Response:
        at = parties.read_notice(self.session(request), pk, nid, client_ip(request))
        return Response({"notice": nid, "read_at": parties.iso(at)})


class PartyEvidenceView(PartyView):
    parser_classes = [MultiPartParser]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.bounded = attachments.BoundedUploadHandler(request)
        request.upload_handlers = [self.bounded, TemporaryFileUploadHandler(request)]
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        operation_id="party_evidence_upload",
        summary="当事人提交证据材料（PDF、JPEG、PNG，按内容识别）",
        parameters=[CASE_ID],
        request={
            "multipart/form-data": inline_serializer(
                "PartyEvidenceUpload", {"file": serializers.FileField()}
            )
        },
        responses={
            201: inline_serializer(
                "PartyEvidence",
                {
                    "id": serializers.IntegerField(),
                    "name": serializers.CharField(),
                    "size": serializers.IntegerField(),
                    "sha256": serializers.CharField(),
                },
            ),
            **errors(400, 404, 415, *PARTY_ERRORS),
        },
        tags=["party"],
    )
    def post(self, request: Request, pk: int) -> Response:
        upload = request.FILES.get("file")
        if upload is None and getattr(self.bounded, "too_big", False):
            parties.party_case(self.session(request), pk)
            raise InvalidFields(_("上传的材料有误"), {"file": [attachments.too_big_message()]})
        att = parties.upload_evidence(self.session(request), pk, upload, client_ip(request))
        return Response(
            {"id": att.pk, "name": att.name, "size": att.size, "sha256": att.sha256},
            status=status.HTTP_201_CREATED,
        )


def signature_fields() -> dict[str, serializers.Field]:
    return {
        "id": serializers.IntegerField(),
        "document": serializers.ChoiceField(choices=SignedDocument.choices),
        "party": serializers.IntegerField(),
        "method": serializers.CharField(),
        "sha256": serializers.CharField(),
        "signed_at": serializers.DateTimeField(),
    }


TextChangedSerializer = inline_serializer(
    "TextChanged",
    {
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        "current_state": serializers.CharField(),
        "text": serializers.CharField(required=False, help_text="更正后的文本"),
        "sha256": serializers.CharField(required=False, help_text="更正后文本的 SHA-256"),
    },
)


def signature_json(signature: PartySignature) -> dict[str, Any]:
    return {
        "id": signature.pk,
        "document": signature.document,
        "party": signature.party_id,
        "method": signature.method,
        "sha256": signature.text_sha256,
        "signed_at": parties.iso(signature.signed_at),
    }


class PartyConfirmView(PartyView):
    @extend_schema(
        operation_id="party_confirm",
        summary="当事人确认并签署调解协议或司法确认申请（文本已更正则 409 并给出新文本）",
        parameters=[CASE_ID],
        request=inline_serializer(
            "PartyConfirmRequest",
            {
                "document": serializers.ChoiceField(choices=SignedDocument.choices),
                "sha256": serializers.CharField(help_text="所阅读文本的 SHA-256"),
                "signature": serializers.CharField(help_text="data:image/png;base64,…"),
            },
        ),
        responses={
            201: inline_serializer("PartySignature", signature_fields(), many=True),
            409: TextChangedSerializer,
            **errors(400, 404, 415, *PARTY_ERRORS),
        },
        tags=["party"],
    )
    def post(self, request: Request, pk: int) -> Response:
        done = signing.sign_online(
            self.session(request), pk, json_object(request), client_ip(request)
        )
        return Response([signature_json(s) for s in done], status=status.HTTP_201_CREATED)


class PaperSignatureView(APIView):
    @extend_schema(
        operation_id="case_paper_signature",
        summary="登记当事人纸质签署（扫描件为已上传的案件材料）",
        parameters=[CASE_ID],
        request=inline_serializer(
            "PaperSignatureRequest",
            {
                "party": serializers.IntegerField(),
                "document": serializers.ChoiceField(choices=SignedDocument.choices),
                "attachment": serializers.IntegerField(),
            },
        ),
        responses={
            201: inline_serializer("PaperSignature", signature_fields()),
            **errors(400, 403, 404, 409, 415, 401, 405),
        },
        tags=["cases"],
    )
    def post(self, request: SignedInRequest, pk: int) -> Response:
        signature = signing.record_paper(pk, request.user, json_object(request))
        return Response(signature_json(signature), status=status.HTTP_201_CREATED)
