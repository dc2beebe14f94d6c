"""Who may do what in 警调对接 (DESIGN.md §12.4), beside mediation.policies (which holds the
task roles of the flow, `police.feedback` and `police.review`).

A police officer refers disputes on behalf of the stations they serve and sees the cases
their station referred (the referral grants the station's sight of the case, as a petition
transfer grants the bureau's: mediation.policies.visible_cases); the parties' personal data
stays masked to the station, which rules on nothing (DESIGN.md §9).
"""

from __future__ import annotations

from mediation import policies
from mediation.law.choices import OrgKind, Role
from mediation.models import Organization
from mediation.policies import Actor


def referring_stations(user: Actor | None) -> list[int]:
    """The police stations on whose behalf the user may refer a dispute: those where they
    hold the police officer's role (a role held in another kind of organisation refers
    nothing), in id order."""
    orgs = [o for o, roles in policies.roles_by_org(user).items() if Role.POLICE_OFFICER in roles]
    if not orgs:
        return []
    return list(
        Organization.objects.filter(pk__in=orgs, kind=OrgKind.POLICE_STATION)
        .order_by("id")
        .values_list("pk", flat=True)
    )


def may_use_police_desk(user: Actor | None) -> bool:
    return bool(referring_stations(user))
