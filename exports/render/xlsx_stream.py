"""A streaming ``.xlsx`` writer for list exports: rows are written into the zip member as they come.

``write_xlsx(target, sheets)`` writes a workbook to a binary file; ``xlsx_response(sheets, download_name)``
writes it to a spooled temporary file and streams that to the browser. A sheet is
``(title, header, {column number (1-based): width}, rows)`` where ``rows`` is any iterable (a generator reading the
database keeps memory flat whatever the number of rows).

openpyxl without lxml takes ~10 s for the whole registry (450,000 cells) and keeps every cell in memory; this
writes the SpreadsheetML itself. Text is an inline string (never a formula: "=..." stays text), ``int``,
``float`` and ``Decimal`` are numbers, ``date`` a date serial shown yyyy/mm/dd (``datetime``: yyyy/mm/dd hh:mm,
its wall-clock time), ``bool`` a boolean; characters XML cannot carry are dropped. The header row is bold and
frozen and repeats on every printed page; A4 landscape; the reports' font (``exports.fonts``).
"""

from __future__ import annotations

import math
import re
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from flask import Response

from exports.download import content_disposition, spooled_response
from exports.fonts import FACES

__all__ = ["MIMETYPE", "Sheet", "write_xlsx", "xlsx_response"]

Sheet = tuple[str, Sequence[str], Mapping[int, float], Iterable[Sequence[Any]]]

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Excel refuses longer cell texts when opening the file.
MAX_CELL_TEXT = 32767
#: Rows gathered before one write into the compressed member (bounded memory, few calls).
ROWS_PER_WRITE = 200
#: Up to this size the response stays in memory, above it the file goes to disk.
SPOOL_IN_MEMORY = 4 * 1024 * 1024
FONT_NAME = FACES["gothic"].excel_name
#: Characters not allowed in XML 1.0 (control characters other than tab and line breaks, lone surrogates).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_INVALID_TITLE = str.maketrans({c: "＿" for c in "[]:*?/\\"})
_EPOCH = date(1899, 12, 30)
_EPOCH_TIME = datetime(1899, 12, 30)
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
#: Cell styles (cellXfs): 0 text/number, 1 bold header, 2 date, 3 date and time.
HEADER, DATE, DATETIME = 1, 2, 3
_STYLES = (
    f'{_HEAD}<styleSheet {_NS}>'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy/mm/dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy/mm/dd hh:mm"/></numFmts>'
    f'<fonts count="2"><font><sz val="11"/><name val={quoteattr(FONT_NAME)}/><family val="3"/><charset val="128"/></font>'
    f'<font><b/><sz val="11"/><name val={quoteattr(FONT_NAME)}/><family val="3"/><charset val="128"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="標準" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def write_xlsx(target: IO[bytes], sheets: Iterable[Sheet]) -> None:
    """Write ``sheets`` as an .xlsx workbook to the binary file ``target`` (left open)."""
    sheets = list(sheets)
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    titles = _titles([s[0] for s in sheets])
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _content_types(len(sheets)))
        z.writestr("_rels/.rels", f'{_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
                                  f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", _workbook(titles))
        z.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        z.writestr("xl/styles.xml", _STYLES)
        for i, (_title, header, widths, rows) in enumerate(sheets, 1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as member:
                _write_sheet(member, header, widths, rows)


def xlsx_response(sheets: Iterable[Sheet], download_name: str) -> Response:
    """The workbook as an attachment named ``<download_name>_YYYYMMDD_HHMM.xlsx``, streamed in chunks.

    The file is written completely before the response starts (an error becomes an error page, not a truncated
    download), in memory up to a few MB and on disk above.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    try:
        write_xlsx(spool, sheets)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spooled_response(spool, size, MIMETYPE, content_disposition(download_name, "xlsx"))


def _write_sheet(member: IO[bytes], header: Sequence[str], widths: Mapping[int, float], rows) -> None:
    letters = _letters(len(header))
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in sorted(widths.items()))
    member.write((
        f'{_HEAD}<worksheet {_NS} xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="18"/>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>'
        + _row(1, header, letters, HEADER)).encode())
    batch: list[str] = []
    for number, row in enumerate(rows, 2):
        if len(row) > len(letters):
            letters = _letters(len(row))
        batch.append(_row(number, row, letters))
        if len(batch) >= ROWS_PER_WRITE:
            member.write("".join(batch).encode())
            batch.clear()
    batch.append('</sheetData><pageMargins left="0.6" right="0.6" top="0.8" bottom="0.7" header="0.3" footer="0.3"/>'
                 '<pageSetup paperSize="9" orientation="landscape"/>'
                 '<headerFooter><oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter></worksheet>')
    member.write("".join(batch).encode())


def _row(number: int, values: Sequence[Any], letters: list[str], style: int = 0) -> str:
    parts = [f'<row r="{number}">']
    for letter, value in zip(letters, values, strict=False):
        if value is None or value == "":
            continue
        ref = f"{letter}{number}"
        kind = type(value)
        if kind is str:
            parts.append(_inline(ref, value, style))
        elif kind is bool:
            parts.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, int):
            parts.append(f'<c r="{ref}"><v>{int(value)}</v></c>')
        elif isinstance(value, float) and math.isfinite(value):
            parts.append(f'<c r="{ref}"><v>{value!r}</v></c>')
        elif isinstance(value, Decimal) and value.is_finite():
            parts.append(f'<c r="{ref}"><v>{value:f}</v></c>')
        elif isinstance(value, datetime):
            delta = value.replace(tzinfo=None) - _EPOCH_TIME
            serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400
            parts.append(f'<c r="{ref}" s="{DATETIME}"><v>{serial!r}</v></c>')
        elif isinstance(value, date):
            parts.append(f'<c r="{ref}" s="{DATE}"><v>{(value - _EPOCH).days}</v></c>')
        else:
            parts.append(_inline(ref, str(value), style))
    parts.append("</row>")
    return "".join(parts)


def _inline(ref: str, text: str, style: int) -> str:
    if not text.isprintable():  # the usual case is checked in C; the pattern only runs on the rest
        text = _ILLEGAL.sub("", text)
    if len(text) > MAX_CELL_TEXT:
        text = text[:MAX_CELL_TEXT]
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def _letters(count: int) -> list[str]:
    result = []
    for n in range(1, count + 1):
        name = ""
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(65 + rest) + name
        result.append(name)
    return result


def _titles(titles: list[str]) -> list[str]:
    """Sheet names Excel accepts: no []:*?/\\, at most 31 characters, unique."""
    result: list[str] = []
    for title in titles:
        base = (_ILLEGAL.sub("", str(title)).translate(_INVALID_TITLE).strip("'") or "Sheet")[:31]
        name, n = base, 1
        while name.lower() in {r.lower() for r in result}:
            n += 1
            name = f"{base[:31 - len(str(n)) - 2]}({n})"
        result.append(name)
    return result


def _content_types(count: int) -> str:
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
                     for i in range(1, count + 1))
    return (f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>{sheets}</Types>')


def _workbook(titles: list[str]) -> str:
    sheets = "".join(f'<sheet name={quoteattr(t)} sheetId="{i}" r:id="rId{i}"/>' for i, t in enumerate(titles, 1))
    # The header row is printed on every page (Excel's 印刷タイトル).
    names = "".join(f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                    f"{escape(_quote_sheet(t))}!$1:$1</definedName>" for i, t in enumerate(titles))
    return (f'{_HEAD}<workbook {_NS} xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{sheets}</sheets><definedNames>{names}</definedNames></workbook>")


def _quote_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _workbook_rels(count: int) -> str:
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, count + 1))
    return (f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{rels}'
            f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')
