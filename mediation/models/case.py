"""The case (DESIGN.md §2–§3): its number sequence, the case with its state machine, and
which organisations may see it (CaseAccess); its parties are in `parties`.

State changes happen only through `mediation.actions.services.perform`, which calls the
django-fsm transition methods below; `state` is protected against direct assignment.
"""

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMFieldMixin, transition

from mediation.law import lengths
from mediation.law.choices import (
    AccessReason,
    Category,
    Channel,
    ConfirmationRuling,
    EscalationKind,
    Network,
    Outcome,
    ReferRoute,
    RiskLevel,
    State,
)

from .organisations import Organization

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from mediation.law.clocks import Clock

    from .records import Agreement

# Who may run a transition is mediation.policies' answer. The policy module reads these
# tables, so it registers its check here when it is imported (mediation.apps imports it
# when the app is ready) instead of the models importing the rules that read them.
_transition_policy: Callable[[Any, Any, str], bool] | None = None


def set_transition_policy(check: Callable[[Any, Any, str], bool]) -> None:
    """check(user, case, name) -> whether `user` may run transition `name` on `case`."""
    global _transition_policy
    _transition_policy = check


def _permission(name: str) -> Callable[[Any, Any], bool]:
    """The django-fsm `permission=` callable of transition `name`."""

    def check(instance: Any, user: Any) -> bool:
        if _transition_policy is None:
            raise ImproperlyConfigured("mediation.policies has not registered its check")
        return _transition_policy(user, instance, name)

    check.__name__ = f"may_{name}"
    return check


class CaseNumberSequence(models.Model):
    """Per organisation, per year counter; locked row by row while a number is taken."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("案号序列")
        verbose_name_plural = _("案号序列")
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="case_seq_unique")]


def new_tracking_token() -> str:
    return secrets.token_urlsafe(24)


def _on_case(check: Callable[["Case"], bool]) -> Callable[[models.Model], bool]:
    """A condition as django-fsm types it: it calls each with the model it is declared on."""
    return cast(Callable[[models.Model], bool], check)


class GuardedStates(ConcurrentTransitionMixin):
    """django-fsm's state guard, with the model's state fields found once per class: the
    mixin tests every field of the model on every instance's __init__ to find them, which
    was a twentieth of a queue page's time (a page of 20 makes 20 cases)."""

    _state_fields: ClassVar[tuple[FSMFieldMixin, ...]]

    if TYPE_CHECKING:  # the mixin's own bookkeeping, which django-fsm's stub leaves out

        def _update_initial_state(self) -> None: ...

    @property
    def state_fields(self) -> Iterable[FSMFieldMixin]:
        cls = type(self)
        found = cls.__dict__.get("_state_fields")
        if found is None:
            found = tuple(f for f in cls._meta.fields if isinstance(f, FSMFieldMixin))
            cls._state_fields = found
        return found


# viewflow ships no types, so the plugin finds no manager on workflows' task and process
# rows that point here (case.tasks, case.processes): they stay the descriptor's default.
class Case(GuardedStates, models.Model):  # type: ignore[django-manager-missing]
    # The mixin's state guard refuses a stale ORM save (admin, commands, tests); the
    # service's own write applies the same guard in SQL (mediation.models.case_sql).
    number = models.CharField(_("案号"), max_length=64, unique=True)
    # A transferred case is numbered by the organisation that receives it; the number it
    # had before is kept and shown beside it.
    original_number = models.CharField(_("原案号"), max_length=64, blank=True)
    network = models.CharField(_("调解类型"), max_length=16, choices=Network.choices)
    org = models.ForeignKey(
        Organization, verbose_name=_("当前组织"), on_delete=models.PROTECT, related_name="cases"
    )
    registering_org = models.ForeignKey(
        Organization,
        verbose_name=_("登记组织"),
        on_delete=models.PROTECT,
        related_name="registered_cases",
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调解员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediated_cases",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_cases",
    )
    channel = models.CharField(_("来源渠道"), max_length=32, choices=Channel.choices)
    category = models.CharField(_("纠纷类型"), max_length=32, choices=Category.choices)
    summary = models.TextField(_("纠纷事实"), max_length=lengths.SUMMARY)
    claims = models.TextField(_("申请事项"), blank=True, max_length=lengths.CLAIMS)
    amount = models.DecimalField(
        _("涉及金额"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    region = models.CharField(_("乡镇（街道）"), max_length=50, blank=True)
    village = models.CharField(_("村（社区）"), max_length=50, blank=True)
    priority = models.BooleanField(_("优先办理"), default=False)
    state = FSMField(
        _("状态"), max_length=32, choices=State.choices, default=State.REGISTERED, protected=True
    )
    created_at = models.DateTimeField(_("登记时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    due_at = models.DateTimeField(_("期限"), null=True, blank=True)
    # The clock behind due_at (mediation.law.clocks): when it started, its unit and the rule
    # with its citation, so the 80% point and "days left" count in the law's own unit.
    due_from = models.DateTimeField(_("期限起算"), null=True, blank=True)
    due_unit = models.CharField(_("期限单位"), max_length=8, blank=True)
    due_basis = models.CharField(_("期限依据"), max_length=400, blank=True)
    # The whole clock (clocks.clock_json), so a change of the calendar or of a time limit
    # counts it again (clock_changes.recount_open_clocks); {} for a case with none.
    due_clock = models.JSONField(_("期限计算"), default=dict, blank=True, editable=False)
    materials_received_at = models.DateTimeField(_("签收移交材料时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=32, blank=True, choices=Outcome.choices)
    respondent_consent_at = models.DateTimeField(_("被申请人同意调解时间"), null=True, blank=True)
    end_reason = models.CharField(_("终止/不予受理原因"), max_length=32, blank=True)
    end_note = models.TextField(_("说明"), blank=True)
    routes_advised = models.TextField(_("告知的其他途径"), blank=True)
    # Lawyer mediation that failed: the facts both sides accept, entered for the record
    # (《关于开展律师调解试点工作的意见》), not the applicant's own summary.
    undisputed_facts = models.TextField(_("无争议事实"), blank=True)
    confirmation_court = models.ForeignKey(
        Organization,
        verbose_name=_("司法确认法院"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="confirmation_cases",
    )
    confirmation_requested_at = models.DateTimeField(_("申请司法确认时间"), null=True, blank=True)
    ruling_date = models.DateField(_("裁定日期"), null=True, blank=True)
    rejection_grounds = models.TextField(_("不予确认理由"), blank=True)
    confirmation_ruling = models.CharField(
        _("司法确认裁定"), max_length=16, choices=ConfirmationRuling.choices, blank=True
    )
    # Party ids: who applied (CPL art 205: both sides; one side with the other's recorded
    # consent counts as joint) and whose consent stands in for a joint application.
    confirmation_applicants = models.JSONField(_("司法确认申请人"), default=list, blank=True)
    confirmation_consent_of = models.JSONField(_("同意申请的当事人"), default=list, blank=True)
    referral_route = models.CharField(
        _("移送途径"), max_length=32, choices=ReferRoute.choices, blank=True
    )
    referral_org = models.ForeignKey(
        Organization,
        verbose_name=_("移送机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referred_cases",
    )
    referral_result = models.TextField(_("移送处理结果"), blank=True)
    risk_level = models.CharField(
        _("激化风险"), max_length=8, choices=RiskLevel.choices, blank=True
    )
    risk_note = models.TextField(_("风险说明"), blank=True)
    risk_kind = models.CharField(
        _("激化为"), max_length=16, choices=EscalationKind.choices, blank=True
    )
    risk_reported_to = models.CharField(_("报告的公安机关"), max_length=100, blank=True)
    risk_reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    tracking_token = models.CharField(
        _("查询令牌"), max_length=64, unique=True, default=new_tracking_token, editable=False
    )
    case_file = models.FileField(_("卷宗"), upload_to="case_files/%Y/", blank=True)

    class Meta:
        verbose_name = _("纠纷案件")
        verbose_name_plural = _("纠纷案件")
        ordering = ["-priority", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["org", "state"]),
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["-priority", "-created_at", "-id"], name="case_queue_order"),
            models.Index(fields=["network", "created_at"]),
            models.Index(fields=["region"]),
            # statistics: the partial months at a period's edges (mediation.supervision.statcache)
            models.Index(fields=["created_at"], name="case_created_at"),
            # statistics: the open high-risk flags (mediation.supervision.figures.live_figures)
            models.Index(fields=["risk_level", "state"], name="case_risk_state"),
        ]

    def __str__(self) -> str:
        return self.number

    # -- conditions (side-effect free) -------------------------------------------------

    def _not_judicial(self) -> bool:
        return self.network != Network.JUDICIAL

    def _has_mediator(self) -> bool:
        return self.mediator_id is not None

    def _clock_running(self) -> bool:
        c = self.due_clock or {}
        return bool(c.get("count")) and not c.get("fixed") and not c.get("paused_since")

    def _clock_paused(self) -> bool:
        return bool((self.due_clock or {}).get("paused_since"))

    # -- transitions: DESIGN.md §3. Field checks live in mediation.law.transitions;
    #    permission is the policy module; the service runs them in one transaction. ------

    @transition(
        field=state,
        source=State.REGISTERED,
        target=State.ACCEPTED,
        permission=_permission("accept"),
    )
    def accept(
        self,
        *,
        at: dt.datetime,
        mediator: "User | None",
        clock: "Clock | None",
        materials_received_at: dt.datetime | None = None,
    ) -> None:
        self.mediator = mediator
        self.accepted_at = at
        if materials_received_at is not None:
            self.materials_received_at = materials_received_at
        self.set_clock(clock)

    @transition(
        field=state,
        source=State.REGISTERED,
        target=State.DECLINED,
        permission=_permission("decline"),
    )
    def decline(self, *, at: dt.datetime, reason: str, routes: str) -> None:
        self.end_reason = "declined"
        self.end_note = reason
        self.routes_advised = routes
        self.outcome = Outcome.DECLINED
        self.due_at = None

    @transition(
        field=state,
        source=[State.REGISTERED, State.ACCEPTED, State.MEDIATING],
        target=State.REGISTERED,
        permission=_permission("transfer"),
    )
    def transfer(
        self, *, at: dt.datetime, target_org: Organization, clock: "Clock | None", number: str
    ) -> None:
        self.original_number, self.number = self.number, number
        self.org = target_org
        self.network = target_org.network
        self.mediator = None
        self.accepted_at = None
        self.respondent_consent_at = None
        self.set_clock(clock)

    @transition(
        field=state,
        source=State.ACCEPTED,
        target=State.MEDIATING,
        conditions=[_on_case(_has_mediator)],
        permission=_permission("begin"),
    )
    def begin(self, *, at: dt.datetime) -> None:
        self.respondent_consent_at = at

    @transition(
        field=state,
        source=State.MEDIATING,
        target=State.MEDIATING,
        permission=_permission("extend"),
    )
    def extend(self, *, at: dt.datetime, clock: "Clock | None") -> None:
        self.set_clock(clock)

    # A clock stands still while the law says its days do not count (the medical appraisal,
    # 《医疗纠纷预防和处理条例》第三十八条): no due date meanwhile, the days left out after.
    @transition(
        field=state,
        source=[State.ACCEPTED, State.MEDIATING],
        target=None,
        conditions=[_on_case(_clock_running)],
        permission=_permission("suspend_clock"),
    )
    def suspend_clock(self, *, at: dt.datetime, clock: "Clock") -> None:
        self.due_at = None
        self.due_clock = clock.as_json()

    @transition(
        field=state,
        source=[State.ACCEPTED, State.MEDIATING],
        target=None,
        conditions=[_on_case(_clock_paused)],
        permission=_permission("resume_clock"),
    )
    def resume_clock(self, *, at: dt.datetime, clock: "Clock | None") -> None:
        self.set_clock(clock)

    @transition(
        field=state,
        source=[State.ACCEPTED, State.MEDIATING],
        target=None,
        permission=_permission("reassign"),
    )
    def reassign(self, *, at: dt.datetime, mediator: "User | None") -> None:
        # target=None keeps the state (django-fsm: "same state" transition)
        self.mediator = mediator

    @transition(
        field=state,
        source=State.MEDIATING,
        target=State.AGREED,
        permission=_permission("reach_agreement"),
    )
    def reach_agreement(self, *, at: dt.datetime) -> None:
        self.outcome = Outcome.AGREED
        self.due_at = None

    @transition(
        field=state,
        source=[State.ACCEPTED, State.MEDIATING],
        target=State.FAILED,
        permission=_permission("fail"),
    )
    def fail(
        self, *, at: dt.datetime, reason: str, routes: str, undisputed_facts: str = ""
    ) -> None:
        self.end_reason = reason
        self.routes_advised = routes
        self.undisputed_facts = undisputed_facts
        self.outcome = Outcome.FAILED
        self.due_at = None

    @transition(
        field=state,
        source=[State.REGISTERED, State.ACCEPTED, State.MEDIATING],
        target=State.WITHDRAWN,
        permission=_permission("withdraw"),
    )
    def withdraw(self, *, at: dt.datetime, note: str) -> None:
        self.end_note = note
        self.outcome = Outcome.WITHDRAWN
        self.due_at = None

    def _may_file(self) -> bool:
        # After a refusal to accept (不予受理) the same agreement may be filed again at the
        # right court; after a rejection (驳回) the agreement must be amended first.
        return (
            self.state == State.AGREED
            or self.confirmation_ruling == ConfirmationRuling.NOT_ACCEPTED
        )

    @transition(
        field=state,
        source=[State.AGREED, State.CONFIRMATION_REJECTED],
        target=State.CONFIRMING,
        conditions=[_on_case(_not_judicial), _on_case(_may_file)],
        permission=_permission("request_confirmation"),
    )
    def request_confirmation(
        self,
        *,
        at: dt.datetime,
        court: Organization,
        applicants: list[int],
        consent_of: list[int],
        clock: "Clock | None",
    ) -> None:
        self.confirmation_court = court
        self.confirmation_requested_at = at
        self.confirmation_applicants = applicants
        self.confirmation_consent_of = consent_of
        self.confirmation_ruling = ""
        self.rejection_grounds = ""
        self.ruling_date = None
        self.outcome = Outcome.AGREED
        self.set_clock(clock)

    @transition(
        field=state,
        source=State.CONFIRMING,
        target=State.AGREED,
        conditions=[_on_case(_not_judicial)],
        permission=_permission("withdraw_confirmation"),
    )
    def withdraw_confirmation(self, *, at: dt.datetime, note: str) -> None:
        # 撤回申请 before the ruling: the agreement stands as it was, unconfirmed.
        self.end_note = note
        self.due_at = None

    @transition(
        field=state,
        source=State.CONFIRMING,
        target=State.CONFIRMED,
        conditions=[_on_case(_not_judicial)],
        permission=_permission("confirm"),
    )
    def confirm(self, *, at: dt.datetime, ruling_date: dt.date) -> None:
        self.ruling_date = ruling_date
        self.outcome = Outcome.CONFIRMED
        self.due_at = None

    @transition(
        field=state,
        source=State.CONFIRMING,
        target=State.CONFIRMATION_REJECTED,
        conditions=[_on_case(_not_judicial)],
        permission=_permission("reject_confirmation"),
    )
    def reject_confirmation(
        self, *, at: dt.datetime, grounds: str, ruling_date: dt.date, ruling: str
    ) -> None:
        self.confirmation_ruling = ruling
        self.rejection_grounds = grounds
        self.ruling_date = ruling_date
        self.outcome = Outcome.CONFIRMATION_REJECTED
        self.due_at = None

    @transition(
        field=state,
        source=State.CONFIRMATION_REJECTED,
        target=State.MEDIATING,
        conditions=[_on_case(_not_judicial)],
        permission=_permission("resume"),
    )
    def resume(self, *, at: dt.datetime, clock: "Clock | None") -> None:
        self.outcome = ""
        self.set_clock(clock)

    @transition(
        field=state,
        source=State.FAILED,
        target=State.MEDIATING,
        permission=_permission("reopen"),
    )
    def reopen(self, *, at: dt.datetime, clock: "Clock | None") -> None:
        self.outcome = ""
        self.end_reason = ""
        self.set_clock(clock)

    @transition(
        field=state,
        source=[State.FAILED, State.CONFIRMATION_REJECTED],
        target=State.REFERRED,
        permission=_permission("refer"),
    )
    def refer(self, *, at: dt.datetime, route: str, target_org: Organization | None) -> None:
        self.referral_route = route
        self.referral_org = target_org
        self.outcome = Outcome.REFERRED

    @transition(
        field=state,
        source=State.REFERRED,
        target=State.CLOSED,
        permission=_permission("record_result"),
    )
    def record_result(self, *, at: dt.datetime, result: str) -> None:
        self.referral_result = result
        self.closed_at = at
        self.due_at = None

    @transition(
        field=state,
        source=[State.AGREED, State.CONFIRMED, State.FAILED, State.DECLINED, State.WITHDRAWN],
        target=State.CLOSED,
        permission=_permission("close"),
    )
    def close(self, *, at: dt.datetime) -> None:
        self.closed_at = at
        self.due_at = None

    @transition(
        field=state,
        source=State.CLOSED,
        target=State.ARCHIVED,
        permission=_permission("archive"),
    )
    def archive(self, *, at: dt.datetime) -> None:
        self.archived_at = at

    # -- helpers --------------------------------------------------------------------------

    def set_clock(self, clock: "Clock | None") -> None:
        """Run the case on `clock` (a mediation.law.clocks.Clock), or on none."""
        self.due_at = clock.due if clock else None
        self.due_from = clock.start if clock else None
        self.due_unit = clock.unit if clock else ""
        self.due_basis = clock.basis if clock else ""
        self.due_clock = clock.as_json() if clock else {}

    @property
    def current_agreement(self) -> "Agreement | None":
        return self.agreements.order_by("-id").first()

    @property
    def is_frozen(self) -> bool:
        return self.state == State.ARCHIVED


class CaseAccess(models.Model):
    """Organisations that may see a case: current and former handlers, handoff partners.

    Kept up to date by the services so visibility is one indexed lookup, not a walk over
    the history on every request or socket delivery."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access")
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="case_access")
    reason = models.CharField(max_length=32, choices=AccessReason.choices)
    since = models.DateTimeField()

    class Meta:
        verbose_name = _("案件可见组织")
        verbose_name_plural = _("案件可见组织")
        constraints = [models.UniqueConstraint(fields=["case", "org"], name="case_access_unique")]
        indexes = [models.Index(fields=["org", "case"])]
