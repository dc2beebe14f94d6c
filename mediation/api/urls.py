from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("cases", views.CaseViewSet, basename="case")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/password/", views.PasswordView.as_view(), name="api-password"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("events/", views.EventsView.as_view(), name="api-events"),
    path("stats/summary/", views.StatsSummaryView.as_view(), name="api-stats-summary"),
    *router.urls,
]
