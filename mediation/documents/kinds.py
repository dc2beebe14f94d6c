"""The document kinds of DESIGN.md §7: one builder each, and the registry `KINDS`.

A builder takes a `Ctx` (the case with its rows loaded once) and returns the flowables
of one or more forms ("sections": one per mediation session, one per follow-up); a
download joins them with page breaks, the case file files them in order. `applies(ctx)`
says whether the kind exists for the case in its current state, and why not.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from mediation.law.choices import AgreementForm, FailReason, Network, State
from mediation.models import Case

from .context import (
    KIND_TITLES,
    PARTY_CHANNELS,
    Builder,
    Check,
    CheckResult,
    Ctx,
    Section,
    case_title,
)
from .handoff_letters import (
    build_petition_feedback,
    build_petition_transfer,
    build_referral_result,
    has_petition,
    has_petition_feedback,
    has_referral_result,
    petition_subjects,
)
from .intake_forms import (
    build_acceptance,
    build_application,
    build_rights_notice,
    build_session_record,
)
from .outcome_forms import (
    build_agreement,
    build_confirmation_application,
    build_decline_notice,
    build_follow_up,
    build_mediation_statement,
    build_oral_agreement,
    build_termination_notice,
    build_undisputed_facts,
)
from .outcome_forms import court_case_number as court_case_number
from .transfer_letters import build_transfer_letter

OK = (True, "")


def _always(ctx: Ctx) -> CheckResult:
    return OK


def _applied(ctx: Ctx) -> CheckResult:
    if ctx.case.channel in PARTY_CHANNELS:
        return OK
    return False, _("本案经“%(channel)s”转来，当事人未提交调解申请书") % {
        "channel": ctx.case.get_channel_display()
    }


def _accepted(ctx: Ctx) -> CheckResult:
    if ctx.case.accepted_at is None:
        if ctx.case.state == State.DECLINED:
            return False, _("该案件不予受理，没有受理登记表")
        return False, _("该案件尚未受理")
    return OK


def _declined(ctx: Ctx) -> CheckResult:
    return OK if ctx.case.end_reason == "declined" else (False, _("该案件未被不予受理"))


def _has_sessions(ctx: Ctx) -> CheckResult:
    return OK if ctx.sessions else (False, _("该案件尚无调解记录"))


def _agreement_of(form: str) -> Check:
    def check(ctx: Ctx) -> CheckResult:
        a = ctx.agreement
        if a is None:
            return False, _("该案件尚未达成调解协议")
        if ctx.case.network == Network.JUDICIAL:
            return False, _("法院调解达成协议的，制作民事调解书")
        if a.form != form:
            if form == AgreementForm.WRITTEN:
                return False, _("该案件为口头协议，请下载口头协议登记表")
            return False, _("该案件为书面协议，请下载调解协议书")
        return OK

    return check


def _court_agreement(ctx: Ctx) -> CheckResult:
    if ctx.case.network != Network.JUDICIAL:
        return False, _("民事调解书仅由人民法院制作")
    if ctx.agreement is None:
        return False, _("该案件尚未达成调解协议")
    return OK


def _confirmation(ctx: Ctx) -> CheckResult:
    if ctx.case.network == Network.JUDICIAL:
        return False, _("法院调解无需申请司法确认")
    if ctx.case.confirmation_requested_at is None or ctx.agreement is None:
        return False, _("该案件未申请司法确认")
    return OK


def _failed(ctx: Ctx) -> CheckResult:
    if ctx.case.end_reason not in FailReason.values:
        return False, _("该案件未终止调解")
    return OK


def _transferred(ctx: Ctx) -> CheckResult:
    if ctx.case.referral_route or ctx.last_transition("transfer"):
        return OK
    return False, _("该案件未移送或移交")


def _has_follow_ups(ctx: Ctx) -> CheckResult:
    return OK if ctx.follow_ups else (False, _("该案件尚无回访记录"))


def _lawyer_failed(ctx: Ctx) -> CheckResult:
    if ctx.case.network != Network.LAWYER:
        return False, _("无争议事实记载仅适用于律师调解")
    ok = _failed(ctx)
    if ok[0] and not ctx.case.undisputed_facts.strip():
        return False, _("终止调解时未记载无争议事实")
    return ok


def _bare(case: Case) -> bool:
    return True


def _between_bodies(case: Case) -> bool:
    """A transfer's 移送函 goes from one organisation to another; a referral's 告知书 goes
    to the parties (with their tracking code)."""
    return not case.referral_route


def _one(ctx: Ctx) -> list[str]:
    return [""]


@dataclass(frozen=True)
class Kind:
    code: str
    check: Check
    builder: Builder | None
    # The records a kind has one document per ("session:12"); one-per-case kinds: [""].
    subject_keys: Callable[[Ctx], list[str]] = _one
    # A paper that is not the handling organisation's own under the case's number — the
    # court's 民事调解书, the parties' 司法确认申请书, the sender's 移送函 to the receiver:
    # printed without the running case number and the parties' tracking QR code.
    bare_when: Callable[[Case], bool] = lambda case: False

    @property
    def title(self) -> str:
        return KIND_TITLES[self.code]

    def applies(self, case_or_ctx: Case | Ctx) -> CheckResult:
        ctx = case_or_ctx if isinstance(case_or_ctx, Ctx) else Ctx(case_or_ctx, font="")
        ok, reason = self.check(ctx)
        return ok, str(reason)

    def sections(self, ctx: Ctx) -> list[Section]:
        if self.builder is None:  # the case file is assembled, not built (casefile)
            raise TypeError(f"{self.code} has no builder")
        return self.builder(ctx)

    def subjects(self, ctx: Ctx) -> list[str]:
        return self.subject_keys(ctx)

    def bare(self, case: Case) -> bool:
        return self.bare_when(case)

    def title_for(self, case: Case) -> str:
        return case_title(self.code, case)


def _session_keys(ctx: Ctx) -> list[str]:
    return [f"session:{x.pk}" for x in ctx.sessions]


def _follow_up_keys(ctx: Ctx) -> list[str]:
    return [f"follow_up:{x.pk}" for x in ctx.follow_ups]


CASE_FILE = "case_file"

# In the Ministry of Justice's filing order (the case file files them so).
_ORDER = [
    # A petition's case starts with the bureau's slip (its paper: no number of ours).
    Kind("petition_transfer", has_petition, build_petition_transfer, bare_when=_bare),
    Kind("application", _applied, build_application),
    Kind("acceptance", _accepted, build_acceptance),
    Kind("decline_notice", _declined, build_decline_notice),
    Kind("rights_notice", _accepted, build_rights_notice),
    Kind("session_record", _has_sessions, build_session_record, _session_keys),
    Kind("agreement", _agreement_of(AgreementForm.WRITTEN), build_agreement),
    Kind("oral_agreement", _agreement_of(AgreementForm.ORAL), build_oral_agreement),
    Kind("mediation_statement", _court_agreement, build_mediation_statement, bare_when=_bare),
    Kind("termination_notice", _failed, build_termination_notice),
    Kind("undisputed_facts", _lawyer_failed, build_undisputed_facts),
    Kind("transfer_letter", _transferred, build_transfer_letter, bare_when=_between_bodies),
    Kind("follow_up", _has_follow_ups, build_follow_up, _follow_up_keys),
    Kind(
        "petition_feedback",
        has_petition_feedback,
        build_petition_feedback,
        petition_subjects,
    ),
    Kind("referral_result", has_referral_result, build_referral_result),
    Kind(
        "confirmation_application",
        _confirmation,
        build_confirmation_application,
        bare_when=_bare,
    ),
]
FILING_ORDER = [k.code for k in _ORDER]
# The case file (卷宗) exists at every stage: assembled on demand, stored at archive.
KINDS: dict[str, Kind] = {k.code: k for k in [*_ORDER, Kind(CASE_FILE, _always, None)]}
