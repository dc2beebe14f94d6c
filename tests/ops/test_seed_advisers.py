"""seed_demo's village legal advisers: every township covered but one, the demo account
`adviser` on the register with a month of services; seeding again adds nothing."""

from mediation.county import advisers
from mediation.county.demo import DEMO_SERVICES
from mediation.law.choices import State
from mediation.models import AdviserService, LegalAdviser
from mediation.ops import demo


def test_the_demo_covers_every_township_but_one(db, monkeypatch):
    monkeypatch.setattr(demo, "PLAN", [State.AGREED] * 2)
    demo.seed(count=2)
    coverage = advisers.coverage()
    unmet = [t["region"] for t in coverage["townships"] if not t["met"]]
    assert unmet == ["新庄集乡"]
    assert coverage["villages"] - coverage["covered"] == 1
    mine = LegalAdviser.objects.get(user__username="adviser")
    assert AdviserService.objects.filter(adviser=mine).count() == len(DEMO_SERVICES)
    counts = (LegalAdviser.objects.count(), AdviserService.objects.count())
    demo.seed(count=2)
    assert (LegalAdviser.objects.count(), AdviserService.objects.count()) == counts
