"""Exports of the supervision figures (DESIGN.md §6, §8): the statistics workbook, the case
list workbook and the monthly report PDF. Workbooks are written by openpyxl in write-only
mode into a temporary file that is then streamed, so 100,000 rows never sit in memory;
resident ID numbers and phones are always masked. Every export is an AuditEvent
(mediation.supervision.complaints.audit) with its filters and row count."""

import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any, TypeAlias

from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as N_
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, SimpleDocTemplate

from mediation.documents import fonts, layout
from mediation.law.choices import Network, PartyRole, choice_labels
from mediation.law.identity import mask_id_number, mask_phone
from mediation.models import Case, CaseParty
from mediation.models.crypto import decrypt
from mediation.supervision import figures as supervision
from mediation.supervision.aggregates import Filters

from .xlsx import SheetWriter, neutral

NO_DATA = "无数据"
CHUNK = 5000
# What a workbook cell holds.
CellValue: TypeAlias = str | float | dt.datetime | None


def _append(ws: WriteOnlyWorksheet, values: list[Any]) -> None:
    """A row of an openpyxl sheet: no text cell may start a formula (openpyxl makes any
    "=…" string one; region and category labels come from public applications)."""
    ws.append([v if isinstance(v, Cell) else neutral(v) for v in values])


def figure_rows(data: dict) -> list[tuple[str, object]]:
    """The headline figures as (label, value) with None → 无数据; shared by the workbook,
    the PDF and the dashboard so the three always say the same."""

    def pct(v: float | None) -> object:
        return NO_DATA if v is None else f"{v * 100:.1f}%"

    def val(v: object) -> object:
        return NO_DATA if v is None else v

    return [
        (_("纠纷总数（件）"), data["total"]),
        (_("调解结束（件）"), data["ended"]),
        (_("调解成功（件）"), data["agreed"]),
        (_("调解成功率（成功÷结束）"), pct(data["success_rate"])),
        (_("申请司法确认（件）"), data["confirmation_requested"]),
        (_("司法确认有效（件）"), data["confirmed"]),
        (_("司法确认率"), pct(data["confirmation_rate"])),
        (_("回访（件）"), data["followed_up"]),
        (_("协议履行率（按最近一次回访）"), pct(data["performance_rate"])),
        (_("涉及金额（元）"), val(data["amount_total"])),
        (_("已结案（件）"), data["closed"]),
        (_("平均结案天数"), val(data["avg_days_to_close"])),
        (_("当前超期（件）"), data["overdue"]),
        (_("未结高风险（件）"), data["high_risk"]),
        (_("优先群体案件（件）"), data["priority"]),
        (_("优先群体占比"), pct(data["priority_share"])),
        (_("信访反馈应反馈（件）"), data["petition_feedback_due"]),
        (_("信访反馈按期率"), pct(data["petition_feedback_rate"])),
    ]


DIMENSIONS = [
    ("by_network", N_("按调解类型")),
    ("by_channel", N_("按来源渠道")),
    ("by_category", N_("按纠纷类型")),
    ("by_region", N_("按乡镇（街道）")),
    ("by_month", N_("按月份")),
]


def _bold(ws: WriteOnlyWorksheet, value: CellValue) -> Cell:
    cell = WriteOnlyCell(ws, value=neutral(value))
    cell.font = Font(bold=True)
    return cell


def _period_text(filters: Filters) -> str:
    f = filters.as_dict()
    start, end = f["from"] or _("不限"), f["to"] or _("不限")
    parts = [_("统计期间：%(a)s 至 %(b)s") % {"a": start, "b": end}]
    if f["network"]:
        parts.append(_("调解类型：%(n)s") % {"n": Network(f["network"]).label})
    if f["region"]:
        parts.append(_("乡镇（街道）：%(r)s") % {"r": f["region"]})
    return "；".join(parts)


def stats_workbook(
    data: dict, table: dict, filters: Filters
) -> tempfile.SpooledTemporaryFile[bytes]:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("概览"))
    _append(ws, [_bold(ws, _("红寺堡区矛盾纠纷多元化解统计"))])
    _append(ws, [_period_text(filters)])
    _append(ws, [_("统计时间"), timezone.localtime(data["as_of"]).strftime("%Y-%m-%d %H:%M")])
    _append(ws, [])
    _append(ws, [_bold(ws, _("指标")), _bold(ws, _("数值"))])
    for label, value in figure_rows(data):
        _append(ws, [label, value])
    for key, title in DIMENSIONS:
        sheet = wb.create_sheet(str(title))
        _append(sheet, [_bold(sheet, _("项目")), _bold(sheet, _("代码")), _bold(sheet, _("件数"))])
        for row in data[key]:
            _append(sheet, [row["label"], row["key"], row["count"]])
    ministry_sheet(wb, table, filters)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    wb.save(out)
    out.seek(0)
    return out


def ministry_sheet(wb: Workbook, table: dict, filters: Filters) -> None:
    ws = wb.create_sheet(_("人民调解工作统计表"))
    _append(ws, [_bold(ws, _("人民调解工作统计表"))])
    _append(ws, [_period_text(filters)])
    cols = supervision.columns()
    _append(ws, [_bold(ws, _("纠纷类型")), *(_bold(ws, label) for _k, label in cols)])
    if table["rows"] is None:
        _append(ws, [_("合计"), *([NO_DATA] * len(cols))])
    else:
        for row in table["rows"]:
            _append(ws, [row["label"], *(_cell(row[k]) for k, _label in cols)])
        _append(ws, [_bold(ws, _("合计")), *(_cell(table["total"][k]) for k, _label in cols)])
    screening = table["screening"]
    _append(ws, [])
    _append(
        ws,
        [
            _("开展矛盾纠纷排查（次）"),
            NO_DATA if screening is None else screening["times"],
            _("排查发现纠纷（件）"),
            NO_DATA if screening is None else screening["found"],
        ],
    )


def _cell(value: object) -> object:
    # Amounts are strings with two decimals in the JSON; numbers in the workbook.
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


CASE_HEADER = [
    N_("案号"),
    N_("调解类型"),
    N_("当前组织"),
    N_("状态"),
    N_("来源渠道"),
    N_("纠纷类型"),
    N_("乡镇（街道）"),
    N_("村（社区）"),
    N_("优先办理"),
    N_("涉及金额（元）"),
    N_("申请人"),
    N_("申请人身份证号"),
    N_("申请人电话"),
    N_("被申请人"),
    N_("被申请人身份证号"),
    N_("被申请人电话"),
    N_("调解员"),
    N_("登记时间"),
    N_("受理时间"),
    N_("期限"),
    N_("结案时间"),
]


def _raw(qs: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list queryset straight from the driver: the export reads
    millions of cells, and Django's per-value converters cost more than the rest of the
    row (the two columns that need it are converted by _local and float())."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _local(value: dt.datetime | str | None, tz: dt.tzinfo | None = None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite hands back the stored UTC time without a zone
        value = value.replace(tzinfo=dt.UTC)
    # "2026-11-22 08:44+08:00"[:16]: the wall time of the site's zone
    return value.astimezone(tz or timezone.get_current_timezone()).isoformat(" ", "minutes")[:16]


def case_rows(qs: QuerySet[Case]) -> Iterator[list[object]]:
    """Rows of the case workbook, read in id-ordered chunks of CHUNK cases with one query
    for their parties: two queries per chunk whatever the number of rows."""
    labels = choice_labels(get_language())
    fields = (
        "id",
        "number",
        "network",
        "org__name",
        "state",
        "channel",
        "category",
        "region",
        "village",
        "priority",
        "amount",
        "mediator__last_name",
        "mediator__first_name",
        "mediator__username",
        "created_at",
        "accepted_at",
        "due_at",
        "closed_at",
    )
    last = 0
    tz = timezone.get_current_timezone()  # once: the lookup is a context-local read
    qs = qs.order_by("id")
    while True:
        chunk = _raw(qs.filter(id__gt=last).values_list(*fields)[:CHUNK])
        if not chunk:
            return
        ids = [r[0] for r in chunk]
        last = ids[-1]
        links = CaseParty.objects.order_by("case_id", "position", "id")
        if ids[-1] - ids[0] < 2 * len(ids):  # a dense chunk: a range beats 5,000 parameters
            links = links.filter(case_id__gte=ids[0], case_id__lte=ids[-1])
        else:
            links = links.filter(case_id__in=ids)
        parties: dict[int, dict[str, list]] = {}
        for case_id, role, name, id_number, phone in _raw(
            links.values_list("case_id", "role", "party__name", "party__id_number", "party__phone")
        ):
            side = parties.setdefault(case_id, {}).setdefault(role, [[], [], []])
            side[0].append(name)
            # read past the model fields: the stored values are SM4 ciphertext (crypto)
            side[1].append(mask_id_number(decrypt(id_number)))
            side[2].append(mask_phone(decrypt(phone)))
        for r in chunk:
            p = parties.get(r[0], {})
            app = p.get(PartyRole.APPLICANT, [[], [], []])
            resp = p.get(PartyRole.RESPONDENT, [[], [], []])
            mediator = f"{r[11] or ''}{r[12] or ''}" or (r[13] or "")
            yield [
                r[1],
                labels["network"].get(r[2], r[2]),
                r[3],
                labels["state"].get(r[4], r[4]),
                labels["channel"].get(r[5], r[5]),
                labels["category"].get(r[6], r[6]),
                r[7],
                r[8],
                "是" if r[9] else "否",  # bool, or 0/1 in SQLite
                float(r[10]) if r[10] is not None else None,  # Decimal, or REAL in SQLite
                "、".join(app[0]),
                "、".join(filter(None, app[1])),
                "、".join(filter(None, app[2])),
                "、".join(resp[0]),
                "、".join(filter(None, resp[1])),
                "、".join(filter(None, resp[2])),
                mediator,
                _local(r[14], tz),
                _local(r[15], tz),
                _local(r[16], tz),
                _local(r[17], tz),
            ]


def cases_workbook(qs: QuerySet[Case]) -> tuple[tempfile.SpooledTemporaryFile[bytes], int]:
    """The case list as a workbook, streamed row by row (mediation.supervision.xlsx: flat memory,
    a few µs per cell) into a temporary file that the response then streams."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    sheet = SheetWriter(out, str(N_("案件清单")))
    sheet.append([str(h) for h in CASE_HEADER], bold=True)
    for row in case_rows(qs):
        sheet.append(row)
    sheet.close()
    out.seek(0)
    return out, sheet.rows - 1


# -- the monthly report (reportlab) ---------------------------------------------------------


def _chart(
    s: SimpleNamespace, title: str, rows: list[dict], width: float, limit: int = 10
) -> Drawing:
    """A horizontal bar chart in grey with the number beside each bar (no colour needed)."""
    rows = rows[:limit]
    height: float = 26 + 16 * max(len(rows), 1)
    d = Drawing(width, height)
    d.add(String(0, height - 12, title, fontName=s.font, fontSize=10))
    if not rows:
        d.add(String(0, height - 30, NO_DATA, fontName=s.font, fontSize=9))
        return d
    chart = HorizontalBarChart()
    chart.x, chart.y = 90, 4
    # reportlab takes any number here; its stub says int
    chart.width, chart.height = width - 130, height - 26  # type: ignore[assignment]
    chart.data = [[r["count"] for r in reversed(rows)]]
    chart.categoryAxis.categoryNames = [str(r["label"]) for r in reversed(rows)]
    chart.categoryAxis.labels.fontName = s.font
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.visible = False
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.Color(0.55, 0.55, 0.55)
    chart.bars[0].strokeColor = colors.black
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = s.font
    chart.barLabels.fontSize = 8
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 4
    d.add(chart)
    return d


def monthly_pdf(
    data: dict,
    table: dict,
    filters: Filters,
    month: dt.date,
    more: Callable[[Any], list[Flowable]] | None = None,
) -> bytes:
    """The month's report; `more(styles)` adds the Ministry report's other tables."""
    font = fonts.font_name()
    s = layout.styles(font)
    title = _("矛盾纠纷多元化解工作月报（%(y)s年%(m)s月）") % {"y": month.year, "m": month.month}
    story = [
        layout.para(_("红寺堡区司法局"), s.subtitle),
        layout.para(title, s.title),
        layout.para(_period_text(filters), s.small),
        layout.gap(4),
        layout.para(_("一、主要指标"), s.heading),
    ]
    figures = figure_rows(data)
    rows = []
    for i in range(0, len(figures), 2):
        pair = figures[i : i + 2]
        rows.append([x for label, value in pair for x in (label, str(value))])
    story.append(layout.form_table(s, rows))
    story += [layout.gap(6), layout.para(_("二、纠纷分布"), s.heading)]
    width = layout.CONTENT_W
    for key, name in DIMENSIONS:
        story.append(_chart(s, str(name), data[key], width, limit=12 if key == "by_month" else 10))
        story.append(layout.gap(4))
    story += [PageBreak(), layout.para(_("三、人民调解工作统计表"), s.heading)]
    cols = supervision.columns()
    header = [_("纠纷类型"), *(label for _k, label in cols)]
    if table["rows"] is None:
        body = [[_("合计"), *([NO_DATA] * len(cols))]]
    else:
        body = [[r["label"], *(str(r[k]) for k, _l in cols)] for r in table["rows"]]
        body.append([_("合计"), *(str(table["total"][k]) for k, _l in cols)])
    first = 22 * mm
    other = (width - first) / len(cols)
    story.append(layout.list_table(s, header, body, [first] + [other] * len(cols)))
    screening = table["screening"]
    story += [
        layout.gap(4),
        layout.para(
            _("开展矛盾纠纷排查：%(t)s；排查发现纠纷：%(f)s")
            % {
                "t": NO_DATA if screening is None else f"{screening['times']}次",
                "f": NO_DATA if screening is None else f"{screening['found']}件",
            },
            s.body,
        ),
    ]
    if more is not None:
        story += more(s)
    buf = io.BytesIO()

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 9)
        canvas.drawCentredString(layout.PAGE_W / 2, 12 * mm, f"— {doc.page} —")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buf,
        pagesize=(layout.PAGE_W, layout.PAGE_H),
        leftMargin=layout.MARGIN_X,
        rightMargin=layout.MARGIN_X,
        topMargin=20 * mm,
        bottomMargin=layout.MARGIN_BOTTOM,
        title=title,
        author=_("红寺堡区司法局"),
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
