"""Online mediation sessions (DESIGN.md §12.6): who is invited to a session's room, who
accepted the recording notice, who is in the room, and the recording's chunks as they
arrive from the mediator's browser."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .parties import Party
from .records import Attachment, MediationSession


class RecordingState(models.TextChoices):
    RECORDING = "recording", _("录制中")
    ASSEMBLING = "assembling", _("合并中")
    READY = "ready", _("已完成")
    FAILED = "failed", _("合并失败")


class VideoInvitation(models.Model):
    """A party invited to an online session's room, until `expires_at`."""

    session = models.ForeignKey(
        MediationSession, on_delete=models.CASCADE, related_name="invitations"
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("视频调解邀请")
        verbose_name_plural = _("视频调解邀请")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "party"], name="video_invite_once")
        ]


class VideoPresence(models.Model):
    """One stay of a participant in the room: `who` is "party:<id>" or "user:<id>"."""

    session = models.ForeignKey(
        MediationSession, on_delete=models.CASCADE, related_name="presences"
    )
    who = models.CharField(max_length=32)
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=32)
    address = models.CharField(max_length=64, blank=True)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]


class VideoConsent(models.Model):
    """The recording notice (录音录像告知) accepted by one participant."""

    session = models.ForeignKey(MediationSession, on_delete=models.CASCADE, related_name="+")
    who = models.CharField(max_length=32)
    accepted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "who"], name="video_consent_once")
        ]


class VideoRecording(models.Model):
    """A recording being uploaded, chunk by chunk; assembled in the background once
    finished (`state`), then `attachment`."""

    State = RecordingState

    session = models.OneToOneField(
        MediationSession, on_delete=models.CASCADE, related_name="recording"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    received = models.PositiveBigIntegerField(default=0)
    chunks = models.PositiveIntegerField(default=0)
    attachment = models.OneToOneField(
        Attachment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.RECORDING)
    # when assembly began: a server restarted meanwhile leaves `assembling` behind
    finished_at = models.DateTimeField(null=True, blank=True)


class RecordingChunk(models.Model):
    recording = models.ForeignKey(VideoRecording, on_delete=models.CASCADE, related_name="parts")
    index = models.PositiveIntegerField()
    offset = models.PositiveBigIntegerField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.CharField(max_length=200)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["recording", "index"], name="recording_chunk_once")
        ]
