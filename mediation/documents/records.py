"""Documents as records (DESIGN.md §7): each is produced when its event commits, stored
with its hash in a `Document` row, and served from the store thereafter.

The transition service and the record services (sessions, follow-ups, intake) call
`after_event` inside their transaction; the writing happens once the transaction has
committed, so a rolled-back action leaves no document and a slow PDF never holds a lock.
A correction of the case calls `after_correction(case, fields)`: only the documents
already stored that print one of those fields get a new version; the old versions stay.
"""

import hashlib
import io
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeAlias

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from ..law.choices import AttachmentKind
from ..models import Case, CaseEvent, Document, crypto
from . import fonts
from .casefile import FILE_ORDER, Paper, StoredDocs, assemble_from
from .context import Ctx
from .kinds import CASE_FILE, KINDS
from .render import render_section

log = logging.getLogger(__name__)

# The event a document is produced for: the row, its id, or none.
EventRef: TypeAlias = CaseEvent | int | None

# The documents each event produces (those that apply to the case at that moment).
EVENT_KINDS = {
    "created": ["petition_transfer", "application"],
    "accept": ["acceptance", "rights_notice"],
    "decline": ["decline_notice"],
    "transfer": ["transfer_letter"],
    "reach_agreement": ["agreement", "oral_agreement", "mediation_statement"],
    "fail": ["termination_notice", "undisputed_facts"],
    "request_confirmation": ["confirmation_application"],
    "refer": ["transfer_letter"],
    "session": ["session_record"],
    "follow_up": ["follow_up"],
}

_PARTY_KINDS = [
    "application",
    "acceptance",
    "rights_notice",
    "session_record",
    "agreement",
    "oral_agreement",
    "mediation_statement",
    "confirmation_application",
    "termination_notice",
    "decline_notice",
    "undisputed_facts",
    "transfer_letter",
    "follow_up",
]
# Which stored documents print which corrected field (DESIGN §6 PATCH: summary, claims,
# amount, region, category, or a party's particulars).
CORRECTION_KINDS = {
    "summary": [
        "application",
        "acceptance",
        "agreement",
        "oral_agreement",
        "mediation_statement",
        "confirmation_application",
    ],
    "claims": ["application", "acceptance", "agreement", "mediation_statement", "undisputed_facts"],
    "amount": ["application", "acceptance"],
    "region": ["acceptance"],
    "village": ["acceptance"],
    "category": _PARTY_KINDS,
    "party": _PARTY_KINDS,
}


def case_for_documents(case_id: int) -> Case:
    return Case.objects.select_related("org", "mediator", "confirmation_court", "referral_org").get(
        pk=case_id
    )


def _event_id(event: EventRef) -> int | None:
    return event.pk if isinstance(event, CaseEvent) else event


# A job: the documents one event asks for, as plain data so a deferred one can wait in a
# file (mediation.documents.backlog) and run in another process.
Job: TypeAlias = dict[str, Any]

# While set (the demo seed), committed events queue their jobs here instead of rendering.
_deferred: ContextVar[list[Job] | None] = ContextVar("deferred_documents", default=None)


@contextmanager
def deferred(enabled: bool = True) -> Iterator[list[Job]]:
    """Queue the document jobs of the events committed inside, in commit order, instead
    of rendering them; `run_job` renders one later through the same code path. Not
    `enabled`: render as usual (the list stays empty)."""
    jobs: list[Job] = []
    token = _deferred.set(jobs if enabled else None)
    try:
        yield jobs
    finally:
        _deferred.reset(token)


def after_event(case: Case, trigger: str, event: EventRef = None, *, subject: str = "") -> None:
    """Produce the documents of `trigger` once the caller's transaction commits."""
    if trigger != "archive" and not EVENT_KINDS.get(trigger):
        return
    job = {"case": case.pk, "trigger": trigger, "event": _event_id(event), "subject": subject}
    queue = _deferred.get()
    if queue is not None:
        transaction.on_commit(lambda: queue.append(job))
    else:
        transaction.on_commit(lambda: run_job(job))


def run_job(job: Job, *, late: bool = False) -> None:
    """Render the documents of one event. `late` (a deferred job): skip what a page has
    already produced on demand meanwhile, so nothing gets a second version."""
    case_id, event_id = job["case"], job["event"]
    if job["trigger"] == "archive":
        if late and Document.objects.filter(case_id=case_id, kind=CASE_FILE).exists():
            return
        _logged(store_case_file, case_id, event_id)
        return
    kinds = EVENT_KINDS[job["trigger"]]
    _logged(produce, case_id, kinds, event_id=event_id, subject=job["subject"], missing_only=late)


def after_correction(case: Case, fields: Iterable[str], event: EventRef = None) -> None:
    """A correction of `fields` ("summary", "claims", "amount", "region", "village",
    "category", or "party" for a party's particulars) commits: add a new version of each
    stored document that prints one of them. Call it inside the correcting transaction."""
    kinds = sorted({k for f in fields for k in CORRECTION_KINDS.get(f, ())})
    if not kinds:
        return
    event_id = _event_id(event)
    transaction.on_commit(
        lambda: _logged(
            produce, case.pk, kinds, event_id=event_id, reason="correction", only_stored=True
        )
    )


def _logged(fn: Callable[..., object], *args: Any, **kwargs: Any) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:  # the action has committed; a failed PDF must not hide that
        log.exception("documents %s for case %s could not be produced", args[1:2], args[0])


def render_pair(kind: str, ctx_full: Ctx, ctx_masked: Ctx, index: int) -> tuple[bytes, bytes]:
    return render_section(kind, ctx_full, index), render_section(kind, ctx_masked, index)


def produce(
    case_id: int,
    kinds: list[str],
    *,
    event_id: int | None = None,
    subject: str = "",
    reason: str = "event",
    only_stored: bool = False,
    missing_only: bool = False,
) -> list[Document]:
    """Render and store the documents `kinds` of a case as they stand now.

    `subject` limits a per-record kind to one record; `only_stored` renders only kinds
    (and subjects) that already have a stored version (corrections); `missing_only` only
    subjects that have none (a case older than the store, a production that failed)."""
    case = case_for_documents(case_id)
    font = fonts.font_name()
    full, masked = Ctx(case, font=font), Ctx(case, font=font, full=False)
    stored = set(Document.objects.filter(case=case, kind__in=kinds).values_list("kind", "subject"))
    out = []
    for code in kinds:
        kind = KINDS[code]
        if not kind.check(full)[0]:
            continue
        for index, key in enumerate(kind.subjects(full)):
            if subject and key != subject:
                continue
            if only_stored and (code, key) not in stored:
                continue
            if missing_only and (code, key) in stored:
                continue
            pdf, masked_pdf = render_pair(code, full, masked, index)
            out.append(
                store(
                    case,
                    code,
                    key,
                    pdf,
                    masked_pdf,
                    kind.title_for(case),
                    event_id=event_id,
                    reason=reason,
                )
            )
    return out


def _page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def store(
    case: Case,
    kind: str,
    subject: str,
    pdf: bytes,
    masked_pdf: bytes,
    title: str,
    *,
    event_id: int | None = None,
    reason: str = "event",
    pages: int | None = None,
) -> Document:
    """Write both files under random names, then the row with the next version."""
    year = timezone.localtime().year
    base = f"documents/{year}/{case.pk}/{kind}-{secrets.token_hex(8)}"
    # Sealed at rest (SM4, DESIGN §9): the full version carries full ID numbers, and both
    # carry the attachments; served in clear only through read() behind the permission
    # checks of the views.
    name = default_storage.save(f"{base}.pdf", ContentFile(crypto.seal(pdf)))
    masked_name = default_storage.save(f"{base}-m.pdf", ContentFile(crypto.seal(masked_pdf)))
    try:
        with transaction.atomic():
            # one writer at a time per case: versions never collide
            Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").first()
            last = (
                Document.objects.filter(case=case, kind=kind)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
            )
            return Document.objects.create(
                case=case,
                kind=kind,
                subject=subject,
                version=(last or 0) + 1,
                title=title,
                sha256=hashlib.sha256(pdf).hexdigest(),
                size=len(pdf),
                pages=pages or _page_count(pdf),
                file=name,
                masked_file=masked_name,
                event_id=event_id,
                reason=reason,
                created_at=timezone.now(),
            )
    except Exception:
        default_storage.delete(name)
        default_storage.delete(masked_name)
        raise


def current(case: Case, kind: str) -> list[Document]:
    """The latest version of each record of `kind`, in the order the records came."""
    latest: dict[str, Document] = {}
    for doc in Document.objects.filter(case=case, kind=kind).order_by("version"):
        latest[doc.subject] = doc
    return sorted(latest.values(), key=lambda d: _subject_order(d))


def _subject_order(doc: Document) -> tuple[int, int]:
    _, _, pk = doc.subject.partition(":")
    return (int(pk) if (pk.isascii() and pk.isdigit()) else 0, doc.version)


def ensure(case: Case, kind: str) -> list[Document]:
    """The current stored documents of `kind`; records that were never produced (a case
    older than the store, a production that failed) are produced now, once."""
    docs = current(case, kind)
    k = KINDS[kind]
    ctx = Ctx(case, font="")
    if k.check(ctx)[0] and len(docs) < len(k.subjects(ctx)):
        produce(case.pk, [kind], reason="backfill", missing_only=True)
        docs = current(case, kind)
    return docs


def read(doc: Document, *, full: bool) -> bytes:
    return crypto.read_stored((doc.file if full else doc.masked_file).name)


def store_case_file(case_id: int, event: EventRef = None) -> Document:
    """Assemble the 卷宗 from the stored documents and attachments at archive, store it
    (also as `Case.case_file`, the archive's copy)."""
    case = case_for_documents(case_id)
    pdf, pages = assemble(case, full=True)
    masked, _pages = assemble(case, full=False)
    doc = store(
        case,
        CASE_FILE,
        "",
        pdf,
        masked,
        KINDS[CASE_FILE].title_for(case),
        event_id=_event_id(event),
        pages=pages,
    )
    # The archive's copy, written with the record that holds it (no event: the archive
    # transition that asked for it has its own).
    Case.objects.filter(pk=case.pk).update(case_file=doc.file.name)
    return doc


def gather(case: Case, full: bool) -> tuple[StoredDocs, list[Paper]]:
    """The stored records ({kind: [(title, pdf)]}, current versions, filing order) and
    the attachments of a case, read from the store."""
    docs = {}
    for kind, code in FILE_ORDER:
        if kind != "doc":
            continue
        stored = ensure(case, code)
        docs[code] = [
            (d.title + (f"（第{n}次）" if len(stored) > 1 else ""), read(d, full=full))
            for n, d in enumerate(stored, start=1)
        ]
    papers = []
    for att in case.attachments.order_by("id"):
        # a recording is listed, not bound in: its bytes are not read
        recording = att.kind == AttachmentKind.SESSION_RECORDING
        data = b"" if recording else crypto.read_stored(att.file.name)
        papers.append(
            Paper(att.kind, f"{att.get_kind_display()}：{att.name}", att.content_type, data)
        )
    return docs, papers


def assemble(case: Case, *, full: bool = True, font: str | None = None) -> tuple[bytes, int]:
    """The 卷宗 of `case` from its stored documents and attachments: (PDF, page count)."""
    docs, papers = gather(case, full)
    return assemble_from(Ctx(case, font=font or fonts.font_name(), full=full), docs, papers)
