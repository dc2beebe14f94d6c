"""The case file (卷宗), assembled from the stored records (DESIGN.md §7).

Cover and contents, then the stored documents and the uploaded attachments in the
Ministry of Justice's filing order (images placed on pages, PDFs appended page by page),
the event log, and the 备考表 last. Every page after the contents carries its 卷内页号 in
the top right corner, and the contents cite those numbers.
"""

import datetime as dt
import io
from typing import TypeAlias, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils import timezone
from PIL import Image
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
)
from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak

from mediation.law.choices import (
    AttachmentKind,
    EventType,
    FailReason,
    HandoffKind,
    RiskLevel,
    State,
)
from mediation.law.decisions import DECISION_LABELS, DECISION_LABELS_BY_TASK
from mediation.law.identity import display_name
from mediation.law.subsidies import SubsidyGrade
from mediation.law.transitions import FORMS
from mediation.models import Case, CaseEvent, Party

from . import uploads
from .context import Ctx
from .kinds import KINDS
from .layout import (
    CONTENT_W,
    PAGE_H,
    PAGE_W,
    RENDER_LOCK,
    build_pdf,
    cn_date,
    form_table,
    gap,
    list_table,
    para,
    ymd,
    ymd_hm,
)

# The stored records of a case file: {kind: [(title, PDF)]}, current versions, filing order.
StoredDocs: TypeAlias = dict[str, list[tuple[str, bytes]]]

OUTCOME = {
    "agreed": "达成协议",
    "confirmed": "达成协议并经司法确认",
    "confirmation_rejected": "司法确认不予确认",
    "failed": "调解终止",
    "referred": "调解终止并移送",
    "declined": "不予受理",
    "withdrawn": "申请人撤回",
}

# The Ministry's filing order: ("doc", kind) a stored document, ("att", kind) attachments.
FILE_ORDER = [
    ("doc", "petition_transfer"),
    ("doc", "application"),
    ("doc", "acceptance"),
    ("doc", "decline_notice"),
    ("doc", "rights_notice"),
    ("att", AttachmentKind.ID_COPY),
    ("att", AttachmentKind.AUTHORIZATION),
    ("att", AttachmentKind.EVIDENCE),
    ("att", AttachmentKind.INVESTIGATION),
    ("doc", "session_record"),
    ("att", AttachmentKind.SESSION_RECORDING),
    ("doc", "agreement"),
    ("doc", "oral_agreement"),
    ("doc", "mediation_statement"),
    ("doc", "termination_notice"),
    ("doc", "undisputed_facts"),
    ("doc", "transfer_letter"),
    ("att", AttachmentKind.RECEIPT),
    ("doc", "follow_up"),
    ("doc", "petition_feedback"),
    ("doc", "referral_result"),
    ("doc", "confirmation_application"),
    ("att", AttachmentKind.OTHER),
]


def _state_label(value: str | None) -> str:
    return str(State(value).label) if value in State.values else ""


def _when(value: object) -> str:
    """An ISO time from an event's data as a reader writes it (2026年12月8日 09:30)."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        return ymd_hm(dt.datetime.fromisoformat(value))
    except ValueError:
        return ""


# Events that are not part of the file: reading a paper is not handling the case.
NOT_FILED = {"export", "attachment_download"}


def is_filed(event: CaseEvent) -> bool:
    data = (event.payload or {}).get("data") or {}
    return not (event.type == EventType.CASE_UPDATED and data.get("record") in NOT_FILED)


def _field_names(fields: object, model: type[Model]) -> str:
    names = []
    for name in fields if isinstance(fields, list) else []:
        try:
            field = model._meta.get_field(str(name))
        except FieldDoesNotExist:
            continue
        label = getattr(field, "verbose_name", "")
        if label:
            names.append(str(label))
    return "、".join(names)


def _updated(data: dict) -> str:
    record = data.get("record")
    if record in ("session", "follow_up"):
        return {"session": "登记调解记录", "follow_up": "登记回访记录"}[record]
    if record == "attachment":
        kind = data.get("kind")
        label = AttachmentKind(kind).label if kind in AttachmentKind.values else "材料"
        return f"收入{label}：{data.get('name', '')}"
    if data.get("correction"):
        party = data.get("correction") == "party"
        what = "当事人信息" if party else "案件信息"
        names = _field_names(data.get("fields"), Party if party else Case)
        return f"更正{what}" + (f"（{names}）" if names else "")
    if data.get("due_at"):
        return f"办理期限调整为{_when(data['due_at'])}"
    if record == "subsidy_grade":
        grade = data.get("grade")
        said = f"核定补贴等级：{SubsidyGrade(grade).label}" if grade in SubsidyGrade.values else ""
        amount = data.get("amount")
        if said and isinstance(amount, str) and amount:
            said += f"，补贴{amount}元"
        return said
    return ""


def _mediator(value: object) -> str:
    """The mediator an event names by user id, by name: the file never shows an id."""
    if not isinstance(value, int):
        return ""
    user = User.objects.filter(pk=value).first()
    return f"调解员：{display_name(user)}" if user is not None else ""


def describe_event(event: CaseEvent) -> tuple[str, str]:
    """(事项, 说明) of one event, in words: never a code name, a raw key or an ISO time."""
    data = (event.payload or {}).get("data") or {}
    label = str(EventType(event.type).label) if event.type in EventType.values else "其他事项"
    detail = ""
    if event.type == EventType.CASE_TRANSITIONED:
        name = data.get("transition", "")
        if name in FORMS:
            label = str(FORMS[name].label)
        src, dst = _state_label(data.get("from")), _state_label(data.get("to"))
        detail = f"{src} → {dst}" if src and dst and src != dst else dst
        reason = data.get("reason")
        if reason and isinstance(reason, str):
            said = FailReason(reason).label if reason in FailReason.values else reason
            detail += f"；{said}"
    elif event.type == EventType.CASE_CREATED:
        detail = "优先办理" if data.get("priority") else ""
    elif event.type == EventType.CASE_ASSIGNED:
        detail = _mediator(data.get("mediator"))
    elif event.type == EventType.CASE_UPDATED:
        detail = _updated(data)
    elif event.type == EventType.CASE_RISK_FLAGGED:
        level = data.get("level")
        level = str(RiskLevel(level).label) if level in RiskLevel.values else ""
        detail = f"风险等级：{level}；{data.get('note', '')}"
    elif event.type in (EventType.DEADLINE_APPROACHING, EventType.DEADLINE_OVERDUE):
        due = _when(data.get("due_at"))
        detail = f"期限：{due}" if due else ""
    elif event.type == EventType.HANDOFF_OPENED:
        kind = data.get("kind")
        bits = [str(HandoffKind(kind).label)] if kind in HandoffKind.values else []
        if data.get("external_number"):
            bits.append(f"编号：{data['external_number']}")
        if _when(data.get("due_at")):
            bits.append(f"期限：{_when(data.get('due_at'))}")
        detail = "；".join(bits)
    elif event.type == EventType.TASK_COMPLETED:
        task, decision = data.get("type", ""), data.get("decision", "")
        said = DECISION_LABELS_BY_TASK.get((task, decision)) or DECISION_LABELS.get(decision)
        detail = str(said) if said else ""
        for key in ("number", "filing_number"):  # the court's 民特/调解书 or filing number
            if isinstance(data.get(key), str) and data[key]:
                detail += f"；案号：{data[key]}"
    return label, detail


class Part:
    """One entry of the contents: a title and its pages (pypdf page objects)."""

    def __init__(
        self, title: str, pages: list[PageObject], note: str = "", own: bool = False
    ) -> None:
        self.title, self.pages, self.note = title, pages, note
        self.own = own  # the volume's own pages (log, 备考表), not a filed paper
        self.first = 0


class Paper:
    """An attachment as the case file needs it: kind, title, type and bytes."""

    def __init__(self, kind: str, title: str, content_type: str, data: bytes) -> None:
        self.kind, self.title, self.content_type, self.data = kind, title, content_type, data

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_recording(self) -> bool:
        """A session's video: listed in the contents, kept as its own file (no pages)."""
        return self.kind == AttachmentKind.SESSION_RECORDING


def _reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


# An image is placed at no more than this resolution on its A4 page: a 12-megapixel
# photo is scaled down before it is embedded, a scan at 150-200 dpi goes in as it is.
IMAGE_DPI = 200


def _placeable(paper: Paper, box_w: float, box_h: float) -> tuple[ImageReader, float, float]:
    """(ImageReader, width px, height px) of an attachment image, scaled down when it has
    more pixels than the page can show; a JPEG that fits is embedded as it is."""
    # one decode at a time (images stored before the 25 MP bound may be up to 60 MP)
    with uploads.decode_slot(), Image.open(io.BytesIO(paper.data)) as image:
        iw, ih = image.size
        limit_w, limit_h = box_w / 72 * IMAGE_DPI, box_h / 72 * IMAGE_DPI
        if iw * ih <= 2 * limit_w * limit_h:
            return ImageReader(io.BytesIO(paper.data)), iw, ih
        scale = min(limit_w / iw, limit_h / ih)
        size = (max(1, int(iw * scale)), max(1, int(ih * scale)))
        if image.format == "JPEG":
            image.draft("RGB", size)  # decode at a fraction of the size: much faster
        small = image.convert("RGB" if image.mode not in ("L", "RGB") else image.mode)
        small.thumbnail(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        buf = io.BytesIO()
        small.save(buf, "JPEG", quality=88)
        return ImageReader(io.BytesIO(buf.getvalue())), iw, ih


def _image_pages(case: Case, font: str, papers: list[Paper]) -> list[PageObject]:
    """Each image attachment scaled onto an A4 page of its own under a caption: one
    reportlab canvas for all of them."""
    if not papers:
        return []
    # Binary image streams: ASCII85 (reportlab's default, in pure Python) costs more
    # than placing the image and makes the file a quarter larger.
    rl_config.useA85 = 0
    with RENDER_LOCK:
        return _draw_images(case, font, papers)


def _draw_images(case: Case, font: str, papers: list[Paper]) -> list[PageObject]:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(PAGE_W, PAGE_H))
    margin, top = 20 * mm, 28 * mm
    box_w, box_h = PAGE_W - 2 * margin, PAGE_H - top - margin
    for paper in papers:
        canvas.setFont(font, 11)
        canvas.drawString(margin, PAGE_H - 18 * mm, paper.title)
        canvas.setFont(font, 9)
        canvas.drawString(margin, PAGE_H - 23 * mm, f"案号：{case.number}")
        image, iw, ih = _placeable(paper, box_w, box_h)
        scale = min(box_w / iw, box_h / ih)
        w, h = iw * scale, ih * scale
        canvas.drawImage(image, (PAGE_W - w) / 2, PAGE_H - top - h, w, h)
        canvas.showPage()
    canvas.save()
    return list(_reader(buf.getvalue()).pages)


def _attachment_parts(case: Case, font: str, papers: list[Paper]) -> dict[str, list[Part]]:
    """{attachment kind: [Part]} in upload order; images rendered in one pass."""
    images = [p for p in papers if p.is_image]
    image_pages = dict(zip(map(id, images), _image_pages(case, font, images), strict=True))
    parts: dict[str, list[Part]] = {}
    for paper in papers:
        if paper.is_recording:
            parts.setdefault(paper.kind, []).append(Part(paper.title, [], "另存"))
            continue
        if paper.is_image:
            pages = [image_pages[id(paper)]]
        else:
            # stored as received; filed without anything that runs (DESIGN §9)
            pages = list(_reader(uploads.without_active_content(paper.data)).pages)
        parts.setdefault(paper.kind, []).append(Part(paper.title, pages, "附件"))
    return parts


def _cover(ctx: Ctx) -> list[Flowable]:
    s, case = ctx.s, ctx.case
    parties = "；".join(f"{link.get_role_display()}：{link.party.name}" for link in ctx.links)
    rows = [
        ["案号", case.number],
        *([["原案号", case.original_number]] if case.original_number else []),
        ["案由", f"{case.get_category_display()}纠纷"],
        ["当事人", parties],
        [ctx.mediator_title, ctx.mediator_name or "—"],
        ["受理日期", ymd(case.accepted_at) or "—"],
        ["结案日期", ymd(case.closed_at) or "—"],
        ["调解结果", OUTCOME.get(case.outcome, case.outcome or "—")],
        ["归档日期", ymd(case.archived_at) or "尚未归档"],
        ["保管期限", retention(ctx)],
    ]
    return [
        gap(25),
        para(ctx.org.name, s.subtitle),
        gap(6),
        para(KINDS["case_file"].title_for(case), s.cover_title),
        gap(20),
        form_table(s, rows, [36 * mm, CONTENT_W - 36 * mm]),
        gap(30),
        *(
            [para(f"立卷单位：{ctx.org.name}", s.right), para(cn_date(case.archived_at), s.right)]
            if case.archived_at
            else [para(not_filed(), s.body)]
        ),
        PageBreak(),
    ]


def not_filed() -> str:
    """What an unarchived volume says of itself: a copy for reading, not the filed record."""
    return f"本卷宗尚未归档，系截至{ymd_hm(timezone.now())}的案卷材料汇编，不作为归档案卷。"


def retention(ctx: Ctx) -> str:
    """保管期限 (国家档案局令第8号 第八条): 永久 for an agreement on personal status
    (marriage, adoption, support — its effect lasts a lifetime) or a dispute flagged at high
    risk of escalating; 定期30年 for any other agreement (its performance may be sued on for
    years); 定期10年 for the rest (DOCUMENT_RETENTION_* settings)."""
    a = ctx.agreement
    if (a is not None and a.concerns_status) or ctx.case.risk_level == RiskLevel.HIGH:
        return settings.DOCUMENT_RETENTION_PERMANENT
    if ctx.case.outcome in ("agreed", "confirmed") or a is not None:
        return settings.DOCUMENT_RETENTION_AGREED
    return settings.DOCUMENT_RETENTION_OTHER


def _pages_label(part: Part) -> str:
    if not part.pages:
        return "—"
    last = part.first + len(part.pages) - 1
    return str(part.first) if last == part.first else f"{part.first}–{last}"


def _front(ctx: Ctx, parts: list[Part]) -> bytes:
    s = ctx.s
    story = _cover(ctx)
    story += [para("卷内目录", s.title), gap(4)]
    rows = [[str(i), p.title, _pages_label(p), p.note] for i, p in enumerate(parts, start=1)]
    widths = [16 * mm, CONTENT_W - 60 * mm, 26 * mm, 18 * mm]
    story.append(list_table(s, ["顺序号", "文件材料题名", "页号", "备注"], rows, widths))
    return build_pdf(story, case=ctx.case, font=ctx.font, title=f"卷宗 {ctx.case.number}")


def _log(ctx: Ctx) -> bytes:
    s = ctx.s
    rows = []
    for n, event in enumerate(filter(is_filed, ctx.events), start=1):
        label, detail = describe_event(event)
        actor = display_name(event.actor) if event.actor_id else "系统"
        rows.append([str(n), ymd_hm(event.at), label, actor, detail or "—"])
    widths = [14 * mm, 40 * mm, 30 * mm, 22 * mm]
    widths.append(CONTENT_W - sum(widths))
    story = [
        para("案件流转记录", s.title),
        gap(3),
        list_table(s, ["序号", "时间", "事项", "操作人", "说明"], rows, widths),
    ]
    return build_pdf(story, case=ctx.case, font=ctx.font, title="案件流转记录")


def _back_page(ctx: Ctx, parts: list[Part], total: int, images: int) -> bytes:
    """备考表: what the volume holds, who filed and who checked it, how long it is kept."""
    s, case = ctx.s, ctx.case
    archive = ctx.last_transition("archive")
    filer = display_name(archive.actor) if archive and archive.actor_id else ""
    # Every entry of the 卷内目录, this 备考表 included: the two counts agree.
    count = len(parts) + 1
    story = [
        para("卷内备考表", s.title),
        gap(6),
        para(
            f"本卷共有文件材料{count}件，共{total}页"
            + (f"，其中图片材料{images}页" if images else "")
            + "。",
            s.indent,
        ),
        para(f"保管期限：{retention(ctx)}", s.indent),
        *([] if case.archived_at else [para(not_filed(), s.indent)]),
        gap(10),
        form_table(
            s,
            [
                ["立卷人", filer or "", "立卷日期", ymd(case.archived_at)],
                ["检查人", "", "检查日期", ""],
            ],
        ),
    ]
    return build_pdf(story, case=case, font=ctx.font, title="卷内备考表")


def _stamp(writer: PdfWriter, page: PageObject, number: int, font_ref: IndirectObject) -> None:
    """Write the 卷内页号 in the page's top right corner: one small content stream
    appended to the page (the page's own drawing is wrapped in q/Q and left intact)."""
    box = page.mediabox
    size = 11
    text = str(number)
    x = float(box.right) - 12 * mm - len(text) * 0.556 * size
    y = float(box.top) - 14 * mm
    resources = page.get("/Resources")
    if resources is None:
        resources = DictionaryObject()
        page[NameObject("/Resources")] = resources
    resources = cast(DictionaryObject, resources.get_object())
    fonts = resources.get("/Font")
    if fonts is None:
        fonts = DictionaryObject()
        resources[NameObject("/Font")] = fonts
    cast(DictionaryObject, fonts.get_object())[NameObject("/DtjPageNo")] = font_ref
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q\n")
    after.set_data(f"\nQ\nq BT /DtjPageNo {size} Tf {x:.2f} {y:.2f} Td ({text}) Tj ET Q\n".encode())
    contents = page.get("/Contents")
    items = []
    if contents is not None:
        obj = contents.get_object()
        items = list(obj) if isinstance(obj, ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject(
        [writer._add_object(before), *items, writer._add_object(after)]
    )


def assemble_from(ctx: Ctx, docs: StoredDocs, papers: list[Paper]) -> tuple[bytes, int]:
    """Cover and contents, the records and attachments in filing order, the event log,
    the 备考表; every page after the contents stamped with its 卷内页号."""
    case = ctx.case
    doc_parts = {
        code: [Part(title, list(_reader(pdf).pages)) for title, pdf in items]
        for code, items in docs.items()
    }
    att_parts = _attachment_parts(case, ctx.font, papers)
    parts: list[Part] = []
    for kind, code in FILE_ORDER:
        parts += (doc_parts if kind == "doc" else att_parts).get(code, [])
    images = sum(1 for p in papers if p.is_image)
    parts.append(Part("案件流转记录", list(_reader(_log(ctx)).pages), own=True))
    number = 1
    for part in parts:
        part.first = number
        number += len(part.pages)
    back = Part("卷内备考表", [], own=True)
    back.first = number
    back.pages = list(_reader(_back_page(ctx, parts, number, images)).pages)
    parts.append(back)
    front = list(_reader(_front(ctx, parts)).pages)

    writer = PdfWriter()
    writer.add_metadata({"/Title": f"卷宗 {case.number}", "/Subject": case.number})
    font_ref = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for page in front:
        writer.add_page(page)
    n = 0
    for part in parts:
        for page in part.pages:
            n += 1
            _stamp(writer, writer.add_page(page), n, font_ref)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue(), len(front) + n
