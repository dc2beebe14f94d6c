"""What a case's handling leaves behind: agreements, mediation sessions, follow-ups, the
stored documents and the attachments."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mediation.law.choices import AgreementForm, AttachmentKind, PerformanceRoute, Satisfaction

from .case import Case
from .events import CaseEvent
from .room import room_state


class Agreement(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agreements")
    form = models.CharField(_("协议形式"), max_length=16, choices=AgreementForm.choices)
    # PML art 29: the main facts and disputed matters, and each party's responsibility.
    facts = models.TextField(_("纠纷主要事实、争议事项"), blank=True)
    responsibilities = models.TextField(_("各方当事人的责任"), blank=True)
    terms = models.TextField(_("协议内容"))
    performance_method = models.TextField(_("履行方式"))
    performance_due = models.DateField(_("履行期限"))
    effective_date = models.DateField(_("生效日期"))
    concerns_status = models.BooleanField(_("涉及身份关系"), default=False)
    # The money the agreement settles (the Ministry's 协议涉及金额); none: no money term.
    amount = models.DecimalField(
        _("协议涉及金额"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")


class MediationSession(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    # None while an online session is only scheduled: set when it takes place (DESIGN §12.6).
    held_at = models.DateTimeField(_("时间"), null=True, blank=True)
    online = models.BooleanField(_("视频调解"), default=False)
    scheduled_at = models.DateTimeField(_("预定时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=200)
    attendees = models.TextField(_("参加人员"))
    record = models.TextField(_("调解记录"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["held_at", "id"]

    @property
    def room_state(self) -> str:
        """An online session's room now: waiting (parties, no staff), in, or empty."""
        return room_state(x.who for x in self.presences.all() if x.left_at is None)


class FollowUp(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    date = models.DateField(_("回访日期"))
    performed = models.BooleanField(_("已履行"))
    note = models.TextField(_("回访情况"), blank=True)
    # Non-performance: the route the party took (CPL art 206, PML art 32, LDMAL arts 15–16).
    route = models.CharField(
        _("未履行时当事人选择的途径"), max_length=24, choices=PerformanceRoute.choices, blank=True
    )
    # What the 回访记录 asks beyond performance: is the party satisfied, and is the dispute
    # showing signs of flaring up again (PML art 25: prevent escalation).
    satisfaction = models.CharField(
        _("当事人满意度"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    escalation_signs = models.BooleanField(_("有矛盾激化迹象"), default=False)
    # Why the follow-up a case closes on came before the agreement's performance date.
    early_reason = models.CharField(_("提前回访结案的理由"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["date", "id"]


class Document(models.Model):
    """One stored version of an official document (DESIGN.md §7): produced when its event
    commits, never regenerated from the case's later state. A correction of the case adds
    a new version of the documents it concerns; the old ones stay.

    `subject` tells apart the documents of a kind that has one per record (a session
    record per session, a follow-up record per follow-up): "session:<id>",
    "follow_up:<id>"; empty for one-per-case kinds. `version` counts per case and kind.
    Files live in the default storage under MEDIA_ROOT, which the web server never
    serves: downloads go through the permission-checked API."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("文书种类"), max_length=32)
    subject = models.CharField(_("所属记录"), max_length=32, blank=True)
    version = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("标题"), max_length=100)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    pages = models.PositiveSmallIntegerField()
    file = models.FileField(max_length=200)
    # The same record with ID and phone numbers masked, for partners and supervisors.
    masked_file = models.FileField(max_length=200)
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=16)  # event | correction | backfill
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = _("文书")
        ordering = ["case", "kind", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "version"], name="document_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class Attachment(models.Model):
    """A paper handed in (identity copy, authorisation, evidence, receipt): PDF, JPEG or
    PNG, recognised by content, stored under a random name outside the web root."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(_("材料类型"), max_length=24, choices=AttachmentKind.choices)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=32)
    file = models.FileField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveSmallIntegerField(default=1)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("案件材料")
        verbose_name_plural = _("案件材料")
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return self.name
