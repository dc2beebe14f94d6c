"""GET /api/cases/: filters, q, keyset pagination in queue order, constant query count."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from mediation.law.choices import State
from mediation.models import Case
from tests.conftest import APPLICANT, RESPONDENT

PLAIN = {
    **APPLICANT,
    "name": "白玉梅",
    "id_number": "640303199001010020",
    "tags": [],
    "gender": "female",
}  # 36 years old, no priority tag


def plain_parties(name="白玉梅"):
    return [{**PLAIN, "name": name}, dict(RESPONDENT)]


def ids(r):
    assert r.status_code == 200, r.content
    return [row["id"] for row in r.json()["results"]]


@pytest.fixture
def spread(world, on_a_wednesday):
    """A handful of cases that differ in every filtered field."""
    now = timezone.now()
    c = {}
    c["priority"] = world.make_case(State.REGISTERED, now=now - dt.timedelta(days=3))
    c["plain"] = world.make_case(
        State.MEDIATING, parties=plain_parties(), now=now - dt.timedelta(days=1)
    )
    c["labor"] = world.make_case(
        State.REGISTERED,
        category="labor",
        channel="hotline",
        parties=plain_parties("苏小花"),
        summary="拖欠工资三个月",
        now=now - dt.timedelta(days=2),
    )
    c["closed"] = world.make_case(
        State.CLOSED, parties=plain_parties(), now=now - dt.timedelta(days=40)
    )
    c["lawyer"] = world.make_case(
        State.REGISTERED, org=world.lawyer_studio, region="太阳山镇", parties=plain_parties()
    )
    c["traffic"] = world.make_case(
        State.REGISTERED, org=world.traffic_police, category="traffic", parties=plain_parties()
    )
    return c


def test_queue_order_priority_first_then_newest(api, world, spread):
    got = ids(api(world.supervisor).get("/api/cases/"))
    assert got[0] == spread["priority"].pk
    rest = [c for c in got[1:]]
    created = {c.pk: c.created_at for c in spread.values()}
    assert rest == sorted(rest, key=lambda pk: created[pk], reverse=True)


def test_filters(api, world, spread):
    c = api(world.supervisor)
    assert ids(c.get("/api/cases/?state=mediating")) == [spread["plain"].pk]
    assert set(ids(c.get("/api/cases/?state=mediating&state=closed"))) == {
        spread["plain"].pk,
        spread["closed"].pk,
    }
    assert ids(c.get("/api/cases/?network=lawyer")) == [spread["lawyer"].pk]
    assert ids(c.get(f"/api/cases/?org={world.traffic_police.pk}")) == [spread["traffic"].pk]
    assert ids(c.get("/api/cases/?category=labor")) == [spread["labor"].pk]
    assert ids(c.get("/api/cases/?channel=hotline")) == [spread["labor"].pk]
    assert ids(c.get("/api/cases/?priority=true")) == [spread["priority"].pk]
    assert spread["priority"].pk not in ids(c.get("/api/cases/?priority=false"))
    assert ids(c.get("/api/cases/?region=太阳山镇")) == [spread["lawyer"].pk]
    today = timezone.localdate()
    recent = ids(c.get(f"/api/cases/?created_after={(today - dt.timedelta(days=2)).isoformat()}"))
    assert spread["closed"].pk not in recent and spread["plain"].pk in recent
    old = ids(c.get(f"/api/cases/?created_before={(today - dt.timedelta(days=30)).isoformat()}"))
    assert old == [spread["closed"].pk]


def test_bad_filter_values_are_400(api, world, spread):
    r = api(world.supervisor).get("/api/cases/?state=flying&created_after=yesterday")
    assert r.status_code == 400
    assert {"state", "created_after"} <= set(r.json()["errors"])


def test_q_searches_number_party_names_and_summary(api, world, spread):
    c = api(world.supervisor)
    assert ids(c.get("/api/cases/?q=苏小花")) == [spread["labor"].pk]
    assert ids(c.get("/api/cases/?q=拖欠工资")) == [spread["labor"].pk]
    number = spread["traffic"].number
    assert ids(c.get("/api/cases/", {"q": number})) == [spread["traffic"].pk]
    assert set(ids(c.get("/api/cases/?q=马建国"))) == {spread["priority"].pk}


def test_overdue(api, world, spread):
    c = api(world.supervisor)
    # The priority case's acceptance decision was due a day after it came in, 3 days ago.
    assert ids(c.get("/api/cases/?overdue=true")) == [spread["priority"].pk]
    assert spread["priority"].pk not in ids(c.get("/api/cases/?overdue=false"))
    with time_machine.travel(timezone.now() + dt.timedelta(days=40)):
        # A fresh login: the first token expired while idle for 40 days.
        late = set(ids(api(world.supervisor).get("/api/cases/?overdue=true")))
    assert spread["closed"].pk not in late and spread["plain"].pk in late


def test_visibility_of_the_list(api, world, spread):
    mine = set(ids(api(world.head).get("/api/cases/?page_size=100")))
    home = {k for k in ("priority", "plain", "labor", "closed")}
    assert mine == {spread[k].pk for k in home}
    assert ids(api(world.outsider).get("/api/cases/")) == []


def test_cursor_pagination_walks_forward_and_back(api, world):
    now = timezone.now()
    made = [
        world.make_case(parties=plain_parties(), now=now - dt.timedelta(minutes=i))
        for i in range(7)
    ]
    c = api(world.head)
    r = c.get("/api/cases/?page_size=3")
    pages = [ids(r)]
    assert r.json()["previous"] is None
    while r.json()["next"]:
        r = c.get(r.json()["next"])
        pages.append(ids(r))
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [pk for p in pages for pk in p] == [m.pk for m in made]
    back = c.get(r.json()["previous"])
    assert ids(back) == pages[1]
    assert ids(c.get(back.json()["previous"])) == pages[0]
    assert c.get("/api/cases/?cursor=garbage").status_code == 404


@pytest.mark.parametrize("size", [5, 50])
@pytest.mark.parametrize(
    ("who", "queries", "then"),
    [
        # token → user, the caller's organisations, the bounded count of the cases their
        # organisations may see (sparse callers start from those ids; remembered for a
        # minute, so the next page does not count), the page's ids (the index range
        # alone), the page's rows, their parties, their handoffs (the rules behind
        # available_transitions read them)
        ("head", 7, 6),
        # a supervisor sees everything: no organisation filter, no count
        ("supervisor", 6, 6),
    ],
)
def test_list_uses_a_constant_number_of_queries(
    api, world, size, who, queries, then, django_assert_num_queries
):
    now = timezone.now()
    for i in range(52):
        parties = plain_parties() if i % 3 else None
        extra = {"parties": parties} if parties else {}
        state = State.ACCEPTED if i % 2 else State.REGISTERED
        world.make_case(state, now=now - dt.timedelta(minutes=i), **extra)
    client = api(getattr(world, who))
    with django_assert_num_queries(queries):
        r = client.get(f"/api/cases/?page_size={size}")
    with django_assert_num_queries(then):
        assert client.get(f"/api/cases/?page_size={size}").json() == r.json()
    rows = r.json()["results"]
    assert len(rows) == size
    assert all(len(row["parties"]) == 2 for row in rows)
    assert any(row["mediator"] for row in rows)
    offered = {row["state"]: {t["name"] for t in row["available_transitions"]} for row in rows}
    if who == "head":
        assert {"accept", "decline"} <= offered["registered"]
        assert {"begin", "reassign"} <= offered["accepted"]
    else:  # a supervisor watches; acting is the handling organisation's
        assert all(names == set() for names in offered.values())


def test_dense_callers_skip_the_id_list(api, world, settings, monkeypatch):
    """Above the threshold the queue walks its index with the EXISTS filter alone; the
    answer is the same either way."""
    from mediation.api import views

    for i in range(4):
        world.make_case(now=timezone.now() - dt.timedelta(minutes=i))
    client = api(world.head)
    sparse = ids(client.get("/api/cases/"))
    monkeypatch.setattr(views, "SPARSE_ACCESS", 2)
    assert ids(client.get("/api/cases/")) == sparse and len(sparse) == 4


def test_unfiltered_pages_skip_the_filterset(api, world, spread, monkeypatch):
    """The hot path (no filter parameter) does not build the FilterSet; any filter
    parameter, even an empty or invalid one, still goes through it."""
    from mediation.api.filters import CaseFilter

    built = []
    original = CaseFilter.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(CaseFilter, "__init__", counting)
    c = api(world.supervisor)
    everything = ids(c.get("/api/cases/?page_size=100"))
    assert set(everything) == {case.pk for case in spread.values()} and built == []
    assert ids(c.get("/api/cases/?page_size=100&region=")) == everything and built == [1]
    assert c.get("/api/cases/?priority=yes").status_code == 400 and built == [1, 1]


@pytest.mark.parametrize("sparse", [True, False])
def test_unfiltered_page_ids_are_the_orm_query(world, spread, sparse, monkeypatch):
    """The unfiltered queue's compiled id query (views.unfiltered_page_ids) reads the same
    ids as the query the ORM builds for it, for every demo user (and one with no
    organisation), from the start and from every row in both directions, dense and sparse;
    ties on created_at are broken by id alike."""
    from django.contrib.auth import get_user_model

    from mediation import policies
    from mediation.api import views
    from mediation.api.pagination import ordered

    if not sparse:
        monkeypatch.setattr(views, "SPARSE_ACCESS", 0)  # every caller counts as dense
    views._sparse_memo.clear()
    at = timezone.now() - dt.timedelta(hours=5)
    for org in (world.home, world.other):
        for _ in range(3):
            world.make_case(State.ACCEPTED, org=org, parties=plain_parties(), now=at)
        world.make_case(State.REGISTERED, org=org, now=at)  # priority, same instant
    nobody = get_user_model().objects.create_user("nobody", password="x-Unused-Password-1")
    checked, seen = 0, []
    for user in [*world.users.values(), nobody]:
        policies.forget(user)
        orm = views.narrow_to_sparse_access(user, policies.visible_cases(user))
        queue = list(ordered(orm, None, False).values_list("priority", "created_at", "id"))
        if user is nobody:
            assert queue == []
        else:
            seen.append(len(queue))
        keys = [None, *queue]
        for key in keys:
            for reverse in (False, True) if key else (False,):
                for limit in (1, 3, 100):
                    want = list(ordered(orm, key, reverse).values_list("pk", flat=True)[:limit])
                    got = views.unfiltered_page_ids(user, key, reverse, limit)
                    assert got == want, (user.username, key, reverse, limit)
                    checked += 1
    # visibility told users apart: some saw part of the queue, the supervisor all of it
    assert checked > 200 and max(seen) == Case.objects.count()
    assert any(0 < n < max(seen) for n in seen)
    assert views.unfiltered_page_ids(world.supervisor, None, False, 100) == [
        row[2]
        for row in ordered(Case.objects.all(), None, False).values_list(
            "priority", "created_at", "id"
        )
    ]


def test_a_queue_page_is_freed_without_the_cycle_collector(api, world, monkeypatch):
    """The cases a queue page built are freed as soon as the response is rendered, by
    reference counting: no reference cycle of DRF's view, request and response keeps them
    for the cyclic garbage collector (config.middleware.ReleaseViewMiddleware), whose runs
    over a server's heap cost two fifths of a page's CPU."""
    import gc
    import weakref

    from mediation.actions import queue_sql

    for i in range(3):
        world.make_case(now=timezone.now() - dt.timedelta(minutes=i))
    built: list[weakref.ref] = []
    original = queue_sql.page_cases

    def recording(ids):
        cases = original(ids)
        built.extend(weakref.ref(case) for case in cases)
        return cases

    monkeypatch.setattr(queue_sql, "page_cases", recording)
    client = api(world.head)
    gc.collect()
    gc.disable()
    try:
        r = client.get("/api/cases/")
        assert len(ids(r)) == 3 and len(built) == 3
        assert [ref() for ref in built] == [None, None, None]
    finally:
        gc.enable()
