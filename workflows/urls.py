from django.urls import path

from . import api

urlpatterns = [
    path("tasks/", api.TaskListView.as_view(), name="api-tasks"),
    path("tasks/<int:pk>/complete/", api.TaskCompleteView.as_view(), name="api-task-complete"),
    path("petitions/transfers/", api.PetitionTransferView.as_view(), name="api-petition-transfer"),
    path(
        "cases/<int:pk>/petition/clock/",
        api.PetitionClockView.as_view(),
        name="api-petition-clock",
    ),
    path("courts/referrals/", api.CourtReferralView.as_view(), name="api-court-referral"),
]
