"""Any tabular ``Document`` as an A4 PDF with embedded BIZ UD fonts (reportlab), drawn one page at a time.

Every page carries the same header (title centred, issue date and issuer top right, the conditions line and
the row count), the table's header row and a ``n / N`` footer; long text wraps, and a row taller than a page
continues on the next. Rows are read from the document page by page and each page's table is drawn and dropped
before the next is made, so memory does not grow with the number of rows; the footer's total is drawn at the end
into one small form XObject per page, which each page already references.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Sequence
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFZCompress
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table

from exports import fonts
from exports.reports.base import Document

from .common import (
    BODY_SIZE,
    CELL_PADDING,
    HEADER_SIZE,
    column_widths,
    conditions_text,
    count_text,
    format_cell,
    issue_date_text,
    sample_row,
)

MARGIN_X = 15 * mm
MARGIN_TOP = 12 * mm
MARGIN_BOTTOM = 16 * mm
FOOTER_Y = 9 * mm
TITLE_SIZE = 16
TITLE_ZONE = 34  # points from the top margin down to the conditions line
LINE = colors.HexColor("#333333")
HEADER_FILL = colors.HexColor("#E6E8EB")
STRIPE = colors.HexColor("#F5F6F7")
LEADING = BODY_SIZE + 2.5
TOP_PADDING, BOTTOM_PADDING = 2.5, 3.5
PADDING = TOP_PADDING + BOTTOM_PADDING
#: A row taller than a page starts on the current page only if at least three lines fit there.
MIN_SPLIT = PADDING + 3 * LEADING

#: reportlab keeps per-document font state on the shared TTFont objects; one PDF at a time per process.
_render_lock = threading.Lock()

Cell = str | Paragraph


def render_pdf(document: Document, issuer: str, issued_on: date, *, date_style: str = "wareki") -> bytes:
    """The document as PDF bytes. ``issuer`` (the department) and ``issued_on`` are printed in the header."""
    buffer = io.BytesIO()
    with _render_lock:
        _Renderer(document, issuer, issued_on, date_style).write(buffer)
    return buffer.getvalue()


class _Renderer:
    def __init__(self, document: Document, issuer: str, issued_on: date, date_style: str):
        self.document = document
        self.issuer = issuer
        self.date_style = date_style
        self.rows = document.spool()
        self.face = face = fonts.face(document.font)
        self.pagesize = landscape(A4) if document.landscape else A4
        page_width, page_height = self.pagesize
        self.frame_width = page_width - 2 * MARGIN_X
        columns = document.columns
        fixed = [i for i, c in enumerate(columns) if c.type != "text"]

        def number_texts() -> Iterator[list[str]]:  # a first, cheap pass: only the columns that never wrap
            for row in self.rows:
                texts = [""] * len(columns)
                for i in fixed:
                    texts[i] = format_cell(row[i], columns[i], date_style)
                yield texts
            yield sample_row(document, date_style)

        self.widths = column_widths(document, number_texts(), self.frame_width, self.measure)
        self.header_style = ParagraphStyle("th", fontName=face.bold, fontSize=HEADER_SIZE, leading=HEADER_SIZE + 2.5,
                                           alignment=TA_CENTER, wordWrap="CJK")
        self.body_style = ParagraphStyle("td", fontName=face.regular, fontSize=BODY_SIZE, leading=LEADING,
                                         wordWrap="CJK")
        small = ParagraphStyle("small", fontName=face.regular, fontSize=9, leading=12, wordWrap="CJK")
        self.count = count_text(document)
        self.conditions = Paragraph(escape(conditions_text(document, date_style)), small)
        _, self.conditions_height = self.conditions.wrap(
            self.frame_width - stringWidth(self.count, face.regular, 9) - 16, page_height)
        header_height = TITLE_ZONE + max(self.conditions_height, 12) + 6
        self.issue_text = f"発行日　{issue_date_text(issued_on, date_style)}"
        self.table_top = page_height - MARGIN_TOP - header_height
        self.header_row = [Paragraph(escape(c.header).replace("\n", "<br/>"), self.header_style) for c in columns]
        self.header_height = self.row_height(self.header_row)
        self.body_height = self.table_top - MARGIN_BOTTOM - self.header_height
        self.styles = (self.table_style(0), self.table_style(1))

    # --- measuring ------------------------------------------------------------------------------------------

    def measure(self, text: str) -> float:
        return max((stringWidth(line, self.face.regular, BODY_SIZE) for line in text.split("\n")), default=0.0)

    def cells(self, row: Sequence) -> list[Cell]:
        out: list[Cell] = []
        for value, column, width in zip(row, self.document.columns, self.widths, strict=True):
            text = format_cell(value, column, self.date_style)
            # Paragraphs are slow; only text that does not fit on one line gets one (and then wraps). No glyph is
            # wider than 1 em, so short text needs no measuring.
            if column.type == "text" and ("\n" in text or (len(text) * BODY_SIZE > width - CELL_PADDING
                                                            and self.measure(text) > width - CELL_PADDING)):
                out.append(Paragraph(escape(text).replace("\n", "<br/>"), self.body_style))
            else:
                out.append(text)
        return out

    def row_height(self, cells: list[Cell]) -> float:
        """The height reportlab's Table gives the row (content + padding), so it can be passed to it as fixed."""
        tallest = 0.0
        for cell, width in zip(cells, self.widths, strict=True):
            if isinstance(cell, Paragraph):
                height = cell.wrap(width - CELL_PADDING, 72000)[1]
            else:
                height = LEADING * (cell.count("\n") + 1)
            tallest = max(tallest, height)
        return tallest + PADDING

    def split_row(self, cells: list[Cell], space: float) -> tuple[list[Cell], list[Cell]]:
        """A row taller than a page: the part that fits in ``space`` points, and the rest for the next page."""
        head: list[Cell] = []
        tail: list[Cell] = []
        lines = max(1, int((space - PADDING) // LEADING))
        for cell, width in zip(cells, self.widths, strict=True):
            if isinstance(cell, Paragraph):
                cell.wrap(width - CELL_PADDING, 72000)
                parts = cell.split(width - CELL_PADDING, lines * LEADING)
                head.append(parts[0] if parts else "")
                tail.append(parts[1] if len(parts) > 1 else "" if parts else cell)
            else:
                text_lines = cell.split("\n")
                head.append("\n".join(text_lines[:lines]))
                tail.append("\n".join(text_lines[lines:]))
        return head, tail

    # --- pages ----------------------------------------------------------------------------------------------

    def pages(self) -> Iterator[tuple[list[list[Cell]], list[float], int]]:
        """(rows, their heights, index of the first row) per page, read from the document as they are needed."""
        page: list[list[Cell]] = []
        heights: list[float] = []
        used = 0.0
        first = 0
        for index, row in enumerate(self.rows):
            cells = self.cells(row)
            height = self.row_height(cells)
            while used + height > self.body_height:
                space = self.body_height - used
                if page and (height <= self.body_height or space < MIN_SPLIT):
                    yield page, heights, first
                    page, heights, used, first = [], [], 0.0, index
                    continue
                # Taller than a page: fill the space left and continue the row on the next page.
                head, rest = self.split_row(cells, space)
                rest_height = self.row_height(rest)
                if rest_height >= height:  # nothing could be split off: draw it as it is (clipped at the page)
                    break
                page.append(head)
                heights.append(space)
                yield page, heights, first
                page, heights, used, first = [], [], 0.0, index
                cells, height = rest, rest_height
            page.append(cells)
            heights.append(height)
            used += height
        if page or not self.rows:
            yield page, heights, first

    def table_style(self, parity: int | None) -> list[tuple]:
        """The table's style; ``parity`` None for the empty table, else the parity of the page's first row."""
        style: list[tuple] = [
            ("FONT", (0, 0), (-1, -1), self.face.regular, BODY_SIZE, LEADING),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING / 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING / 2),
            ("TOPPADDING", (0, 0), (-1, -1), TOP_PADDING),
            ("BOTTOMPADDING", (0, 0), (-1, -1), BOTTOM_PADDING),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("GRID", (0, 0), (-1, -1), 0.4, LINE),
            ("BOX", (0, 0), (-1, -1), 0.9, LINE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.9, LINE),
        ]
        if parity is None:
            return [*style, ("SPAN", (0, 1), (-1, 1))]
        # The stripes continue across pages: a page starting on an odd row starts with the stripe.
        style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE][parity:] + [colors.white, STRIPE][:parity]))
        for i, column in enumerate(self.document.columns):
            if column.numeric:
                style.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
            elif column.type in ("date", "datetime"):
                style.append(("ALIGN", (i, 1), (i, -1), "CENTER"))
        return style

    def write(self, target) -> None:
        document = self.document
        canvas = _PageCompressingCanvas(target, pagesize=self.pagesize, initialFontName=self.face.regular,
                                        lang="ja-JP")
        canvas.setTitle(document.title)
        canvas.setAuthor(self.issuer)
        canvas.setSubject(conditions_text(document, self.date_style))
        canvas.setCreator("Keiyaku 契約管理システム")
        canvas.setViewerPreference("DisplayDocTitle", "true")
        number = 0
        for rows, heights, first in self.pages():
            number += 1
            self.draw_header(canvas)
            if rows:
                table = Table([self.header_row, *rows], colWidths=self.widths,
                              rowHeights=[self.header_height, *heights], style=self.styles[first % 2])
            else:
                table = self.empty_table()
            _, height = table.wrapOn(canvas, self.frame_width, self.table_top - MARGIN_BOTTOM)
            table.drawOn(canvas, MARGIN_X, self.table_top - height)
            canvas.doForm(f"page{number}")
            canvas.showPage()
        for n in range(1, number + 1):  # each page's "n / N", now that N is known
            canvas.beginForm(f"page{n}")
            canvas.setFont(self.face.regular, 9)
            canvas.setFillColor(colors.black)
            canvas.drawCentredString(self.pagesize[0] / 2, FOOTER_Y, f"{n} / {number}")
            canvas.endForm()
        canvas.save()

    def empty_table(self) -> Table:
        empty = ParagraphStyle("empty", parent=self.body_style, alignment=TA_CENTER)
        columns = self.document.columns
        style = self.table_style(None)
        data = [self.header_row, [Paragraph(escape(self.document.empty_message), empty)] + [""] * (len(columns) - 1)]
        return Table(data, colWidths=self.widths, style=style)

    def draw_header(self, canvas: Canvas) -> None:
        page_width, page_height = self.pagesize
        face = self.face
        top = page_height - MARGIN_TOP
        right = page_width - MARGIN_X
        title = self.document.title
        canvas.saveState()
        canvas.setFillColor(colors.black)
        canvas.setFont(face.regular, 9)
        canvas.drawRightString(right, top - 8, self.issue_text)
        canvas.drawRightString(right, top - 20, self.issuer)
        canvas.setFont(face.bold, TITLE_SIZE)
        canvas.drawCentredString(page_width / 2, top - 22, title)
        title_width = stringWidth(title, face.bold, TITLE_SIZE)
        canvas.setLineWidth(0.8)
        canvas.line((page_width - title_width) / 2 - 6, top - 27, (page_width + title_width) / 2 + 6, top - 27)
        self.conditions.drawOn(canvas, MARGIN_X, top - TITLE_ZONE - self.conditions_height)
        canvas.setFont(face.regular, 9)
        canvas.drawRightString(right, top - TITLE_ZONE - 9, self.count)
        canvas.restoreState()


class _PageCompressingCanvas(Canvas):
    """Compresses each page's content stream when the page is finished.

    reportlab keeps every page's drawing operators as text until ``save()`` (~50 KB a page of table, so 40 MB for
    a 20,000-row list); compressed at once they take ~3 KB. The stream is Flate only (reportlab's default adds
    ASCII85, a quarter larger, which only 7-bit transports need).
    """

    def showPage(self):  # noqa: N802 (reportlab's name)
        super().showPage()
        page = self._doc.Pages.pages[-1]
        if page.stream and not page.Contents:
            contents = PDFStream(PDFDictionary({"Filter": PDFArray([PDFName(PDFZCompress.pdfname)])}),
                                 PDFZCompress.encode(page.stream))
            contents.__Comment__ = "page stream"
            page.Contents, page.stream = contents, None
