"""The Ministry's whole report as a workbook laid out as its form (one sheet per table)
and as the tables of the monthly PDF; both from ministry_report.ministry_report, so the
file, the PDF and the API say the same figures."""

from __future__ import annotations

import tempfile
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from mediation.documents import layout

from .aggregates import Filters
from .exports import NO_DATA, _period_text, ministry_sheet
from .ministry_report import labels
from .xlsx import neutral

DISTRICT = "红寺堡区"


def _count(value: object) -> object:
    return NO_DATA if value is None else value


def _number(value: object) -> object:
    # decimals travel as strings in the JSON; numbers in the workbook
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return _count(value)


def tables(report: dict[str, Any]) -> list[tuple[str, list[str], list[list[object]]]]:
    """(title, header, rows) of each table other than the case table, in the form's order;
    the last row of each is its 合计 where the table has one."""
    out: list[tuple[str, list[str], list[list[object]]]] = []
    names = labels()
    orgs = report["organisations"]
    body: list[list[object]] = []
    for (key, label), row in zip(
        names["organisations"], orgs["rows"] if orgs else [], strict=False
    ):
        assert row["key"] == key
        body.append([label, row["count"]])
    body.append([_("合计"), _count(orgs and orgs["total"])])
    out.append((_("表一 人民调解组织"), [_("组织类型"), _("数量（个）")], body))
    meds = report["mediators"]
    cols = names["mediator_columns"]
    body = []
    for row in meds["rows"] if meds else []:
        body.append([row["label"], *(row[k] for k, _l in cols)])
    total = meds["total"] if meds else None
    body.append([_("合计"), *((total[k] if total else NO_DATA) for k, _l in cols)])
    out.append((_("表二 人民调解员"), [_("类别"), *(label for _k, label in cols)], body))
    body = [[r["label"], _count(r["count"])] for r in report["prevention"]]
    out.append((_("表四 防止民间纠纷激化"), [_("防止激化类型"), _("件数")], body))
    agreements = report["agreements"]
    body = [
        [label, NO_DATA if agreements is None else agreements[k]]
        for k, label in names["agreements"]
    ]
    out.append((_("表五 调解协议及履行"), [_("项目"), _("数值")], body))
    body = [[r["label"], _count(r["count"])] for r in report["sources"]]
    out.append((_("表六 纠纷来源"), [_("来源"), _("件数")], body))
    return out


def _bold(ws: WriteOnlyWorksheet, value: str) -> Cell:
    cell = WriteOnlyCell(ws, value=neutral(value))
    cell.font = Font(bold=True)
    return cell


def workbook(report: dict[str, Any], filters: Filters) -> tempfile.SpooledTemporaryFile[bytes]:
    wb = Workbook(write_only=True)
    period = _period_text(filters)
    sheets = tables(report)
    for title, header, body in sheets[:2]:
        _sheet(wb, title, header, body, period)
    # 表三: the case table by dispute type, as the statistics workbook writes it
    ministry_sheet(wb, report["cases"], filters)
    for title, header, body in sheets[2:]:
        _sheet(wb, title, header, body, period)
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)
    wb.save(out)
    out.seek(0)
    return out


def _sheet(
    wb: Workbook, title: str, header: list[str], body: list[list[object]], period: str
) -> None:
    ws = wb.create_sheet(title[:31])
    ws.append([_bold(ws, f"{DISTRICT}{title}")])
    ws.append([period])
    ws.append([_bold(ws, h) for h in header])
    for row in body:
        ws.append([neutral(_number(v)) for v in row])


def pdf_story(s: Any, report: dict[str, Any]) -> list[Flowable]:
    """The tables other than the case table, for the monthly PDF (after the case table)."""
    story: list[Flowable] = [
        layout.gap(6),
        layout.para(_("四、人民调解组织、调解员及其他"), s.heading),
    ]
    for title, header, body in tables(report):
        story.append(layout.para(title, s.body))
        first = 72 * mm  # the longest label on one line
        other = (layout.CONTENT_W - first) / (len(header) - 1)
        rows = [[str(v) for v in row] for row in body]
        story.append(layout.list_table(s, header, rows, [first] + [other] * (len(header) - 1)))
        story.append(layout.gap(3))
    return story
