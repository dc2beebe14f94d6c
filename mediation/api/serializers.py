"""Wire shapes of DESIGN.md §6. Output serializers are read-only and explicit; input is
validated by the services (one source of the Chinese field messages), and the input
serializers (mediation.api.requests) describe it for the OpenAPI schema.

`case_json(case, user)` and `CaseDetailSerializer` are the case shape that every endpoint
answering with a case uses (transitions, risk, and the workflow endpoints). Their values
are written by hand in mediation.api.case_rows; the fields declared here are the schema.
"""

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from mediation import policies
from mediation.actions import queue_sql, services
from mediation.actions.attachments import attachment_json
from mediation.api.case_rows import (
    DateTimeField,
    case_row,
    context_user,
    date_json,
    dt_json,
    handles_case,
    labels,
    party_json,
    petition_json,
)
from mediation.law.choices import (
    AgreementForm,
    AttachmentKind,
    Category,
    Channel,
    HandoffKind,
    OrgKind,
    Outcome,
    PartyKind,
    PartyRole,
    RepresentativeKind,
    Role,
    State,
)
from mediation.law.days import local_stamps
from mediation.law.identity import display_name, mask_id_number, mask_in, mask_phone
from mediation.models import (
    Case,
    CaseParty,
    FollowUp,
    Membership,
    Organization,
)
from mediation.policies import Actor

# -- people and organisations -----------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, obj: User) -> str:
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

    def get_name(self, obj: User) -> str:
        return display_name(obj)

    def get_is_supervisor(self, obj: User) -> bool:
        return policies.is_supervisor(obj)

    @extend_schema_field(MembershipSerializer(many=True))
    def get_memberships(self, obj: User) -> list[dict[str, Any]]:
        rows = Membership.objects.filter(user=obj).select_related("org").order_by("org_id", "role")
        return list(MembershipSerializer(rows, many=True).data)


class OrganizationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=OrgKind.choices)
    network = serializers.CharField(
        help_text="people / administrative / judicial / lawyer，非调解组织为空"
    )
    parent = serializers.IntegerField(source="parent_id", allow_null=True)  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)

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

    def get_name(self, obj: Membership) -> str:
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

    def to_representation(self, instance: CaseParty) -> dict[str, Any]:
        return party_json(instance, self._full(instance), labels(self.context))

    def _full(self, obj: CaseParty) -> bool:
        cache = self.context.setdefault("_handles", {})
        if obj.case_id not in cache:
            cache[obj.case_id] = policies.handles(context_user(self.context), obj.case)
        return cache[obj.case_id]

    def get_masked(self, obj: CaseParty) -> bool:
        return not self._full(obj)

    def get_id_number(self, obj: CaseParty) -> str:
        value = obj.party.id_number
        return value if self._full(obj) else mask_id_number(value)

    @extend_schema_field({"type": "string", "format": "date", "nullable": True})
    def get_birth_date(self, obj: CaseParty) -> str | None:
        # The birth date is six digits of the ID number: shown only with the number.
        d = obj.party.birth_date
        return d.isoformat() if d and self._full(obj) else None

    def get_phone(self, obj: CaseParty) -> str:
        value = obj.party.phone
        return value if self._full(obj) else mask_phone(value)

    def get_address(self, obj: CaseParty) -> str:
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
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)
    required = serializers.BooleanField()  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)
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
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)
    fields = TransitionFieldSerializer(many=True)  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)


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
            "original_number",
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

    def to_representation(self, instance: Case) -> dict[str, Any]:
        return case_row(instance, self.context)

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, obj: Case) -> list[dict[str, Any]]:
        # declared for the schema; case_row writes it
        return []

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, obj: Case) -> list[dict[str, Any]]:
        # declared for the schema; case_row writes the value
        return case_row(obj, self.context)["parties"]

    def get_overdue(self, obj: Case) -> bool:
        return case_row(obj, self.context)["overdue"]

    def get_due_left(self, obj: Case) -> str:  # declared for the schema: "剩余 12 个工作日"
        return case_row(obj, self.context)["due_left"]

    def get_due_confirmed(self, obj: Case) -> bool:
        """false: the due date falls in a year whose holiday arrangement is not published
        and was counted on the statutory holidays (an estimate)."""
        return case_row(obj, self.context)["due_confirmed"]

    def get_due_note(self, obj: Case) -> str:  # "（2027年放假安排未公布，按法定节假日推算）" or ""
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
    def get_petition(self, obj: Case) -> dict[str, Any] | None:
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
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="协议涉及金额（元），或空"
    )
    created_at = serializers.DateTimeField()


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    held_at = DateTimeField(allow_null=True, help_text="举行时间；预定的视频调解举行前为空")
    online = serializers.BooleanField(help_text="视频调解")
    scheduled_at = DateTimeField(allow_null=True, help_text="视频调解的预定时间，或空")
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
    early_reason = serializers.CharField(help_text="回访早于协议履行期限而结案的理由，或空")
    routes_open = serializers.SerializerMethodField()
    satisfaction = serializers.CharField(
        help_text="当事人满意度（satisfied / fairly / dissatisfied）或空"
    )
    escalation_signs = serializers.BooleanField(help_text="回访时发现矛盾激化迹象")
    recorded_by = serializers.IntegerField(source="recorded_by_id", allow_null=True)
    created_at = serializers.DateTimeField()

    def get_routes_open(self, obj: FollowUp) -> list[str]:
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
    data = serializers.JSONField(help_text="登记号、延长审查期限的批准人等衔接信息")  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        out = super().to_representation(instance)
        # Its times in +08:00 like the rest of the API, those stored in UTC before #31 too.
        out["data"] = local_stamps(out["data"])
        return out


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

    # Free text that often carries ID and phone numbers (facts, claims, session records):
    # masked for whoever may see the case without handling it, e.g. a supervisor (§9).
    PRIVATE_TEXT = (
        "summary",
        "claims",
        "end_note",
        "rejection_grounds",
        "referral_result",
        "risk_note",
        "agreement",
        "sessions",
        "follow_ups",
    )

    def to_representation(self, instance: Case) -> dict[str, Any]:
        data = self._unmasked(instance)
        if not handles_case(self.context, instance):
            data.update({k: mask_in(data[k]) for k in self.PRIVATE_TEXT})
        return data

    def _unmasked(self, instance: Case) -> dict[str, Any]:
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
    def get_agreement(self, obj: Case) -> dict[str, Any] | None:
        agreements = list(obj.agreements.all())
        if not agreements:
            return None
        return AgreementSerializer(max(agreements, key=lambda a: a.pk)).data

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, obj: Case) -> list[dict[str, Any]]:
        return [attachment_json(a) for a in obj.attachments.all()]

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, obj: Case) -> list[dict[str, Any]]:
        return services.available_transitions(obj, context_user(self.context))


class CaseTransitionSerializer(CaseDetailSerializer):
    """The case after a transition; accept and reassign add `warnings` when the assigned
    mediator is on the negative list (不良执业信息)."""

    warnings = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "warnings"]
        read_only_fields = fields


def case_json(case: Case, user: Actor, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The case JSON of §6 for `user` (masking and available transitions are theirs).

    Reloads the case with everything the detail shows (mediation.actions.queue_sql), so callers may
    pass any instance."""
    fresh = queue_sql.detail_case(case.pk)
    context = {"user": user, "now": now or timezone.now()}
    return CaseDetailSerializer(fresh, context=context).data
