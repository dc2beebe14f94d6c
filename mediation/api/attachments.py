"""POST /api/cases/{id}/attachments/ and GET /api/cases/{id}/attachments/{aid}.

Thin views: the body is bounded before anything reads it, then one call to
`mediation.actions.attachments`; domain errors map to statuses in the API's one table."""

from typing import Any
from urllib.parse import quote

from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from mediation.actions import attachments
from mediation.errors import InvalidFields
from mediation.law.choices import AttachmentKind

from . import idempotency
from . import serializers as s
from .signed_in import SignedInRequest
from .views import AUTH_ERRORS, CASE_ID, errors

AttachmentSerializer = s.AttachmentSerializer


class AttachmentUploadView(APIView):
    parser_classes = [MultiPartParser]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Before anything (the CSRF check included) parses the body: a file past the
        # limit is dropped while it streams in, never kept whole in memory or on disk.
        self.bounded = attachments.BoundedUploadHandler(request)
        request.upload_handlers = [self.bounded, TemporaryFileUploadHandler(request)]
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        operation_id="case_attachment_upload",
        summary="上传案件材料（PDF、JPEG、PNG，按内容识别，不超过20MB）",
        parameters=[CASE_ID, *idempotency.PARAMETERS],
        request={
            "multipart/form-data": inline_serializer(
                "AttachmentUpload",
                {
                    "kind": serializers.ChoiceField(choices=AttachmentKind.choices),
                    "file": serializers.FileField(),
                },
            )
        },
        responses={201: AttachmentSerializer, **errors(400, 403, 404, 415, 422, *AUTH_ERRORS)},
        tags=["cases"],
    )
    @idempotency.idempotent
    def post(self, request: SignedInRequest, pk: int) -> Response:
        length = request.META.get("CONTENT_LENGTH") or "0"
        too_big = (length.isascii() and length.isdigit()) and int(
            length
        ) > attachments.max_bytes() + 64 * 1024
        if too_big:
            # Checked first for visibility and permission, without reading the body.
            attachments.upload_target(pk, request.user)
            raise InvalidFields(_("上传的材料有误"), {"file": [attachments.too_big_message()]})
        upload = request.FILES.get("file")
        if upload is None and getattr(self.bounded, "too_big", False):
            attachments.upload_target(pk, request.user)
            raise InvalidFields(_("上传的材料有误"), {"file": [attachments.too_big_message()]})
        att = attachments.add_attachment(pk, request.user, request.data.get("kind"), upload)
        return Response(attachments.attachment_json(att), status=status.HTTP_201_CREATED)


class AttachmentDownloadView(APIView):
    @extend_schema(
        operation_id="case_attachment_download",
        summary="下载案件材料",
        parameters=[CASE_ID],
        responses={
            **{
                (200, media): OpenApiResponse(OpenApiTypes.BINARY)
                for media in attachments.EXTENSION
            },
            **errors(404, *AUTH_ERRORS),
        },
        tags=["cases"],
    )
    def get(self, request: SignedInRequest, pk: int, aid: int) -> HttpResponseBase:
        att, data = attachments.open_attachment(pk, aid, request.user)
        response = HttpResponse(data, content_type=att.content_type)
        response["Content-Disposition"] = (
            f'inline; filename="attachment-{att.pk}.{attachments.EXTENSION[att.content_type]}"; '
            f"filename*=UTF-8''{quote(att.name)}"
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
