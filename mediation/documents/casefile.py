"""The case file (卷宗), assembled from the stored records (DESIGN.md §7).

Cover and contents, then the stored documents and the uploaded attachments in the
Ministry of Justice's filing order (images placed on pages, PDFs appended page by page),
the event log, and the 备考表 last. Every page after the contents carries its 卷内页号 in
the top right corner, and the contents cite those numbers.
"""

import io

from django.conf import settings
from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak

from ..choices import AttachmentKind, EventType, FailReason, RiskLevel, State
from ..transitions import FORMS
from .kinds import KINDS, Ctx, person_name
from .layout import (
    CONTENT_W,
    PAGE_H,
    PAGE_W,
    build_pdf,
    cn_date,
    form_table,
    gap,
    list_table,
    para,
    ymd,
    ymd_hm,
)

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
    ("doc", "application"),
    ("doc", "acceptance"),
    ("doc", "decline_notice"),
    ("doc", "rights_notice"),
    ("att", AttachmentKind.ID_COPY),
    ("att", AttachmentKind.AUTHORIZATION),
    ("att", AttachmentKind.EVIDENCE),
    ("doc", "session_record"),
    ("doc", "agreement"),
    ("doc", "oral_agreement"),
    ("doc", "mediation_statement"),
    ("doc", "termination_notice"),
    ("doc", "undisputed_facts"),
    ("doc", "transfer_letter"),
    ("att", AttachmentKind.RECEIPT),
    ("doc", "follow_up"),
    ("doc", "confirmation_application"),
    ("att", AttachmentKind.OTHER),
]


def _state_label(value):
    return str(State(value).label) if value in State.values else value or ""


def describe_event(event) -> tuple[str, str]:
    data = (event.payload or {}).get("data") or {}
    label = str(EventType(event.type).label) if event.type in EventType.values else event.type
    detail = ""
    if event.type == EventType.CASE_TRANSITIONED:
        name = data.get("transition", "")
        if name in FORMS:
            label = str(FORMS[name].label)
        detail = f"{_state_label(data.get('from'))} → {_state_label(data.get('to'))}"
        reason = data.get("reason")
        if reason and isinstance(reason, str):
            detail += f"；{FailReason(reason).label if reason in FailReason.values else reason}"
    elif event.type == EventType.CASE_CREATED:
        detail = "优先办理" if data.get("priority") else ""
    elif event.type == EventType.CASE_UPDATED:
        record = data.get("record")
        if record == "export":
            kind = KINDS.get(data.get("document"))
            detail = f"导出文书：{kind.title if kind else data.get('document', '')}"
        elif record in ("attachment", "attachment_download"):
            verb = "上传材料" if record == "attachment" else "下载材料"
            detail = f"{verb}：{data.get('name', '')}"
        else:
            detail = {"session": "登记调解记录", "follow_up": "登记回访记录"}.get(record, "")
    elif event.type == EventType.CASE_RISK_FLAGGED:
        level = data.get("level")
        level = str(RiskLevel(level).label) if level in RiskLevel.values else level
        detail = f"风险等级：{level}；{data.get('note', '')}"
    elif event.type in (EventType.DEADLINE_APPROACHING, EventType.DEADLINE_OVERDUE):
        detail = data.get("due_at", "") or ""
    elif event.type in (EventType.HANDOFF_OPENED, EventType.TASK_COMPLETED):
        detail = "；".join(f"{k}：{v}" for k, v in data.items() if isinstance(v, str | int))
    return label, detail


class Part:
    """One entry of the contents: a title and its pages (pypdf page objects)."""

    def __init__(self, title, pages, note=""):
        self.title, self.pages, self.note = title, pages, note
        self.first = 0


def _reader(data: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data))


def _image_pages(case, font, attachments) -> list:
    """Each image attachment scaled onto an A4 page of its own under a caption: one
    reportlab canvas for all of them."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(PAGE_W, PAGE_H))
    margin, top = 20 * mm, 28 * mm
    for att in attachments:
        canvas.setFont(font, 11)
        canvas.drawString(margin, PAGE_H - 18 * mm, f"{att.get_kind_display()}：{att.name}")
        canvas.setFont(font, 9)
        canvas.drawString(margin, PAGE_H - 23 * mm, f"案号：{case.number}")
        with att.file.open("rb") as fh:
            image = ImageReader(io.BytesIO(fh.read()))
        iw, ih = image.getSize()
        box_w, box_h = PAGE_W - 2 * margin, PAGE_H - top - margin
        scale = min(box_w / iw, box_h / ih)
        w, h = iw * scale, ih * scale
        canvas.drawImage(image, (PAGE_W - w) / 2, PAGE_H - top - h, w, h)
        canvas.showPage()
    canvas.save()
    return list(_reader(buf.getvalue()).pages)


def _attachment_parts(case, font) -> dict:
    """{attachment kind: [Part]} in upload order; images rendered in one pass."""
    atts = list(case.attachments.order_by("id"))
    images = [a for a in atts if a.content_type != "application/pdf"]
    image_pages = dict(zip([a.pk for a in images], _image_pages(case, font, images), strict=True))
    parts: dict[str, list[Part]] = {}
    for att in atts:
        title = f"{att.get_kind_display()}：{att.name}"
        if att.pk in image_pages:
            pages = [image_pages[att.pk]]
        else:
            with att.file.open("rb") as fh:
                pages = list(_reader(fh.read()).pages)
        parts.setdefault(att.kind, []).append(Part(title, pages, "附件"))
    return parts


def _document_parts(case, full) -> dict:
    from . import records

    parts = {}
    for kind, code in FILE_ORDER:
        if kind != "doc":
            continue
        docs = records.ensure(case, code)
        parts[code] = [
            Part(
                doc.title + (f"（第{n}次）" if len(docs) > 1 else ""),
                list(_reader(records.read(doc, full=full)).pages),
            )
            for n, doc in enumerate(docs, start=1)
        ]
    return parts


def _cover(ctx: Ctx):
    s, case = ctx.s, ctx.case
    parties = "；".join(f"{link.get_role_display()}：{link.party.name}" for link in ctx.links)
    rows = [
        ["案号", case.number],
        ["案由", f"{case.get_category_display()}纠纷"],
        ["当事人", parties],
        [ctx.mediator_title, ctx.mediator_name or "—"],
        ["受理日期", ymd(case.accepted_at) or "—"],
        ["结案日期", ymd(case.closed_at) or "—"],
        ["调解结果", OUTCOME.get(case.outcome, case.outcome or "—")],
        ["归档日期", ymd(case.archived_at) or "—"],
        ["保管期限", retention(case)],
    ]
    return [
        gap(25),
        para(ctx.org.name, s.subtitle),
        gap(6),
        para(KINDS["case_file"].title_for(case), s.cover_title),
        gap(20),
        form_table(s, rows, [36 * mm, CONTENT_W - 36 * mm]),
        gap(30),
        para(f"立卷单位：{ctx.org.name}", s.right),
        para(cn_date(case.archived_at or case.closed_at or timezone.now()), s.right),
        PageBreak(),
    ]


def retention(case) -> str:
    """保管期限: an agreement (its performance may be sued on for years) is kept long,
    the rest short (DOCUMENT_RETENTION_* settings)."""
    if case.outcome in ("agreed", "confirmed") or case.agreements.exists():
        return settings.DOCUMENT_RETENTION_AGREED
    return settings.DOCUMENT_RETENTION_OTHER


def _pages_label(part: Part) -> str:
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
    for event in ctx.events:
        label, detail = describe_event(event)
        actor = person_name(event.actor) if event.actor_id else "系统"
        rows.append([str(event.pk), ymd_hm(event.at), label, actor, detail or "—"])
    widths = [14 * mm, 40 * mm, 30 * mm, 22 * mm]
    widths.append(CONTENT_W - sum(widths))
    story = [
        para("案件流转记录", s.title),
        gap(3),
        list_table(s, ["编号", "时间", "事项", "操作人", "说明"], rows, widths),
    ]
    return build_pdf(story, case=ctx.case, font=ctx.font, title="案件流转记录")


def _back_page(ctx: Ctx, parts: list[Part], total: int, images: int) -> bytes:
    """备考表: what the volume holds, who filed and who checked it, how long it is kept."""
    s, case = ctx.s, ctx.case
    archive = ctx.last_transition("archive")
    filer = person_name(archive.actor) if archive and archive.actor_id else ""
    count = sum(1 for p in parts if p.note != "案卷")
    story = [
        para("卷内备考表", s.title),
        gap(6),
        para(
            f"本卷共有文件材料{count}件，共{total}页"
            + (f"，其中图片材料{images}页" if images else "")
            + "。",
            s.indent,
        ),
        para(f"保管期限：{retention(case)}", s.indent),
        gap(10),
        form_table(
            s,
            [
                ["立卷人", filer or "", "立卷日期", ymd(case.archived_at or timezone.now())],
                ["检查人", "", "检查日期", ""],
            ],
        ),
    ]
    return build_pdf(story, case=case, font=ctx.font, title="卷内备考表")


def _stamp(writer, page, number: int, font_ref) -> None:
    """Write the 卷内页号 in the page's top right corner: one small content stream
    appended to the page (the page's own drawing is wrapped in q/Q and left intact)."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, NameObject

    box = page.mediabox
    size = 11
    text = str(number)
    x = float(box.right) - 12 * mm - len(text) * 0.556 * size
    y = float(box.top) - 14 * mm
    resources = page.get("/Resources")
    if resources is None:
        from pypdf.generic import DictionaryObject

        resources = DictionaryObject()
        page[NameObject("/Resources")] = resources
    resources = resources.get_object()
    fonts = resources.get("/Font")
    if fonts is None:
        from pypdf.generic import DictionaryObject

        fonts = DictionaryObject()
        resources[NameObject("/Font")] = fonts
    fonts.get_object()[NameObject("/DtjPageNo")] = font_ref
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


def assemble(case, *, full: bool = True, font: str | None = None) -> tuple[bytes, int]:
    """The 卷宗 of `case` from its stored documents and attachments: (PDF, page count)."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    from . import fonts

    font = font or fonts.font_name()
    ctx = Ctx(case, font=font, full=full)
    docs = _document_parts(case, full)
    atts = _attachment_parts(case, font)
    parts: list[Part] = []
    for kind, code in FILE_ORDER:
        parts += (docs if kind == "doc" else atts).get(code, [])
    images = sum(1 for a in case.attachments.all() if a.content_type != "application/pdf")
    log = Part("案件流转记录", list(_reader(_log(ctx)).pages), "案卷")
    parts.append(log)
    number = 1
    for part in parts:
        part.first = number
        number += len(part.pages)
    back = Part("卷内备考表", [], "案卷")
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
