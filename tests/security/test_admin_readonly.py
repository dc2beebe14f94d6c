"""The admin shows case data read-only (#33): a case, its parties, handoffs and access rows
change only through the actions, each with its event, so not even a superuser adds,
changes or deletes them in the admin. Configuration stays editable."""

import pytest
from django.utils import timezone

from mediation.actions import services
from mediation.models import Case, CaseAccess, CaseEvent, Handoff, Party
from tests.conftest import case_body


@pytest.fixture
def case(world):
    case = services.register_case(world.intake, case_body(world.home))
    Handoff.objects.create(
        case=case, kind="court", org=world.court, opened_at=timezone.now(), external_number="A1"
    )
    return case


def rows(case: Case) -> dict[str, object]:
    """The admin's URL name for each case-data model -> one row of it."""
    return {
        "case": case,
        "party": case.case_parties.first().party,
        "handoff": case.handoffs.get(),
        "caseaccess": case.access.first(),
        "caseevent": CaseEvent.objects.filter(case=case).first(),
    }


def test_a_superuser_only_reads_case_data(admin_client, case):
    events = CaseEvent.objects.count()
    summary = case.summary
    for name, obj in rows(case).items():
        base = f"/admin/mediation/{name}/"
        assert admin_client.get(base).status_code == 200, name
        page = admin_client.get(f"{base}{obj.pk}/change/")
        assert page.status_code == 200, name
        html = page.content.decode()
        # No form fields to fill in, no save button.
        assert 'name="_save"' not in html, name
        assert "<textarea" not in html and 'type="text"' not in html, name
        # Posting the change form anyway is refused.
        post = admin_client.post(f"{base}{obj.pk}/change/", {"summary": "edited", "name": "x"})
        assert post.status_code == 403, name
        assert admin_client.get(f"{base}add/").status_code == 403, name
        assert admin_client.post(f"{base}add/", {}).status_code == 403, name
        assert admin_client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
        # Nor does the list's bulk delete action exist.
        bulk = admin_client.post(
            base, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
        )
        assert bulk.status_code in (200, 302), name
    case.refresh_from_db()
    assert case.summary == summary
    assert Case.objects.filter(pk=case.pk).exists()
    assert Party.objects.count() == 2 and Handoff.objects.count() == 1
    assert CaseAccess.objects.filter(case=case).exists()
    assert CaseEvent.objects.count() == events


def test_inlines_of_a_case_are_read_only(admin_client, case):
    html = admin_client.get(f"/admin/mediation/case/{case.pk}/change/").content.decode()
    assert "case_parties-TOTAL_FORMS" not in html or 'name="case_parties-0-role"' not in html
    assert "add another" not in html.lower()


def test_configuration_stays_editable(admin_client, world):
    page = admin_client.get(f"/admin/mediation/organization/{world.home.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()
    assert admin_client.get("/admin/mediation/holiday/add/").status_code == 200
    assert admin_client.get("/admin/mediation/timelimit/add/").status_code == 200
