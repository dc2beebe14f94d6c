"""seed_demo: the demo organisations, accounts and cases; running it again changes nothing."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command

from mediation.models import (
    Case,
    CaseEvent,
    Consultation,
    MediationSession,
    Membership,
    Organization,
    ScreeningRound,
)
from mediation.ops import demo, demo_video


def _counts():
    return {
        "orgs": Organization.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "states": sorted(Case.objects.values_list("number", "state")),
    }


def test_seed_is_idempotent(db):
    # a slice of the plan keeps the test fast; the second run goes through the command
    result = demo.seed(count=24)
    assert result["cases_created"] == 24
    # one online session scheduled on a case of the demo mediator (§12.6); the slice has
    # no case in mediation yet, so an accepted one
    online = MediationSession.objects.get(online=True, place=demo_video.PLACE)
    assert online.case.state in ("mediating", "accepted")
    assert online.case.mediator.username == "mediator"
    assert online.held_at is None and online.invitations.count() >= 2
    first = _counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "cases created: 0" in out.getvalue()
    assert _counts() == first
    demo.seed(count=24)
    assert _counts() == first


def test_seed_demo_accounts_and_organisations(db, settings):
    demo.seed(count=12)
    User = get_user_model()
    for username, org_name, role, _full in demo.ACCOUNTS:
        user = User.objects.get(username=username)
        assert user.check_password(settings.DEMO_PASSWORD), username
        assert Membership.objects.filter(user=user, org__name=org_name, role=role).exists()
    networks = set(Organization.objects.exclude(network="").values_list("network", flat=True))
    assert networks == {"people", "administrative", "judicial", "lawyer"}
    # every mediating organisation can act: a head and a mediator each
    for org in Organization.objects.exclude(network=""):
        roles = set(Membership.objects.filter(org=org).values_list("role", flat=True))
        assert {"org_head", "mediator"} <= roles, org.name
    # the plan's cases, plus the disputes found by screening and one consultation
    planned = Case.objects.filter(screening_finding__isnull=True, consultation__isnull=True)
    # (and the dispute whose parties take part online, DESIGN §12.2, and the police
    # stations' referrals, §12.4, one in each stage of the link)
    assert planned.count() == 12 + 1 + 3
    police = Case.objects.filter(channel="police_referral")
    assert sorted(police.values_list("handoffs__status", flat=True)) == ["closed", "open", "open"]
    proactive = Case.objects.filter(screening_finding__isnull=False)
    assert proactive.exists()
    assert set(proactive.values_list("channel", flat=True)) == {"proactive"}
    assert Case.objects.filter(consultation__isnull=False).count() == 1
    assert ScreeningRound.objects.exists() and Consultation.objects.count() == 4
    # every case's history starts with its registration
    for case in Case.objects.all():
        assert case.events.order_by("id").first().type == "case.created"
