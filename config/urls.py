from typing import Any

from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request

import config.converters  # noqa: F401  (<id:…>)
from config.enrolment import enrol_view
from mediation.api.attachments import AttachmentDownloadView, AttachmentUploadView
from mediation.documents.views import document_pdf, document_verify
from mediation.ops.health import healthz, readyz
from mediation.ops.metrics import metrics_view
from workflows.pages import task_complete, task_list


class SchemaView(SpectacularAPIView):
    """The schema for signed-in users; an anonymous caller gets the API's JSON 401 whatever
    it accepts (negotiation is forced so a text/html Accept is not a 406 before the 401)."""

    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        return super().perform_content_negotiation(request, force=True)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    # 三员分立: an owner enrols their own second factor through a one-time link.
    path("account/second-factor/<str:token>/", enrol_view, name="factor_enrol"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("workflows.urls")),
    # The task inbox pages are the flows' own (workflows depends on mediation, never back).
    path("tasks/", task_list, name="task_list"),
    path("tasks/<int:pk>/complete/", task_complete, name="task_complete"),
    # The API description is for signed-in users only (DESIGN §9).
    path(
        "api/schema/",
        SchemaView.as_view(),
        name="schema",
    ),
    path(
        "api/docs/",
        # The split view serves its script as a file: no inline script under the CSP; only
        # Swagger UI's own inline <style> needs an exception, on this page alone.
        csp_update({"style-src": ["'self'", "'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(
                url_name="schema", permission_classes=[IsAuthenticated]
            )
        ),
        name="api-docs",
    ),
    path(
        "api/cases/<id:pk>/documents/<str:kind>.pdf/verify",
        document_verify,
        name="case-document-verify",
    ),
    path("api/cases/<id:pk>/documents/<str:kind>.pdf", document_pdf, name="case-document"),
    path(
        "api/cases/<id:pk>/attachments/",
        AttachmentUploadView.as_view(),
        name="case-attachments",
    ),
    path(
        "api/cases/<id:pk>/attachments/<id:aid>",
        AttachmentDownloadView.as_view(),
        name="case-attachment",
    ),
    path("api/", include("mediation.api.urls")),
    path("", include("mediation.urls")),
]

# JSON errors under /api/ (one error shape), the regular pages elsewhere.
handler400 = "mediation.api.errors.bad_request"
handler403 = "mediation.api.errors.permission_denied"
handler404 = "mediation.api.errors.not_found"
handler500 = "mediation.api.errors.server_error"
