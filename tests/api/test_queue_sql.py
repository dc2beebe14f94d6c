"""The queue page's hand-written SQL (mediation.actions.queue_sql) answers exactly what the ORM
read answered, row for row and detail for detail, for every demo user: masking,
mediators, parties in their order, handoffs, records and the transitions each user is
offered."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mediation.actions import queue_sql
from mediation.api import serializers as s
from mediation.models import Attachment, Case, CaseParty, Handoff, Party
from mediation.ops import demo


def orm_cases(ids, detail=False):
    """The same cases read through the ORM, as the API read them before queue_sql."""
    parties = CaseParty.objects.select_related("party").order_by("position", "id")
    qs = (
        Case.objects.filter(pk__in=ids)
        .select_related("org", "mediator")
        .prefetch_related(
            Prefetch("case_parties", queryset=parties),
            Prefetch("handoffs", queryset=Handoff.objects.select_related("org")),
        )
    )
    if detail:
        qs = qs.prefetch_related(*queue_sql.RECORDS)
    return list(qs)


@pytest.fixture
def seeded(db):
    demo.seed(count=len(demo.PLAN))
    # A third party added last at the first position: a case's parties are in their
    # order (position, then link), not in the order they were written.
    case = Case.objects.order_by("id").first()
    party = Party.objects.create(kind="person", name="后加第三人", phone="13900001111")
    CaseParty.objects.create(case=case, party=party, role="third_party", position=0)
    # Papers on two cases (the demo has none): two on one, to show their order.
    last = Case.objects.order_by("-id").first()
    for c, name in ((case, "身份证复印件.pdf"), (case, "授权委托书.pdf"), (last, "收据.png")):
        Attachment.objects.create(
            case=c, kind="evidence", name=name, content_type="application/pdf",
            file=f"attachments/{name}", size=1024, sha256="0" * 64,
            uploaded_at=timezone.now(),
        )  # fmt: skip
    return list(Case.objects.order_by("id").values_list("id", flat=True))


def _rows(cases, user, now, serializer=s.CaseListSerializer):
    context = {"user": user, "now": now}
    by_id = {case.pk: case for case in cases}
    return [serializer(by_id[pk], context=context).data for pk in sorted(by_id)]


def test_every_row_as_the_orm_reads_it_for_every_user(seeded):
    """One test: the demo is seeded once (it takes a while)."""
    now = timezone.now()
    _covers(seeded, now)
    users = list(get_user_model().objects.filter(memberships__isnull=False).distinct())
    assert len(users) >= len(demo.ACCOUNTS)
    for start in range(0, len(seeded), 50):
        ids = seeded[start : start + 50]
        orm = orm_cases(ids)
        fast = queue_sql.page_cases(ids)
        assert sorted(c.pk for c in fast) == ids
        for user in users:
            assert _rows(fast, user, now) == _rows(orm, user, now), user.username
    # The detail (case_json): every record under the case, every few cases for every user.
    detail = s.CaseDetailSerializer
    for pk in [*seeded[::7], seeded[-1]]:
        fast, orm = [queue_sql.detail_case(pk)], orm_cases([pk], detail=True)
        for user in users:
            assert _rows(fast, user, now, detail) == _rows(orm, user, now, detail)
    with CaptureQueriesContext(connection) as read:
        cases = queue_sql.page_cases(seeded[:50])
    assert len(read) == 3
    with CaptureQueriesContext(connection) as serialised:
        _rows(cases, users[0], now)
    # The caller's memberships are read once (policies.roles_by_org); nothing per row.
    assert len(serialised) <= 1


def _covers(seeded, now, detail=s.CaseDetailSerializer):
    """The demo has what the rows show: masked and full parties, a case's parties in
    their order, mediators or none, handoffs (which the rules read), offered transitions."""
    assert len(seeded) > 100
    cases = queue_sql.page_cases(seeded)
    assert sum(len(c.handoffs.all()) for c in cases) == Handoff.objects.count() > 0
    user = get_user_model().objects.get(username="head")
    rows = _rows(cases, user, now)
    parties = [p for row in rows for p in row["parties"]]
    assert {p["masked"] for p in parties} == {True, False}
    assert any(p["id_number"] and not p["masked"] for p in parties)
    first = rows[0]["parties"]
    assert [p["name"] for p in first].index("后加第三人") == 1 and len(first) == 3
    assert any(row["mediator"] for row in rows) and any(not row["mediator"] for row in rows)
    assert any(row["available_transitions"] for row in rows)
    shown = [*seeded[::7], seeded[0], seeded[-1]]  # the cases with papers among them
    details = _rows([queue_sql.detail_case(pk) for pk in shown], user, now, detail)
    first_case = next(d for d in details if d["id"] == seeded[0])
    assert [a["name"] for a in first_case["attachments"]] == ["身份证复印件.pdf", "授权委托书.pdf"]
    for record in ("agreement", "sessions", "follow_ups", "handoffs", "attachments"):
        assert any(d[record] for d in details), record


def test_no_ids_no_query(db):
    with CaptureQueriesContext(connection) as read:
        assert queue_sql.page_cases([]) == []
    assert len(read) == 0
    with pytest.raises(Case.DoesNotExist):
        queue_sql.detail_case(1)


def _plain(obj) -> dict:
    state = obj.__dict__["_state"]
    kept = {k: v for k, v in vars(obj).items() if k not in ("_state", "_prefetched_objects_cache")}
    return {**kept, "_state": (state.adding, state.db)}


def test_instances_are_what_the_orm_makes(seeded):
    """page_cases builds its instances without Model.__init__ (queue_sql._plain_init): each
    holds exactly what the ORM's instance of the same row holds, django-fsm's state guard
    included, and that guard still refuses a stale save."""
    from django_fsm import ConcurrentTransition

    from mediation.models import Organization

    with_handoff = list(Handoff.objects.values_list("case_id", flat=True)[:5])
    cases = queue_sql.page_cases([*seeded[:30], *with_handoff])
    assert all(c.plain for c in queue_sql._columns())
    links = [link for case in cases for link in case.case_parties.all()]
    handoffs = [h for case in cases for h in case.handoffs.all()]
    assert links and handoffs
    for fast, orm in (
        *((c, Case.objects.get(pk=c.pk)) for c in cases),
        *((c.org, Organization.objects.only("id", "name").get(pk=c.org_id)) for c in cases),
        *((lk.party, Party.objects.get(pk=lk.party_id)) for lk in links),
        *((h, Handoff.objects.get(pk=h.pk)) for h in handoffs),
    ):
        assert _plain(fast) == _plain(orm), type(fast)
    stale = cases[0]
    Case.objects.filter(pk=stale.pk).update(state="closed_withdrawn")
    stale.summary = "改"
    with pytest.raises(ConcurrentTransition):
        stale.save()


def test_a_post_init_listener_gets_the_orm_path(db):
    from django.db.models.signals import post_init

    def listener(**kwargs):
        pass

    post_init.connect(listener, sender=Party)
    try:
        assert not queue_sql._plain_init(Party, ("id", "name"))
    finally:
        post_init.disconnect(listener, sender=Party)
    assert queue_sql._plain_init(Party, ("id", "name"))


def test_a_prefetched_list_filters_as_a_queryset(seeded):
    """The prefetched lists share one empty query per model: filtering one clones it and
    reads the database, and leaves the shared query and the other lists as they were."""
    cases = queue_sql.page_cases(seeded[:10])
    first, second = cases[0].case_parties.all(), cases[1].case_parties.all()
    assert first.query is second.query
    roles = {link.role for link in first}
    applicants = list(first.filter(role="applicant", case=cases[0]))
    assert applicants and {a.role for a in applicants} == {"applicant"} <= roles
    assert not first.query.where and list(second) == list(cases[1].case_parties.all())
