"""Page forms (server-rendered UI). They collect and render input only: every rule is
checked by mediation.actions.services, whose InvalidFields errors are put back on these forms so
the message appears next to the field that caused it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from mediation import policies
from mediation.law import lengths
from mediation.law.choices import (
    MEDIATING_KINDS,
    ROUTE_TARGET_KIND,
    Category,
    Channel,
    EscalationKind,
    Gender,
    Network,
    OrgKind,
    PartyKind,
    PartyRole,
    PerformanceRoute,
    ReferRoute,
    RepresentativeKind,
    RiskLevel,
    Satisfaction,
    State,
    Tag,
)
from mediation.law.decisions import DECISION_LABELS as DECISION_LABELS
from mediation.law.decisions import DECISION_LABELS_BY_TASK as DECISION_LABELS_BY_TASK
from mediation.law.identity import display_name
from mediation.law.parties import legal_aid_parties
from mediation.law.transitions import FORMS, refer_routes
from mediation.models import Organization
from mediation.supervision import roster

from .forms_desks import BLANK, Choices, DateInput, set_choices
from .forms_desks import TrackForm as TrackForm  # the portal's, where its views look

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.utils.functional import _StrPromise

    from mediation.models import Case
    from workflows.models import CaseTask

# A field as the services describe it: {"name", "label", "type", "required", …}.
FieldSpec = Mapping[str, Any]

# -- queue filters ---------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("状态"), required=False)
    network = forms.ChoiceField(label=_("调解类型"), required=False)
    category = forms.ChoiceField(label=_("纠纷类型"), required=False)
    overdue = forms.BooleanField(label=_("仅看超期"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        set_choices(self.fields["state"], [("", _("全部状态")), *State.choices])
        set_choices(self.fields["network"], [("", _("全部类型")), *Network.choices])
        set_choices(self.fields["category"], [("", _("全部纠纷")), *Category.choices])
        self.fields["q"].widget.attrs["placeholder"] = _("案号、当事人姓名或事实")


# -- intake ----------------------------------------------------------------------------


def registrable_orgs(user: User | AnonymousUser) -> list[Organization]:
    """Organisations this user may register a case for (policy decides, page lists)."""
    orgs = Organization.objects.filter(kind__in=MEDIATING_KINDS).order_by("kind", "id")
    return [o for o in orgs if policies.may_register(user, o)]


class IntakeForm(forms.Form):
    org = forms.ChoiceField(label=_("受理组织"))
    channel = forms.ChoiceField(label=_("来源渠道"), choices=Channel.choices, initial="walk_in")
    category = forms.ChoiceField(label=_("纠纷类型"), choices=[*BLANK, *Category.choices])
    summary = forms.CharField(
        label=_("纠纷事实"),
        required=False,
        max_length=lengths.SUMMARY,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    claims = forms.CharField(
        label=_("申请事项"),
        required=False,
        max_length=lengths.CLAIMS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    amount = forms.CharField(
        label=_("涉及金额（元）"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    region = forms.CharField(label=_("乡镇（街道）"), required=False, max_length=lengths.REGION)
    village = forms.CharField(label=_("村（社区）"), required=False, max_length=lengths.REGION)

    # Fields the service validates; everything stays optional here so its messages win.
    SERVICE_FIELDS = ("org", "channel", "category", "summary", "claims", "amount", "region")

    def __init__(self, *args: Any, user: User | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = registrable_orgs(user)
        set_choices(self.fields["org"], [*BLANK, *((str(o.pk), o.name) for o in orgs)])
        if len(orgs) == 1:
            self.fields["org"].initial = str(orgs[0].pk)
        for f in self.fields.values():
            f.required = False

    def payload(self) -> dict[str, Any]:
        d = self.data
        body = {k: (d.get(k) or "").strip() for k in (*self.SERVICE_FIELDS, "village")}
        if not body["amount"]:
            body.pop("amount")
        return body


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("地位"), choices=PartyRole.choices)
    kind = forms.ChoiceField(label=_("类别"), choices=PartyKind.choices)
    name = forms.CharField(
        label=_("姓名/名称"), max_length=lengths.NAME, error_messages=lengths.MESSAGES
    )
    gender = forms.ChoiceField(label=_("性别"), choices=[*BLANK, *Gender.choices])
    ethnicity = forms.CharField(
        label=_("民族"), max_length=lengths.ETHNICITY, error_messages=lengths.MESSAGES
    )
    # ID numbers and credit codes: the service's checksum message is the one that helps
    id_number = forms.CharField(label=_("公民身份号码"))
    credit_code = forms.CharField(label=_("统一社会信用代码"))
    legal_representative = forms.CharField(
        label=_("法定代表人/负责人"),
        max_length=lengths.REPRESENTATIVE,
        error_messages=lengths.MESSAGES,
    )
    phone = forms.CharField(label=_("联系电话"), max_length=lengths.PHONE)
    address = forms.CharField(
        label=_("住址"), max_length=lengths.ADDRESS, error_messages=lengths.MESSAGES
    )
    tags = forms.MultipleChoiceField(
        label=_("特殊群体"),
        choices=[(t.value, t.label) for t in Tag if t not in (Tag.ELDERLY, Tag.MINOR)],
        widget=forms.CheckboxSelectMultiple,
    )
    limited_capacity = forms.BooleanField(label=_("无民事行为能力或限制民事行为能力"))
    # The guardian (minors, persons without full capacity) or agent of a natural person.
    rep_kind = forms.ChoiceField(
        label=_("监护人/代理人"), choices=[*BLANK, *RepresentativeKind.choices]
    )
    rep_name = forms.CharField(label=_("监护人/代理人姓名"), max_length=50)
    rep_id_number = forms.CharField(label=_("监护人/代理人身份号码"), max_length=18)
    rep_phone = forms.CharField(label=_("监护人/代理人电话"), max_length=30)
    rep_authorization = forms.CharField(label=_("授权委托书/监护关系证明"), max_length=2000)

    TEXT = (
        "name",
        "ethnicity",
        "id_number",
        "credit_code",
        "legal_representative",
        "phone",
        "address",
    )
    REP = {
        "rep_kind": "kind",
        "rep_name": "name",
        "rep_id_number": "id_number",
        "rep_phone": "phone",
        "rep_authorization": "authorization",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False

    def is_blank(self) -> bool:
        return not any((self._raw(k) or "").strip() for k in self.TEXT)

    def _raw(self, key: str) -> Any:
        return self.data.get(self.add_prefix(key))

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            k: (self._raw(k) or "").strip() for k in ("role", "kind", "gender", *self.TEXT)
        }
        # A bound page form's data is the POST (a QueryDict); unbound, it is empty.
        data = self.data
        body["tags"] = (
            data.getlist(self.add_prefix("tags")) if isinstance(data, MultiValueDict) else []
        )
        out = {k: v for k, v in body.items() if v not in ("", None)} | {"tags": body["tags"]}
        rep = {key: (self._raw(field) or "").strip() for field, key in self.REP.items()}
        if any(rep.values()):
            out["representative"] = {k: v for k, v in rep.items() if v}
        if self._raw("limited_capacity") in ("on", "true", "1"):
            out["limited_capacity"] = True
        return out


PartyFormSet = forms.formset_factory(PartyForm, extra=0, max_num=20, absolute_max=20)

INITIAL_PARTIES = [
    {"role": PartyRole.APPLICANT, "kind": PartyKind.PERSON},
    {"role": PartyRole.RESPONDENT, "kind": PartyKind.PERSON},
]


def formset_parties(
    formset: forms.BaseFormSet[PartyForm],
) -> tuple[list[int], list[dict[str, Any]]]:
    """The service's `parties` from a party formset, and for each its formset index
    (blank rows are skipped), so the service's `parties[i].…` errors find their row."""
    index_map: list[int] = []
    parties: list[dict[str, Any]] = []
    for i, pform in enumerate(formset.forms):
        if pform.is_blank():
            continue
        index_map.append(i)
        parties.append(pform.payload())
    return index_map, parties


def apply_intake_errors(
    form: forms.Form,  # the intake form or a desk's handoff form
    formset: forms.BaseFormSet[PartyForm],
    index_map: Sequence[int],
    errors: Mapping[str, list[str]],
) -> None:
    """Put the service's InvalidFields errors (`parties[1].id_number`, `summary`, …) next
    to the fields they name; anything unknown becomes a form-wide message."""
    for key, messages in errors.items():
        if key.startswith("parties[") and "]." in key:
            raw_index, field = key[len("parties[") :].split("].", 1)
            field = "rep_kind" if field == "representative" else field
            pform: PartyForm | None
            try:
                pform = formset.forms[index_map[int(raw_index)]]
            except (ValueError, IndexError):
                pform = None
            if pform is not None and field in pform.fields:
                for m in messages:
                    pform.add_error(field, m)
                continue
        if key in form.fields:
            for m in messages:
                form.add_error(key, m)
        else:
            for m in messages:
                form.add_error(None, m)


# -- transitions -------------------------------------------------------------------------


def _org_choices(kinds: Collection[str]) -> Choices:
    orgs = Organization.objects.filter(kind__in=kinds).order_by("kind", "id")
    return [*BLANK, *((str(o.pk), o.name) for o in orgs)]


def _mediator_choices(case: Case) -> Choices:
    """The organisation's mediators, suggested ones first (specialty in the dispute's
    category, the case's township, lightest load), each with a warning when the mediator
    is on the negative list (不良执业信息)."""
    choices = [*BLANK]
    for m in roster.suggest(case):
        notes: list[str | _StrPromise] = []
        if m["specialty_match"]:
            notes.append(_("擅长此类纠纷"))
        if m["region_match"]:
            notes.append(_("同乡镇"))
        notes.append(_("在办%(n)s件") % {"n": m["load"]})
        notes.append(_("本年培训%(h)s学时") % {"h": m["training_hours"]})
        if m["assessment_label"]:
            notes.append(_("考评%(g)s") % {"g": m["assessment_label"]})
        if m["negative_list"]:
            notes.append(_("⚠ 有不良执业信息"))
        choices.append((str(m["id"]), f"{m['name']}（{'，'.join(str(n) for n in notes)}）"))
    return choices


def _select_for(name: str, field_name: str, case: Case) -> Choices | None:
    """Choices for the id fields of a transition, so nobody types an organisation id."""
    if field_name in ("mediator",):
        return _mediator_choices(case)
    if field_name == "court":
        return _org_choices([OrgKind.COURT])
    if name == "transfer" and field_name == "target_org":
        return [c for c in _org_choices(MEDIATING_KINDS) if c[0] != str(case.org_id)]
    if name == "refer" and field_name == "route":
        routes = refer_routes(case)
        if not legal_aid_parties(case):  # offered only where a party qualifies
            routes = [r for r in routes if r != ReferRoute.LEGAL_AID]
        return [*BLANK, *((r, ReferRoute(r).label) for r in routes)]
    if field_name in ("applicants", "consent_of"):
        return [
            (str(link.party_id), f"{link.get_role_display()} {link.party.name}")
            for link in case.case_parties.select_related("party")
        ]
    if field_name in ("concerns_status", "concerns_title"):
        return [*BLANK, ("false", _("否")), ("true", _("是"))]
    if name == "refer" and field_name == "target_org":
        return [("", _("系统外机构（不选）")), *_org_choices(set(ROUTE_TARGET_KIND.values()))[1:]]
    return None


class DescribedForm(forms.Form):
    """A page form built from a field description; the page reads these beside it."""

    name: str
    label: str | _StrPromise
    decision: str
    is_open: bool
    _errors: forms.utils.ErrorDict | None  # BaseForm's, undeclared in the stubs


def described_form(
    prefix: str,
    label: str | _StrPromise,
    fields: Iterable[FieldSpec],
    source_fields: Mapping[str, forms.Field],
    select_for: Callable[[str], Choices | None],
    data: Mapping[str, Any] | None = None,
    errors: Mapping[str, list[str]] | None = None,
) -> DescribedForm:
    """A page form from a field description (services.available_transitions or a task's
    decisions): the same list the API publishes, rendered as inputs."""
    built: dict[str, Any] = {}
    for f in fields:
        label_, required, kind = f["label"], f["required"], f["type"]
        choices = select_for(f["name"])
        field: forms.Field
        if choices is not None and kind == "list":
            field = forms.MultipleChoiceField(
                label=label_, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
            )
        elif choices is not None:
            field = forms.ChoiceField(label=label_, choices=choices, required=required)
        elif kind == "choice":
            # Only the values the law leaves open for this case (f["choices"]).
            allowed = f.get("choices")
            field = forms.ChoiceField(
                label=label_,
                choices=[
                    *BLANK,
                    *(
                        c
                        for c in _source_choices(source_fields[f["name"]])
                        if allowed is None or c[0] in allowed
                    ),
                ],
                required=required,
            )
        elif kind == "boolean":
            field = forms.BooleanField(label=label_, required=False)
        elif kind == "date":
            field = forms.CharField(label=label_, required=required, widget=DateInput())
        elif kind == "datetime":
            field = forms.CharField(
                label=label_,
                required=required,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
            )
        elif kind == "integer":
            field = forms.IntegerField(label=label_, required=required)
        else:
            long = f["name"] in LONG_TEXT
            widget = forms.Textarea(attrs={"rows": 2}) if long else forms.TextInput()
            field = forms.CharField(label=label_, required=required, widget=widget)
        built[f["name"]] = field
    # Native `required` would stop the post with the browser's own wording; the service's
    # Chinese messages are the ones shown.
    built["use_required_attribute"] = False
    form_class = type("DescribedPageForm", (DescribedForm,), built)
    form = form_class(data=data, prefix=prefix)
    form.name, form.label = prefix, label
    if errors:
        form.is_bound = True
        form._errors = forms.utils.ErrorDict()
        for key, messages in errors.items():
            target = key if key in form.fields else NON_FIELD_ERRORS
            form._errors.setdefault(target, form.error_class()).extend(messages)
    return form


def _source_choices(field: forms.Field) -> list[tuple[Any, Any]]:
    """The options of a described choice field, from the form class it describes."""
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{field!r} has no choices")
    # Django normalises a field's choices to (value, label) pairs when they are set.
    return list(cast("Iterable[tuple[Any, Any]]", field.choices))


LONG_TEXT = ("terms", "reason", "routes", "note", "grounds", "result", "feedback")


def transition_form(
    case: Case,
    spec: Mapping[str, Any],
    data: Mapping[str, Any] | None = None,
    errors: Mapping[str, list[str]] | None = None,
) -> DescribedForm:
    """A page form for one entry of services.available_transitions(case, user)."""
    name = spec["name"]
    return described_form(
        name,
        spec["label"],
        spec["fields"],
        FORMS[name].base_fields,
        lambda field: _select_for(name, field, case),
        data=data,
        errors=errors,
    )


def kept_form(case: Case, spec: Mapping[str, Any], data: Mapping[str, Any]) -> DescribedForm:
    """The form a user submitted when the case had moved on (409): their values, without
    the field messages of a validation that never ran."""
    form = transition_form(case, spec, data=data)
    form._errors = forms.utils.ErrorDict()
    return form


def transition_payload(spec: Mapping[str, Any], post: MultiValueDict[str, Any]) -> dict[str, Any]:
    """The service's body from the page's POST: checkboxes become booleans, blanks vanish."""
    return described_payload(spec["name"], spec["fields"], post)


def described_payload(
    name: str, fields: Iterable[FieldSpec], post: MultiValueDict[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for f in fields:
        key = f"{name}-{f['name']}"
        if f["type"] == "list":
            values = [v for v in post.getlist(key) if v.strip()]
            if values:
                body[f["name"]] = values
            continue
        if f["type"] == "boolean" and f.get("answer"):
            # a yes/no question that must be answered: blank stays unanswered
            if post.get(key) in ("true", "false"):
                body[f["name"]] = post.get(key) == "true"
            continue
        if f["type"] == "boolean":
            body[f["name"]] = post.get(key) in ("on", "true", "1")
            continue
        value = (post.get(key) or "").strip()
        if value:
            body[f["name"]] = value
    return body


# -- workflow tasks --------------------------------------------------------------------------


def _task_select_for(task: CaseTask, field_name: str) -> Choices | None:
    if field_name == "approved_by":
        users = policies.extension_approvers(task.org_id)
        return [*BLANK, *((str(u.pk), display_name(u)) for u in users)]
    return None


def task_forms(
    task: CaseTask,
    described: Iterable[Mapping[str, Any]],
    decision_classes: Mapping[str, type[forms.Form]],
    data: Mapping[str, Any] | None = None,
    open_decision: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
) -> list[DescribedForm]:
    """One form per decision a task accepts (workflows.services.describe_decisions)."""
    out = []
    for item in described:
        decision = item["decision"]
        label = DECISION_LABELS_BY_TASK.get((task.kind, decision)) or DECISION_LABELS.get(
            decision, decision
        )
        is_open = decision == open_decision
        form = described_form(
            f"t{task.pk}-{decision}",
            label,
            item["fields"],
            decision_classes[decision].base_fields,
            lambda field: _task_select_for(task, field),
            data=data if is_open else None,
            errors=errors if is_open else None,
        )
        form.decision, form.is_open = decision, is_open
        out.append(form)
    return out


# -- records under a case ----------------------------------------------------------------


class SessionForm(forms.Form):
    held_at = forms.CharField(
        label=_("时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("地点"))
    attendees = forms.CharField(label=_("参加人员"))
    record = forms.CharField(label=_("调解记录"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "session")
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False


class FollowUpForm(forms.Form):
    date = forms.CharField(label=_("回访日期"), widget=DateInput())
    performed = forms.ChoiceField(
        label=_("协议履行情况"),
        choices=[*BLANK, ("true", _("已履行")), ("false", _("未履行"))],
    )
    note = forms.CharField(label=_("回访情况"), widget=forms.Textarea(attrs={"rows": 2}))
    route = forms.ChoiceField(
        label=_("未履行时当事人选择的途径"), choices=[*BLANK, *PerformanceRoute.choices]
    )
    satisfaction = forms.ChoiceField(
        label=_("当事人满意度"), choices=[*BLANK, *Satisfaction.choices]
    )
    escalation_signs = forms.ChoiceField(
        label=_("有无矛盾激化迹象"), choices=[*BLANK, ("false", _("无")), ("true", _("有"))]
    )
    early_reason = forms.CharField(label=_("早于履行期限回访结案的理由"), max_length=500)

    def __init__(self, *args: Any, routes: Iterable[str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "followup")
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False
        if routes is not None:
            # only the routes the law gives this case (services.performance_routes)
            set_choices(
                self.fields["route"],
                [*BLANK, *((r, PerformanceRoute(r).label) for r in routes)],
            )


class RiskForm(forms.Form):
    level = forms.ChoiceField(label=_("风险等级"), choices=[*BLANK, *RiskLevel.choices])
    note = forms.CharField(label=_("风险情况"), widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("可能激化为"), choices=[*BLANK, *EscalationKind.choices])
    reported_to = forms.CharField(label=_("已报告的公安派出所（高风险必填）"), max_length=100)
    reported_at = forms.CharField(
        label=_("报告时间（高风险必填）"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "risk")
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False


def record_payload(form: forms.Form) -> dict[str, Any]:
    return {
        name: (form.data.get(form.add_prefix(name)) or "").strip()
        for name in form.fields
        if (form.data.get(form.add_prefix(name)) or "").strip()
    }


def apply_errors(form: forms.Form, errors: Mapping[str, list[str]]) -> None:
    for key, messages in errors.items():
        for m in messages:
            form.add_error(key if key in form.fields else None, m)
