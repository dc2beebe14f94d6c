"""The demo data as a supervisor reads it (issue #28): administrative organs mediate only
within their remit, every person's gender agrees with the identity number (GB 11643: the
17th digit is odd for men) and with the given name where the name is unmistakable, and
petition transfers and court referrals are among the cases."""

import pytest

from mediation.law.choices import Channel, OrgKind
from mediation.models import Agreement, Case, CaseParty, OrganRemit, Party
from mediation.ops import demo, demo_disputes

# Characters that in the demo's names end only a woman's given name, and only a man's.
FEMALE_ENDINGS = set("梅兰燕珍芳花霞娟凤英秀琴莲")
MALE_ENDINGS = set("军国强刚勇林平")


@pytest.mark.slow  # seeds the whole demo (about 30 s)
def test_demo_data_a_supervisor_would_not_question(db):
    demo.seed()
    # administrative organs mediate only within their remit
    remits = {r.subtype: set(r.categories) for r in OrganRemit.objects.all()}
    cases = Case.objects.filter(org__kind=OrgKind.ADMIN_ORGAN).select_related("org")
    assert cases.exists()
    for case in cases:
        assert case.category in remits[case.org.subtype], (case.number, case.category)
    # names and genders agree
    people = Party.objects.filter(kind="person").exclude(id_number="")
    assert people.exists()
    for party in people:
        male = int(party.id_number[16]) % 2 == 1
        assert party.gender == ("male" if male else "female"), (party.name, party.id_number)
        last = party.name[-1]
        if last in FEMALE_ENDINGS:
            assert party.gender == "female", party.name
        if last in MALE_ENDINGS:
            assert party.gender == "male", party.name
    # petition transfers and court referrals among the cases
    channels = set(Case.objects.values_list("channel", flat=True))
    assert {Channel.PETITION_TRANSFER, Channel.COURT_REFERRAL} <= channels
    # a minor is neither a veteran nor a migrant worker
    minors = [p for p in Party.objects.all() if "minor" in p.tags]
    assert minors
    for party in minors:
        assert not {"veteran", "migrant_worker"} & set(party.tags), party.name
    # an employer, a hospital, a property or a sales company is an organisation; a
    # termination names arbitration only for a labour dispute; the terms answer the claim
    for link in CaseParty.objects.filter(
        role="respondent", case__category__in=["labor", "medical", "property_mgmt", "consumer"]
    ).select_related("party"):
        assert link.party.kind == "organization", link.party.name
    for case in Case.objects.exclude(category="labor").exclude(routes_advised=""):
        assert "仲裁" not in case.routes_advised, case.number
    for agreement in Agreement.objects.select_related("case"):
        assert agreement.terms == demo_disputes.TERMS[agreement.case.category]
