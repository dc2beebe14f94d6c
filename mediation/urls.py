"""Server-rendered pages (included at the site root by config.urls)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import attachment_pages, views, views_prevention
from . import supervision_views as sv

urlpatterns = [
    path("", sv.home, name="home"),
    path("cases/", views.case_list, name="case_list"),
    path("supervision/", sv.dashboard, name="supervision_dashboard"),
    path("supervision/live.json", sv.live_figures, name="supervision_live"),
    path("supervision/ministry/", sv.ministry, name="supervision_ministry"),
    path("supervision/mediators/", sv.mediator_roster, name="supervision_roster"),
    path("supervision/complaints/", sv.complaint_list, name="supervision_complaints"),
    path("supervision/complaints/<int:pk>/", sv.complaint_detail, name="supervision_complaint"),
    path("complain/", sv.portal_complaint, name="portal_complaint"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/live/", views.case_fragment, name="case_fragment"),
    path("cases/<int:pk>/transitions/<slug:name>/", views.case_transition, name="case_transition"),
    path("cases/<int:pk>/sessions/", views.case_add_session, name="case_add_session"),
    path("cases/<int:pk>/follow-ups/", views.case_add_follow_up, name="case_add_follow_up"),
    path("cases/<int:pk>/risk/", views.case_flag_risk, name="case_flag_risk"),
    path(
        "cases/<int:pk>/attachments/",
        attachment_pages.case_upload_attachment,
        name="case_upload_attachment",
    ),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("screenings/", views_prevention.screening_list, name="screening_list"),
    path(
        "screenings/<int:pk>/found/<int:fid>/register/",
        views_prevention.screening_register,
        name="screening_register",
    ),
    path("consultations/", views_prevention.consultation_list, name="consultation_list"),
    path(
        "consultations/<int:pk>/register/",
        views_prevention.consultation_register,
        name="consultation_register",
    ),
    path("track/", views.track, name="track"),
    path("track/<str:token>/", views.track_token, name="track_token"),
]
