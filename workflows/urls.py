from django.urls import path

import config.converters  # noqa: F401  (<id:…>)

from . import api, police_api

urlpatterns = [
    path("tasks/", api.TaskListView.as_view(), name="api-tasks"),
    path("tasks/<id:pk>/complete/", api.TaskCompleteView.as_view(), name="api-task-complete"),
    path("petitions/transfers/", api.PetitionTransferView.as_view(), name="api-petition-transfer"),
    path(
        "cases/<id:pk>/petition/clock/",
        api.PetitionClockView.as_view(),
        name="api-petition-clock",
    ),
    path("courts/referrals/", api.CourtReferralView.as_view(), name="api-court-referral"),
    path("police/referrals/", police_api.PoliceReferralView.as_view(), name="api-police-referral"),
]
