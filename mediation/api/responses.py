"""Response shapes of the portal and the auth endpoints, the event feed and the errors
(request bodies: mediation.api.requests; the case: mediation.api.serializers)."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from mediation.law.choices import EventType, Network, State

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
    data = serializers.DictField()  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)


EventPageSerializer = inline_serializer(
    "EventPage",
    {
        "results": EventSerializer(many=True),
        "next": serializers.URLField(allow_null=True, help_text="下一页（has_more 时）"),
        "previous": serializers.URLField(allow_null=True, help_text="总为 null（按 since 续读）"),
        "next_since": serializers.IntegerField(help_text="下次请求的 since"),
        "has_more": serializers.BooleanField(),
    },
)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]  # a declared field (DRF's metaclass takes it off the class)


class ExistingCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class ConflictSerializer(ErrorSerializer):
    current_state = serializers.CharField(help_text="案件当前状态")
    existing_case = ExistingCaseSerializer(
        required=False, help_text="编号已被占用时：使用该编号的案件（同一机构的编号只对应一个案件）"
    )


class ThrottledSerializer(ErrorSerializer):
    retry_after = serializers.IntegerField(required=False, help_text="秒")
