# ruff: noqa: E501  (the fixed SpreadsheetML parts read best unbroken)
"""A minimal streaming XLSX writer for long sheets (the case workbook).

openpyxl's write-only mode keeps memory flat but spends ~90 µs per cell building element
objects: 100,000 cases × 21 columns took minutes on our machine. This writer emits the
SpreadsheetML of one sheet directly (inline strings, no shared-string table, no per-cell
objects) into a zip entry as rows arrive, so the file streams at a few µs per cell and
memory stays flat. The result is an ordinary workbook: the tests open it with openpyxl.
"""

import re
import zipfile
from collections.abc import Iterable
from typing import IO, TypeVar
from xml.sax.saxutils import escape

# A cell starting with one of these is a formula (or becomes one when edited or saved as
# CSV): every exported text that does is prefixed with ' (DESIGN §9, OWASP CSV injection).
FORMULA_START = frozenset("=+-@\t\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0
_FLUSH = 1000
T = TypeVar("T")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Style 0: normal; style 1: bold (the header row).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>"
)


def _workbook(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(title, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )


def _text(value: str) -> str:
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    if value[:1].isspace() or value[-1:].isspace():
        return f'<t xml:space="preserve">{value}</t>'
    return f"<t>{value}</t>"


def neutral(value: T) -> T | str:
    """`value` safe as an exported cell: text that would start a formula gets a leading '."""
    if isinstance(value, str) and value[:1] in FORMULA_START:
        return "'" + value
    return value


def _cell(value: object, style: str) -> str:
    if value is None or value == "":
        return "<c/>"
    if type(value) is str:
        if value[0] in FORMULA_START:
            value = "'" + value
        return f'<c t="inlineStr"{style}><is>{_text(value)}</is></c>'
    if isinstance(value, bool):
        return f'<c t="b"{style}><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"<c{style}><v>{value!r}</v></c>"
    return _cell(str(value), style)


class SheetWriter:
    """One sheet, written row by row into `fileobj` (any writable binary file)."""

    def __init__(self, fileobj: IO[bytes], title: str) -> None:
        self._zip = zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._zip.writestr("[Content_Types].xml", _CONTENT_TYPES)
        self._zip.writestr("_rels/.rels", _RELS)
        self._zip.writestr("xl/workbook.xml", _workbook(title[:31]))
        self._zip.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        self._zip.writestr("xl/styles.xml", _STYLES)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self._sheet.write(_SHEET_HEAD.encode())
        self._buffer: list[str] = []
        self.rows = 0

    def append(self, values: Iterable[object], *, bold: bool = False) -> None:
        self.rows += 1
        style = ' s="1"' if bold else ""
        cells = "".join([_cell(v, style) for v in values])
        if _ILLEGAL.search(cells):  # control characters are not XML: drop them (one search)
            cells = _ILLEGAL.sub("", cells)
        self._buffer.append(f'<row r="{self.rows}">{cells}</row>')
        if len(self._buffer) >= _FLUSH:
            self._flush()

    def _flush(self) -> None:
        self._sheet.write("".join(self._buffer).encode())
        self._buffer.clear()

    def close(self) -> None:
        self._flush()
        self._sheet.write(b"</sheetData></worksheet>")
        self._sheet.close()
        self._zip.close()
