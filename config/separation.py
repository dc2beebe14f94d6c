"""三员分立 (DESIGN §12.5; 等保 2.0 level 3 安全管理中心: 系统管理员、安全管理员、审计管理员
分设, each action audited). The rules, kept in one place for the admin's pages, the
enrolment page and the commands:

- nobody holds two administrator roles or an administrator role and a business role
  (a membership) at the same time;
- nobody changes their own roles, memberships or second factor;
- a change to an administrator role or a second factor is requested by the security
  administrator and takes effect only when a second administrator (system or security,
  not the requester, not the account concerned) confirms it;
- a second factor is enrolled by its owner through a one-time link: the key is generated
  when the owner opens it, signed in as themselves, never chosen by someone else;
- the superuser is for installation only: its requests take effect at once, until
  `manage.py seal_superuser` disables it.
Every request, decision, enrolment and the seal is an AuditEvent row (append-only) the
audit administrator reads.
"""

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.admin_roles import ADMIN_GROUPS, SECURITY, SYSTEM
from mediation.models import AdminChange, AuditEvent, FactorEnrolment, Membership

ENROLMENT_VALID = dt.timedelta(hours=24)
Kind = AdminChange.Kind


class ChangeConflict(Exception):
    """The change is no longer pending (someone decided it first)."""


def roles_of(user: User | AnonymousUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(user.groups.filter(name__in=ADMIN_GROUPS).values_list("name", flat=True))


def _audit(event_type: str, actor: User, **payload: Any) -> None:
    AuditEvent.objects.create(type=event_type, at=timezone.now(), actor=actor, payload=payload)


# -- who may hold what -------------------------------------------------------------------


def refuse_second_role(user: User, adding: set[str]) -> None:
    """No two administrator roles, no administrator role beside a business role."""
    if len(roles_of(user) | adding) > 1:
        raise ValidationError(_("三员分立：系统管理员、安全管理员、审计管理员不能由同一账号兼任"))
    if adding and Membership.objects.filter(user=user).exists():
        raise ValidationError(
            _("三员分立：管理员不能同时担任业务角色，请先移除该账号的组织成员身份")
        )


def refuse_membership(user: User, actor: User | None = None) -> None:
    """A membership is a business role: never for an administrator, never one's own."""
    if actor is not None and actor.pk == user.pk:
        raise ValidationError(_("三员分立：不能修改自己的角色或组织成员身份"))
    if roles_of(user) or user.is_superuser:
        raise ValidationError(_("三员分立：管理员不能同时担任业务角色（组织成员身份）"))


# -- changes that wait for a second administrator --------------------------------------


def may_request(actor: User) -> bool:
    return actor.is_superuser or SECURITY in roles_of(actor)


def may_confirm(actor: User, change: AdminChange) -> bool:
    if actor.pk in (change.requested_by_id, change.target_id):
        return False
    return actor.is_superuser or bool(roles_of(actor) & {SYSTEM, SECURITY})


def _check(change: AdminChange) -> None:
    target = change.target
    if target.is_superuser:
        raise ValidationError(_("超级用户仅用于安装，不能担任管理员角色"))
    if change.kind == Kind.GRANT_ROLE:
        if change.role not in ADMIN_GROUPS:
            raise ValidationError(_("未知的管理员角色"))
        refuse_second_role(target, {change.role})
    elif change.kind == Kind.REVOKE_ROLE and change.role not in roles_of(target):
        raise ValidationError(_("该账号没有这个管理员角色"))


@transaction.atomic
def request_change(actor: User, kind: str, target: User, role: str = "") -> AdminChange:
    if not may_request(actor):
        raise PermissionDenied(_("三员分立：管理员角色和动态口令的变更由安全管理员申请"))
    if actor.pk == target.pk:
        raise PermissionDenied(_("三员分立：不能修改自己的角色或动态口令"))
    change = AdminChange(
        kind=kind,
        target=target,
        role=role if kind != Kind.RESET_FACTOR else "",
        requested_by=actor,
        requested_at=timezone.now(),
    )
    _check(change)
    if AdminChange.objects.filter(
        target=target, kind=kind, state=AdminChange.State.PENDING
    ).exists():
        raise ValidationError(_("该账号已有一项同类变更等待确认"))
    change.save()
    _audit(
        "admin.change_requested",
        actor,
        change=change.pk,
        kind=kind,
        target=target.username,
        role=change.role,
    )
    return change


@transaction.atomic
def confirm_change(actor: User, change: AdminChange) -> str | None:
    """Apply a pending change; the enrolment link's token when one is issued."""
    change = AdminChange.objects.select_for_update().get(pk=change.pk)
    if change.state != AdminChange.State.PENDING:
        raise ChangeConflict(change.state)
    if not may_confirm(actor, change):
        raise PermissionDenied(_("三员分立：须由申请人和该账号以外的另一名系统或安全管理员确认"))
    return _apply(actor, change)


@transaction.atomic
def confirm_change_as_installer(actor: User, change: AdminChange) -> str | None:
    """Installation: the superuser's own request takes effect at once (until sealed)."""
    change = AdminChange.objects.select_for_update().get(pk=change.pk)
    if not actor.is_superuser or change.requested_by_id != actor.pk:
        raise PermissionDenied(_("三员分立：须由申请人和该账号以外的另一名系统或安全管理员确认"))
    if change.state != AdminChange.State.PENDING:
        raise ChangeConflict(change.state)
    return _apply(actor, change)


def _apply(actor: User, change: AdminChange) -> str | None:
    _check(change)
    target = change.target
    token = None
    if change.kind == Kind.GRANT_ROLE:
        target.groups.add(Group.objects.get(name=change.role))
        target.is_staff = True
        target.save(update_fields=["is_staff"])
        if not TOTPDevice.objects.filter(user=target, confirmed=True).exists():
            token = issue_enrolment(target, change)
    elif change.kind == Kind.REVOKE_ROLE:
        target.groups.remove(Group.objects.get(name=change.role))
        if not roles_of(target):
            target.is_staff = False
            target.save(update_fields=["is_staff"])
    else:
        TOTPDevice.objects.filter(user=target).delete()
        token = issue_enrolment(target, change)
    change.state = AdminChange.State.CONFIRMED
    change.decided_by, change.decided_at = actor, timezone.now()
    change.save(update_fields=["state", "decided_by", "decided_at"])
    _audit(
        "admin.change_confirmed",
        actor,
        change=change.pk,
        kind=change.kind,
        target=target.username,
        role=change.role,
    )
    return token


@transaction.atomic
def reject_change(actor: User, change: AdminChange) -> None:
    change = AdminChange.objects.select_for_update().get(pk=change.pk)
    if change.state != AdminChange.State.PENDING:
        raise ChangeConflict(change.state)
    if not (may_confirm(actor, change) or actor.pk == change.requested_by_id):
        raise PermissionDenied(_("三员分立：须由申请人和该账号以外的另一名系统或安全管理员确认"))
    change.state = AdminChange.State.REJECTED
    change.decided_by, change.decided_at = actor, timezone.now()
    change.save(update_fields=["state", "decided_by", "decided_at"])
    _audit(
        "admin.change_rejected",
        actor,
        change=change.pk,
        kind=change.kind,
        target=change.target.username,
    )


# -- the owner's own enrolment ------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_enrolment(user: User, change: AdminChange | None = None) -> str:
    """A one-time enrolment link's token (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    FactorEnrolment.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
    FactorEnrolment.objects.create(
        user=user,
        token_hash=_hash(token),
        change=change,
        created_at=now,
        expires_at=now + ENROLMENT_VALID,
    )
    return token


def open_enrolment(token: str) -> FactorEnrolment | None:
    return (
        FactorEnrolment.objects.filter(
            token_hash=_hash(token), used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("user")
        .first()
    )


@transaction.atomic
def enrol(user: User, enrolment: FactorEnrolment, device: TOTPDevice, code: str) -> bool:
    """Confirm the owner's new device with a code from it; the link is then spent and the
    account's other devices removed."""
    enrolment = FactorEnrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.user_id != user.pk or device.user_id != user.pk:
        raise PermissionDenied(_("此链接只能由账号本人使用"))
    if enrolment.used_at is not None or enrolment.expires_at <= timezone.now():
        raise ChangeConflict("used")
    if not device.verify_token(code):
        return False
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    enrolment.used_at = timezone.now()
    enrolment.save(update_fields=["used_at"])
    _audit("admin.factor_enrolled", user, device=device.persistent_id, enrolment=enrolment.pk)
    return True


# -- installation only --------------------------------------------------------------------


def unsealed_gaps() -> list[str]:
    """The roles without an active holder with a second factor (sealing would leave them
    unfilled for good)."""
    gaps = []
    for name in ADMIN_GROUPS:
        holders = User.objects.filter(groups__name=name, is_active=True, is_superuser=False)
        if not TOTPDevice.objects.filter(user__in=holders, confirmed=True).exists():
            gaps.append(name)
    return gaps


@transaction.atomic
def seal_superusers(actor: User | None = None) -> list[str]:
    """Disable every superuser for good: not active, no password, no superuser flag."""
    sealed = []
    for user in User.objects.select_for_update().filter(is_superuser=True):
        user.is_superuser = False
        user.is_staff = False
        user.is_active = False
        user.set_unusable_password()
        user.save()
        TOTPDevice.objects.filter(user=user).delete()
        sealed.append(user.username)
        _audit("admin.superuser_sealed", actor or user, username=user.username)
    return sealed


def one_admin_group(
    sender: type[Model],
    instance: Model,
    action: str,
    pk_set: set[int] | None,
    model: type[Model],
    **kwargs: Any,
) -> None:
    """However a group is added (admin, shell, code): the separation rules hold."""
    if action != "pre_add" or model is not Group or not isinstance(instance, User):
        return
    adding = set(
        Group.objects.filter(pk__in=pk_set or (), name__in=ADMIN_GROUPS).values_list(
            "name", flat=True
        )
    )
    if adding:
        refuse_second_role(instance, adding)


def no_membership_for_admins(sender: type[Model], instance: Membership, **kwargs: Any) -> None:
    refuse_membership(instance.user)
