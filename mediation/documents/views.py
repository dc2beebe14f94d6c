"""GET /api/cases/{id}/documents/{kind}.pdf — a document of a case, permission-checked.

Outsiders get 404 (as for the case itself); a kind that does not exist, or does not
apply to the case in its state, is a 404 whose JSON says why. Callers outside the
handling organisation get ID and phone numbers masked. Each download is recorded as an
event (DESIGN.md §9: every export is an event)."""

from urllib.parse import quote

from django.db import transaction
from django.http import FileResponse, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from .. import policies
from ..choices import EventType
from ..events import record_event
from ..models import Case
from . import ALL_KINDS, CASE_FILE, TITLES, NotApplicable, render


class _AnyAccept(BaseContentNegotiation):
    """A PDF URL is fetched with `Accept: application/pdf`; errors are still JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _errors(*codes):
    from ..api.views import errors  # the API's one error shape, documented once

    return errors(*codes)


def _not_found(detail):
    return JsonResponse({"detail": str(detail), "errors": {}}, status=404)


class CaseDocumentView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _AnyAccept

    @extend_schema(
        operation_id="case_document",
        summary="案件文书（PDF）",
        description="kind 为文书种类；不适用于案件当前状态的文书返回 404，detail 说明原因。"
        "非承办组织的用户看到的身份证号码、电话号码经过遮蔽。",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="案件 id"),
            OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ALL_KINDS),
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
            **_errors(401, 404, 405),
        },
        tags=["cases"],
    )
    def get(self, request, pk, kind):
        case = (
            Case.objects.select_related("org", "mediator", "confirmation_court", "referral_org")
            .filter(pk=pk)
            .first()
        )
        if case is None or not policies.can_see(request.user, case):
            return _not_found(_("案件不存在"))
        if kind not in ALL_KINDS:
            return _not_found(_("没有“%(kind)s”这种文书") % {"kind": kind})
        full = policies.handles(request.user, case)
        stored = kind == CASE_FILE and full and case.is_frozen and case.case_file
        if not stored:
            try:
                pdf = render(kind, case, full=full)
            except NotApplicable as exc:
                return _not_found(exc.reason)
        with transaction.atomic():
            record_event(
                case,
                EventType.CASE_UPDATED,
                request.user,
                {"record": "export", "document": kind, "masked": not full},
            )
        filename = quote(f"{TITLES[kind]}-{case.number}.pdf")
        disposition = f"inline; filename=\"{kind}.pdf\"; filename*=UTF-8''{filename}"
        if stored:
            response = FileResponse(case.case_file.open("rb"), content_type="application/pdf")
        else:
            response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = disposition
        response["Cache-Control"] = "private, no-store"
        return response


document_pdf = CaseDocumentView.as_view()
