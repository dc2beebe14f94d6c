"""Fields and business conditions of each transition (DESIGN.md §3 and §6).

One form per transition: it validates the caller's fields against the case and yields the
keyword arguments of the django-fsm method, plus the rows written beside it. Messages are
the UI's (Chinese, through gettext).
"""

import functools

from django import forms
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from mediation import policies
from mediation.models import Agreement, Organization

from . import clocks
from .choices import (
    MEDIATING_KINDS,
    ROUTE_TARGET_KIND,
    AgreementForm,
    ArbitrationScope,
    Category,
    Channel,
    ConfirmationRuling,
    FailReason,
    HandoffKind,
    HandoffStatus,
    Network,
    OrgKind,
    ReferRoute,
    State,
)
from .jsonform import JsonForm
from .limits import Stage


def _open_court_referral(case):
    return (
        case.handoffs.filter(kind=HandoffKind.COURT_REFERRAL, status=HandoffStatus.OPEN)
        .order_by("-id")
        .first()
        if case.channel == Channel.COURT_REFERRAL
        else None
    )


def mediation_clock(case, now, referral=None) -> clocks.Clock:
    """The mediation time limit, set at acceptance (mediation.law.clocks). A court referral
    runs from the day the organisation signs for the court's materials — acceptance —
    unless the court's letter fixed its own date."""
    if referral is not None:
        if referral.data.get("due_set_by_court") and referral.due_at:
            basis = _("法院委派/委托调解函指定的调解期限")
            return clocks.fixed_clock(Stage.MEDIATION, now, referral.due_at, basis)
        return clocks.mediation_clock(case, now, referral=referral.data)
    return clocks.mediation_clock(case, now)


def restarted_mediation_clock(case, now) -> clocks.Clock:
    """Mediation taken up again (resume, reopen): a new period from today."""
    return clocks.clock(Stage.MEDIATION, now, case.network, case.category)


# -- the law of the routes and agreements (cited in the users' messages) ---------------

# LDMAL art 14 (labour) and 医疗纠纷预防和处理条例 arts 40, 42 (medical): a written agreement.
WRITTEN_ONLY = {
    Category.LABOR: gettext_lazy(
        "劳动争议经调解达成协议的，应当制作调解协议书（《劳动争议调解仲裁法》第十四条）"
    ),
    Category.MEDICAL: gettext_lazy(
        "医疗纠纷经调解达成一致的，应当制作调解协议书（《医疗纠纷预防和处理条例》第四十条、"
        "第四十二条）"
    ),
}
# Arbitration Law art 3: marriage, adoption, guardianship, maintenance and succession
# disputes cannot be arbitrated.
NOT_ARBITRABLE = {Category.MARRIAGE_FAMILY}
# The categories whose agreements may touch personal status or the title to property or
# IP: the confirmation request must answer both questions explicitly (民诉法解释 art 355).
STATUS_OR_TITLE_CATEGORIES = frozenset(
    {
        Category.MARRIAGE_FAMILY,
        Category.HOUSING_LAND,
        Category.LAND_CONTRACT,
        Category.FOREST_LAND,
        Category.IP,
    }
)


def arbitration_scope(category: str) -> str:
    """The commission that hears a category: labour and land-contract disputes have their
    own statutory commissions; everything else goes to a commercial one by agreement."""
    if category == Category.LABOR:
        return ArbitrationScope.LABOR
    if category == Category.LAND_CONTRACT:
        return ArbitrationScope.LAND_CONTRACT
    return ArbitrationScope.COMMERCIAL


def refer_routes(case_or_network, category: str | None = None) -> list[str]:
    """The routes the law leaves open for a failed dispute of this network and category."""
    network = getattr(case_or_network, "network", case_or_network)
    category = getattr(case_or_network, "category", category)
    if network == Network.JUDICIAL:
        return [ReferRoute.LITIGATION]
    if category == Category.LABOR:
        # LDMAL art 5: labour arbitration first, never straight to a court.
        routes = [ReferRoute.ARBITRATION]
    else:
        routes = [ReferRoute.ARBITRATION, ReferRoute.LITIGATION]
        if category in NOT_ARBITRABLE:
            routes.remove(ReferRoute.ARBITRATION)
        if network == Network.ADMINISTRATIVE:
            routes.append(ReferRoute.ADMINISTRATIVE_ADJUDICATION)
    # legal aid: offered where a party qualifies (checked by the refer form)
    return [*routes, ReferRoute.LEGAL_AID]


LEGAL_AID_REFUSAL = gettext_lazy(
    "当事人均不符合法律援助条件：须为经济困难（低收入、建档立卡户）或属老年人、残疾人、"
    "军人军属、退役军人等群体（《中华人民共和国法律援助法》第三十一条、第四十二条）"
)


def agreement_forms(category: str) -> list[str]:
    if category in WRITTEN_ONLY:
        return [AgreementForm.WRITTEN]
    return [AgreementForm.WRITTEN, AgreementForm.ORAL]


def court_jurisdiction_error(case, court) -> str | None:
    """CPL art 205: the referring court for a court referral; otherwise the basic court of
    the district (where a party lives, the object lies or the mediating body sits) or its
    people's tribunal for the place. None when `court` may hear the application."""
    if case.channel == Channel.COURT_REFERRAL:
        referring = [h.org_id for h in case.handoffs.all() if h.kind == HandoffKind.COURT_REFERRAL]
        if referring and court.pk not in referring:
            return _(
                "法院委派调解达成的协议，应向作出委派的人民法院申请司法确认"
                "（《民事诉讼法》第二百零五条第一项）"
            )
        if referring:
            return None
    basic = court if court.parent_id is None else court.parent
    district = _district_of(case.org)
    if basic is None or basic.kind != OrgKind.COURT or basic.region != district:
        return _(
            "该法院对本案无管辖权：应向当事人住所地、标的物所在地或调解组织所在地的基层人民法院"
            "申请司法确认（《民事诉讼法》第二百零五条第二项）"
        )
    if court.parent_id is not None and court.region not in {case.region, case.org.region}:
        return _(
            "人民法庭只受理本辖区的司法确认申请，请向基层人民法院或纠纷所在地的人民法庭申请"
            "（《民事诉讼法》第二百零五条第二项）"
        )
    return None


def _district_of(org) -> str:
    """The district an organisation belongs to: the region of the root of its tree."""
    seen = set()
    while org.parent_id is not None and org.pk not in seen:
        seen.add(org.pk)
        org = org.parent
    return org.region


class MustBeTrue(forms.BooleanField):
    """A consent checkbox: absent or false is a field error, not a silent default."""

    def __init__(self, message, **kwargs):
        super().__init__(required=True, error_messages={"required": message}, **kwargs)


class TransitionForm(JsonForm):
    """Base: bound to the case, the acting user and the operation's single `now`."""

    label = ""

    def __init__(self, data, *, case, user, now):
        super().__init__(data)
        self.case, self.user, self.now = case, user, now

    def method_kwargs(self) -> dict:
        return {}

    def after(self, case) -> None:
        """Rows written beside the state change, inside the same transaction."""

    def event_data(self) -> dict:
        """Extra fields recorded in the CaseEvent (free text stays in the case record)."""
        return {}

    @classmethod
    def field_choices(cls, case) -> dict:
        """{field: allowed values} where the law narrows a choice for this case."""
        return {}

    def _org_member(self, user_id, field):
        user, error = policies.assignable_mediator(user_id, self.case.org_id)
        if error:
            self.add_error(field, error)
        return user


class AcceptForm(TransitionForm):
    label = gettext_lazy("受理")
    mediator = forms.IntegerField(label=gettext_lazy("调解员"))

    def clean(self):
        data = super().clean()
        if "mediator" in data:
            data["mediator_user"] = self._org_member(data["mediator"], "mediator")
        return data

    def method_kwargs(self):
        referral = _open_court_referral(self.case)
        self._clock = mediation_clock(self.case, self.now, referral)
        kwargs = {"mediator": self.cleaned_data["mediator_user"], "clock": self._clock}
        if referral is not None:
            # Accepting a court's referral is signing for its materials (签收移交材料).
            kwargs["materials_received_at"] = self.now
        self._referral = referral
        return kwargs

    def after(self, case):
        referral = getattr(self, "_referral", None)
        if referral is not None:
            referral.due_at = case.due_at
            referral.data = {**referral.data, "materials_received_at": self.now.isoformat()}
            referral.save(update_fields=["due_at", "data"])

    def event_data(self):
        return {"mediator": self.cleaned_data["mediator"]}


class DeclineForm(TransitionForm):
    label = gettext_lazy("不予受理")
    reason = forms.CharField(label=gettext_lazy("不予受理理由"), max_length=2000)
    routes = forms.CharField(label=gettext_lazy("告知的其他途径"), max_length=2000)

    def method_kwargs(self):
        return {"reason": self.cleaned_data["reason"], "routes": self.cleaned_data["routes"]}


class TransferForm(TransitionForm):
    label = gettext_lazy("移交")
    target_org = forms.IntegerField(label=gettext_lazy("接收组织"))
    reason = forms.CharField(label=gettext_lazy("移交理由"), max_length=2000)

    def clean_target_org(self):
        org = Organization.objects.filter(pk=self.cleaned_data["target_org"]).first()
        if org is None:
            raise forms.ValidationError(_("接收组织不存在"))
        if org.kind not in MEDIATING_KINDS:
            raise forms.ValidationError(
                _("只能移交给调解组织（人民调解委员会、行政机关、法院或律师调解工作室）")
            )
        if org.pk == self.case.org_id:
            raise forms.ValidationError(_("接收组织与当前组织相同"))
        return org

    def method_kwargs(self):
        return {
            "target_org": self.cleaned_data["target_org"],
            "clock": clocks.acceptance_clock(self.case, self.now),
        }

    def event_data(self):
        return {
            "from_org": self.case.org_id,
            "target_org": self.cleaned_data["target_org"].pk,
            "reason": self.cleaned_data["reason"],
        }


class BeginForm(TransitionForm):
    label = gettext_lazy("开始调解")
    consent = MustBeTrue(
        gettext_lazy("人民调解遵循自愿原则，须记录被申请人同意调解"),
        label=gettext_lazy("被申请人同意调解"),
    )


class ExtendForm(TransitionForm):
    label = gettext_lazy("延长期限")
    due_at = forms.DateTimeField(label=gettext_lazy("新期限"))
    reason = forms.CharField(label=gettext_lazy("延期理由"), max_length=2000)
    consent = MustBeTrue(
        gettext_lazy("延长调解期限须经双方当事人同意"), label=gettext_lazy("当事人同意延期")
    )

    def clean_due_at(self):
        due = self.cleaned_data["due_at"]
        if self.case.due_at and due <= self.case.due_at:
            raise forms.ValidationError(_("新期限须晚于当前期限"))
        if due <= self.now:
            raise forms.ValidationError(_("新期限须晚于当前时间"))
        return due

    def method_kwargs(self):
        case, due = self.case, self.cleaned_data["due_at"]
        previous = timezone.localtime(case.due_at).date().isoformat() if case.due_at else ""
        basis = _("经当事人同意延长调解期限（原期限 %(previous)s）；原依据：%(basis)s") % {
            "previous": previous,
            "basis": case.due_basis or "—",
        }
        start = case.due_from or case.accepted_at or self.now
        clock = clocks.fixed_clock(Stage.MEDIATION, start, due, basis[:400], case.due_unit)
        return {"clock": clock}

    def event_data(self):
        return {
            "due_at": self.cleaned_data["due_at"].isoformat(),
            "previous_due_at": self.case.due_at.isoformat() if self.case.due_at else None,
        }


class SuspendClockForm(TransitionForm):
    """Stop the mediation clock while the law says its days do not count."""

    label = gettext_lazy("暂停计算期限")
    reason = forms.CharField(
        label=gettext_lazy("暂停理由（如医疗损害鉴定，鉴定时间不计入调解期限）"), max_length=2000
    )

    def clean(self):
        data = super().clean()
        current = clocks.clock_from_json(self.case.due_clock)
        if current is None:  # the model's condition refuses this first
            raise forms.ValidationError(_("该案件的期限不能暂停"))
        self._clock = clocks.paused(current, timezone.localdate(self.now))
        return data

    def method_kwargs(self):
        return {"clock": self._clock}

    def event_data(self):
        return {
            "reason": self.cleaned_data["reason"],
            "previous_due_at": self.case.due_at.isoformat() if self.case.due_at else None,
        }


class ResumeClockForm(TransitionForm):
    label = gettext_lazy("恢复计算期限")
    reason = forms.CharField(label=gettext_lazy("恢复理由（如鉴定意见已送达）"), max_length=2000)

    def clean(self):
        data = super().clean()
        current = clocks.clock_from_json(self.case.due_clock)
        if current is None or current.paused_since is None:
            raise forms.ValidationError(_("该案件的期限未暂停"))
        self._clock = clocks.resumed(current, timezone.localdate(self.now))
        return data

    def method_kwargs(self):
        return {"clock": self._clock}

    def event_data(self):
        return {
            "reason": self.cleaned_data["reason"],
            "due_at": self._clock.due.isoformat(),
            "paused_days": clocks.paused_days(self._clock),
        }


class ReassignForm(AcceptForm):
    label = gettext_lazy("更换调解员")
    reason = forms.CharField(label=gettext_lazy("更换理由"), max_length=2000)

    def method_kwargs(self):
        return {"mediator": self.cleaned_data["mediator_user"]}

    def event_data(self):
        return {
            "mediator": self.cleaned_data["mediator"],
            "previous_mediator": self.case.mediator_id,
        }


class ReachAgreementForm(TransitionForm):
    label = gettext_lazy("达成协议")
    form = forms.ChoiceField(label=gettext_lazy("协议形式"), choices=AgreementForm.choices)
    facts = forms.CharField(label=gettext_lazy("纠纷主要事实、争议事项"), max_length=20000)
    responsibilities = forms.CharField(label=gettext_lazy("各方当事人的责任"), max_length=20000)
    terms = forms.CharField(label=gettext_lazy("协议内容"), max_length=20000)
    performance_method = forms.CharField(label=gettext_lazy("履行方式"), max_length=2000)
    performance_due = forms.DateField(label=gettext_lazy("履行期限"))
    effective_date = forms.DateField(
        label=gettext_lazy("生效日期（书面协议：最后签名盖章之日）"), required=False
    )
    concerns_status = forms.BooleanField(label=gettext_lazy("涉及身份关系"), required=False)

    @classmethod
    def field_choices(cls, case) -> dict:
        return {"form": agreement_forms(case.category)}

    def clean(self):
        data = super().clean()
        form, eff = data.get("form"), data.get("effective_date")
        today = timezone.localdate(self.now)
        if form and form not in agreement_forms(self.case.category):
            self.add_error("form", str(WRITTEN_ONLY[self.case.category]))
            return data
        if form == AgreementForm.ORAL:
            if eff is not None:
                self.add_error(
                    "effective_date",
                    _(
                        "口头调解协议自各方当事人达成协议之日起生效，不填写生效日期"
                        "（《人民调解法》第三十条）"
                    ),
                )
                return data
            data["effective_date"] = eff = today
        elif form == AgreementForm.WRITTEN and "effective_date" not in self.errors:
            began = self.case.respondent_consent_at
            began = timezone.localdate(began) if began else None
            if eff is None:
                self.add_error(
                    "effective_date",
                    _(
                        "书面调解协议须填写生效日期，即各方当事人签名、盖章或按指印，调解员签名"
                        "并加盖调解委员会印章之日（《人民调解法》第二十九条）"
                    ),
                )
            elif eff > today:
                self.add_error(
                    "effective_date",
                    _("协议自签名盖章之日起生效，生效日期不得晚于今天（《人民调解法》第二十九条）"),
                )
            elif began and eff < began:
                self.add_error(
                    "effective_date",
                    _("生效日期不得早于调解开始之日（%(date)s）（《人民调解法》第二十九条）")
                    % {"date": began.isoformat()},
                )
        due = data.get("performance_due")
        if eff and due and due < eff:
            self.add_error("performance_due", _("履行期限不得早于协议生效日期"))
        return data

    def after(self, case):
        d = self.cleaned_data
        Agreement.objects.create(
            case=case,
            form=d["form"],
            facts=d["facts"],
            responsibilities=d["responsibilities"],
            terms=d["terms"],
            performance_method=d["performance_method"],
            performance_due=d["performance_due"],
            effective_date=d["effective_date"],
            concerns_status=d["concerns_status"],
            created_at=self.now,
            created_by=self.user,
        )

    def event_data(self):
        return {
            "form": self.cleaned_data["form"],
            "effective_date": self.cleaned_data["effective_date"].isoformat(),
        }


class FailForm(TransitionForm):
    label = gettext_lazy("终止调解")
    reason = forms.ChoiceField(label=gettext_lazy("终止原因"), choices=FailReason.choices)
    routes = forms.CharField(label=gettext_lazy("告知的其他途径"), max_length=2000)
    # Lawyer mediation only: the facts both sides accept, recorded for a later suit
    # (《关于开展律师调解试点工作的意见》).
    undisputed_facts = forms.CharField(
        label=gettext_lazy("无争议事实（律师调解）"), max_length=20000, required=False
    )

    # Labour disputes: when the worker knew of the infringement, so the mediator is warned
    # near the end of the one-year arbitration time bar (《劳动争议调解仲裁法》第二十七条).
    rights_known_on = forms.DateField(
        label=gettext_lazy("当事人知道或应当知道权利被侵害之日（劳动争议）"), required=False
    )

    def clean_undisputed_facts(self):
        value = (self.cleaned_data.get("undisputed_facts") or "").strip()
        if value and self.case.network != Network.LAWYER:
            raise forms.ValidationError(_("无争议事实记载仅适用于律师调解"))
        return value

    def clean_rights_known_on(self):
        day = self.cleaned_data.get("rights_known_on")
        if day is None:
            return None
        if self.case.category != Category.LABOR:
            raise forms.ValidationError(_("仅劳动争议需要填写（仲裁时效）"))
        if day > timezone.localdate(self.now):
            raise forms.ValidationError(_("日期不能晚于今天"))
        return day

    def method_kwargs(self):
        return {
            "reason": self.cleaned_data["reason"],
            "routes": self.cleaned_data["routes"],
            "undisputed_facts": self.cleaned_data["undisputed_facts"],
        }

    def event_data(self):
        data = {"reason": self.cleaned_data["reason"]}
        known = self.cleaned_data.get("rights_known_on")
        if known is not None:
            data["rights_known_on"] = known.isoformat()
            data["time_bar_ends"] = clocks.labour_time_bar(known).isoformat()
        return data


class NoteForm(TransitionForm):
    note = forms.CharField(label=gettext_lazy("说明"), max_length=2000)


class WithdrawForm(NoteForm):
    label = gettext_lazy("撤回")

    def method_kwargs(self):
        return {"note": self.cleaned_data["note"]}


class PartyIdsField(forms.JSONField):
    """A list of party ids (JSON list, or several form values on a page)."""

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        return super().to_python(value)


class RequestConfirmationForm(TransitionForm):
    label = gettext_lazy("申请司法确认")
    court = forms.IntegerField(label=gettext_lazy("受理法院"))
    applicants = PartyIdsField(label=gettext_lazy("申请人（当事人）"), required=False)
    joint_application = forms.BooleanField(label=gettext_lazy("全体当事人共同申请"), required=False)
    consent_of = PartyIdsField(label=gettext_lazy("同意申请的其他当事人"), required=False)
    concerns_status = forms.NullBooleanField(
        label=gettext_lazy("协议是否涉及婚姻、收养、亲子等身份关系"), required=False
    )
    concerns_title = forms.NullBooleanField(
        label=gettext_lazy("协议是否涉及物权或知识产权的确权"), required=False
    )

    def clean_court(self):
        org = Organization.objects.filter(pk=self.cleaned_data["court"]).first()
        if org is None or org.kind != OrgKind.COURT:
            raise forms.ValidationError(_("请选择人民法院"))
        error = court_jurisdiction_error(self.case, org)
        if error:
            raise forms.ValidationError(error)
        return org

    def _party_ids(self, field) -> list[int] | None:
        raw = self.cleaned_data.get(field)
        if raw in (None, "", []):
            return []
        try:
            return sorted({int(x) for x in raw})
        except (TypeError, ValueError):
            self.add_error(field, _("应为当事人编号的列表"))
            return None

    def _clean_applicants(self, data):
        links = list(self.case.case_parties.select_related("party"))
        parties = {link.party_id: link.party for link in links}
        applicants = self._party_ids("applicants")
        consent_of = self._party_ids("consent_of")
        if applicants is None or consent_of is None:
            return
        if data.get("joint_application"):
            applicants = applicants or sorted(parties)
        unknown = sorted((set(applicants) | set(consent_of)) - set(parties))
        if unknown:
            self.add_error("applicants", _("不是本案当事人：%(ids)s") % {"ids": unknown})
            return
        if not applicants:
            self.add_error(
                "applicants",
                _(
                    "司法确认须由双方当事人共同申请：请列出申请人（或注明全体当事人共同申请）"
                    "（《民事诉讼法》第二百零五条）"
                ),
            )
            return
        missing = set(parties) - set(applicants) - set(consent_of)
        if missing:
            names = "、".join(parties[pk].name for pk in sorted(missing))
            self.add_error(
                "applicants",
                _(
                    "司法确认须由双方当事人共同申请；一方申请的，须记录其他当事人的同意"
                    "（《民事诉讼法》第二百零五条）。未申请也未同意：%(names)s"
                )
                % {"names": names},
            )
            return
        for pk in applicants:
            error = policies.agent_may_apply_error(parties[pk])
            if error:
                self.add_error("applicants", error)
                return
        data["applicant_ids"], data["consent_ids"] = applicants, sorted(consent_of)

    def _clean_excluded_matters(self, data):
        asks = self.case.category in STATUS_OR_TITLE_CATEGORIES
        questions = {
            "concerns_status": _(
                "涉及身份关系的调解协议不能申请司法确认（《最高人民法院关于适用〈中华人民共和国"
                "民事诉讼法〉的解释》第三百五十五条）"
            ),
            "concerns_title": _(
                "涉及物权、知识产权确权的调解协议不能申请司法确认（《最高人民法院关于适用"
                "〈中华人民共和国民事诉讼法〉的解释》第三百五十五条）"
            ),
        }
        for field, refusal in questions.items():
            answer = data.get(field)
            if answer is None and asks:
                self.add_error(
                    field,
                    _("本类纠纷须明确回答此项（是/否）（民诉法解释第三百五十五条）"),
                )
            elif answer:
                self.add_error(field, refusal)

    def clean(self):
        data = super().clean()
        agreement = self.case.current_agreement
        if agreement is None:
            raise forms.ValidationError(_("案件没有调解协议"))
        if agreement.concerns_status:
            raise forms.ValidationError(
                _(
                    "涉及婚姻、收养、亲子关系等身份关系的协议不能申请司法确认"
                    "（民诉法解释第三百五十五条）"
                ),
                code="status",
            )
        self._clean_applicants(data)
        self._clean_excluded_matters(data)
        today = timezone.localdate(self.now)
        window = clocks.rule(Stage.CONFIRMATION_APPLY, self.case.network, self.case.category)
        limit = clocks.last_day(agreement.effective_date, window.count, window.unit)
        if today > limit:
            raise forms.ValidationError(
                _("已超过协议生效之日起%(days)d日的申请期限（截止%(limit)s；%(basis)s）")
                % {"days": window.count, "limit": limit.isoformat(), "basis": window.basis},
                code="late",
            )
        return data

    def method_kwargs(self):
        return {
            "court": self.cleaned_data["court"],
            "applicants": self.cleaned_data["applicant_ids"],
            "consent_of": self.cleaned_data["consent_ids"],
            "clock": clocks.confirmation_clock(self.now),
        }

    def event_data(self):
        d = self.cleaned_data
        return {
            "court": d["court"].pk,
            "applicants": d["applicant_ids"],
            "consent_of": d["consent_ids"],
            "concerns_status": d.get("concerns_status"),
            "concerns_title": d.get("concerns_title"),
            "refiled": self.case.state == State.CONFIRMATION_REJECTED,
        }


class ConfirmForm(TransitionForm):
    label = gettext_lazy("确认有效")
    ruling_date = forms.DateField(label=gettext_lazy("裁定日期"), required=False)

    def method_kwargs(self):
        return {"ruling_date": self.cleaned_data.get("ruling_date") or timezone.localdate(self.now)}


class RejectConfirmationForm(ConfirmForm):
    label = gettext_lazy("不予确认")
    grounds = forms.CharField(label=gettext_lazy("不予确认理由"), max_length=4000)

    def method_kwargs(self):
        # The clerk refuses before registration (不予受理); after it only the judge rules
        # (驳回申请) — policies.RULES lets each act only at their stage.
        registered = policies.confirmation_registered(self.case)
        ruling = ConfirmationRuling.REJECTED if registered else ConfirmationRuling.NOT_ACCEPTED
        return {
            **super().method_kwargs(),
            "grounds": self.cleaned_data["grounds"],
            "ruling": ruling,
        }

    def event_data(self):
        registered = policies.confirmation_registered(self.case)
        ruling = ConfirmationRuling.REJECTED if registered else ConfirmationRuling.NOT_ACCEPTED
        return {"ruling": ruling}


class WithdrawConfirmationForm(NoteForm):
    label = gettext_lazy("撤回司法确认申请")

    def method_kwargs(self):
        return {"note": self.cleaned_data["note"]}


class ResumeForm(NoteForm):
    label = gettext_lazy("重新调解")

    def method_kwargs(self):
        return {"clock": restarted_mediation_clock(self.case, self.now)}


class ReopenForm(ResumeForm):
    label = gettext_lazy("重新启动调解")
    consent = MustBeTrue(
        gettext_lazy(
            "重新调解须经双方当事人同意：调解遵循自愿原则，一方明确拒绝的不得调解"
            "（《人民调解法》第三条、第十七条）"
        ),
        label=gettext_lazy("双方当事人同意重新调解"),
    )


class ReferForm(TransitionForm):
    label = gettext_lazy("移送")
    route = forms.ChoiceField(label=gettext_lazy("移送途径"), choices=ReferRoute.choices)
    target_org = forms.IntegerField(label=gettext_lazy("接收机构"), required=False)
    arbitration_agreement = forms.BooleanField(
        label=gettext_lazy("当事人已达成仲裁协议"), required=False
    )

    @classmethod
    def field_choices(cls, case) -> dict:
        return {"route": refer_routes(case)}

    def _route_error(self, route) -> str | None:
        case = self.case
        if route in refer_routes(case):
            return None
        if case.network == Network.JUDICIAL:
            return _("法院调解不成的，转入诉讼")
        if case.category == Category.LABOR:
            return _("劳动争议须先经劳动人事争议仲裁（《劳动争议调解仲裁法》第五条）")
        if route == ReferRoute.ARBITRATION and case.category in NOT_ARBITRABLE:
            return _("婚姻、收养、监护、扶养、继承纠纷不能仲裁（《仲裁法》第三条）")
        return _("只有行政调解可以告知行政裁决途径")

    def clean(self):
        data = super().clean()
        route = data.get("route")
        if not route:
            return data
        error = self._route_error(route)
        if error:
            self.add_error("route", error)
            return data
        scope = arbitration_scope(self.case.category)
        if (
            route == ReferRoute.ARBITRATION
            and scope == ArbitrationScope.COMMERCIAL
            and not data.get("arbitration_agreement")
        ):
            self.add_error(
                "arbitration_agreement",
                _("申请仲裁须有当事人自愿达成的仲裁协议（《仲裁法》第四条）"),
            )
            return data
        target_id = data.get("target_org")
        data["target"] = None
        if route == ReferRoute.LEGAL_AID:
            if not policies.legal_aid_parties(self.case):
                self.add_error("route", LEGAL_AID_REFUSAL)
                return data
            if target_id is None:
                # The legal aid centre reviews the application itself (法律援助法 art 43).
                self.add_error("target_org", _("转法律援助须选择法律援助中心"))
                return data
        if target_id is not None:
            org = Organization.objects.filter(pk=target_id).first()
            if org is None:
                self.add_error("target_org", _("接收机构不存在"))
            elif org.kind != ROUTE_TARGET_KIND[route]:
                self.add_error("target_org", _("接收机构类型与移送途径不符"))
            elif route == ReferRoute.ARBITRATION and org.scope != scope:
                self.add_error("target_org", str(SCOPE_MISMATCH[scope]))
            else:
                data["target"] = org
        return data

    def method_kwargs(self):
        return {"route": self.cleaned_data["route"], "target_org": self.cleaned_data["target"]}

    def event_data(self):
        t = self.cleaned_data["target"]
        return {
            "route": self.cleaned_data["route"],
            "target_org": t.pk if t else None,
            "arbitration_agreement": bool(self.cleaned_data.get("arbitration_agreement")),
        }


SCOPE_MISMATCH = {
    ArbitrationScope.LABOR: gettext_lazy(
        "劳动争议由劳动人事争议仲裁委员会仲裁（《劳动争议调解仲裁法》第五条、第二十一条）"
    ),
    ArbitrationScope.LAND_CONTRACT: gettext_lazy(
        "农村土地承包经营纠纷由农村土地承包仲裁委员会仲裁（《农村土地承包经营纠纷调解仲裁法》"
        "第四条）"
    ),
    ArbitrationScope.COMMERCIAL: gettext_lazy(
        "该仲裁委员会不受理此类纠纷，请选择当事人仲裁协议约定的仲裁委员会（《仲裁法》第四条、"
        "第十六条）"
    ),
}


class RecordResultForm(TransitionForm):
    label = gettext_lazy("登记处理结果")
    result = forms.CharField(label=gettext_lazy("处理结果"), max_length=4000)

    def method_kwargs(self):
        return {"result": self.cleaned_data["result"]}


class CloseForm(TransitionForm):
    label = gettext_lazy("结案")
    note = forms.CharField(label=gettext_lazy("结案说明"), max_length=2000, required=False)

    def clean(self):
        data = super().clean()
        case = self.case
        needs_follow_up = case.network == Network.PEOPLE and case.state in (
            State.AGREED,
            State.CONFIRMED,
        )
        if needs_follow_up and not case.follow_ups.exists():
            raise forms.ValidationError(
                _("人民调解达成协议的案件结案前须有回访记录（协议履行情况）"), code="follow_up"
            )
        return data


class ArchiveForm(TransitionForm):
    label = gettext_lazy("归档")


FORMS: dict[str, type[TransitionForm]] = {
    "accept": AcceptForm,
    "decline": DeclineForm,
    "transfer": TransferForm,
    "begin": BeginForm,
    "extend": ExtendForm,
    "suspend_clock": SuspendClockForm,
    "resume_clock": ResumeClockForm,
    "reassign": ReassignForm,
    "reach_agreement": ReachAgreementForm,
    "fail": FailForm,
    "withdraw": WithdrawForm,
    "request_confirmation": RequestConfirmationForm,
    "confirm": ConfirmForm,
    "reject_confirmation": RejectConfirmationForm,
    "withdraw_confirmation": WithdrawConfirmationForm,
    "resume": ResumeForm,
    "reopen": ReopenForm,
    "refer": ReferForm,
    "record_result": RecordResultForm,
    "close": CloseForm,
    "archive": ArchiveForm,
}
TRANSITION_NAMES = tuple(FORMS)


_FIELD_TYPES = {
    forms.IntegerField: "integer",
    forms.DateField: "date",
    forms.DateTimeField: "datetime",
    forms.ChoiceField: "choice",
    PartyIdsField: "list",
}


def describe_form_fields(form_class, narrowed=None, also_required=()) -> list[dict]:
    """The fields of a form as the API and the pages describe them (name, label, required,
    type, choices): the one description of transitions and task decisions alike.
    `narrowed` {field: allowed values} trims choices; `also_required` names fields the
    law requires for this case although the form leaves them optional."""
    narrowed = narrowed or {}
    out = []
    for fname, described, choices in _described(form_class, get_language()):
        item = dict(described)
        if fname in also_required:
            item["required"] = True
        if choices is not None:
            allowed = narrowed.get(fname)
            item["choices"] = [c for c in choices if allowed is None or c in allowed]
        out.append(item)
    return out


@functools.cache
def _described(form_class, language: str | None) -> tuple:
    """What describe_form_fields starts from, per form and language, once per process:
    every queue row offers its transitions with their fields, and translating the same
    labels again for each was a twentieth of a queue page's time (py-spy). The forms'
    fields and choices are fixed in code (no model choice fields)."""
    out = []
    with translation.override(language):
        for fname, field in form_class.base_fields.items():
            kind = _FIELD_TYPES.get(type(field))
            if kind is None:
                kind = "boolean" if isinstance(field, forms.BooleanField) else "string"
            item = {"name": fname, "label": str(field.label), "required": field.required}
            item["type"] = kind
            if isinstance(field, forms.NullBooleanField):
                item["answer"] = True  # yes or no must be said; absent is not "no"
            if isinstance(field, forms.ModelChoiceField):
                raise TypeError(f"{form_class.__name__}.{fname}: its choices would be cached")
            choices = None
            if isinstance(field, forms.ChoiceField):
                choices = tuple(c for c, _label in field.choices)
            out.append((fname, item, choices))
    return tuple(out)


def describe_fields(name: str, case=None) -> list[dict]:
    """Field list of a transition for `available_transitions`. With a case, choices are
    narrowed to what the law allows for it (no oral labour agreement, no litigation route
    for a labour dispute)."""
    form_class = FORMS[name]
    if case is None:
        return describe_form_fields(form_class)
    asks = case.category in STATUS_OR_TITLE_CATEGORIES
    return describe_form_fields(
        form_class,
        form_class.field_choices(case),
        ("concerns_status", "concerns_title") if asks else (),
    )
