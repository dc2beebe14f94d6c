"""The demo accounts' shared password and the roster entries of the demo mediators."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password

from mediation.law.choices import Role
from mediation.models import MediatorProfile, Membership


class DemoPassword:
    """The demo password, hashed once for every demo account (PBKDF2 costs ~0.2 s a time,
    and there are ~80 accounts): one shared salt is harmless where the password is shared
    and printed. A stored hash is checked once, whichever accounts carry it."""

    def __init__(self, raw: str) -> None:
        self.raw, self.encoded = raw, make_password(raw)
        self.checked: dict[str, bool] = {self.encoded: True}

    def holds(self, encoded: str) -> bool:
        if encoded not in self.checked:
            self.checked[encoded] = check_password(self.raw, encoded)
        return self.checked[encoded]


MEDIATOR_TYPES = [
    ("full_time", "staff", ["neighbour", "marriage_family", "housing_land"]),
    ("part_time", "legal_literate", ["neighbour", "land_contract"]),
    ("part_time", "retired_judicial", ["contract", "damages", "labor"]),
    ("part_time", "lawyer", ["contract", "labor", "medical"]),
    ("part_time", "village_counsel", ["housing_land", "forest_land", "land_acquisition"]),
    ("full_time", "staff", ["traffic", "damages", "consumer"]),
]


def build_mediator_profiles() -> int:
    """A roster entry (DESIGN §8) for every mediator without one: type and specialties
    from a fixed rotation, so the roster and the suggestions have something to show."""
    made = 0
    members = Membership.objects.filter(role=Role.MEDIATOR).order_by("user_id")
    for i, user_id in enumerate(dict.fromkeys(m.user_id for m in members)):
        if MediatorProfile.objects.filter(user_id=user_id).exists():
            continue
        employment, kind, specialties = MEDIATOR_TYPES[i % len(MEDIATOR_TYPES)]
        profile = MediatorProfile(user_id=user_id, employment=employment, kind=kind)
        profile.set_specialties(specialties)
        profile.save()
        made += 1
    return made
