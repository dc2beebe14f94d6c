"""Resident ID numbers (GB 11643-1999), phones, credit codes and the masking helpers,
with generated inputs (hypothesis) and the intake form that uses them."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from mediation.actions import services
from mediation.errors import InvalidFields, NotPermitted
from mediation.law.identity import (
    age_on,
    credit_check_char,
    id_check_char,
    mask_id_number,
    mask_name,
    mask_phone,
    parse_resident_id,
    validate_credit_code,
    validate_phone,
)
from mediation.models import Case
from tests.conftest import case_body
from tests.helpers import plain_party

areas = st.integers(min_value=110000, max_value=829999).map(str)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


def build(area: str, birth: dt.date, seq: int) -> str:
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + id_check_char(body)


@given(areas, births, sequences)
def test_valid_ids_parse_with_birth_date_and_gender(area, birth, seq):
    number = build(area, birth, seq)
    rid = parse_resident_id(number)
    assert rid.number == number
    assert rid.birth_date == birth
    assert rid.gender == ("male" if seq % 2 else "female")


@given(areas, births, sequences)
def test_lower_case_x_and_spaces_are_normalised(area, birth, seq):
    number = build(area, birth, seq)
    assert parse_resident_id(f"  {number.lower()} ").number == number


@given(areas, births, sequences, st.integers(0, 17), st.integers(1, 9))
def test_any_single_digit_change_is_rejected(area, birth, seq, position, delta):
    number = build(area, birth, seq)
    chars = list(number)
    if chars[position] == "X":
        chars[position] = str(delta)
    else:
        chars[position] = str((int(chars[position]) + delta) % 10)
    mutated = "".join(chars)
    assert mutated != number
    # GB 11643's ISO 7064 MOD 11-2 check catches every single-character error
    with pytest.raises(ValidationError):
        parse_resident_id(mutated)


@given(areas, births, sequences, st.integers(0, 15))
def test_adjacent_transpositions_are_rejected(area, birth, seq, position):
    number = build(area, birth, seq)
    chars = list(number)
    chars[position], chars[position + 1] = chars[position + 1], chars[position]
    swapped = "".join(chars)
    if swapped != number:
        with pytest.raises(ValidationError):
            parse_resident_id(swapped)


@given(st.text(max_size=20))
def test_arbitrary_text_never_crashes(text):
    try:
        parse_resident_id(text)
    except ValidationError:
        pass


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("64030319550301003", "format"),  # 17 characters
        ("6403031955030100300", "format"),
        ("64030319550301003Y", "format"),
        ("640303195502300030", "birth_date"),  # 30 February
        ("640303189901010030", "birth_date"),  # before 1900
        ("640303295501010030", "birth_date"),  # in the future
    ],
)
def test_malformed_ids_name_their_fault(value, code):
    body = value[:17]
    if code == "birth_date" and len(value) == 18:
        value = body + id_check_char(body)  # a correct check char: only the date is wrong
    with pytest.raises(ValidationError) as err:
        parse_resident_id(value)
    assert err.value.code == code


def test_known_number_from_the_test_world():
    rid = parse_resident_id("640303195503010030")
    assert rid.birth_date == dt.date(1955, 3, 1)
    assert rid.gender == "male"


@given(st.from_regex(r"\A\d{17}[\dX]\Z", fullmatch=True))
@settings(max_examples=200)
def test_masked_id_keeps_first_six_and_last_four(number):
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:]
    assert masked[6:14] == "********"


@given(st.from_regex(r"\A1[3-9]\d{9}\Z", fullmatch=True))
def test_mobile_numbers_validate_and_mask(phone):
    assert validate_phone(phone) == phone
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]


@pytest.mark.parametrize("phone", ["0953-5012345", "09535012345", "010-12345678-123"])
def test_landlines_validate(phone):
    assert validate_phone(phone) == phone


@pytest.mark.parametrize("phone", ["12345678901", "1399531234", "abc", "0953-12", ""])
def test_bad_phones_are_refused(phone):
    with pytest.raises(ValidationError):
        validate_phone(phone)


def test_masking_of_short_and_empty_values():
    assert mask_id_number("") == ""
    assert mask_phone("") == ""
    assert mask_name("马建国") == "马**"
    assert mask_name("马") == "马"
    assert mask_name("") == ""
    assert "2345" in mask_phone("0953-5012345") and "501" not in mask_phone("0953-5012345")


credit_chars = st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY")


@given(st.lists(credit_chars, min_size=17, max_size=17).map("".join))
def test_credit_code_check_char(prefix):
    # the 3rd–8th characters are the region code: digits only
    prefix = prefix[:2] + "640300" + prefix[8:]
    code = prefix + credit_check_char(prefix)
    assert validate_credit_code(code, strict_checksum=True) == code
    wrong = next(c for c in "0123456789" if c != code[-1])
    with pytest.raises(ValidationError):
        validate_credit_code(prefix + wrong, strict_checksum=True)
    # the format alone is accepted when the checksum is not enforced
    assert validate_credit_code(prefix + wrong, strict_checksum=False) == prefix + wrong


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (dt.date(1966, 3, 2), dt.date(2026, 3, 1), 59),
        (dt.date(1966, 3, 2), dt.date(2026, 3, 2), 60),
        (dt.date(2008, 2, 29), dt.date(2026, 2, 28), 17),
        (dt.date(2008, 2, 29), dt.date(2026, 3, 1), 18),
    ],
)
def test_age_on_birthday_edges(birth, day, age):
    assert age_on(birth, day) == age


def test_intake_derives_gender_birth_date_and_groups(world):
    minor = {
        **plain_party("third_party", "马小花", birth=dt.date(2015, 5, 5)),
        # a minor takes part through a guardian (民法典 art 23)
        "representative": {"kind": "guardian", "name": "马建国"},
    }
    body = case_body(world.home)
    body["parties"].append(minor)
    case = services.register_case(world.intake, body)
    parties = {cp.party.name: cp.party for cp in case.case_parties.select_related("party")}
    assert parties["马建国"].birth_date == dt.date(1955, 3, 1)
    assert parties["马建国"].tags == ["elderly", "veteran"]
    assert parties["马小花"].tags == ["minor"]
    assert case.priority


def test_intake_refuses_a_bad_id_with_the_partys_name(world):
    body = case_body(world.home)
    body["parties"][1]["id_number"] = "640303198001010019"
    with pytest.raises(InvalidFields) as err:
        services.register_case(world.intake, body)
    assert err.value.errors == {"parties[1].id_number": ["当事人“杨学军”：公民身份号码校验码错误"]}


def test_intake_refuses_gender_contradicting_the_id(world):
    body = case_body(world.home)
    body["parties"][0]["gender"] = "female"
    with pytest.raises(InvalidFields) as err:
        services.register_case(world.intake, body)
    assert "parties[0].gender" in err.value.errors


def test_intake_validation_writes_nothing_and_returns_the_cleaned_registration(world):
    body = case_body(world.home)
    body["parties"].append(plain_party("third_party", "马小花", birth=dt.date(2015, 5, 5)))
    body["parties"][-1]["representative"] = {"kind": "guardian", "name": "马建国"}
    before = Case.objects.count()
    registration = services.validate_registration(body, now=timezone.now())
    assert Case.objects.count() == before
    assert registration.org == world.home
    assert registration.fields["category"] == "neighbour"
    assert [p["tags"] for p in registration.parties][-1] == ["minor"]
    assert registration.priority


def test_intake_refuses_a_foreign_organisation_before_checking_the_guardians(world):
    body = case_body(world.other)
    # a minor without a guardian: refused by the intake's validation (民法典 art 23) ...
    body["parties"].append(plain_party("third_party", "马小花", birth=dt.date(2015, 5, 5)))
    # a mediator registers for their own committee only
    with pytest.raises(NotPermitted):
        services.register_case(world.mediator, body)
    # ... but only once the user may register at that organisation
    with pytest.raises(InvalidFields) as err:
        services.register_case(world.mediator, case_body(world.home, parties=body["parties"]))
    assert list(err.value.errors) == ["parties[2].representative"]
    assert Case.objects.count() == 0
