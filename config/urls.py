from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated

import config.converters  # noqa: F401  (<id:…>)
from mediation.api.attachments import AttachmentDownloadView, AttachmentUploadView
from mediation.documents.views import document_pdf
from mediation.ops.health import healthz, readyz
from mediation.ops.metrics import metrics_view
from workflows.pages import task_complete, task_list

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("workflows.urls")),
    # The task inbox pages are the flows' own (workflows depends on mediation, never back).
    path("tasks/", task_list, name="task_list"),
    path("tasks/<int:pk>/complete/", task_complete, name="task_complete"),
    # The API description is for signed-in users only (DESIGN §9).
    path(
        "api/schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
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
handler404 = "mediation.api.errors.not_found"
handler500 = "mediation.api.errors.server_error"
