"""Types that do not lie (issue 31): what the OpenAPI document says a field or parameter
takes is what the server takes — checked by the strict validator an integrator would use
(openapi-core's OpenAPI 3.1 schema validator), and by the server answering."""

from typing import Any

import pytest
from django.utils import timezone
from openapi_schema_validator import OAS31Validator

from mediation import policies
from mediation.law.choices import State
from tests import contract
from tests.conftest import case_body


def _validator(component: str) -> OAS31Validator:
    doc = contract.document()
    return OAS31Validator({"$ref": f"#/components/schemas/{component}", **doc})


def _valid(component: str, body: dict[str, Any]) -> bool:
    return _validator(component).is_valid(body)


def test_the_document_is_openapi_31_without_a_bare_nullable() -> None:
    doc = contract.document()
    assert doc["openapi"].startswith("3.1")
    found = []

    def walk(node: Any, at: str) -> None:
        if isinstance(node, dict):
            if "nullable" in node:
                found.append(at)
            for key, value in node.items():
                walk(value, f"{at}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{at}/{i}")

    walk(doc, "")
    assert not found, found


def test_applicants_and_consent_of_are_lists_of_party_ids(api: Any, world: Any) -> None:
    props = contract.document()["components"]["schemas"]["TransitionRequestConfirmation"]
    for name in ("applicants", "consent_of"):
        assert props["properties"][name]["type"] == ["array", "null"]
        assert props["properties"][name]["items"]["type"] == "integer"
    case = world.make_case(State.AGREED)
    pids = sorted(case.case_parties.values_list("party_id", flat=True))
    body = {
        "court": world.court.pk,
        "applicants": [pids[0]],
        "consent_of": [pids[1]],
        "paper_signatures": True,
    }
    assert _valid("TransitionRequestConfirmation", body)
    assert not _valid("TransitionRequestConfirmation", {**body, "applicants": str(pids[0])})
    r = api(world.mediator).post(
        f"/api/cases/{case.pk}/transitions/request_confirmation/", body, format="json"
    )
    assert r.status_code == 200, r.content
    assert r.json()["confirmation_applicants"] == [pids[0]]


@pytest.mark.parametrize(
    ("amount", "documented", "served"),
    [
        ("3000.50", True, 201),
        ("999999999999.99", True, 201),  # 12 whole digits, 2 places (max_digits=14)
        ("10000000000000", False, 400),  # 10^13
        ("1.234", False, 400),
        ("-1", False, 400),
        (None, True, 201),  # null: absent
        ("", True, 201),  # empty: absent, as Django reads it
    ],
)
def test_amount_is_a_bounded_decimal_string(
    api: Any, world: Any, amount: str | None, documented: bool, served: int
) -> None:
    body = case_body(world.home, amount=amount)
    assert _valid("CaseRegistrationRequest", body) is documented
    assert api(world.intake).post("/api/cases/", body, format="json").status_code == served


def test_an_amount_number_with_more_places_is_refused_by_its_rule(api: Any, world: Any) -> None:
    """A JSON number's decimal places are what the schema cannot state (the schema says so
    in the field's description): the refusal names the rule, never Django's generic digit
    count (schemathesis's own check in tests/integrator/st_hooks.py fails on that)."""
    from tests.integrator.st_hooks import is_generic

    body = case_body(world.home, amount=276693731921.0662)
    assert _valid("CaseRegistrationRequest", body)
    r = api(world.intake).post("/api/cases/", body, format="json")
    assert r.status_code == 400
    (message,) = r.json()["errors"]["amount"]
    assert "小数至多2位" in message and not is_generic(message)
    ok = api(world.intake).post("/api/cases/", case_body(world.home, amount=3000.5), format="json")
    assert ok.status_code == 201 and ok.json()["amount"] == "3000.50"


def test_summary_procedure_null_is_absent(api: Any, world: Any) -> None:
    body = {**case_body(world.home), "referral_number": "（2026）宁0303诉前调1号"}
    body["summary_procedure"] = None
    assert _valid("CourtReferralRequest", body)
    r = api(world.clerk).post("/api/courts/referrals/", body, format="json")
    assert r.status_code == 201, r.content


def test_follow_up_route_null_is_documented_and_absent(api: Any, world: Any) -> None:
    case = world.make_case(State.AGREED)
    body = {"date": timezone.localdate().isoformat(), "performed": True, "route": None}
    assert _valid("FollowUpRequest", body)
    assert not _valid("FollowUpRequest", {**body, "route": "appeal"})
    r = api(world.mediator).post(f"/api/cases/{case.pk}/follow-ups/", body, format="json")
    assert r.status_code == 201, r.content


def test_consultation_org_null_is_absent(api: Any, world: Any) -> None:
    body = {
        "org": None,
        "channel": "hotline",
        "topic": "mediation",
        "category": "neighbour",
        "question": "邻居排水怎么办？",
        "answer": "可申请人民调解。",
        "caller_phone": "13995312345",
    }
    assert _valid("ConsultationRequest", body)
    # the intake clerk's one desk, as when org is left out
    r = api(world.intake).post("/api/consultations/", body, format="json")
    assert r.status_code == 201, r.content
    assert [r.json()["org"]] == policies.consultation_orgs(world.intake)


def _query_parameters() -> list[tuple[str, str, bool]]:
    out = []
    for path, item in contract.document()["paths"].items():
        op = item.get("get")
        if op is None or "{" in path:
            continue
        for param in op.get("parameters", []):
            if param["in"] == "query":
                out.append((path, param["name"], bool(param.get("allowEmptyValue"))))
    return out


@pytest.mark.parametrize(("path", "name", "empty_allowed"), _query_parameters())
def test_an_empty_query_value_is_what_the_document_says(
    api: Any, world: Any, path: str, name: str, empty_allowed: bool
) -> None:
    """One rule: a parameter the document marks `allowEmptyValue` treats `name=` as
    absent; any other answers 400 naming it."""
    r = api(world.head).get(f"{path}?{name}=")
    if r.status_code == 403:  # the supervisors' operations
        r = api(world.supervisor).get(f"{path}?{name}=")
    if empty_allowed:
        assert r.status_code == 200, r.content
    else:
        assert r.status_code == 400, (r.status_code, r.content[:200])
        assert name in r.json()["errors"]
