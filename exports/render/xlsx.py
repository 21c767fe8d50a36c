"""Any tabular ``Document`` as an Excel workbook set up to print like the PDF (openpyxl).

A4, the definition's orientation, fit to one page wide, margins, the header row frozen and repeated on every
printed page, a page header with the title, issuer and issue date, a ``n / N`` footer, the PDF's font family.
Numbers are numbers (``#,##0``) and dates are dates, so the sheet can be sorted and summed.
"""

from __future__ import annotations

import io
from copy import copy
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from exports import fonts
from exports.forms.base import Document, clean_text

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
    face = fonts.face(document.font)
    name = face.excel_name
    columns = document.columns
    last_col = get_column_letter(len(columns))
    date_format = DATE_FORMATS.get(date_style, DATE_FORMATS["iso"])

    wb = Workbook()
    ws = wb.active
    ws.title = document.title.translate(INVALID_SHEET_CHARS)[:31] or "帳票"
    wb.properties.title = document.title
    wb.properties.creator = issuer
    wb.properties.subject = conditions_text(document, date_style)

    thin = Side(style="thin", color="333333")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body = Font(name=name, size=10)
    bold = Font(name=name, size=10, bold=True)

    # Rows 1-3: title, conditions and count, issue date and issuer (also in the printed page header).
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"] = document.title
    ws["A1"].font = Font(name=name, size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 24
    ws.merge_cells(f"A2:{last_col}2")
    _text(ws["A2"], f"{conditions_text(document, date_style)}　（{count_text(document)}）".lstrip("　"))
    ws["A2"].font = body
    ws.merge_cells(f"A3:{last_col}3")
    ws["A3"] = f"発行日　{issue_date_text(issued_on, date_style)}　{issuer}"
    ws["A3"].font = body
    ws["A3"].alignment = Alignment(horizontal="right")

    header_fill = PatternFill("solid", fgColor="E6E8EB")
    for i, column in enumerate(columns, 1):
        cell = ws.cell(row=HEADER_ROW, column=i, value=column.header)
        cell.font = bold
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

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

    # Styling each cell through openpyxl's descriptors hashes every style object again; the first row's style
    # array is computed once per column and copied to the other rows (10x faster on long lists).
    prototypes: list = [None] * len(columns)
    row_number = HEADER_ROW
    for row in document.rows:
        row_number += 1
        for i, (value, column) in enumerate(zip(row, columns, strict=True)):
            cell = ws.cell(row=row_number, column=i + 1)
            if value is None or value == "":
                pass
            elif (column.numeric and isinstance(value, int) and not isinstance(value, bool)) or \
                    (column.type in ("date", "datetime") and isinstance(value, date)):
                cell.value = value
            else:
                _text(cell, value)
            if prototypes[i] is None:
                cell.font = body
                cell.border = border
                cell.alignment = aligns[i]
                cell.number_format = formats[i]
                prototypes[i] = cell._style
            else:
                cell._style = copy(prototypes[i])
    if not document.rows:
        row_number += 1
        ws.merge_cells(start_row=row_number, start_column=1, end_row=row_number, end_column=len(columns))
        cell = ws.cell(row=row_number, column=1, value=document.empty_message)
        cell.font = body
        cell.alignment = Alignment(horizontal="center")
        for i in range(1, len(columns) + 1):
            ws.cell(row=row_number, column=i).border = border

    # The PDF's column proportions (numbers and dates as wide as their longest value).
    cells = [[_plain(v) for v in row] for row in document.rows]
    cells.append(sample_row(document, date_style))
    widths = column_widths(document, cells, PRINT_WIDTH[bool(document.landscape)], _approx_width)
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = round(width / POINTS_PER_UNIT + 1, 1)

    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    if document.rows:
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{row_number}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if document.landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.6, right=0.6, top=0.8, bottom=0.7, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    header_font = f"{name},Regular"
    ws.oddHeader.left.text = _hf(document.title)
    ws.oddHeader.left.font = header_font
    ws.oddHeader.left.size = 9
    ws.oddHeader.right.text = _hf(f"{issuer}　発行日 {issue_date_text(issued_on, date_style)}")
    ws.oddHeader.right.font = header_font
    ws.oddHeader.right.size = 9
    ws.oddFooter.center.text = "&P / &N"
    ws.oddFooter.center.font = header_font
    ws.oddFooter.center.size = 9

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


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
