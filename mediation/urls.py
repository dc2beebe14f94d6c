"""Server-rendered pages (included at the site root by config.urls)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import (
    views,
    views_alerts,
    views_corrections,
    views_court,
    views_petition,
    views_portal,
)

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/live/", views.case_fragment, name="case_fragment"),
    path("cases/<int:pk>/transitions/<slug:name>/", views.case_transition, name="case_transition"),
    path("cases/<int:pk>/sessions/", views.case_add_session, name="case_add_session"),
    path("cases/<int:pk>/follow-ups/", views.case_add_follow_up, name="case_add_follow_up"),
    path("cases/<int:pk>/risk/", views.case_flag_risk, name="case_flag_risk"),
    path("cases/<int:pk>/correct/", views_corrections.case_correct, name="case_correct"),
    path(
        "cases/<int:pk>/parties/<int:pid>/correct/",
        views_corrections.party_correct,
        name="party_correct",
    ),
    path("petitions/", views_petition.petition_desk, name="petition_desk"),
    path("court/referrals/", views_court.court_desk, name="court_desk"),
    path("alerts/", views_alerts.current, name="alerts"),
    path("alerts/read/", views_alerts.read, name="alerts_read_all"),
    path("alerts/<int:event_id>/read/", views_alerts.read, name="alert_read"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("apply/", views_portal.apply, name="portal_apply"),
    path("track/", views.track, name="track"),
    path("track/<str:token>/", views.track_token, name="track_token"),
]
