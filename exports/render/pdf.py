"""Any tabular ``Document`` as an A4 PDF with embedded BIZ UD fonts (reportlab).

Every page carries the same header (title centred, issue date and issuer top right, the conditions line and
the row count) and a ``n / N`` footer; the table's header row repeats on each page and long text wraps.
"""

from __future__ import annotations

import io
import threading
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, LongTable, PageTemplate, Paragraph

from exports import fonts
from exports.forms.base import Document

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

#: reportlab keeps per-document font state on the shared TTFont objects; one PDF at a time per process.
_render_lock = threading.Lock()


def render_pdf(document: Document, issuer: str, issued_on: date, *, date_style: str = "wareki") -> bytes:
    """The document as PDF bytes. ``issuer`` (the department) and ``issued_on`` are printed in the header."""
    with _render_lock:
        return _render(document, issuer, issued_on, date_style)


def _render(document: Document, issuer: str, issued_on: date, date_style: str) -> bytes:
    face = fonts.face(document.font)
    pagesize = landscape(A4) if document.landscape else A4
    page_width, page_height = pagesize
    frame_width = page_width - 2 * MARGIN_X

    def measure(text: str) -> float:
        return max((stringWidth(line, face.regular, BODY_SIZE) for line in text.split("\n")), default=0.0)

    columns = document.columns
    cells = [[format_cell(v, c, date_style) for v, c in zip(row, columns, strict=True)] for row in document.rows]
    widths = column_widths(document, [*cells, sample_row(document, date_style)], frame_width, measure)

    small = ParagraphStyle("small", fontName=face.regular, fontSize=9, leading=12, wordWrap="CJK")
    count = count_text(document)
    conditions = Paragraph(escape(conditions_text(document, date_style)), small)
    _, conditions_height = conditions.wrap(frame_width - stringWidth(count, face.regular, 9) - 16, page_height)
    header_height = TITLE_ZONE + max(conditions_height, 12) + 6
    issue_text = f"発行日　{issue_date_text(issued_on, date_style)}"

    def draw_header(canv: Canvas, _doc) -> None:
        top = page_height - MARGIN_TOP
        right = page_width - MARGIN_X
        canv.saveState()
        canv.setFillColor(colors.black)
        canv.setFont(face.regular, 9)
        canv.drawRightString(right, top - 8, issue_text)
        canv.drawRightString(right, top - 20, issuer)
        canv.setFont(face.bold, TITLE_SIZE)
        canv.drawCentredString(page_width / 2, top - 22, document.title)
        title_width = stringWidth(document.title, face.bold, TITLE_SIZE)
        canv.setLineWidth(0.8)
        canv.line((page_width - title_width) / 2 - 6, top - 27, (page_width + title_width) / 2 + 6, top - 27)
        conditions.drawOn(canv, MARGIN_X, top - TITLE_ZONE - conditions_height)
        canv.setFont(face.regular, 9)
        canv.drawRightString(right, top - TITLE_ZONE - 9, count)
        canv.restoreState()

    frame = Frame(MARGIN_X, MARGIN_BOTTOM, frame_width, page_height - MARGIN_TOP - header_height - MARGIN_BOTTOM,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="table")
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=pagesize, title=document.title, author=issuer, subject=conditions_text(document, date_style),
        creator="Keiyaku 契約管理システム", displayDocTitle=True, lang="ja-JP", initialFontName=face.regular,
        leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM,
    )
    doc.addPageTemplates([PageTemplate(id="form", frames=[frame], onPage=draw_header, pagesize=pagesize)])
    doc.build([_table(document, cells, widths, face, measure)], canvasmaker=_numbered_canvas(face.regular))
    return buffer.getvalue()


def _table(document: Document, cells: list[list[str]], widths: list[float], face, measure) -> LongTable:
    columns = document.columns
    header_style = ParagraphStyle("th", fontName=face.bold, fontSize=HEADER_SIZE, leading=HEADER_SIZE + 2.5,
                                  alignment=TA_CENTER, wordWrap="CJK")
    body_style = ParagraphStyle("td", fontName=face.regular, fontSize=BODY_SIZE, leading=BODY_SIZE + 2.5,
                                wordWrap="CJK")
    data: list[list] = [[Paragraph(escape(c.header).replace("\n", "<br/>"), header_style) for c in columns]]
    for row in cells:
        out: list = []
        for text, column, width in zip(row, columns, widths, strict=True):
            # Paragraphs are slow; only text that does not fit on one line gets one (and then wraps). No glyph is
            # wider than 1 em, so short text needs no measuring.
            if column.type == "text" and ("\n" in text or (len(text) * BODY_SIZE > width - CELL_PADDING
                                                            and measure(text) > width - CELL_PADDING)):
                out.append(Paragraph(escape(text).replace("\n", "<br/>"), body_style))
            else:
                out.append(text)
        data.append(out)
    style: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), face.regular, BODY_SIZE, BODY_SIZE + 2.5),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING / 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING / 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("GRID", (0, 0), (-1, -1), 0.4, LINE),
        ("BOX", (0, 0), (-1, -1), 0.9, LINE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.9, LINE),
    ]
    if cells:
        style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, STRIPE]))
        for i, column in enumerate(columns):
            if column.numeric:
                style.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
            elif column.type in ("date", "datetime"):
                style.append(("ALIGN", (i, 1), (i, -1), "CENTER"))
    else:
        empty = ParagraphStyle("empty", parent=body_style, alignment=TA_CENTER)
        data.append([Paragraph(escape(document.empty_message), empty)] + [""] * (len(columns) - 1))
        style.append(("SPAN", (0, 1), (-1, 1)))
    return LongTable(data, colWidths=widths, repeatRows=1, style=style, hAlign="LEFT")


def _numbered_canvas(font_name: str):
    """A canvas that holds its pages until the end, so each footer can say ``n / N``."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._held_pages)
            for number, state in enumerate(self._held_pages, 1):
                self.__dict__.update(state)
                self.setFont(font_name, 9)
                self.setFillColor(colors.black)
                self.drawCentredString(self._pagesize[0] / 2, FOOTER_Y, f"{number} / {total}")
                super().showPage()
            super().save()

    return NumberedCanvas
