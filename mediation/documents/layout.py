"""Page layout shared by every document: A4 pages with the case number and the tracking
QR code in the header, page numbers in the footer, Chinese styles, dates and helpers."""

import datetime as dt
import io
import threading
from functools import lru_cache
from itertools import groupby
from types import SimpleNamespace
from typing import Any, TypeAlias
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from mediation.models import Case

# What the date helpers take: a date, or a datetime (shown in local time).
DateLike: TypeAlias = dt.date | dt.datetime

PAGE_W, PAGE_H = A4
MARGIN_X = 25 * mm
MARGIN_TOP = 32 * mm
MARGIN_BOTTOM = 22 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
QR_SIZE = 20 * mm

_styles: dict[str, SimpleNamespace] = {}


def styles(font: str) -> SimpleNamespace:
    """Paragraph styles for one font, built once. Every style wraps CJK text."""
    s = _styles.get(font)
    if s is None:
        base = ParagraphStyle(
            "body", fontName=font, fontSize=12, leading=21, wordWrap="CJK", alignment=TA_LEFT
        )

        def derive(name: str, **kw: Any) -> ParagraphStyle:
            return ParagraphStyle(name, parent=base, **kw)

        s = _styles[font] = SimpleNamespace(
            font=font,
            body=base,
            indent=derive("indent", firstLineIndent=24),
            title=derive("title", fontSize=20, leading=30, alignment=TA_CENTER, spaceAfter=4),
            cover_title=derive("cover_title", fontSize=30, leading=44, alignment=TA_CENTER),
            subtitle=derive("subtitle", fontSize=13, leading=20, alignment=TA_CENTER),
            number=derive("number", fontSize=11, leading=18, alignment=TA_RIGHT, spaceAfter=6),
            heading=derive("heading", fontSize=13, leading=22, spaceBefore=6),
            right=derive("right", alignment=TA_RIGHT),
            cell=derive("cell", fontSize=10.5, leading=15),
            right_cell=derive("right_cell", fontSize=10.5, leading=15, alignment=TA_RIGHT),
            cell_label=derive("cell_label", fontSize=10.5, leading=15, alignment=TA_CENTER),
            small=derive("small", fontSize=9, leading=13),
        )
    return s


# -- text helpers ---------------------------------------------------------------------

CN_DIGITS = "〇一二三四五六七八九"


def _cn_number(n: int) -> str:
    """1..31 in Chinese numerals as written in dates (十一, 二十五, 三十)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    head = "" if tens == 1 else CN_DIGITS[tens]
    return head + "十" + (CN_DIGITS[ones] if ones else "")


def cn_count(n: int) -> str:
    """A count as a document writes it: 一式三份, not 一式3份 (1..99)."""
    return _cn_number(n)


def cn_date(value: DateLike | None) -> str:
    """二〇二六年十一月二十五日 — the form used in the signature line of documents."""
    if value is None:
        return "    年  月  日"
    d = as_date(value)
    year = "".join(CN_DIGITS[int(c)] for c in str(d.year))
    return f"{year}年{_cn_number(d.month)}月{_cn_number(d.day)}日"


def ymd(value: DateLike | None) -> str:
    """2026年11月25日"""
    if value is None:
        return ""
    d = as_date(value)
    return f"{d.year}年{d.month}月{d.day}日"


def ymd_hm(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    t = timezone.localtime(value)
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


def as_date(value: DateLike) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def paras(text: str, style: ParagraphStyle) -> list[Flowable]:
    """Plain text (user input) as paragraphs, one per line. No markup: every paragraph is
    one style run, so it takes the Chinese-aware single-run splitter."""
    out: list[Flowable] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            out.append(Paragraph(escape(line), style))
    return out


def para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text or ""), style)


def gap(h: float = 4) -> Spacer:
    return Spacer(1, h * mm)


GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
    ]
)


def form_table(
    s: SimpleNamespace, rows: list[list[Any]], col_widths: list[float] | None = None
) -> Table:
    """A bordered form: rows of [label, value, label, value, ...]; None merges left."""
    ncols = max(len(r) for r in rows)
    if col_widths is None:
        if ncols == 2:
            col_widths = [32 * mm, CONTENT_W - 32 * mm]
        else:
            label_w = 26 * mm
            value_w = (CONTENT_W - label_w * (ncols // 2)) / (ncols - ncols // 2)
            col_widths = [label_w if i % 2 == 0 else value_w for i in range(ncols)]
    data, spans = [], []
    for r, row in enumerate(rows):
        cells: list[Flowable | str | list[Flowable]] = []
        for c in range(ncols):
            value: Any = row[c] if c < len(row) else None
            if value is None and c > 0:
                cells.append("")
                continue
            style = s.cell_label if c % 2 == 0 and len(row) > 1 else s.cell
            if isinstance(value, list):  # several paragraphs in one cell
                cells.append(value)
                continue
            cells.append(value if hasattr(value, "wrap") else para(str(value), style))
        # a row shorter than the table stretches its last value over the remaining columns
        if len(row) < ncols:
            spans.append(("SPAN", (len(row) - 1, r), (ncols - 1, r)))
        data.append(cells)
    table = Table(data, colWidths=col_widths, hAlign="CENTER")
    table.setStyle(GRID)
    if spans:
        table.setStyle(TableStyle(spans))
    return table


def list_table(
    s: SimpleNamespace, header: list[str], rows: list[list[Any]], col_widths: list[float]
) -> Table:
    """A bordered list with a header row that repeats on each page."""
    data = [[para(h, s.cell_label) for h in header]]
    data += [[c if hasattr(c, "wrap") else para(str(c), s.cell) for c in row] for row in rows]
    table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="CENTER")
    table.setStyle(GRID)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92))]))
    return table


def keep_together(items: list[Flowable]) -> KeepTogether:
    """One KeepTogether of `items`, nested ones flattened into it: reportlab's KeepTogether
    reports an endless height to a KeepTogether around it, which then always breaks the
    page — a signature block fell alone on a fresh page with half the last page empty."""
    flat: list[Flowable] = []
    for item in items:
        if isinstance(item, KeepTogether):
            flat += keep_together(list(item._content))._content  # type: ignore[attr-defined]
        else:
            flat.append(item)
    return KeepTogether(flat)


def signature_block(s: SimpleNamespace, lines: list[str], date: str | None = None) -> KeepTogether:
    """Signature lines (label, then a rule to sign on), kept together with the date line
    (`date`, as printed: cn_date's text)."""
    rows = [[para(label, s.body), ""] for label in lines]
    table = Table(rows, colWidths=[CONTENT_W * 0.64, CONTENT_W * 0.3], hAlign="RIGHT")
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (1, 0), (1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), 9),
            ]
        )
    )
    items = [gap(6), table]
    if date is not None:
        items += [gap(4), para(date, s.right)]
    return KeepTogether(items)


# -- pages ----------------------------------------------------------------------------


def tracking_url(case: Case) -> str:
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}/track/{case.tracking_token}/"


@lru_cache(maxsize=512)
def qr_runs(url: str) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """(module count, dark runs (row, column, length)) of the QR code for `url`.

    reportlab's QrCodeWidget encodes twice per drawing (bounds, then draw) and builds a
    shape object per run; encoding once per URL and drawing one path is ~25× cheaper,
    and every document of a case shares the case's tracking URL."""
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(url)
    qr.make()
    runs = []
    for r, row in enumerate(qr.modules):
        c = 0
        for dark, group in groupby(bool(m) for m in row):
            n = len(list(group))
            if dark:
                runs.append((r, c, n))
            c += n
    return qr.getModuleCount(), tuple(runs)


def draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float, border: int = 2) -> None:
    count, runs = qr_runs(url)
    box = size / (count + 2 * border)
    path = canvas.beginPath()
    for r, c, n in runs:
        path.rect(x + (c + border) * box, y + size - (r + border + 1) * box, n * box, box)
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)


class CaseDocTemplate(BaseDocTemplate):
    """A4 with the case number and tracking QR code on every page.

    The QR code is drawn once per PDF as a form XObject and placed on each page, so a
    forty-page case file does not carry forty copies of its vector modules."""

    def __init__(
        self,
        buf: io.BytesIO,
        *,
        case: Case,
        font: str,
        title: str,
        footer: str = "",
        bare: bool = False,
    ) -> None:
        super().__init__(
            buf,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=title,
            author=case.org.name,
            subject=case.number,
            creator="Datiaojie",
        )
        self.case, self.font, self.footer = case, font, footer
        # A paper the organisation does not issue under its own number (the court's
        # instrument, the parties' application): no running case number, no QR code.
        self.bare = bare
        self.url = tracking_url(case)
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])
        self._qr_ready = False

    def _decorate(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        if self.bare:
            canvas.setFont(self.font, 9)
            canvas.drawCentredString(PAGE_W / 2, 12 * mm, f"第 {doc.page} 页")
            canvas.restoreState()
            return
        if not self._qr_ready:
            canvas.beginForm("dtj_qr")
            draw_qr(
                canvas,
                self.url,
                PAGE_W - MARGIN_X - QR_SIZE,
                PAGE_H - 8 * mm - QR_SIZE,
                QR_SIZE,
            )
            canvas.endForm()
            self._qr_ready = True
        canvas.doForm("dtj_qr")
        canvas.setFont(self.font, 8)
        canvas.drawCentredString(
            PAGE_W - MARGIN_X - QR_SIZE / 2, PAGE_H - 11 * mm - QR_SIZE, "扫码查询办理进度"
        )
        canvas.setFont(self.font, 10.5)
        canvas.drawString(MARGIN_X, PAGE_H - 18 * mm, f"案号：{self.case.number}")
        canvas.setLineWidth(0.5)
        canvas.line(
            MARGIN_X, PAGE_H - 20 * mm, PAGE_W - MARGIN_X - QR_SIZE - 4 * mm, PAGE_H - 20 * mm
        )
        canvas.setFont(self.font, 9)
        canvas.drawCentredString(PAGE_W / 2, 12 * mm, f"第 {doc.page} 页")
        if self.footer:
            canvas.drawString(MARGIN_X, 12 * mm, self.footer)
        canvas.restoreState()


# reportlab's TrueType font keeps its subsetting state on the shared font object: two
# threads building PDFs at once corrupt each other's subsets (KeyError in makeSubset).
# Building is CPU-bound under the GIL anyway, so one build at a time costs nothing.
RENDER_LOCK = threading.RLock()


def build_pdf(
    flowables: list[Flowable],
    *,
    case: Case,
    font: str,
    title: str,
    footer: str = "",
    template_cls: type[CaseDocTemplate] = CaseDocTemplate,
    bare: bool = False,
) -> bytes:
    buf = io.BytesIO()
    doc = template_cls(buf, case=case, font=font, title=title, footer=footer, bare=bare)
    with RENDER_LOCK:
        doc.build(flowables)
    return buf.getvalue()
