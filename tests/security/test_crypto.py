"""SM4 encryption at rest for resident ID numbers and phones, behind one interface, with a
keyed-hash (HMAC-SM3) lookup so an exact number still finds its case."""

import base64

import pytest
from django.db import connection
from gmssl.sm4 import SM4_DECRYPT, CryptSM4

from mediation.models import Party, crypto
from tests.conftest import APPLICANT

from .test_tokens import client_with, token_for


def raw_row(party):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number, phone, id_number_digest, phone_digest FROM mediation_party "
            "WHERE id = %s",
            [party.pk],
        )
        return cur.fetchone()


def test_round_trip_and_nothing_in_clear(world):
    case = world.make_case()
    party = Party.objects.get(case_links__case=case, name=APPLICANT["name"])
    assert party.id_number == APPLICANT["id_number"] and party.phone == APPLICANT["phone"]
    id_raw, phone_raw, id_digest, phone_digest = raw_row(party)
    assert id_raw.startswith("sm4$") and phone_raw.startswith("sm4$")
    assert APPLICANT["id_number"] not in id_raw and "13995312345" not in phone_raw
    assert id_digest == crypto.digest("id_number", APPLICANT["id_number"])
    assert phone_digest == crypto.digest("phone", "139 9531 2345")
    # Random IVs: the same number encrypts differently each time.
    assert crypto.encrypt("640303195503010030") != crypto.encrypt("640303195503010030")


def test_ciphertext_is_standard_sm4_cbc(settings):
    """An independent implementation (gmssl) decrypts what we wrote."""
    stored = crypto.encrypt("640303195503010030")
    body = base64.b64decode(stored[len(crypto.PREFIX) :])[: -crypto.TAG_BYTES]
    enc_key = crypto.keys()[0]
    sm4 = CryptSM4()
    sm4.set_key(enc_key, SM4_DECRYPT)
    assert sm4.crypt_cbc(body[:16], body[16:]) == b"640303195503010030"


def test_tampering_and_wrong_key_are_detected(settings):
    stored = crypto.encrypt("13995312345")
    raw = bytearray(base64.b64decode(stored[len(crypto.PREFIX) :]))
    raw[20] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(crypto.PREFIX + base64.b64encode(bytes(raw)).decode())
    settings.PII_KEY = "ab" * 32
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored)


def test_search_by_exact_id_or_phone_through_the_keyed_hash(world):
    mine = world.make_case()
    other = world.make_case(
        parties=[
            {"role": "applicant", "kind": "person", "name": "王秀英", "phone": "13995300002"},
            {"role": "respondent", "kind": "person", "name": "李德胜"},
        ]
    )
    c = client_with(token_for(world.head))

    def found(q):
        r = c.get("/api/cases/", {"q": q})
        assert r.status_code == 200
        return {row["id"] for row in r.json()["results"]}

    assert found("640303195503010030") == {mine.pk}
    assert found(" 640303195503010030 ") == {mine.pk}
    assert found("139-9530-0002") == {other.pk}
    assert found("王秀") == {other.pk}  # names still by fragment
    assert found("6403031955") == set()  # a fragment of an encrypted number finds nothing
    # The page queue searches the same way.
    page = client_with(token_for(world.head))
    page.force_login(world.head)
    assert "王秀英" in page.get("/", {"q": "13995300002"}).content.decode()


def test_another_model_adopts_it_by_field_class():
    field = Party._meta.get_field("phone")
    assert isinstance(field, crypto.EncryptedCharField)
    digest = Party._meta.get_field("phone_digest")
    assert isinstance(digest, crypto.LookupDigestField) and digest.source == "phone"


def test_check_deploy_refuses_the_development_key(settings):
    from config.checks import pii_key_is_not_the_default

    settings.PII_KEY = settings.DEV_PII_KEY
    assert [e.id for e in pii_key_is_not_the_default(None)] == ["datiaojie.E001"]
    settings.PII_KEY = "0f" * 32
    assert pii_key_is_not_the_default(None) == []


def test_a_plaintext_row_reads_back_and_is_encrypted_when_saved(world):
    """A value stored in clear (as before the fields encrypted) still reads, and saving the
    row through the fields encrypts it and fills the digest."""
    case = world.make_case()
    party = Party.objects.get(case_links__case=case, name=APPLICANT["name"])
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE mediation_party SET id_number = %s, id_number_digest = '' WHERE id = %s",
            [APPLICANT["id_number"], party.pk],
        )
    assert Party.objects.get(pk=party.pk).id_number == APPLICANT["id_number"]  # readable
    Party.objects.get(pk=party.pk).save(
        update_fields=["id_number", "phone", "id_number_digest", "phone_digest"]
    )
    id_raw, _phone, id_digest, _ = raw_row(party)
    assert id_raw.startswith("sm4$") and id_digest
