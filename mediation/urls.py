"""Server-rendered pages (included at the site root by config.urls)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from mediation.web.views import (
    accounts,
    alerts,
    apply,
    attachments,
    cases,
    corrections,
    court,
    intake,
    party,
    petition,
    portal,
    prevention,
)
from mediation.web.views import supervision as sv

urlpatterns = [
    path("", sv.home, name="home"),
    path("cases/", cases.case_list, name="case_list"),
    path("supervision/", sv.dashboard, name="supervision_dashboard"),
    path("supervision/live.json", sv.live_figures, name="supervision_live"),
    path("supervision/ministry/", sv.ministry, name="supervision_ministry"),
    path("supervision/mediators/", sv.mediator_roster, name="supervision_roster"),
    path("supervision/complaints/", sv.complaint_list, name="supervision_complaints"),
    path("supervision/complaints/<int:pk>/", sv.complaint_detail, name="supervision_complaint"),
    path("supervision/calendar/", sv.calendar_page, name="supervision_calendar"),
    path("complain/", sv.portal_complaint, name="portal_complaint"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/new/", intake.case_new, name="case_new"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/live/", cases.case_fragment, name="case_fragment"),
    path("cases/<int:pk>/transitions/<slug:name>/", cases.case_transition, name="case_transition"),
    path("cases/<int:pk>/sessions/", cases.case_add_session, name="case_add_session"),
    path("cases/<int:pk>/follow-ups/", cases.case_add_follow_up, name="case_add_follow_up"),
    path("cases/<int:pk>/risk/", cases.case_flag_risk, name="case_flag_risk"),
    path("cases/<int:pk>/correct/", corrections.case_correct, name="case_correct"),
    path(
        "cases/<int:pk>/parties/<int:pid>/correct/",
        corrections.party_correct,
        name="party_correct",
    ),
    path("petitions/", petition.petition_desk, name="petition_desk"),
    path("court/referrals/", court.court_desk, name="court_desk"),
    path("alerts/", alerts.current, name="alerts"),
    path("alerts/read/", alerts.read, name="alerts_read_all"),
    path("alerts/<int:event_id>/read/", alerts.read, name="alert_read"),
    path("apply/", apply.apply, name="portal_apply"),
    path(
        "cases/<int:pk>/attachments/",
        attachments.case_upload_attachment,
        name="case_upload_attachment",
    ),
    path("screenings/", prevention.screening_list, name="screening_list"),
    path(
        "screenings/<int:pk>/found/<int:fid>/register/",
        prevention.screening_register,
        name="screening_register",
    ),
    path("consultations/", prevention.consultation_list, name="consultation_list"),
    path(
        "consultations/<int:pk>/register/",
        prevention.consultation_register,
        name="consultation_register",
    ),
    path("party/", party.party_home, name="party_home"),
    path(
        "party/cases/<int:pk>/notices/<slug:nid>/read/",
        party.party_notice_read,
        name="party_notice_read",
    ),
    path("party/cases/<int:pk>/evidence/", party.party_evidence, name="party_evidence"),
    path("party/cases/<int:pk>/sign/", party.party_sign, name="party_sign"),
    path("track/", portal.track, name="track"),
    path("track/<str:token>/", portal.track_token, name="track_token"),
]
