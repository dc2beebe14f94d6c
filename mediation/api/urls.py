from django.urls import path
from rest_framework.routers import SimpleRouter

from . import prevention, views

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("cases", views.CaseViewSet, basename="case")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("events/", views.EventsView.as_view(), name="api-events"),
    path("stats/summary/", views.StatsSummaryView.as_view(), name="api-stats-summary"),
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
    *router.urls,
]
