"""GET /api/cases/{id}/documents/{kind}.pdf — a document of a case, from the store.

Outsiders get 404 (as for the case itself); a kind that does not exist, or has no stored
record and does not apply to the case, is a 404 whose JSON says why. The stored records
are served as they were produced; `?version=` (empty or `list`) lists the stored
versions, `?version=N` serves that one. Callers outside the handling organisation get
the masked copy of each record. Each download is an event (DESIGN.md §9)."""

import io
from collections.abc import Iterable
from urllib.parse import quote

from django.contrib.auth.models import User
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from pypdf import PdfReader, PdfWriter
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from mediation.actions import services

from .. import policies
from ..api.views import errors
from ..models import Case, Document
from . import ALL_KINDS, CASE_FILE, KINDS, applies, pades, records


class _AnyAccept(BaseContentNegotiation):
    """A PDF URL is fetched with `Accept: application/pdf`; errors are still JSON."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


def _not_found(detail: object) -> JsonResponse:
    return JsonResponse({"detail": str(detail), "errors": {}}, status=404)


DocumentVersionsSerializer = inline_serializer(
    "DocumentVersions",
    {
        "kind": serializers.CharField(),
        "versions": inline_serializer(
            "DocumentVersion",
            {
                "version": serializers.IntegerField(),
                "subject": serializers.CharField(),
                "title": serializers.CharField(),
                "sha256": serializers.CharField(),
                "size": serializers.IntegerField(),
                "pages": serializers.IntegerField(),
                "reason": serializers.CharField(),
                "event": serializers.IntegerField(allow_null=True),
                "created_at": serializers.DateTimeField(),
                "current": serializers.BooleanField(),
                "url": serializers.CharField(),
            },
            many=True,
        ),
    },
)


def version_json(doc: Document, current: set[int]) -> dict[str, object]:
    return {
        "version": doc.version,
        "subject": doc.subject,
        "title": doc.title,
        "sha256": doc.sha256,
        "size": doc.size,
        "pages": doc.pages,
        "reason": doc.reason,
        "event": doc.event_id,
        "created_at": timezone.localtime(doc.created_at).isoformat(),
        "current": doc.pk in current,
        "url": f"/api/cases/{doc.case_id}/documents/{doc.kind}.pdf?version={doc.version}",
    }


def _merge(parts: list[bytes]) -> bytes:
    if len(parts) == 1:
        return parts[0]
    writer = PdfWriter()
    for data in parts:
        writer.append(PdfReader(io.BytesIO(data)))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


class CaseDocumentView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _AnyAccept

    @extend_schema(
        operation_id="case_document",
        summary="案件文书（PDF，取自文书存档）",
        description="kind 为文书种类。文书在其事件发生时生成并存档，此处返回存档的版本；"
        "没有存档且不适用于案件的文书返回 404，detail 说明原因。"
        "`?version=`（空值或 list）返回各版本列表（JSON），`?version=N` 返回第 N 版。"
        "非承办组织的用户得到身份证号码、电话号码经过遮蔽的副本。",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="案件 id"),
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ALL_KINDS),
            OpenApiParameter(
                "version",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                description="空值或 list：列出版本；数字：取该版本",
            ),
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
            (200, "application/json"): OpenApiResponse(
                DocumentVersionsSerializer, description="?version= 时的版本列表"
            ),
            **errors(401, 404, 405),
        },
        tags=["cases"],
    )
    def get(self, request: Request, pk: int, kind: str) -> HttpResponse:
        case = (
            Case.objects.select_related("org", "mediator", "confirmation_court", "referral_org")
            .filter(pk=pk)
            .first()
        )
        user = request.user  # signed in: DRF answered 401 otherwise
        if case is None or not isinstance(user, User) or not policies.can_see(user, case):
            return _not_found(_("案件不存在"))
        if kind not in ALL_KINDS:
            return _not_found(_("没有“%(kind)s”这种文书") % {"kind": kind})
        full = policies.handles(user, case, via="document")
        stored = Document.objects.filter(case=case, kind=kind).order_by("version")
        current = {d.pk for d in records.current(case, kind)}
        if "version" in request.GET:
            wanted = request.GET["version"].strip()
            if wanted in ("", "list", "all"):
                return JsonResponse(
                    {"kind": kind, "versions": [version_json(d, current) for d in stored]}
                )
            doc = (
                stored.filter(version=wanted).first()
                if (wanted.isascii() and wanted.isdigit())
                else None
            )
            if doc is None:
                return _not_found(_("该文书没有第%(v)s版") % {"v": wanted})
            docs = [doc]
        elif kind == CASE_FILE:
            docs = list(stored.filter(pk__in=current)) if case.is_frozen else []
        else:
            docs = records.ensure(case, kind)
            if not docs:
                return _not_found(applies(kind, case)[1])
        if docs:
            pdf = _merge([records.read(d, full=full) for d in docs])
        else:  # the case file before archive: assembled now from the stored records
            pdf = records.assemble(case, full=full)[0]
        services.record_export(case, user, kind, full=full, versions=[d.version for d in docs])
        title = docs[0].title if docs else KINDS[kind].title_for(case)
        filename = quote(f"{title}-{case.number}.pdf")
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f"inline; filename=\"{kind}.pdf\"; filename*=UTF-8''{filename}"
        )
        response["Cache-Control"] = "private, no-store"
        return response


document_pdf = CaseDocumentView.as_view()


DocumentCheckSerializer = inline_serializer(
    "DocumentSignatureCheck",
    {
        "kind": serializers.CharField(),
        "version": serializers.IntegerField(),
        "sha256": serializers.CharField(),
        "signed": serializers.BooleanField(),
        "intact": serializers.BooleanField(help_text="每个签名均完整有效"),
        "signatures": inline_serializer(
            "DocumentSignature",
            {
                "signer": serializers.CharField(),
                "signed_at": serializers.DateTimeField(allow_null=True),
                "intact": serializers.BooleanField(),
                "valid": serializers.BooleanField(),
                "trusted": serializers.BooleanField(),
                "whole_file": serializers.BooleanField(),
            },
            many=True,
        ),
    },
)


class CaseDocumentVerifyView(APIView):
    @extend_schema(
        operation_id="case_document_verify",
        summary="核验文书的电子签章（PAdES）：签章人、时间、是否完整",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="案件 id"),
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ALL_KINDS),
        ],
        responses={200: DocumentCheckSerializer, **errors(401, 404, 405)},
        tags=["cases"],
    )
    def get(self, request: Request, pk: int, kind: str) -> HttpResponse:
        case = Case.objects.filter(pk=pk).first()
        user = request.user
        if case is None or not isinstance(user, User) or not policies.can_see(user, case):
            return _not_found(_("案件不存在"))
        doc = Document.objects.filter(case=case, kind=kind).order_by("-version").first()
        if kind not in ALL_KINDS or doc is None:
            return _not_found(_("没有存档的该种文书"))
        full = policies.handles(user, case, via="document")
        return JsonResponse(
            pades.check_document(doc, full=full), json_dumps_params={"ensure_ascii": False}
        )


document_verify = CaseDocumentVerifyView.as_view()
