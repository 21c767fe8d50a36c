"""Any tabular ``Document`` as an Excel workbook set up to print like the PDF (openpyxl, write-only mode).

A4, the definition's orientation, fit to one page wide, margins, the header row frozen and repeated on every
printed page, a page header with the title, issuer and issue date, a ``n / N`` footer, the PDF's font family.
Numbers are numbers (``#,##0``) and dates are dates, so the sheet can be sorted and summed.
"""

from __future__ import annotations

import io
import itertools
from copy import copy
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from exports import fonts
from exports.reports.base import Document, clean_text

from .common import column_widths, conditions_text, count_text, issue_date_text, sample_row

#: Excel number formats per date style ([$-411] = Japanese locale, ggge = 令和7).
DATE_FORMATS = {
    "wareki": '[$-411]ggge"年"m"月"d"日"',
    "wareki_short": "[$-411]ge.m.d",
    "seireki": 'yyyy"年"m"月"d"日"',
    "iso": "yyyy-mm-dd",
}
NUMBER_FORMAT = "#,##0"
HEADER_ROW = 4
MAX_CELL_TEXT = 32767
#: Excel's column width unit is about 5.25 pt (the "0" of the default font); cells use 10 pt, the PDF 9 pt.
POINTS_PER_UNIT = 5.25 * 9 / 10
#: Printable width in points of A4 minus the PDF's margins, so the columns keep the PDF's proportions.
PRINT_WIDTH = {False: 595.28 - 2 * 42.52, True: 841.89 - 2 * 42.52}
INVALID_SHEET_CHARS = str.maketrans({c: "＿" for c in "[]:*?/\\"})


def render_xlsx(document: Document, issuer: str, issued_on: date, *, date_style: str = "wareki") -> bytes:
    """The document as ``.xlsx`` bytes (one sheet)."""
    rows = document.spool()
    face = fonts.face(document.font)
    name = face.excel_name
    columns = document.columns
    last_col = get_column_letter(len(columns))
    date_format = DATE_FORMATS.get(date_style, DATE_FORMATS["iso"])

    # Write-only: each row goes to the sheet's XML (a temporary file) as it is appended, so memory does not grow
    # with the rows; column widths, rows 1-4 and the print setup are therefore set before the first append.
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(document.title.translate(INVALID_SHEET_CHARS)[:31] or "帳票")
    wb.properties.title = document.title
    wb.properties.creator = issuer
    wb.properties.subject = conditions_text(document, date_style)
    _print_setup(ws, document, issuer, issued_on, date_style, name)

    # The PDF's column proportions (numbers and dates as wide as their longest value).
    texts = itertools.chain(([_plain(v) for v in row] for row in rows), [sample_row(document, date_style)])
    widths = column_widths(document, texts, PRINT_WIDTH[bool(document.landscape)], _approx_width)
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = round(width / POINTS_PER_UNIT + 1, 1)

    thin = Side(style="thin", color="333333")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body = Font(name=name, size=10)
    bold = Font(name=name, size=10, bold=True)

    # Rows 1-3: title, conditions and count, issue date and issuer (also in the printed page header).
    for row in (1, 2, 3):
        ws.merged_cells.add(f"A{row}:{last_col}{row}")
    ws.row_dimensions[1].height = 24
    title = _cell(ws, document.title, font=Font(name=name, size=14, bold=True),
                  alignment=Alignment(horizontal="center", vertical="center"))
    ws.append([title])
    ws.append([_cell(ws, f"{conditions_text(document, date_style)}　（{count_text(document)}）".lstrip("　"), font=body)])
    ws.append([_cell(ws, f"発行日　{issue_date_text(issued_on, date_style)}　{issuer}", font=body,
                     alignment=Alignment(horizontal="right"))])

    header_fill = PatternFill("solid", fgColor="E6E8EB")
    ws.append([_cell(ws, column.header, font=bold, fill=header_fill, border=border,
                     alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
               for column in columns])

    aligns = []
    for column in columns:
        if column.numeric:
            aligns.append(Alignment(horizontal="right", vertical="center"))
        elif column.type in ("date", "datetime"):
            aligns.append(Alignment(horizontal="center", vertical="center"))
        else:
            aligns.append(Alignment(horizontal="left", vertical="center", wrap_text=True))
    formats = []
    for column in columns:
        if column.numeric:
            formats.append(NUMBER_FORMAT)
        elif column.type == "date":
            formats.append(date_format)
        elif column.type == "datetime":
            formats.append(f"{date_format} hh:mm:ss" if column.seconds else f"{date_format} hh:mm")
        else:
            formats.append("@")

    # Styling each cell through openpyxl's descriptors hashes every style object again; each column's style array
    # is computed once and copied to the other rows (10x faster on long lists).
    prototypes = [_cell(ws, None, font=body, border=border, alignment=aligns[i], number_format=formats[i])._style
                  for i in range(len(columns))]
    row_number = HEADER_ROW
    for row in rows:
        row_number += 1
        out = []
        for i, (value, column) in enumerate(zip(row, columns, strict=True)):
            cell = WriteOnlyCell(ws)
            if value is None or value == "":
                pass
            elif (column.numeric and isinstance(value, int) and not isinstance(value, bool)) or \
                    (column.type in ("date", "datetime") and isinstance(value, date)):
                cell.value = value
            else:
                _text(cell, value)
            cell._style = copy(prototypes[i])
            out.append(cell)
        ws.append(out)
    if not rows:
        row_number += 1
        ws.merged_cells.add(f"A{row_number}:{last_col}{row_number}")
        ws.append([_cell(ws, document.empty_message, font=body, border=border, alignment=Alignment(horizontal="center"))]
                  + [_cell(ws, None, border=border) for _ in columns[1:]])
    else:
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{row_number}"

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _print_setup(ws, document: Document, issuer: str, issued_on: date, date_style: str, font_name: str) -> None:
    """A4, the definition's orientation, one page wide, the header row frozen and printed on every page."""
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if document.landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.6, right=0.6, top=0.8, bottom=0.7, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    header_font = f"{font_name},Regular"
    ws.oddHeader.left.text = _hf(document.title)
    ws.oddHeader.left.font = header_font
    ws.oddHeader.left.size = 9
    ws.oddHeader.right.text = _hf(f"{issuer}　発行日 {issue_date_text(issued_on, date_style)}")
    ws.oddHeader.right.font = header_font
    ws.oddHeader.right.size = 9
    ws.oddFooter.center.text = "&P / &N"
    ws.oddFooter.center.font = header_font
    ws.oddFooter.center.size = 9


def _cell(ws, value, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws)
    if value is not None:
        _text(cell, value)
    for attribute, setting in style.items():
        setattr(cell, attribute, setting)
    return cell


def _text(cell, value) -> None:
    """Store text as text: never as a formula, even when it starts with "=" (formula injection)."""
    text = clean_text(value)[:MAX_CELL_TEXT]
    cell.value = text
    if cell.data_type != "s":
        cell.data_type = "s"


def _hf(text: str) -> str:
    """Text for a page header/footer, where "&" starts a code."""
    return text.replace("&", "&&")


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return ""  # dates are measured from ``sample_row``
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _approx_width(text: str) -> float:
    """Width at 9 pt without reportlab: full-width characters 9 pt, others about half."""
    longest = 0.0
    for line in text.split("\n"):
        longest = max(longest, sum(9.0 if ord(ch) > 0x2E7F else 5.0 for ch in line))
    return longest
