from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

import config.converters  # noqa: F401  (<id:…>)

from . import advisers as adv
from . import events, ministry, party, prevention, video, views
from . import subsidies as sub
from . import supervision as sv
from . import training as tr
from .calendar import CalendarView
from .portal import PortalApplicationView
from .webhooks import WebhookDeliveriesView, WebhookDetailView, WebhookListView

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("cases", views.CaseViewSet, basename="case")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("auth/password/", views.PasswordView.as_view(), name="api-password"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("events/", events.EventsView.as_view(), name="api-events"),
    path("portal/applications/", PortalApplicationView.as_view(), name="api-portal-apply"),
    # online sessions (DESIGN §12.6)
    path(
        "cases/<id:pk>/sessions/<id:sid>/video/",
        video.VideoRoomView.as_view(),
        name="api-video-room",
    ),
    path(
        "cases/<id:pk>/sessions/<id:sid>/video/consent/",
        video.VideoConsentView.as_view(),
        name="api-video-consent",
    ),
    path(
        "cases/<id:pk>/sessions/<id:sid>/recording/",
        video.RecordingChunkView.as_view(),
        name="api-recording-chunk",
    ),
    path(
        "cases/<id:pk>/sessions/<id:sid>/recording/finish/",
        video.RecordingFinishView.as_view(),
        name="api-recording-finish",
    ),
    path("party/code/", party.PartyCodeView.as_view(), name="api-party-code"),
    path("party/session/", party.PartySessionView.as_view(), name="api-party-session"),
    path("party/cases/", party.PartyCasesView.as_view(), name="api-party-cases"),
    path(
        "party/cases/<id:pk>/notices/<slug:nid>/read/",
        party.PartyNoticeReadView.as_view(),
        name="api-party-notice-read",
    ),
    path(
        "party/cases/<id:pk>/confirm/", party.PartyConfirmView.as_view(), name="api-party-confirm"
    ),
    path(
        "cases/<id:pk>/paper-signatures/",
        party.PaperSignatureView.as_view(),
        name="api-case-paper-signature",
    ),
    path(
        "party/cases/<id:pk>/attachments/",
        party.PartyEvidenceView.as_view(),
        name="api-party-evidence",
    ),
    path("screenings/", prevention.ScreeningListView.as_view(), name="api-screenings"),
    path(
        "screenings/unscreened/",
        prevention.UnscreenedView.as_view(),
        name="api-screenings-unscreened",
    ),
    path(
        "screenings/<id:pk>/found/<id:fid>/register/",
        prevention.ScreeningFindingRegisterView.as_view(),
        name="api-screening-register",
    ),
    path("consultations/", prevention.ConsultationListView.as_view(), name="api-consultations"),
    path(
        "consultations/<id:pk>/register/",
        prevention.ConsultationRegisterView.as_view(),
        name="api-consultation-register",
    ),
    path("stats/summary/", sv.StatsSummaryView.as_view(), name="api-stats-summary"),
    path("stats/ministry/", sv.MinistryTableView.as_view(), name="api-stats-ministry"),
    path(
        "stats/ministry/report/",
        ministry.MinistryReportView.as_view(),
        name="api-stats-ministry-report",
    ),
    path(
        "stats/ministry/report.xlsx",
        ministry.MinistryWorkbookView.as_view(),
        name="api-stats-ministry-workbook",
    ),
    path("stats/export.xlsx", sv.StatsExportView.as_view(), name="api-stats-export"),
    re_path(
        r"^stats/monthly/(?P<month>[^/]{1,20})\.pdf$",
        sv.MonthlyReportView.as_view(),
        name="api-stats-monthly",
    ),
    path("cases/export.xlsx", sv.CaseExportView.as_view(), name="api-cases-export"),
    path("mediators/", sv.MediatorsView.as_view(), name="api-mediators"),
    path("complaints/", sv.ComplaintListView.as_view(), name="api-complaints"),
    path("complaints/<id:pk>/", sv.ComplaintDetailView.as_view(), name="api-complaint"),
    path(
        "complaints/<id:pk>/transitions/<slug:name>/",
        sv.ComplaintTransitionView.as_view(),
        name="api-complaint-transition",
    ),
    path("negative-list/", sv.NegativeListView.as_view(), name="api-negative-list"),
    path("calendar/", CalendarView.as_view(), name="api-calendar"),
    path("webhooks/", WebhookListView.as_view(), name="api-webhooks"),
    path("webhooks/<id:pk>/", WebhookDetailView.as_view(), name="api-webhook"),
    path(
        "webhooks/<id:pk>/deliveries/",
        WebhookDeliveriesView.as_view(),
        name="api-webhook-deliveries",
    ),
    path("subsidies/standards/", sub.StandardListView.as_view(), name="api-subsidy-standards"),
    re_path(
        r"^subsidies/(?P<month>[^/]{1,20})\.xlsx$",
        sub.SheetWorkbookView.as_view(),
        name="api-subsidy-xlsx",
    ),
    re_path(
        r"^subsidies/(?P<month>[^/.]{1,20})/$", sub.SheetView.as_view(), name="api-subsidy-sheet"
    ),
    re_path(
        r"^subsidies/(?P<month>[^/.]{1,20})/submit/$",
        sub.SubmitView.as_view(),
        name="api-subsidy-submit",
    ),
    re_path(
        r"^subsidies/(?P<month>[^/.]{1,20})/approve/$",
        sub.ApproveView.as_view(),
        name="api-subsidy-approve",
    ),
    re_path(
        r"^subsidies/(?P<month>[^/.]{1,20})/return/$",
        sub.ReturnView.as_view(),
        name="api-subsidy-return",
    ),
    path("trainings/", tr.TrainingListView.as_view(), name="api-trainings"),
    path(
        "trainings/<id:pk>/attendance/",
        tr.TrainingAttendanceView.as_view(),
        name="api-training-attendance",
    ),
    path("assessments/", tr.AssessmentListView.as_view(), name="api-assessments"),
    path("indicators/", tr.IndicatorListView.as_view(), name="api-indicators"),
    path("advisers/", adv.AdviserListView.as_view(), name="api-advisers"),
    path("advisers/coverage/", adv.CoverageView.as_view(), name="api-adviser-coverage"),
    path(
        "advisers/<id:pk>/villages/",
        adv.AdviserVillagesView.as_view(),
        name="api-adviser-villages",
    ),
    path("advisers/services/", adv.AdviserServiceListView.as_view(), name="api-adviser-services"),
    path("cases/<id:pk>/subsidy/", sub.CaseSubsidyView.as_view(), name="api-case-subsidy"),
    *router.urls,
]
