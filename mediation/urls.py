"""Server-rendered pages (included at the site root by config.urls)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_prevention

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
