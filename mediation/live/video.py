"""`/ws/video/{sid}/`: signalling for an online session's room (DESIGN.md §12.6).

Its own channel-layer group per session (`video.<sid>`), not the case sockets' hub: the
offers, answers and candidates of a call add no load to the event stream.

Who may connect: the parties invited to the session (their /party/ sign-in in the session
cookie, the invitation not expired) and the staff who may record on the case (the staff
session cookie). Anyone else is accepted only to be told why and closed with 4403. The
check runs again on every message: a participant whose access ended is closed (4403).

Client messages (JSON objects, at most MAX_MESSAGE_BYTES):
  {"action": "join"}                              enter the room (an event)
  {"action": "offer" | "answer", "to": id, "sdp": "…"}
  {"action": "candidate", "to": id, "candidate": {…} | null}
  {"action": "mute" | "remove", "to": id}         mediators only
  {"action": "leave"}                             (also when the socket closes; an event)
Server messages: `welcome` (you, ICE servers, who is in), `joined`, `left`, `offer`,
`answer`, `candidate`, `mute`, `removed`, `error`."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from mediation.actions import video
from mediation.actions.party_access import session_for
from mediation.errors import DomainError

log = logging.getLogger(__name__)

CLOSE_REFUSED = 4403
CLOSE_TOO_BIG = 1009
MAX_MESSAGE_BYTES = 64 * 1024
ACTIONS = {"join", "offer", "answer", "candidate", "leave", "mute", "remove"}
STAFF_ONLY = {"mute", "remove"}
TO_SOMEONE = {"offer", "answer", "candidate", "mute", "remove"}
_WHO = re.compile(r"^(party|user):\d{1,12}$")
PARTY_TOKEN_KEY = "party_token"  # mediation.web.views.party.SESSION_KEY


class BadMessage(ValueError):
    pass


def parse(text: str | None) -> dict[str, Any]:
    """A validated client message, or BadMessage with the reason (in Chinese)."""
    try:
        msg = json.loads(text or "")
    except (ValueError, RecursionError):
        raise BadMessage(_("消息应为JSON对象")) from None
    if not isinstance(msg, dict):
        raise BadMessage(_("消息应为JSON对象"))
    action = msg.get("action")
    if action not in ACTIONS:
        raise BadMessage(_("action 应为：%(a)s") % {"a": "、".join(sorted(ACTIONS))})
    out: dict[str, Any] = {"action": action}
    if action in TO_SOMEONE:
        to = msg.get("to")
        if not isinstance(to, str) or not _WHO.match(to):
            raise BadMessage(_("to 应为参加人编号"))
        out["to"] = to
    if action in ("offer", "answer"):
        sdp = msg.get("sdp")
        if not isinstance(sdp, str) or not sdp or len(sdp) > MAX_MESSAGE_BYTES:
            raise BadMessage(_("sdp 应为会话描述文本"))
        out["sdp"] = sdp
    if action == "candidate":
        cand = msg.get("candidate")
        if cand is not None and not _candidate_ok(cand):
            raise BadMessage(_("candidate 应为ICE候选对象"))
        out["candidate"] = cand
    if action == "mute":
        out["kind"] = "video" if msg.get("kind") == "video" else "audio"
    return out


def _candidate_ok(cand: object) -> bool:
    if not isinstance(cand, dict) or set(cand) - {
        "candidate",
        "sdpMid",
        "sdpMLineIndex",
        "usernameFragment",
    }:
        return False
    return all(
        v is None or (isinstance(v, str) and len(v) <= 2000) or type(v) is int
        for v in cand.values()
    )


def ice_servers() -> list[dict[str, Any]]:
    servers = settings.WEBRTC_ICE_SERVERS
    return servers if isinstance(servers, list) else []


class VideoConsumer(AsyncWebsocketConsumer):
    participant: video.Participant | None = None
    presence_id: int | None = None
    group = ""

    def _credentials(self) -> tuple[Any, str | None]:
        user = self.scope.get("user")
        session = self.scope.get("session")
        token = session.get(PARTY_TOKEN_KEY) if session is not None else None
        return user, token if isinstance(token, str) else None

    @database_sync_to_async
    def _authorise(self, sid: int) -> video.Participant:
        user, token = self._credentials()
        if user is not None and getattr(user, "is_authenticated", False):
            return video.staff_participant(user, sid)
        return video.party_participant(session_for(token), sid)

    async def connect(self) -> None:
        sid = int(self.scope["url_route"]["kwargs"]["sid"])
        await self.accept()
        try:
            self.participant = await self._authorise(sid)
        except DomainError as exc:
            await self._refuse(exc.detail)
            return
        self.group = f"video.{sid}"

    async def _refuse(self, reason: str) -> None:
        await self.send(json.dumps({"type": "error", "detail": reason}, ensure_ascii=False))
        await self.close(code=CLOSE_REFUSED)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        p = self.participant
        if p is None:
            return
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_MESSAGE_BYTES or bytes_data is not None:
            await self.send_json({"type": "error", "detail": _("消息过大或格式不对")})
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            msg = parse(text_data)
        except BadMessage as exc:
            await self.send_json({"type": "error", "detail": str(exc)})
            return
        user, token = self._credentials()
        allowed = await database_sync_to_async(video.still_allowed)(p, user, token)
        if not allowed:
            await self._leave()
            await self._refuse(_("您已无权参加本次视频调解"))
            return
        action = msg["action"]
        if action in STAFF_ONLY and not p.staff:
            await self.send_json({"type": "error", "detail": _("只有调解员可以这样操作")})
            return
        if action == "join":
            await self._join()
        elif action == "leave":
            await self._leave()
            await self.close()
        elif self.presence_id is None:
            await self.send_json({"type": "error", "detail": _("请先进入视频调解室")})
        else:
            await self._relay(msg)

    async def _join(self) -> None:
        p = self.participant
        assert p is not None
        if self.presence_id is not None:
            return
        client = self.scope.get("client") or ("", 0)
        try:
            presence = await database_sync_to_async(video.join)(p, str(client[0] or ""))
        except DomainError as exc:
            await self._refuse(exc.detail)
            return
        self.presence_id = presence.pk
        await self.channel_layer.group_add(self.group, self.channel_name)
        room = await database_sync_to_async(video.room)(p.session_id)
        await self.send_json(
            {
                "type": "welcome",
                "you": p.who,
                "staff": p.staff,
                "ice_servers": ice_servers(),
                "participants": room["participants"],
            }
        )
        await self._broadcast(
            {"type": "joined", "participant": {"id": p.who, "name": p.name, "role": p.role}}
        )

    async def _relay(self, msg: dict[str, Any]) -> None:
        p = self.participant
        assert p is not None
        action = msg.pop("action")
        frame = {"type": "removed" if action == "remove" else action, "from": p.who, **msg}
        await self._broadcast(frame)

    async def _broadcast(self, frame: dict[str, Any]) -> None:
        await self.channel_layer.group_send(self.group, {"type": "video.frame", "frame": frame})

    async def video_frame(self, event: dict[str, Any]) -> None:
        """A frame from the group: delivered if it is for everyone or for this socket."""
        frame = event["frame"]
        me = self.participant.who if self.participant else None
        if frame.get("from") == me or frame.get("to") not in (None, me):
            return
        if frame["type"] in ("joined", "left") and frame["participant"]["id"] == me:
            return
        await self.send_json(frame)
        if frame["type"] == "removed":
            await self._leave()
            await self.close(code=CLOSE_REFUSED)

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(json.dumps(content, ensure_ascii=False))

    async def _leave(self) -> None:
        p, presence = self.participant, self.presence_id
        if p is None or presence is None:
            return
        self.presence_id = None
        await database_sync_to_async(video.leave)(presence)
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await self._broadcast(
            {"type": "left", "participant": {"id": p.who, "name": p.name, "role": p.role}}
        )

    async def disconnect(self, code: int) -> None:
        try:
            await self._leave()
        except Exception:  # the socket is gone either way; the stay stays open in the log
            log.exception("video: leaving session failed")
