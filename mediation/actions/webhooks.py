"""The one door for webhook endpoints (DESIGN §12.3): created and deleted by a supervisor
or the system administrator (mediation.policies.may_manage_webhooks).

An endpoint starts at the outbox's current end: it receives the events committed after it
was created, in id order (mediation.live.webhooks delivers them)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.errors import InvalidFields, NotPermitted
from mediation.law.choices import EventType
from mediation.models import CaseEvent, Organization, Webhook

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

__all__ = ["create_webhook", "delete_webhook", "url_errors"]

MIN_SECRET = 16
MAX_SECRET = 200
MAX_URL = 500


def _private(host: str) -> bool:
    """True when the host is (or resolves to) a loopback, private or link-local address."""
    try:
        addresses = {ipaddress.ip_address(host.strip("[]"))}
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            return False  # unresolvable now: the deliveries will say so
        addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
    return any(a.is_private or a.is_loopback or a.is_link_local for a in addresses)


def url_errors(url: str) -> list[str]:
    """Why a receiver address is refused: http or https with a host, no credentials; private
    addresses only when WEBHOOK_ALLOW_PRIVATE (the embedded default: the court's platform
    is often on the county's own network)."""
    if len(url) > MAX_URL:
        return [_("地址不能超过 %(n)d 个字符") % {"n": MAX_URL}]
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        return [_("地址格式有误")]
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [_("地址须以 http:// 或 https:// 开头并含主机名")]
    if parts.username or parts.password:
        return [_("地址中不能含用户名或密码")]
    if any(c.isspace() for c in url):
        return [_("地址格式有误")]
    if not settings.WEBHOOK_ALLOW_PRIVATE and _private(parts.hostname):
        return [_("不允许内网或本机地址")]
    return []


def _check(url: Any, events: Any, secret: Any, org: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(url, str) or not url:
        errors["url"] = [_("请填写接收地址")]
    elif problems := url_errors(url):
        errors["url"] = problems
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        errors["events"] = [_('请以列表给出事件类型，或 ["*"] 表示全部')]
    elif unknown := [e for e in events if e != "*" and e not in EventType.values]:
        errors["events"] = [_("未知的事件类型：%(t)s") % {"t": "、".join(unknown[:5])}]
    if not isinstance(secret, str) or not MIN_SECRET <= len(secret) <= MAX_SECRET:
        errors["secret"] = [
            _("密钥须为 %(a)d 至 %(b)d 个字符") % {"a": MIN_SECRET, "b": MAX_SECRET}
        ]
    if org is not None and (
        isinstance(org, bool)
        or not isinstance(org, int)
        or not Organization.objects.filter(pk=org).exists()
    ):
        errors["org"] = [_("组织不存在")]
    return errors


def _manager(user: User | AnonymousUser) -> None:
    if not policies.may_manage_webhooks(user):
        raise NotPermitted(_("只有司法局监督管理人员或系统管理员可以管理 Webhook"))


def create_webhook(
    user: User | AnonymousUser,
    url: Any,
    events: Any,
    secret: Any,
    org: Any = None,
) -> Webhook:
    _manager(user)
    errors = _check(url, events, secret, org)
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    kinds: Sequence[str] = ["*"] if "*" in events else sorted(set(events))
    with transaction.atomic():
        # from now on: the outbox's current end (an endpoint does not replay the past)
        start = CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0
        return Webhook.objects.create(
            url=url,
            events=list(kinds),
            secret=secret,
            org_id=org,
            created_by=user if user.is_authenticated else None,
            created_at=timezone.now(),
            cursor=start,
        )


def delete_webhook(user: User | AnonymousUser, webhook: Webhook) -> None:
    """The endpoint and its delivery log go; a worker delivering to it stops at its next
    step (it finds the row gone)."""
    _manager(user)
    with transaction.atomic():
        webhook.delete()
