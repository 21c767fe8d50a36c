"""A ``FormDocument`` as an Excel workbook: one A4 portrait sheet per page, laid out on a grid like the PDF.

Every sheet has 24 equal columns across the printable width; a block takes a run of rows, its text in merged
cells (the labelled tables: label and value ranges with borders, the approval boxes: three columns each at the
right). Excel does not size a merged cell's row to its text, so row heights are estimated from the text's width
(full-width characters one em, others about half). Gridlines are hidden, the print area is the form, the font
is the PDF's family and the sheet fits one page wide.
"""

from __future__ import annotations

import io
import math
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from exports import fonts
from exports.reports.base import clean_text
from exports.reports.formdoc import (
    Addressee,
    Approvals,
    Dateline,
    Fields,
    FormDocument,
    Grid,
    Heading,
    Issuer,
    Ki,
    Note,
    Space,
    Text,
    Title,
)

from .common import issue_date_text
from .form_pdf import BODY, CELL, GRID, SMALL, TITLE

COLS = 24
#: Printable width of A4 portrait between the PDF's margins (25 mm and 20 mm), in points.
PRINT_WIDTH = 595.28 - (25 + 20) * 72 / 25.4
COL_POINTS = PRINT_WIDTH / COLS
#: Excel's column width unit is about 7 px (5.25 pt) of the default font, plus 5 px of padding.
COL_WIDTH = round((COL_POINTS / 0.75 - 5) / 7, 2)
MM = 72 / 25.4
THIN = Side(style="thin", color="333333")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LABEL_FILL = PatternFill("solid", fgColor="F0F1F3")
INVALID_SHEET_CHARS = str.maketrans({c: "＿" for c in "[]:*?/\\"})
BOX_COLS = 3


def render_form_xlsx(document: FormDocument, issuer: str, issued_on: date, *, date_style: str = "wareki") -> bytes:
    """The form as ``.xlsx`` bytes: a sheet per page."""
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = document.title
    wb.properties.creator = issuer
    wb.properties.subject = document.subject
    face = fonts.face(document.font)
    names: set[str] = set()
    for number, page in enumerate(document.pages, 1):
        ws = wb.create_sheet(_sheet_name(page.label or f"{number}", names))
        _Sheet(ws, document, face, issuer, date_style).write(page.blocks)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sheet_name(label: str, taken: set[str]) -> str:
    base = clean_text(label).translate(INVALID_SHEET_CHARS).strip("'")[:31] or "帳票"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f"（{n}）"
        name = base[:31 - len(suffix)] + suffix
    taken.add(name.lower())
    return name


def text_width(text: str, size: float) -> float:
    """Approximate width in points: full-width characters one em, others a little over half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.55 for ch in text)


def line_count(text: str, width: float, size: float) -> int:
    """Lines ``text`` wraps to in ``width`` points (a margin for Excel's own breaking and the cell padding)."""
    usable = max(width - 8, size)
    return sum(max(1, math.ceil(text_width(line, size) / (usable * 0.95))) for line in (text or " ").split("\n"))


class _Sheet:
    def __init__(self, ws: Worksheet, document: FormDocument, face, issuer: str, date_style: str):
        self.ws = ws
        self.document = document
        self.font_name = face.excel_name
        self.bold_name = face.excel_bold
        self.issuer = issuer
        self.date_style = date_style
        self.row = 0

    def font(self, size: float = BODY, bold: bool = False) -> Font:
        return Font(name=self.bold_name if bold else self.font_name, size=size, bold=bold)

    def write(self, blocks) -> None:
        # The label column of the labelled tables laid out alike, as wide as their longest label (as the PDF).
        self.labels: dict[bool, float] = {}
        for block in blocks:
            rows = block.rows if isinstance(block, Fields | Ki) else ()
            pairs = isinstance(block, Fields) and block.pairs
            for label, _ in rows:
                self.labels[pairs] = max(self.labels.get(pairs, 0.0), text_width(label, CELL) + 12)
        for block in blocks:
            getattr(self, f"_{type(block).__name__.lower()}")(block)
        self._setup()

    # --- cells -----------------------------------------------------------------------------------------

    def put(self, first: int, last: int, value: str, *, size: float = BODY, bold: bool = False, align: str = "left",
            height: float | None = None, border: bool = False, fill: PatternFill | None = None,
            valign: str = "center", row: int | None = None) -> None:
        """``value`` in columns ``first``..``last`` (1-based) of the current row, merged, wrapping."""
        row = row or self.row
        ws = self.ws
        cell = ws.cell(row=row, column=first)
        if value:
            cell.value = clean_text(value)
            cell.data_type = "s"  # text stays text, never a formula
        cell.font = self.font(size, bold)
        cell.alignment = Alignment(horizontal=align, vertical=valign, wrap_text=True)
        if last > first:
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        for column in range(first, last + 1):
            target = ws.cell(row=row, column=column)
            if border:
                target.border = BORDER
            if fill is not None:
                target.fill = fill
        lines = line_count(value, (last - first + 1) * COL_POINTS, size)
        wanted = height or lines * size * 1.45 + 5
        current = ws.row_dimensions[row].height or 0
        ws.row_dimensions[row].height = max(current, wanted)

    def next_row(self) -> int:
        self.row += 1
        return self.row

    def gap(self, points: float) -> None:
        self.ws.row_dimensions[self.next_row()].height = points

    # --- blocks ----------------------------------------------------------------------------------------

    def _dateline(self, block: Dateline) -> None:
        if block.number:
            self.next_row()
            self.put(1, COLS, block.number, align="right")
        if block.on is not None:
            day = issue_date_text(block.on, self.date_style)
            self.next_row()
            self.put(1, COLS, f"{block.label}　{day}" if block.label else day, align="right")
        self.gap(10)

    def _addressee(self, block: Addressee) -> None:
        lines = list(block.lines)
        if lines and block.honorific:
            lines[-1] = f"{lines[-1]}　{block.honorific}"
        for line in lines:
            self.next_row()
            self.put(1, COLS * 2 // 3, line, size=11)
        self.gap(10)

    def _issuer(self, block: Issuer) -> None:
        lines = ([self.issuer] if block.org and self.issuer else []) + list(block.lines)
        widest = max((text_width(line, BODY) for line in lines), default=0.0)
        first = max(1, COLS - math.ceil((widest + 12) / COL_POINTS) + 1)
        for line in lines:
            self.next_row()
            self.put(first, COLS, line)
        self.gap(6)

    def _title(self, block: Title) -> None:
        self.gap(10)
        self.next_row()
        self.put(1, COLS, block.text, size=TITLE, bold=True, align="center", height=TITLE * 1.8)
        self.gap(14)

    def _heading(self, block: Heading) -> None:
        self.gap(6)
        self.next_row()
        self.put(1, COLS, block.text, size=11, bold=True)

    def _text(self, block: Text) -> None:
        for line in block.text.split("\n"):
            self.next_row()
            self.put(1, COLS, f"　{line}" if block.indent and line else line, align=block.align)
        self.gap(4)

    def _note(self, block: Note) -> None:
        self.next_row()
        self.put(1, COLS, block.text, size=SMALL)

    def _space(self, block: Space) -> None:
        self.gap(block.mm * MM)

    def _fields(self, block: Fields) -> None:
        half = COLS // 2 if block.pairs else COLS
        longest = self.labels.get(block.pairs, 0.0)
        split = max(2, min(round(half * 0.45), max(round(half * block.label_width), math.ceil(longest / COL_POINTS))))
        for items in block.lines():
            self.next_row()
            for i, (label, value) in enumerate(items):
                start = 1 + i * half
                last = COLS if i == len(items) - 1 else start + half - 1  # an odd item out takes the rest
                self.put(start, start + split - 1, label, size=CELL, border=True, fill=LABEL_FILL)
                self.put(start + split, last, value or "—", size=CELL, border=True)
        self.gap(8)

    def _ki(self, block: Ki) -> None:
        self.next_row()
        self.put(1, COLS, "記", align="center")
        self.gap(4)
        self._fields(Fields(block.rows))
        for note in block.notes:
            self._text(Text(note, indent=True))
        if block.closing:
            self.next_row()
            self.put(1, COLS, block.closing, align="right")

    def _grid(self, block: Grid) -> None:
        spans = _spans(list(block.widths) or [1.0] * len(block.headers))
        starts = [1 + sum(spans[:i]) for i in range(len(spans))]
        self.next_row()
        for start, span, header in zip(starts, spans, block.headers, strict=True):
            self.put(start, start + span - 1, header, size=SMALL, bold=True, align="center", border=True,
                     fill=LABEL_FILL)
        if not block.rows:
            self.next_row()
            self.put(1, COLS, block.empty, size=GRID, align="center", border=True)
        for values in block.rows:
            self.next_row()
            for i, (start, span, value) in enumerate(zip(starts, spans, values, strict=True)):
                self.put(start, start + span - 1, value, size=GRID, border=True,
                         align="right" if i in block.numeric else "left")
        self.gap(8)

    def _approvals(self, block: Approvals) -> None:
        width = BOX_COLS * len(block.labels) + (1 if block.title else 0)
        first = {"left": 1, "center": (COLS - width) // 2 + 1, "right": COLS - width + 1}[block.align]
        label_row, seal_row = self.next_row(), self.next_row()
        column = first
        if block.title:
            self.put(column, column, "\n".join(block.title), size=SMALL, align="center", border=True, fill=LABEL_FILL,
                     row=label_row, height=6 * MM)
            self.ws.merge_cells(start_row=label_row, start_column=column, end_row=seal_row, end_column=column)
            self.ws.cell(row=seal_row, column=column).border = BORDER
            column += 1
        for label in block.labels:
            self.put(column, column + BOX_COLS - 1, label, size=SMALL, align="center", border=True, fill=LABEL_FILL,
                     row=label_row, height=6 * MM)
            self.put(column, column + BOX_COLS - 1, "", border=True, row=seal_row, height=17 * MM)
            column += BOX_COLS
        self.gap(10)

    # --- print setup -----------------------------------------------------------------------------------

    def _setup(self) -> None:
        ws = self.ws
        for column in range(1, COLS + 1):
            ws.column_dimensions[get_column_letter(column)].width = COL_WIDTH
        ws.sheet_view.showGridLines = False
        ws.print_area = f"A1:{get_column_letter(COLS)}{max(self.row, 1)}"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.orientation = "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins = PageMargins(left=25 / 25.4, right=20 / 25.4, top=20 / 25.4, bottom=20 / 25.4,
                                      header=0.3, footer=0.3)
        if self.document.numbered:
            ws.oddFooter.center.text = "&P / &N"
            ws.oddFooter.center.font = f"{self.font_name},Regular"
            ws.oddFooter.center.size = SMALL


def _spans(weights: list[float]) -> list[int]:
    """The grid's columns shared out by weight (largest remainder), at least one each."""
    total = sum(weights)
    raw = [COLS * w / total for w in weights]
    spans = [max(1, math.floor(r)) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - math.floor(raw[i]), reverse=True)
    i = 0
    while sum(spans) < COLS:
        spans[order[i % len(order)]] += 1
        i += 1
    while sum(spans) > COLS:
        widest = max(range(len(spans)), key=lambda k: spans[k])
        spans[widest] -= 1
    return spans
