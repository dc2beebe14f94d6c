"""What every action shares: loading a case under lock for the caller who may see it, the
access rows, and the hooks other apps run inside a transition's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, overload

from django.utils.translation import gettext as _

from mediation import policies
from mediation.errors import NotVisible, PreconditionFailed
from mediation.law.choices import AccessReason
from mediation.models import Case, CaseAccess, CaseEvent, Organization, case_sql

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# A case, or its id as a caller has it (a URL's text, a JSON number).
CaseRef: TypeAlias = "Case | int | str"

# fn(case, name, user, now), inside the transition's transaction.
InTransition: TypeAlias = Callable[[Case, str, "User", dt.datetime], None]
_H = TypeVar("_H", bound=Callable[..., None])

_in_transaction_hooks: list[InTransition] = []
_probes: dict[str, Callable[[Any], Any]] = {}


@overload
def in_transition(fn: _H, *, probe: Callable[[Any], Any] | None = None) -> _H: ...
@overload
def in_transition(
    fn: None = None, *, probe: Callable[[Any], Any] | None = None
) -> Callable[[_H], _H]: ...
def in_transition(
    fn: _H | None = None, *, probe: Callable[[Any], Any] | None = None
) -> _H | Callable[[_H], _H]:
    """Register `fn(case, name, user, now)` to run inside every transition's transaction,
    after its event: the workflows start and advance their handoffs there, so a case and
    its flow tasks commit (or roll back) together.

    `probe(case_ref)`, optional, returns a query expression that the service annotates on
    the row it locks, as `probe_<fn name>`: the hook learns whether it has anything to do
    without a query of its own on the hot path."""

    def deco(fn: _H) -> _H:
        _in_transaction_hooks.append(fn)
        if probe is not None:
            _probes[f"probe_{fn.__name__}"] = probe
        return fn

    return deco(fn) if fn is not None else deco


def load_for_update(case_or_id: CaseRef, user: User | None) -> Case:
    """The case locked until commit, or NotVisible for an unknown id or a user who may
    not see it."""
    # A case's pk, or the id as given (a URL's text, a JSON value: anything may arrive).
    ref: Any = case_or_id.pk if isinstance(case_or_id, Case) else case_or_id
    try:
        pk = int(ref)
    except (ValueError, TypeError):
        raise NotVisible(_("案件不存在")) from None
    case = case_sql.lock_case(pk, _probes)
    if case is None or (user is not None and not policies.can_see(user, case)):
        raise NotVisible(_("案件不存在"))
    return case


def grant_access(case: Case, org: Organization | int, reason: str, now: dt.datetime) -> None:
    """Let `org` see the case (and its earlier events) from now on. Idempotent."""
    org_id = org.pk if isinstance(org, Organization) else org
    obj, created = CaseAccess.objects.get_or_create(
        case=case, org_id=org_id, defaults={"reason": reason, "since": now}
    )
    if not created and obj.reason != reason and reason == AccessReason.HANDLER:
        CaseAccess.objects.filter(pk=obj.pk).update(reason=reason)


def case_etag(case: Case) -> str:
    """The case's version as a strong ETag: every change to a case goes through an action,
    and each records an event or bumps `updated_at`, so (last event id, updated_at) changes
    with it. A quoted string (RFC 9110 §8.8.3)."""
    last = CaseEvent.objects.filter(case_id=case.pk).order_by("-id").values_list("id", flat=True)
    stamp = case.updated_at.timestamp() if case.updated_at else 0
    return f'"{case.pk}-{last.first() or 0}-{int(stamp * 1_000_000)}"'


def check_if_match(case: Case, if_match: str | None) -> None:
    """PreconditionFailed unless `if_match` (the request's If-Match, None when absent) names
    the case's current version; `*` matches any existing case. An empty header is absent,
    as an empty query value is (docs/api.md, Conventions)."""
    if if_match is None or not if_match.strip():
        return
    current = case_etag(case)
    offered = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" not in offered and current not in offered:
        raise PreconditionFailed(_("案件已被他人修改，请重新读取后再更正"), current)
