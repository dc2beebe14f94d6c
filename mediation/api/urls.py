from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import prevention, views
from . import supervision as sv

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("cases", views.CaseViewSet, basename="case")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/password/", views.PasswordView.as_view(), name="api-password"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("events/", views.EventsView.as_view(), name="api-events"),
    path("screenings/", prevention.ScreeningListView.as_view(), name="api-screenings"),
    path(
        "screenings/unscreened/",
        prevention.UnscreenedView.as_view(),
        name="api-screenings-unscreened",
    ),
    path(
        "screenings/<int:pk>/found/<int:fid>/register/",
        prevention.ScreeningFindingRegisterView.as_view(),
        name="api-screening-register",
    ),
    path("consultations/", prevention.ConsultationListView.as_view(), name="api-consultations"),
    path(
        "consultations/<int:pk>/register/",
        prevention.ConsultationRegisterView.as_view(),
        name="api-consultation-register",
    ),
    path("stats/summary/", sv.StatsSummaryView.as_view(), name="api-stats-summary"),
    path("stats/ministry/", sv.MinistryTableView.as_view(), name="api-stats-ministry"),
    path("stats/export.xlsx", sv.StatsExportView.as_view(), name="api-stats-export"),
    re_path(
        r"^stats/monthly/(?P<month>[^/]{1,20})\.pdf$",
        sv.MonthlyReportView.as_view(),
        name="api-stats-monthly",
    ),
    path("cases/export.xlsx", sv.CaseExportView.as_view(), name="api-cases-export"),
    path("mediators/", sv.MediatorsView.as_view(), name="api-mediators"),
    path("complaints/", sv.ComplaintListView.as_view(), name="api-complaints"),
    path("complaints/<int:pk>/", sv.ComplaintDetailView.as_view(), name="api-complaint"),
    path(
        "complaints/<int:pk>/transitions/<slug:name>/",
        sv.ComplaintTransitionView.as_view(),
        name="api-complaint-transition",
    ),
    path("negative-list/", sv.NegativeListView.as_view(), name="api-negative-list"),
    *router.urls,
]
