"""The organisation's PAdES signature on the stored agreement (DESIGN.md §12.2), with
pyHanko. Once every party has signed the agreement's text, its stored PDF gets a page
with the parties' signature images (time, address, the text's SHA-256) and is signed
with the organisation's key (SIGNING_KEY_FILE / SIGNING_CERT_FILE); the result is a new
version of the document — a signed version is never rewritten.

Without configured files a self-signed demo pair is created under MEDIA_ROOT/signing/
on first use (never served: MEDIA_ROOT is not a web root)."""

from __future__ import annotations

import datetime as dt
import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from mediation.law.signing import document_text, valid_signatures

from ..models import Case, Document, PartySignature
from . import fonts
from .records import ensure, read, store

_pair_lock = threading.Lock()
FIELD = "OrgSeal"


def key_paths() -> tuple[Path, Path]:
    base = Path(settings.MEDIA_ROOT) / "signing"
    key = Path(settings.SIGNING_KEY_FILE) if settings.SIGNING_KEY_FILE else base / "key.pem"
    cert = Path(settings.SIGNING_CERT_FILE) if settings.SIGNING_CERT_FILE else base / "cert.pem"
    return key, cert


def ensure_pair() -> tuple[Path, Path]:
    """The key and certificate files; a self-signed demo pair is made when neither exists."""
    key_path, cert_path = key_paths()
    with _pair_lock:
        if key_path.exists() and cert_path.exists():
            return key_path, cert_path
        from cryptography import x509  # lazy: only the first signing makes a pair
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "红寺堡区矛盾纠纷多元化解平台"),
                x509.NameAttribute(NameOID.COMMON_NAME, "大调解文书签章（演示）"),
            ]
        )
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        key_path.parent.mkdir(parents=True, exist_ok=True)
        cert_path.parent.mkdir(parents=True, exist_ok=True)
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return key_path, cert_path


def signature_page(case: Case, signatures: list[PartySignature], sha: str) -> bytes:
    """A page with each party's drawn signature, its time and address, and the text hash."""
    font = fonts.font_name()
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    height = A4[1]
    y = height - 30 * mm
    page.setFont(font, 14)
    page.drawString(25 * mm, y, "当事人签名")
    page.setFont(font, 9)
    y -= 8 * mm
    page.drawString(25 * mm, y, f"{case.number}  协议文本SHA-256：{sha}")
    for signature in signatures:
        y -= 40 * mm
        page.setFont(font, 10)
        when = timezone.localtime(signature.signed_at).strftime("%Y-%m-%d %H:%M:%S")
        page.drawString(
            25 * mm, y + 28 * mm, f"{signature.party.name}  {when}  {signature.address}"
        )
        if signature.image:
            with default_storage.open(signature.image.name, "rb") as fh:
                page.drawImage(
                    ImageReader(io.BytesIO(fh.read())),
                    25 * mm,
                    y,
                    width=70 * mm,
                    height=25 * mm,
                    preserveAspectRatio=True,
                )
    page.showPage()
    page.save()
    return out.getvalue()


def _append(pdf: bytes, extra: bytes) -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf)))
    writer.append(PdfReader(io.BytesIO(extra)))
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


_signers: dict[tuple[str, float, str, float], Any] = {}


def _signer(key_path: Path, cert_path: Path) -> Any:
    """The loaded signer, once per process and key file version: loading checks the RSA
    key, which costs more than the signature itself."""
    from pyhanko.sign import signers  # lazy: pyHanko loads for signing

    cache_key = (str(key_path), key_path.stat().st_mtime, str(cert_path), cert_path.stat().st_mtime)
    signer = _signers.get(cache_key)
    if signer is None:
        signer = signers.SimpleSigner.load(str(key_path), str(cert_path))
        if signer is None:
            raise ValueError("the signing key or certificate cannot be read")
        _signers.clear()
        _signers[cache_key] = signer
    return signer


def sign_pdf(pdf: bytes, case: Case) -> bytes:
    """The PDF with the organisation's PAdES signature (an incremental update)."""
    from pyhanko.pdf_utils.incremental_writer import (  # lazy: pyHanko loads for signing
        IncrementalPdfFileWriter,
    )
    from pyhanko.sign import fields, signers

    signer = _signer(*ensure_pair())
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        name=case.org.name,
        reason="调解协议经各方当事人签署",
        location=case.org.region or case.org.name,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    # A fixed reservation: pyHanko otherwise signs once more only to measure the size.
    out = signers.PdfSigner(meta, signer=signer).sign_pdf(writer, bytes_reserved=16384)
    return out.getvalue()


@dataclass
class Check:
    signer: str
    signed_at: str | None
    intact: bool
    valid: bool
    trusted: bool
    whole_file: bool


def verify_pdf(pdf: bytes) -> list[Check]:
    """Each embedded signature, checked with pyHanko's validator against our certificate:
    intact (the signed bytes unchanged), valid (the signature itself), trusted (our key)."""
    from pyhanko.keys import load_cert_from_pemder  # lazy: as sign_pdf
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _key, cert_path = ensure_pair()
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(cert_path))])
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # a file too damaged to read has no signature that holds
        return [Check("", None, False, False, False, False)]
    out: list[Check] = []
    for sig in embedded:
        try:
            status = validate_pdf_signature(sig, context)
            when = status.signer_reported_dt
            out.append(
                Check(
                    signer=status.signing_cert.subject.human_friendly,
                    signed_at=timezone.localtime(when).isoformat() if when else None,
                    intact=bool(status.intact),
                    valid=bool(status.valid),
                    trusted=bool(status.trusted),
                    whole_file=str(status.coverage).endswith("ENTIRE_FILE"),
                )
            )
        except Exception:
            out.append(Check("", None, False, False, False, False))
    return out


def check_json(doc: Document, checks: list[Check]) -> dict[str, Any]:
    return {
        "kind": doc.kind,
        "version": doc.version,
        "sha256": doc.sha256,
        "signed": bool(checks),
        "intact": bool(checks) and all(c.intact and c.valid for c in checks),
        "signatures": [c.__dict__ for c in checks],
    }


def sign_agreement(case_id: int) -> Document | None:
    """Once every party has signed the agreement's current text."""
    case = Case.objects.select_related("org").get(pk=case_id)
    return _sign_stored(
        case, "agreement", set(case.case_parties.values_list("party_id", flat=True))
    )


def sign_application(case_id: int) -> Document | None:
    """Once the court has the joint application and every applicant confirmed it."""
    case = Case.objects.select_related("org").get(pk=case_id)
    return _sign_stored(case, "confirmation_application", set(case.confirmation_applicants or []))


def _sign_stored(case: Case, kind: str, party_ids: set[int]) -> Document | None:
    """The stored PDF of `kind` with the signature page, signed, as a new version; only
    when each of `party_ids` has signed the current text. Idempotent: a latest version
    already signed is left alone (a correction makes a new unsigned version first)."""
    current = document_text(case, kind)
    signed = valid_signatures(case, kind)
    if current is None or not party_ids or not party_ids <= set(signed):
        return None
    docs = ensure(case, kind)
    if not docs:
        return None
    doc = docs[-1]
    if doc.reason == "signed":
        return doc
    ordered = [signed[pk] for pk in sorted(party_ids)]
    page = signature_page(case, ordered, current[1])
    full = sign_pdf(_append(read(doc, full=True), page), case)
    masked = sign_pdf(_append(read(doc, full=False), page), case)
    return store(case, kind, doc.subject, full, masked, doc.title, reason="signed")


def check_document(doc: Document, *, full: bool) -> dict[str, Any]:
    """One stored version checked: the payload of GET …/documents/{kind}.pdf/verify."""
    return check_json(doc, verify_pdf(read(doc, full=full)))


SIGNED_KINDS = ("agreement", "confirmation_application")


def _common_name(subject: str) -> str:
    """The certificate's common name out of pyHanko's "Common Name: X, Organization: Y"."""
    for part in subject.split(", "):
        label, _sep, value = part.partition(": ")
        if label == "Common Name":
            return value
    return subject


def signature_notes(case: Case, *, full: bool) -> list[dict[str, Any]]:
    """For the tracking page and the case page: the latest version of each signable kind
    that was signed, checked with the same code as the verify endpoint. A version stored
    as signed whose signature no longer holds (or cannot be found) reads as altered."""
    notes: list[dict[str, Any]] = []
    for kind in SIGNED_KINDS:
        doc = Document.objects.filter(case=case, kind=kind).order_by("-version").first()
        if doc is None or doc.reason != "signed":
            continue
        checked = check_document(doc, full=full)
        first = checked["signatures"][0] if checked["signatures"] else {}
        when = first.get("signed_at")
        notes.append(
            {
                "kind": kind,
                "title": doc.title,
                "version": doc.version,
                "signer": _common_name(first.get("signer") or ""),
                "signed_at": dt.datetime.fromisoformat(when) if when else None,
                "intact": checked["intact"],
            }
        )
    return notes
