from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .portal import PortalApplicationView

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("cases", views.CaseViewSet, basename="case")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("events/", views.EventsView.as_view(), name="api-events"),
    path("stats/summary/", views.StatsSummaryView.as_view(), name="api-stats-summary"),
    path("portal/applications/", PortalApplicationView.as_view(), name="api-portal-apply"),
    *router.urls,
]
