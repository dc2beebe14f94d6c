"""The Ministry's table adds up over the demo data (issue #28): per row 书面 + 口头 = 调解成功,
a refused confirmation counted once as a success, 协议涉及金额 the agreements' own amount in
万元, the disputes' sources adding up to the accepted."""

from decimal import Decimal

import pytest

from mediation.actions import services
from mediation.errors import InvalidFields
from mediation.law.choices import Category, EscalationKind, Network, State
from mediation.models import Agreement, Case
from mediation.ops import demo
from mediation.supervision.figures import SUCCEEDED, Filters, ministry_table
from tests.law.test_law import agreement


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
    # 防止民间纠纷激化: every kind has prevented disputes on the demo, each one a flagged
    # dispute the mediation settled — never more than the row's successes, and the rows
    # add up to the total
    for kind in EscalationKind.values:
        key = f"prevented_{kind}"
        settled = succeeded.filter(risk_kind=kind).count()
        assert total[key] == settled > 0, key
        assert total[key] == sum(r[key] for r in rows), key
        assert people.filter(risk_kind=kind).count() >= settled
    for row in rows:
        prevented = sum(row[f"prevented_{k}"] for k in EscalationKind.values)
        assert prevented <= row["succeeded"], row
    # a flagged dispute that did not settle is not counted as prevented
    assert people.exclude(pk__in=succeeded).exclude(risk_kind="").exists()


def test_prevented_escalation_counts_by_kind(world):
    case = world.make_case(State.MEDIATING)
    with pytest.raises(InvalidFields) as err:
        services.flag_risk(case, world.mediator, {"level": "medium", "note": "x", "kind": "riot"})
    assert "kind" in err.value.errors
    services.flag_risk(
        case, world.mediator, {"level": "medium", "note": "扬言集体上访", "kind": "mass_petition"}
    )
    unsettled = world.make_case(State.MEDIATING)
    services.flag_risk(unsettled, world.mediator, {"level": "low", "note": "x", "kind": "suicide"})
    services.perform(
        case,
        "reach_agreement",
        world.mediator,
        agreement(amount="12345.00"),
    )
    total = ministry_table(world.supervisor, Filters(None, None, "", ""))["total"]
    assert (total["prevented_mass_petition"], total["prevented_suicide"]) == (1, 0)
    assert total["amount"] == "1.23"  # 12345 元 in 万元, two decimals
    assert total["written"] + total["oral"] == total["succeeded"] == 1


def test_rows_are_the_ministrys_categories_ours_folded_in(api, world):
    """The table's rows are the Ministry's 矛盾纠纷类型 in its order; our finer categories
    fold into them (土地承包流转 → 山林土地, 旅游 → 消费, 校园 → 其他), the case keeps its own."""
    tourism = world.make_case(State.ACCEPTED, category="tourism")
    world.make_case(State.ACCEPTED, category="land_contract")
    world.make_case(State.ACCEPTED, category="forest_land")
    world.make_case(State.ACCEPTED, category="education")
    t = api(world.supervisor).get("/api/stats/ministry/").json()
    assert [r["label"] for r in t["rows"]] == [
        "婚姻家庭",
        "邻里",
        "房屋宅基地",
        "合同",
        "生产经营",
        "损害赔偿",
        "山林土地",
        "征地拆迁",
        "环境污染",
        "劳动争议",
        "消费",
        "医疗",
        "道路交通事故",
        "物业",
        "其他",
    ]
    rows = {r["key"]: r for r in t["rows"]}
    assert rows["forest_land"]["accepted"] == 2
    assert rows["forest_land"]["includes"] == ["land_contract", "forest_land"]
    assert (rows["consumer"]["accepted"], rows["other"]["accepted"]) == (1, 1)
    assert "tourism" in rows["consumer"]["includes"]
    # every category of ours is in exactly one row, so the rows add up to the total
    included = [c for r in t["rows"] for c in r["includes"]]
    assert sorted(included) == sorted(Category.values)
    assert sum(r["accepted"] for r in t["rows"]) == t["total"]["accepted"] == 4
    tourism.refresh_from_db()
    assert tourism.category == "tourism"
