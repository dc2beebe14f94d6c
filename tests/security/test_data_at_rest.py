"""Issue #30 "data at rest": guardians' and agents' numbers, complaints' phones, stored
documents and attachments are encrypted (SM4) where they rest; rows and files written in
clear before are encrypted by migration 0006."""

import datetime as dt
import importlib
import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from mediation.actions import services
from mediation.law.choices import State
from mediation.models import Attachment, Complaint, Document, Party, crypto
from tests.conftest import APPLICANT, case_body
from tests.documents.test_records import pdf_bytes, upload
from tests.helpers import plain_party, resident_id

GUARDIAN_ID = resident_id(dt.date(1960, 2, 2), seq="07")
GUARDIAN_PHONE = "13995317777"
migration = importlib.import_module("mediation.migrations.0006_sec_data")

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def raw(table, columns, pk):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(columns)} FROM mediation_{table} WHERE id = %s", [pk])
        return cur.fetchone()


def register_with_guardian(world):
    minor = {
        **plain_party("third_party", "马小花", birth=dt.date(2015, 5, 5)),
        "representative": {
            "kind": "guardian",
            "name": "马建军",
            "id_number": GUARDIAN_ID,
            "phone": GUARDIAN_PHONE,
        },
    }
    body = case_body(world.home)
    body["parties"].append(minor)
    case = services.register_case(world.intake, body)
    return Party.objects.get(case_links__case=case, name="马小花")


def test_guardian_numbers_are_encrypted_at_rest(world):
    party = register_with_guardian(world)
    rep_id, rep_phone = raw("party", ["rep_id_number", "rep_phone"], party.pk)
    assert rep_id.startswith("sm4$") and rep_phone.startswith("sm4$")
    assert GUARDIAN_ID not in rep_id and GUARDIAN_PHONE not in rep_phone
    party = Party.objects.get(pk=party.pk)
    assert (party.rep_id_number, party.rep_phone) == (GUARDIAN_ID, GUARDIAN_PHONE)


def test_complaint_phone_is_encrypted_at_rest(world):
    response = APIClient().post(
        "/api/complaints/",
        {
            "org": world.home.pk,
            "complainant": "马玉兰",
            "contact": "13995310001",
            "facts": "调解员在调解中偏袒对方。",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    (contact,) = raw("complaint", ["contact"], pk)
    assert contact.startswith("sm4$") and "13995310001" not in contact
    assert Complaint.objects.get(pk=pk).contact == "13995310001"


def test_migration_encrypts_rows_written_in_clear(world):
    party = register_with_guardian(world)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE mediation_party SET rep_id_number = %s, rep_phone = %s WHERE id = %s",
            [GUARDIAN_ID, GUARDIAN_PHONE, party.pk],
        )
    already = raw("party", ["phone"], party.pk)[0]
    migration.encrypt_clear_rows(None, connection.schema_editor())
    rep_id, rep_phone, phone = raw("party", ["rep_id_number", "rep_phone", "phone"], party.pk)
    assert rep_id.startswith("sm4$") and rep_phone.startswith("sm4$")
    assert phone == already  # an encrypted value is not touched
    party = Party.objects.get(pk=party.pk)
    assert (party.rep_id_number, party.rep_phone) == (GUARDIAN_ID, GUARDIAN_PHONE)


def stored_bytes(name):
    with default_storage.open(name, "rb") as fh:
        return fh.read()


def test_stored_documents_and_attachments_are_sealed(world, django_capture_on_commit_callbacks):
    case = world.make_case()
    paper = pdf_bytes()
    assert upload(client_for(world.head), case, "id_copy", "id.pdf", paper).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        world.advance(case, State.ARCHIVED)
    docs = list(Document.objects.filter(case=case))
    assert docs
    for doc in docs:
        for name in (doc.file.name, doc.masked_file.name):
            data = stored_bytes(name)
            assert crypto.is_sealed(data) and b"%PDF" not in data
            assert APPLICANT["id_number"].encode() not in data
    att = Attachment.objects.get(case=case)
    assert crypto.is_sealed(stored_bytes(att.file.name))
    # Served in clear through the permission-checked doors only.
    full = client_for(world.head).get(f"/api/cases/{case.pk}/documents/case_file.pdf")
    assert full.status_code == 200 and full.content.startswith(b"%PDF")
    got = client_for(world.mediator).get(f"/api/cases/{case.pk}/attachments/{att.pk}")
    assert got.status_code == 200 and got.content == paper
    outsider = client_for(world.outsider).get(f"/api/cases/{case.pk}/documents/case_file.pdf")
    assert outsider.status_code == 404


def test_migration_seals_files_stored_in_clear_and_tampering_is_detected(world):
    case = world.make_case(State.ACCEPTED)
    clear = pdf_bytes(1, text=APPLICANT["id_number"])
    name = default_storage.save("documents/2026/old.pdf", ContentFile(clear))
    assert crypto.read_stored(name) == clear  # readable before the migration
    assert crypto.seal_stored(name) is True
    assert crypto.seal_stored(name) is False  # idempotent
    sealed = stored_bytes(name)
    assert crypto.is_sealed(sealed) and crypto.read_stored(name) == clear
    tampered = bytearray(sealed)
    tampered[40] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.unseal(bytes(tampered))
    assert case.pk


def test_rotating_the_key_re_encrypts_rows_digests_and_files(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        party = register_with_guardian(world)
    case = party.case_links.get().case
    paper = pdf_bytes()
    assert upload(client_for(world.head), case, "id_copy", "id.pdf", paper).status_code == 201
    docs = list(Document.objects.filter(case=case))
    assert docs
    old, new = settings.PII_KEY, "ab" * 32
    settings.PII_KEY = new
    with pytest.raises(crypto.DecryptionError):  # the rows are still under the old key
        Party.objects.get(pk=party.pk)
    monkeypatch.setenv("PII_KEY_OLD", old)
    out = io.StringIO()
    call_command("rotate_pii_key", stdout=out)
    assert "files=" in out.getvalue() and not out.getvalue().endswith("files=0\n")
    party = Party.objects.get(pk=party.pk)
    assert (party.rep_id_number, party.rep_phone) == (GUARDIAN_ID, GUARDIAN_PHONE)
    assert Party.objects.filter(phone_digest=crypto.digest("phone", party.phone)).exists()
    for doc in docs:
        assert crypto.read_stored(doc.file.name).startswith(b"%PDF")
    assert crypto.read_stored(Attachment.objects.get(case=case).file.name) == paper
    # Interrupted or repeated: a second run finds everything under the new key already.
    call_command("rotate_pii_key", stdout=(out := io.StringIO()))
    assert out.getvalue().strip().endswith("files=0")
