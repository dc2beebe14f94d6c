"""Issue 30: ESC, BEL, CR/LF, zero-width and invisible-only names were accepted, and U+202E
passed in complaints and the importer. One name validator now guards every door that takes
a name: parties and their representatives (API and register_case), complaints, the
importer."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from mediation.actions import services
from mediation.errors import InvalidFields
from mediation.models import Case, Complaint
from mediation.ops.importer import write_workbook
from tests.conftest import APPLICANT, case_body
from tests.ops.test_import import good_row

from .test_tokens import client_with, token_for

BAD_NAMES = {
    "esc": "马建\x1b[31m国",
    "bel": "马建国\x07",
    "cr_lf": "马建国\r\n杨学军",
    "trailing_lf": "马建国\n",
    "zero_width": "马\u200b建国",
    "bom": "\ufeff马建国",
    "invisible_only": "\u3164\u3164",
    "zero_width_only": "\u200b\u200c",
    "rlo": "马建\u202e国",
}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_party_names_refused_through_the_api(world, name):
    applicant = {**APPLICANT, "name": name}
    body = case_body(world.home, parties=[applicant, case_body(world.home)["parties"][1]])
    with pytest.raises(InvalidFields):
        services.register_case(world.intake, body)
    r = client_with(token_for(world.intake)).post("/api/cases/", body, format="json")
    assert r.status_code == 400
    assert "parties[0].name" in r.json()["errors"]


def test_a_representatives_name_is_checked_too(world):
    applicant = {
        **APPLICANT,
        "representative": {"kind": "agent", "name": "杨\x1b学军", "phone": "13995310002"},
    }
    body = case_body(world.home, parties=[applicant, case_body(world.home)["parties"][1]])
    with pytest.raises(InvalidFields):
        services.register_case(world.intake, body)


def test_ordinary_names_still_pass(world):
    for name in ("马建国", "阿依古丽·买买提", "O'Brien Mary-Jane", "  马建国  "):
        applicant = {**APPLICANT, "name": name}
        body = case_body(world.home, parties=[applicant, case_body(world.home)["parties"][1]])
        case = services.register_case(world.intake, body)
        assert case.case_parties.get(role="applicant").party.name == name.strip()


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_complainant_names_refused(world, name, settings):
    settings.COMPLAINT_RATE_PER_IP = 10_000
    body = {
        "org": world.home.pk,
        "complainant": name,
        "contact": "13995310001",
        "facts": "调解员在调解中偏袒对方。",
    }
    r = APIClient().post("/api/complaints/", body, format="json")
    assert r.status_code == 400
    assert "complainant" in r.json()["errors"]
    assert not Complaint.objects.exists()


def test_importer_refuses_the_same_names(world, tmp_path):
    rows = [
        good_row(1, **{"申请人": "马建\u202e国"}),
        good_row(2, **{"被申请人": "杨\u200b学军"}),  # (XLSX cannot even hold BEL or ESC)
        good_row(3, **{"申请人": "\u3164"}),
        good_row(4, **{"申请人": "马建国\r\n"}),
        good_row(5),
    ]
    path = tmp_path / "register.xlsx"
    write_workbook(path, rows)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_cases", str(path), "--dry-run", "--no-progress", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(x.startswith("第2行\t申请人\t") and "方向控制" in x for x in lines), lines
    assert any(x.startswith("第3行\t被申请人\t") for x in lines), lines
    assert any(x.startswith("第4行\t申请人\t") for x in lines), lines
    assert any(x.startswith("第5行\t申请人\t") for x in lines), lines
    assert not any(x.startswith("第6行") for x in lines)
    assert Case.objects.count() == 0


def test_the_schema_says_so():
    import re

    import yaml

    from tests.api.test_contract import ROOT  # the committed document

    doc = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8"))
    pattern = doc["components"]["schemas"]["PartyRequest"]["properties"]["name"]["pattern"]
    for name in BAD_NAMES.values():
        assert not re.fullmatch(pattern, name), repr(name)  # ECMA: $ is the very end
    assert re.fullmatch(pattern, "马建国")
