"""The Ministry's table adds up over the demo data (issue #28): per row 书面 + 口头 = 调解成功,
a refused confirmation counted once as a success, 协议涉及金额 the agreements' own amount in
万元, the disputes' sources adding up to the accepted."""

from decimal import Decimal

import pytest

from mediation.law.choices import Network
from mediation.models import Agreement, Case
from mediation.ops import demo
from mediation.supervision.figures import SUCCEEDED, Filters, ministry_table


@pytest.fixture
def seeded(db):
    demo.seed()
    return demo


def test_ministry_rows_add_up_over_the_demo_data(seeded, world):
    table = ministry_table(world.supervisor, Filters(None, None, "", ""))
    rows, total = table["rows"], table["total"]
    assert total["succeeded"] > 0
    for row in [*rows, total]:
        assert row["written"] + row["oral"] == row["succeeded"], row
        sources = row["source_applied"] + row["source_proactive"] + row["source_referred"]
        assert sources == row["accepted"], row
        assert row["performed"] <= row["succeeded"]
    for key in ("succeeded", "written", "oral", "accepted", "parties"):
        assert total[key] == sum(r[key] for r in rows), key
    people = Case.objects.filter(network=Network.PEOPLE)
    succeeded = people.filter(SUCCEEDED, agreements__isnull=False).distinct()
    assert total["succeeded"] == succeeded.count()
    # a case whose confirmation the court refused is one success, not zero nor two
    rejected = people.filter(outcome="confirmation_rejected")
    assert rejected.exists() and set(rejected) <= set(succeeded)
    yuan = sum(
        (Agreement.objects.filter(case=c).order_by("-id").first().amount or Decimal(0))
        for c in succeeded
    )
    assert total["amount"] == f"{yuan / 10000:.2f}"
    assert total["source_referred"] > 0  # petition transfers and court referrals
