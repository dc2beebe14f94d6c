"""Response shapes of the supervision endpoints (DESIGN.md §8): what the OpenAPI document
declares for the JSON that mediation.supervision.figures, roster and complaints build. The
contract check of the tests holds every served key to these."""

from typing import Any

from rest_framework import serializers

from mediation.models.supervision import ComplaintState

S = serializers
RATE: dict[str, Any] = {"allow_null": True, "help_text": "0–1，四位小数；分母为 0 时为 null"}


class PeriodSerializer(S.Serializer):
    # "from" is a Python keyword: declared through the fields dict below
    to = S.CharField(help_text="截止日期（含），空为不限")
    network = S.CharField()
    region = S.CharField()

    def get_fields(self) -> dict[str, S.Field]:
        fields = super().get_fields()
        return {"from": S.CharField(help_text="起始日期（含），空为不限"), **fields}


class CountRowSerializer(S.Serializer):
    key = S.CharField()
    label = S.CharField()  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)
    count = S.IntegerField()


class StatsSummarySerializer(S.Serializer):
    as_of = S.DateTimeField()
    filters = PeriodSerializer()
    total = S.IntegerField()
    by_network = CountRowSerializer(many=True)
    by_category = CountRowSerializer(many=True)
    by_channel = CountRowSerializer(many=True)
    by_region = CountRowSerializer(many=True)
    by_month = CountRowSerializer(many=True)
    agreed = S.IntegerField()
    ended = S.IntegerField()
    success_rate = S.FloatField(**RATE)
    confirmation_requested = S.IntegerField()
    confirmed = S.IntegerField()
    confirmation_rate = S.FloatField(**RATE)
    followed_up = S.IntegerField()
    performed = S.IntegerField()
    performance_rate = S.FloatField(**RATE)
    amount_cases = S.IntegerField()
    amount_total = S.CharField(allow_null=True, help_text="元，两位小数")
    closed = S.IntegerField()
    avg_days_to_close = S.FloatField(allow_null=True)
    overdue = S.IntegerField()
    high_risk = S.IntegerField()
    priority = S.IntegerField()
    priority_share = S.FloatField(**RATE)
    petition_feedback_due = S.IntegerField()
    petition_feedback_on_time = S.IntegerField()
    petition_feedback_rate = S.FloatField(**RATE)


class MinistryRowSerializer(S.Serializer):
    key = S.CharField()
    label = S.CharField()  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)
    includes = S.ListField(
        child=S.CharField(), help_text="本行包含的案件纠纷类型（category 代码），按司法部统计表归类"
    )
    accepted = S.IntegerField()
    succeeded = S.IntegerField()
    written = S.IntegerField()
    oral = S.IntegerField()
    amount = S.CharField(help_text="协议涉及金额（万元，两位小数）")
    performed = S.IntegerField()
    confirmation_requested = S.IntegerField()
    confirmed = S.IntegerField()
    prevented_criminal = S.IntegerField()
    prevented_mass_petition = S.IntegerField()
    prevented_mass_fight = S.IntegerField()
    prevented_suicide = S.IntegerField()
    source_applied = S.IntegerField()
    source_proactive = S.IntegerField()
    source_referred = S.IntegerField()
    parties = S.IntegerField()


class MinistryTotalSerializer(MinistryRowSerializer):
    def get_fields(self) -> dict[str, S.Field]:
        fields = super().get_fields()
        fields.pop("key")
        fields.pop("label")
        fields.pop("includes")
        return fields


class ScreeningCountsSerializer(S.Serializer):
    times = S.IntegerField()
    found = S.IntegerField()
    registered = S.IntegerField()


class MinistryTableSerializer(S.Serializer):
    filters = PeriodSerializer()
    rows = MinistryRowSerializer(many=True, allow_null=True, help_text="非人民调解时为 null")
    total = MinistryTotalSerializer(allow_null=True)
    screening = ScreeningCountsSerializer(allow_null=True, help_text="无排查记录时为 null")


class RefSerializer(S.Serializer):
    id = S.IntegerField()
    name = S.CharField()


class NegativeEntrySerializer(S.Serializer):
    id = S.IntegerField()
    conduct = S.CharField()
    occurred_on = S.DateField()
    until = S.DateField()
    complaint = S.IntegerField(allow_null=True)


class MediatorOrgSerializer(RefSerializer):
    region = S.CharField()


class MediatorSerializer(S.Serializer):
    id = S.IntegerField()
    username = S.CharField()
    name = S.CharField()
    employment = S.CharField(allow_null=True)
    employment_label = S.CharField(allow_null=True)
    kind = S.CharField(allow_null=True)
    kind_label = S.CharField(allow_null=True)
    specialties = S.ListField(child=S.CharField())
    specialty_labels = S.ListField(child=S.CharField())
    organizations = MediatorOrgSerializer(many=True)
    load = S.IntegerField()
    agreed = S.IntegerField()
    ended = S.IntegerField()
    success_rate = S.FloatField(**RATE)
    negative_list = NegativeEntrySerializer(many=True)
    training_hours = S.CharField(help_text="本年度培训学时")
    assessment = S.CharField(allow_null=True, help_text="本年度考评等次（未评定为 null）")
    assessment_label = S.CharField(allow_null=True)
    specialty_match = S.BooleanField(required=False, help_text="case= 时：专长与纠纷类型相符")
    region_match = S.BooleanField(required=False, help_text="case= 时：同一乡镇（街道）")


class MediatorsSerializer(S.Serializer):
    count = S.IntegerField(min_value=0)
    next = S.URLField(allow_null=True)
    previous = S.URLField(allow_null=True)
    case = S.IntegerField(required=False, help_text="case= 时：为该案件推荐")
    results = MediatorSerializer(many=True)


class ComplaintEventSerializer(S.Serializer):
    type = S.CharField()
    at = S.DateTimeField()
    actor = S.CharField(allow_null=True)
    data = S.DictField()  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)


class ComplaintSerializer(S.Serializer):
    id = S.IntegerField()
    state = S.ChoiceField(choices=ComplaintState.choices)
    state_label = S.CharField()
    org = RefSerializer()
    mediator = RefSerializer(allow_null=True)
    case = S.CharField(allow_null=True, help_text="相关案号")
    complainant = S.CharField(help_text="监督管理人员以外看到掩码")
    contact = S.CharField(help_text="监督管理人员以外看到掩码")
    facts = S.CharField()
    received_at = S.DateTimeField()
    due_at = S.DateTimeField()
    due_basis = S.CharField()
    overdue = S.BooleanField()
    handler = S.CharField(allow_null=True)
    conclusion = S.CharField()
    closed_at = S.DateTimeField(allow_null=True)
    available_transitions = S.ListField(child=S.CharField())
    events = ComplaintEventSerializer(many=True)
    negative_entries = NegativeEntrySerializer(many=True)


class ComplaintListSerializer(S.Serializer):
    count = S.IntegerField(min_value=0)
    next = S.URLField(allow_null=True)
    previous = S.URLField(allow_null=True)
    results = ComplaintSerializer(many=True)


class ComplaintReceiptSerializer(S.Serializer):
    id = S.IntegerField()
    state = S.ChoiceField(choices=ComplaintState.choices)
    state_label = S.CharField()
    due_at = S.DateTimeField()
    due_basis = S.CharField()


class NegativeListEntrySerializer(NegativeEntrySerializer):
    mediator = RefSerializer(allow_null=True)
    org = RefSerializer()
    active = S.BooleanField()


class NegativeListSerializer(S.Serializer):
    count = S.IntegerField(min_value=0)
    next = S.URLField(allow_null=True)
    previous = S.URLField(allow_null=True)
    results = NegativeListEntrySerializer(many=True)
