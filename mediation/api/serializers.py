"""Wire shapes of DESIGN.md §6. Output serializers are read-only and explicit; input is
validated by the services (one source of the Chinese field messages), and the input
serializers here describe it for the OpenAPI schema.

`case_json(case, user)` and `CaseDetailSerializer` are the case shape that every endpoint
answering with a case uses (transitions, risk, and the workflow endpoints).
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from mediation import policies
from mediation.actions import queue_sql, services
from mediation.actions.attachments import attachment_json
from mediation.law import clocks
from mediation.law.choices import (
    OPEN_STATES,
    AgreementForm,
    AttachmentKind,
    Category,
    Channel,
    EventType,
    HandoffKind,
    Network,
    OrgKind,
    Outcome,
    PartyKind,
    PartyRole,
    RepresentativeKind,
    Role,
    State,
    choice_labels,
)
from mediation.law.identity import display_name, mask_id_number, mask_phone
from mediation.models import (
    Case,
    Membership,
    Organization,
)


def _user(context):
    return context["user"]


# Queues are read far more often than anything else; DRF's field-by-field serialisation
# (a serializer per nested party, deep copies, lazy labels) cost more than the SQL at 50 rows.
# The case and party shapes below are therefore written out by hand in to_representation,
# with their fields still declared on the serializers for the OpenAPI schema; a test keeps
# the two in step.


def labels(context) -> dict:
    """Choice labels in the active language, computed once per request."""
    cached = context.get("_labels")
    if cached is None:
        cached = context["_labels"] = choice_labels(get_language())
    return cached


def request_tz(context):
    """The active time zone, looked up once per request (each lookup is a read of asgiref's
    context-local storage, and a queue page writes two times a row)."""
    tz = context.get("_tz")
    if tz is None:
        tz = context["_tz"] = timezone.get_current_timezone()
    return tz


def dt_json(value, tz=None):
    if value is None:
        return None
    value = timezone.localtime(value) if tz is None else value.astimezone(tz)
    if value.utcoffset().seconds % 60:
        # Before 1901 Asia/Shanghai is local mean time (+08:05:43), an offset RFC 3339
        # cannot write: such a (user-given) time is answered in UTC instead.
        value = value.astimezone(dt.UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class DateTimeField(serializers.DateTimeField):
    """DRF's, always RFC 3339 (see dt_json)."""

    def to_representation(self, value):
        return dt_json(value) if value else None


def date_json(value):
    return None if value is None else value.isoformat()


def party_json(link, full: bool, lab: dict) -> dict:
    p = link.party
    return {
        "id": p.pk,
        "role": link.role,
        "role_label": lab["party_role"].get(link.role, link.role),
        "kind": p.kind,
        "name": p.name,
        "gender": p.gender,
        "ethnicity": p.ethnicity,
        "id_number": p.id_number if full else mask_id_number(p.id_number),
        # The birth date is six digits of the ID number: shown only with the number.
        "birth_date": date_json(p.birth_date) if full else None,
        "credit_code": p.credit_code,
        "legal_representative": p.representative,
        "representative": representative_json(p, full),
        "limited_capacity": p.limited_capacity,
        "phone": p.phone if full else mask_phone(p.phone),
        "address": p.address if full else "",
        "tags": list(p.tags or []),
        "masked": not full,
    }


def petition_json(case) -> dict | None:
    """`petition` of the case JSON (DESIGN.md §6) from its petition handoff, with the
    petition's own clocks (workflows.petition_clock) for the petition officer."""
    handoff = next((h for h in reversed(case.handoffs.all()) if h.kind == "petition"), None)
    if handoff is None:
        return None
    state = handoff.data.get("clocks") or {}
    handle, notice = state.get("handle") or {}, state.get("accept_notice") or {}
    return {
        "number": handoff.external_number,
        "feedback_due": dt_json(handoff.due_at),
        "feedback": handoff.data.get("feedback", ""),
        "return_note": handoff.data.get("return_note", ""),
        "handle_due": handle.get("due"),
        "handle_basis": handle.get("basis", ""),
        "accept_notice_due": notice.get("due"),
        "notified_on": notice.get("done_on"),
    }


def representative_json(p, full: bool) -> dict | None:
    rep = p.representative_info
    if rep is None:
        return None
    if not full:
        rep.update(
            id_number=mask_id_number(rep["id_number"]),
            phone=mask_phone(rep["phone"]),
            authorization="",
        )
    return rep


def case_row(case, context) -> dict:
    lab = labels(context)
    full = policies.handles(_user(context), case)
    now = context.get("now")
    tz = request_tz(context)
    m = case.mediator
    return {
        "id": case.pk,
        "number": case.number,
        "network": case.network,
        "network_label": lab["network"].get(case.network, case.network),
        "org": case.org_id,
        "org_name": case.org.name,
        "state": case.state,
        "state_label": lab["state"].get(case.state, case.state),
        "channel": case.channel,
        "category": case.category,
        "category_label": lab["category"].get(case.category, case.category),
        "priority": case.priority,
        "region": case.region,
        "created_at": dt_json(case.created_at, tz),
        "due_at": dt_json(case.due_at, tz),
        "due_basis": case.due_basis if case.due_at else "",
        "due_unit": case.due_unit if case.due_at else "",
        "due_left": clocks.days_left_label(case.due_at, case.due_unit, now)
        if case.due_at and now and case.state in OPEN_STATES
        else "",
        # False: counted on the statutory estimate of a year whose arrangement is unpublished.
        "due_confirmed": clocks.due_confirmed(case.due_at),
        "due_note": clocks.unconfirmed_note(case.due_at),
        "overdue": bool(case.state in OPEN_STATES and case.due_at and now and case.due_at < now),
        "risk_level": case.risk_level,
        "mediator": None
        if m is None
        else {"id": m.pk, "username": m.username, "name": display_name(m)},
        "parties": [party_json(link, full, lab) for link in case.case_parties.all()],
        "available_transitions": services.available_transitions(case, _user(context)),
        "petition": petition_json(case) if case.channel == "petition_transfer" else None,
    }


# -- people and organisations -----------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return display_name(obj)


class MembershipSerializer(serializers.Serializer):
    org = serializers.IntegerField(source="org_id")
    org_name = serializers.CharField(source="org.name")
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField(source="get_role_display")


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()
    is_supervisor = serializers.SerializerMethodField()
    memberships = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return display_name(obj)

    def get_is_supervisor(self, obj) -> bool:
        return policies.is_supervisor(obj)

    @extend_schema_field(MembershipSerializer(many=True))
    def get_memberships(self, obj):
        rows = Membership.objects.filter(user=obj).select_related("org").order_by("org_id", "role")
        return MembershipSerializer(rows, many=True).data


class OrganizationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=OrgKind.choices)
    network = serializers.CharField(
        help_text="people / administrative / judicial / lawyer，非调解组织为空"
    )
    parent = serializers.IntegerField(source="parent_id", allow_null=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "short_code", "kind", "network", "subtype", "region", "parent"]
        read_only_fields = fields


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.id")
    username = serializers.CharField(source="user.username")
    name = serializers.SerializerMethodField()
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField(source="get_role_display")

    def get_name(self, obj) -> str:
        return display_name(obj.user)


# -- case ------------------------------------------------------------------------------


class RepresentativeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RepresentativeKind.choices)
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=18, required=False)
    phone = serializers.CharField(max_length=30, required=False)
    authorization = serializers.CharField(
        max_length=2000, required=False, help_text="授权委托书（委托代理人）或监护关系证明"
    )


class PartySerializer(serializers.Serializer):
    """A party as this caller may see it: ID numbers and phones masked unless the caller's
    organisation handles the case (`masked` says which)."""

    id = serializers.IntegerField(source="party.id")
    role = serializers.ChoiceField(choices=PartyRole.choices)
    role_label = serializers.CharField(source="get_role_display")
    kind = serializers.ChoiceField(source="party.kind", choices=PartyKind.choices)
    name = serializers.CharField(source="party.name")
    gender = serializers.CharField(source="party.gender", help_text="male / female / 空")
    ethnicity = serializers.CharField(source="party.ethnicity")
    id_number = serializers.SerializerMethodField()
    birth_date = serializers.SerializerMethodField()
    credit_code = serializers.CharField(source="party.credit_code")
    legal_representative = serializers.CharField(
        source="party.representative", help_text="组织当事人的法定代表人/负责人"
    )
    representative = RepresentativeSerializer(
        source="party.representative_info", allow_null=True, help_text="自然人的监护人或委托代理人"
    )
    limited_capacity = serializers.BooleanField(source="party.limited_capacity")
    phone = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    tags = serializers.ListField(source="party.tags", child=serializers.CharField())
    masked = serializers.SerializerMethodField()

    def to_representation(self, instance):
        return party_json(instance, self._full(instance), labels(self.context))

    def _full(self, obj) -> bool:
        cache = self.context.setdefault("_handles", {})
        if obj.case_id not in cache:
            cache[obj.case_id] = policies.handles(_user(self.context), obj.case)
        return cache[obj.case_id]

    def get_masked(self, obj) -> bool:
        return not self._full(obj)

    def get_id_number(self, obj) -> str:
        value = obj.party.id_number
        return value if self._full(obj) else mask_id_number(value)

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_birth_date(self, obj):
        # The birth date is six digits of the ID number: shown only with the number.
        d = obj.party.birth_date
        return d.isoformat() if d and self._full(obj) else None

    def get_phone(self, obj) -> str:
        value = obj.party.phone
        return value if self._full(obj) else mask_phone(value)

    def get_address(self, obj) -> str:
        return obj.party.address if self._full(obj) else ""


class AttachmentSerializer(serializers.Serializer):
    """mediation.actions.attachments.attachment_json"""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AttachmentKind.choices)
    kind_label = serializers.CharField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    pages = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    uploaded_by = serializers.IntegerField(allow_null=True)
    url = serializers.CharField()


class TransitionFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()
    type = serializers.ChoiceField(
        choices=["string", "integer", "boolean", "date", "datetime", "choice", "list"]
    )
    choices = serializers.ListField(child=serializers.CharField(), required=False)
    answer = serializers.BooleanField(
        required=False,
        help_text="是否问题（是/否必须回答）：true 时缺省不视为“否”",
    )


class AvailableTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    fields = TransitionFieldSerializer(many=True)


class PetitionSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="信访件编号")
    feedback = serializers.CharField(help_text="调解组织的办理情况反馈（全文）")
    return_note = serializers.CharField(help_text="信访部门退回重办意见")
    handle_due = serializers.DateTimeField(allow_null=True, help_text="反馈期限")


class CaseListSerializer(serializers.ModelSerializer):
    """One row of a queue: the case JSON of DESIGN §6 without the records under the case
    (agreement, sessions, follow-ups, handoffs), which are on the detail."""

    org = serializers.IntegerField(source="org_id")
    org_name = serializers.CharField(source="org.name")
    network_label = serializers.CharField(source="get_network_display")
    state = serializers.ChoiceField(choices=State.choices)
    state_label = serializers.CharField(source="get_state_display")
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    category_label = serializers.CharField(source="get_category_display")
    mediator = UserRefSerializer(allow_null=True)
    parties = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    due_left = serializers.SerializerMethodField()
    due_confirmed = serializers.SerializerMethodField()
    due_note = serializers.SerializerMethodField()
    petition = serializers.SerializerMethodField()
    risk_level = serializers.CharField(help_text="low / medium / high / 空")
    available_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "network",
            "network_label",
            "org",
            "org_name",
            "state",
            "state_label",
            "channel",
            "category",
            "category_label",
            "priority",
            "region",
            "created_at",
            "due_at",
            "due_basis",
            "due_unit",
            "due_left",
            "due_confirmed",
            "due_note",
            "overdue",
            "risk_level",
            "mediator",
            "parties",
            "available_transitions",
            "petition",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        return case_row(instance, self.context)

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, obj):  # declared for the schema; case_row writes it
        return []

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, obj):  # declared for the schema; case_row writes the value
        return case_row(obj, self.context)["parties"]

    def get_overdue(self, obj) -> bool:
        return case_row(obj, self.context)["overdue"]

    def get_due_left(self, obj) -> str:  # declared for the schema: "剩余 12 个工作日"
        return case_row(obj, self.context)["due_left"]

    def get_due_confirmed(self, obj) -> bool:
        """false: the due date falls in a year whose holiday arrangement is not published
        and was counted on the statutory holidays (an estimate)."""
        return case_row(obj, self.context)["due_confirmed"]

    def get_due_note(self, obj) -> str:  # "（2027年放假安排未公布，按法定节假日推算）" or ""
        return case_row(obj, self.context)["due_note"]

    @extend_schema_field(
        inline_serializer(
            "PetitionClocks",
            {
                "number": serializers.CharField(),
                "feedback_due": serializers.DateTimeField(allow_null=True),
                "feedback": serializers.CharField(),
                "return_note": serializers.CharField(),
                "handle_due": serializers.DateTimeField(allow_null=True),
                "handle_basis": serializers.CharField(),
                "accept_notice_due": serializers.DateTimeField(allow_null=True),
                "notified_on": serializers.DateField(allow_null=True),
            },
            allow_null=True,
        )
    )
    def get_petition(self, obj):
        return petition_json(obj)


class AgreementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    form = serializers.ChoiceField(choices=AgreementForm.choices)
    facts = serializers.CharField()
    responsibilities = serializers.CharField()
    terms = serializers.CharField()
    performance_method = serializers.CharField()
    performance_due = serializers.DateField()
    effective_date = serializers.DateField()
    concerns_status = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    held_at = DateTimeField()
    place = serializers.CharField()
    attendees = serializers.CharField()
    record = serializers.CharField()
    recorded_by = serializers.IntegerField(source="recorded_by_id", allow_null=True)
    created_at = serializers.DateTimeField()


class FollowUpSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    performed = serializers.BooleanField()
    note = serializers.CharField()
    route = serializers.CharField(
        help_text="未履行时当事人选择的途径（enforcement / suit / …）或空"
    )
    routes_open = serializers.SerializerMethodField()
    recorded_by = serializers.IntegerField(source="recorded_by_id", allow_null=True)
    created_at = serializers.DateTimeField()

    def get_routes_open(self, obj) -> list[str]:
        """The routes the law gives this case's party when the agreement is not performed."""
        return [] if obj.performed else services.performance_routes(obj.case)


class HandoffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=HandoffKind.choices)
    org = serializers.IntegerField(source="org_id")
    org_name = serializers.CharField(source="org.name")
    external_number = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField()
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    result = serializers.CharField()
    data = serializers.JSONField(help_text="登记号、延长审查期限的批准人等衔接信息")


class CaseDetailSerializer(CaseListSerializer):
    registering_org = serializers.IntegerField(source="registering_org_id")
    confirmation_court = serializers.IntegerField(source="confirmation_court_id", allow_null=True)
    referral_org = serializers.IntegerField(source="referral_org_id", allow_null=True)
    registered_by = serializers.IntegerField(source="registered_by_id", allow_null=True)
    referral_route = serializers.CharField(
        help_text="arbitration / litigation / administrative_adjudication / 空"
    )
    confirmation_ruling = serializers.CharField(
        help_text="rejected（驳回申请）/ not_accepted（不予受理，可向有管辖权的法院重新申请）/ 空"
    )
    confirmation_applicants = serializers.ListField(
        child=serializers.IntegerField(), help_text="申请司法确认的当事人编号"
    )
    confirmation_consent_of = serializers.ListField(
        child=serializers.IntegerField(), help_text="同意一方申请的其他当事人编号"
    )
    # Blank while the case is open (a read-only model field would lose allow_blank).
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    agreement = serializers.SerializerMethodField()
    sessions = SessionSerializer(many=True)
    follow_ups = FollowUpSerializer(many=True)
    handoffs = HandoffSerializer(many=True)
    attachments = serializers.SerializerMethodField()
    available_transitions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "registering_org",
            "registered_by",
            "summary",
            "claims",
            "amount",
            "village",
            "accepted_at",
            "closed_at",
            "archived_at",
            "updated_at",
            "outcome",
            "respondent_consent_at",
            "end_reason",
            "end_note",
            "routes_advised",
            "confirmation_court",
            "confirmation_requested_at",
            "ruling_date",
            "rejection_grounds",
            "confirmation_ruling",
            "confirmation_applicants",
            "confirmation_consent_of",
            "referral_route",
            "referral_org",
            "referral_result",
            "risk_note",
            "risk_reported_to",
            "risk_reported_at",
            "agreement",
            "sessions",
            "follow_ups",
            "handoffs",
            "petition",
            "attachments",
            "available_transitions",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        c = instance
        data = case_row(c, self.context)
        data.update(
            {
                "registering_org": c.registering_org_id,
                "registered_by": c.registered_by_id,
                "summary": c.summary,
                "claims": c.claims,
                "amount": None if c.amount is None else f"{c.amount:.2f}",
                "village": c.village,
                "accepted_at": dt_json(c.accepted_at),
                "closed_at": dt_json(c.closed_at),
                "archived_at": dt_json(c.archived_at),
                "updated_at": dt_json(c.updated_at),
                "outcome": c.outcome,
                "respondent_consent_at": dt_json(c.respondent_consent_at),
                "end_reason": c.end_reason,
                "end_note": c.end_note,
                "routes_advised": c.routes_advised,
                "confirmation_court": c.confirmation_court_id,
                "confirmation_requested_at": dt_json(c.confirmation_requested_at),
                "ruling_date": date_json(c.ruling_date),
                "rejection_grounds": c.rejection_grounds,
                "confirmation_ruling": c.confirmation_ruling,
                "confirmation_applicants": list(c.confirmation_applicants or []),
                "confirmation_consent_of": list(c.confirmation_consent_of or []),
                "referral_route": c.referral_route,
                "referral_org": c.referral_org_id,
                "referral_result": c.referral_result,
                "risk_note": c.risk_note,
                "risk_reported_to": c.risk_reported_to,
                "risk_reported_at": dt_json(c.risk_reported_at),
                "agreement": self.get_agreement(c),
                "sessions": SessionSerializer(c.sessions.all(), many=True).data,
                "follow_ups": FollowUpSerializer(c.follow_ups.all(), many=True).data,
                "handoffs": HandoffSerializer(c.handoffs.all(), many=True).data,
                "petition": self.get_petition(c),
                "attachments": [attachment_json(a) for a in c.attachments.all()],
                "available_transitions": self.get_available_transitions(c),
            }
        )
        return data

    @extend_schema_field(AgreementSerializer(allow_null=True))
    def get_agreement(self, obj):
        agreements = list(obj.agreements.all())
        if not agreements:
            return None
        return AgreementSerializer(max(agreements, key=lambda a: a.pk)).data

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, obj):
        return [attachment_json(a) for a in obj.attachments.all()]

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, obj):
        return services.available_transitions(obj, _user(self.context))


class CaseTransitionSerializer(CaseDetailSerializer):
    """The case after a transition; accept and reassign add `warnings` when the assigned
    mediator is on the negative list (不良执业信息)."""

    warnings = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


def case_json(case, user, *, now=None) -> dict:
    """The case JSON of §6 for `user` (masking and available transitions are theirs).

    Reloads the case with everything the detail shows (mediation.actions.queue_sql), so callers may
    pass any instance."""
    fresh = queue_sql.detail_case(case.pk)
    context = {"user": user, "now": now or timezone.now()}
    return CaseDetailSerializer(fresh, context=context).data


# -- responses of the portal and the auth endpoints (request bodies: mediation.api.requests) --


PortalApplicationResponseSerializer = inline_serializer(
    "PortalApplicationResponse",
    {
        "number": serializers.CharField(),
        "tracking_url": serializers.CharField(),
        "tracking_path": serializers.CharField(),
        "org": serializers.CharField(),
        "org_phone": serializers.CharField(),
    },
)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[^\x00]+$")
    password = serializers.CharField(style={"input_type": "password"})


TokenResponseSerializer = inline_serializer("Token", {"token": serializers.CharField()})


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(style={"input_type": "password"})
    new_password = serializers.CharField(style={"input_type": "password"})


DetailSerializer = inline_serializer("Detail", {"detail": serializers.CharField()})


# -- events and errors ------------------------------------------------------------------


class EventCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    network = serializers.ChoiceField(choices=Network.choices)
    state = serializers.ChoiceField(choices=State.choices)
    org = serializers.IntegerField()


class EventActorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class EventSerializer(serializers.Serializer):
    """The one wire shape of an event (mediation.events.serialise), for the schema."""

    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=EventType.choices)
    at = serializers.DateTimeField()
    case = EventCaseSerializer()
    actor = EventActorSerializer(allow_null=True)
    data = serializers.DictField()


EventPageSerializer = inline_serializer(
    "EventPage",
    {
        "results": EventSerializer(many=True),
        "next_since": serializers.IntegerField(help_text="下次请求的 since"),
        "has_more": serializers.BooleanField(),
    },
)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ConflictSerializer(ErrorSerializer):
    current_state = serializers.CharField(help_text="案件当前状态")


class ThrottledSerializer(ErrorSerializer):
    retry_after = serializers.IntegerField(required=False, help_text="秒")
