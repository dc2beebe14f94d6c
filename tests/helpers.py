"""Shared helpers for the foundation tests: a snapshot of everything a refused transition
must leave alone, and a way to try a transition and roll it back."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from mediation.actions import services
from mediation.law.identity import id_check_char
from mediation.models import Agreement, Case, CaseAccess, CaseEvent, Membership

NETWORK_ORG = {
    "people": "home",
    "administrative": "traffic_police",
    "judicial": "court",
    "lawyer": "lawyer_studio",
}


def resident_id(birth: dt.date, male: bool = True, area: str = "640303", seq: str = "01") -> str:
    body = f"{area}{birth:%Y%m%d}{seq}{1 if male else 2}"
    return body + id_check_char(body)


def plain_party(role: str, name: str, birth=dt.date(1985, 6, 1)) -> dict:
    """A natural person of working age without any priority tag."""
    return {
        "role": role,
        "kind": "person",
        "name": name,
        "gender": "male",
        "id_number": resident_id(birth),
        "phone": "13995300000",
    }


def snapshot(case) -> dict:
    """Everything a refused transition must not touch."""
    return {
        "row": Case.objects.filter(pk=case.pk).values().get(),
        "events": list(CaseEvent.objects.filter(case_id=case.pk).values_list("id", "type")),
        "access": sorted(
            CaseAccess.objects.filter(case_id=case.pk).values_list("org_id", "reason")
        ),
        "agreements": Agreement.objects.filter(case_id=case.pk).count(),
    }


class _Undo(Exception):
    pass


def try_and_undo(case, name, user, data, check=None):
    """Run the transition for real, let `check(result)` look at it, then roll it back so
    the same case can be offered to the next role."""
    try:
        with transaction.atomic():
            result = services.perform(case.pk, name, user, data)
            if check:
                check(result)
            raise _Undo
    except _Undo:
        pass


def cast(world, org):
    """The people of `org` for a role matrix: head, first mediator, a second mediator."""
    if org.pk == world.home.pk:
        return {"head": world.head, "mediator": world.mediator, "peer": world.mediator2}
    peer, _ = get_user_model().objects.get_or_create(username=f"peer_{org.pk}")
    Membership.objects.get_or_create(user=peer, org=org, role="mediator")
    return {
        "head": world.staff(org, "org_head"),
        "mediator": world.staff(org, "mediator"),
        "peer": peer,
    }
