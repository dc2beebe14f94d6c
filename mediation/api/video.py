"""An online session's room over the API (DESIGN.md §12.6): its state, the recording
notice accepted, and the recording's chunks from the mediator's browser.

Staff sign in as on every endpoint (session or token); a party with `Authorization: Party
<token>` (POST /api/party/session/) may read the room and accept the notice. Domain errors
map to statuses in the API's one table (400 field messages, 403, 404, 409 with the state)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.tokens import TokenAuthentication
from mediation.actions import video
from mediation.actions import video_recording as recording
from mediation.errors import NotPermitted
from mediation.models import PartySession, RoomState, VideoRecording

from .party import PartyTokenAuthentication
from .views import AUTH_ERRORS, CASE_ID, errors

SESSION_ID = OpenApiParameter(
    "sid", OpenApiTypes.INT, OpenApiParameter.PATH, description="调解记录 id"
)


def recording_fields() -> dict[str, serializers.Field[Any, Any, Any, Any]]:
    """Fresh fields each time: a serializer class takes its fields out of the dict."""
    return {
        "received": serializers.IntegerField(),
        "chunks": serializers.IntegerField(),
        "state": serializers.ChoiceField(
            choices=VideoRecording.State.choices,
            help_text="recording 录制中；assembling 合并中；ready 已完成；failed 失败（可再完成）",
        ),
        "sha256": serializers.CharField(allow_null=True, help_text="完成后录像的 SHA-256"),
        "attachment": serializers.IntegerField(allow_null=True, help_text="完成后的案件材料 id"),
    }


ROOM = inline_serializer(
    "VideoRoom",
    {
        "session": serializers.IntegerField(),
        "participants": inline_serializer(
            "VideoParticipant",
            {
                "id": serializers.CharField(help_text="party:<id> 或 user:<id>"),
                "name": serializers.CharField(),
                "role": serializers.CharField(),
                "consented": serializers.BooleanField(help_text="已确认录音录像告知"),
            },
            many=True,
        ),
        "missing_consent": serializers.ListField(child=serializers.CharField()),
        "state": serializers.ChoiceField(
            choices=RoomState.choices,
            help_text="empty 无人；waiting 当事人等候（无调解员）；in 调解员在场",
        ),
        "recording": inline_serializer(
            "VideoRecordingProgress",
            recording_fields(),
            allow_null=True,
        ),
    },
)


class RawParser(BaseParser):
    """A recording chunk: the bytes as sent (read from request.body, never parsed)."""

    media_type = "application/octet-stream"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return {}


class StaffOrParty(BasePermission):
    """Signed in as staff, or as a party with the Party token; else 401."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, PartySession) or request.user.is_authenticated


class RoomView(APIView):
    permission_classes = [StaffOrParty]
    authentication_classes = [PartyTokenAuthentication, TokenAuthentication, SessionAuthentication]

    def participant(self, request: Request, pk: int, sid: int) -> video.Participant:
        if isinstance(request.auth, PartySession):
            return video.party_participant(request.auth, sid, pk)
        return video.staff_participant(request.user, sid, pk)

    def mediator(self, request: Request, pk: int, sid: int) -> tuple[video.Participant, User]:
        p = self.participant(request, pk, sid)
        if not p.staff or not isinstance(request.user, User):
            raise NotPermitted(_("只有调解员可以上传录像"))
        return p, request.user


def room_json(p: video.Participant) -> dict[str, Any]:
    rec = (
        VideoRecording.objects.select_related("attachment").filter(session_id=p.session_id).first()
    )
    return {
        "session": p.session_id,
        **video.room(p.session_id),
        "missing_consent": video.missing_consent(p.session_id),
        "recording": recording_json(rec) if rec else None,
    }


def recording_json(rec: VideoRecording) -> dict[str, Any]:
    att = rec.attachment
    return {
        "received": rec.received,
        "chunks": rec.chunks,
        "state": rec.state,
        "sha256": att.sha256 if att else None,
        "attachment": att.pk if att else None,
    }


class VideoRoomView(RoomView):
    @extend_schema(
        operation_id="cases_video_room",
        summary="视频调解室：在场的参加人和录音录像告知的确认情况",
        parameters=[CASE_ID, SESSION_ID],
        responses={200: ROOM, **errors(403, 404, *AUTH_ERRORS)},
    )
    def get(self, request: Request, pk: int, sid: int) -> Response:
        return Response(room_json(self.participant(request, pk, sid)))


class VideoConsentView(RoomView):
    @extend_schema(
        operation_id="cases_video_consent",
        summary="确认录音录像告知（每位参加人录像前须确认）",
        parameters=[CASE_ID, SESSION_ID],
        request=None,
        responses={200: ROOM, **errors(403, 404, *AUTH_ERRORS)},
    )
    def post(self, request: Request, pk: int, sid: int) -> Response:
        p = self.participant(request, pk, sid)
        video.consent(p)
        return Response(room_json(p))


CONTENT_RANGE = OpenApiParameter(
    "Content-Range",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="本段在录像中的位置：bytes 起始-结束/*（从 0 起，紧接已收到的字节）",
)
CHUNK_SHA = OpenApiParameter(
    "X-Chunk-SHA256", str, OpenApiParameter.HEADER, required=True, description="本段的 SHA-256"
)


class RecordingChunkView(RoomView):
    parser_classes = [RawParser]

    @extend_schema(
        operation_id="cases_recording_chunk",
        summary="上传视频调解录像的一段（WebM，录音录像告知全部确认后）",
        parameters=[CASE_ID, SESSION_ID, CONTENT_RANGE, CHUNK_SHA],
        request={"application/octet-stream": {"type": "string", "format": "binary"}},
        responses={
            200: inline_serializer(
                "RecordingChunkReceived",
                {"received": serializers.IntegerField(), "chunks": serializers.IntegerField()},
            ),
            **errors(400, 403, 404, 409, *AUTH_ERRORS),
        },
        examples=[
            OpenApiExample("已收到", value={"received": 262144, "chunks": 1}, response_only=True)
        ],
    )
    def post(self, request: Request, pk: int, sid: int) -> Response:
        p, user = self.mediator(request, pk, sid)
        offset, size = recording.parse_range(request.headers.get("Content-Range"))
        data = request.body if size <= recording.MAX_CHUNK_BYTES else b""
        rec = recording.add_chunk(
            p,
            user,
            offset,
            size,
            (request.headers.get("X-Chunk-SHA256") or "").strip().lower(),
            data,
        )
        return Response({"received": rec.received, "chunks": rec.chunks})


class RecordingFinishView(RoomView):
    @extend_schema(
        operation_id="cases_recording_finish",
        summary="完成录像：立即受理，后台合并为案件材料（视频调解录像）并写入调解记录",
        description="合并的进度见视频调解室的 recording.state（assembling → ready 或 failed）。",
        parameters=[CASE_ID, SESSION_ID],
        request=None,
        responses={
            202: inline_serializer("RecordingFinishing", recording_fields()),
            **errors(403, 404, 409, *AUTH_ERRORS),
        },
        examples=[
            OpenApiExample(
                "合并中",
                value={
                    "received": 294649856,
                    "chunks": 900,
                    "state": "assembling",
                    "sha256": None,
                    "attachment": None,
                },
                response_only=True,
            )
        ],
    )
    def post(self, request: Request, pk: int, sid: int) -> Response:
        p, user = self.mediator(request, pk, sid)
        rec = recording.finish(p, user)
        return Response(recording_json(rec), status=status.HTTP_202_ACCEPTED)
