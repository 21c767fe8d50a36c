"""A ``FormDocument`` as an A4 portrait PDF (reportlab platypus) in the embedded BIZ UD fonts.

Each ``FormPage`` starts on a new sheet of paper, so a letter per firm is a page per firm; a page longer than
one sheet continues on the next. The blocks become flowables: paragraphs that wrap (CJK), labelled tables,
the approval boxes as a table of fixed-size cells aligned to the right.
"""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
)

from exports import fonts
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
from .pdf import _render_lock

#: A letter's margins: a little more on the left, where it is filed (綴じしろ).
MARGIN_LEFT = 25 * mm
MARGIN_RIGHT = 20 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 20 * mm
FOOTER_Y = 10 * mm
BODY = 10.5
SMALL = 9
TITLE = 18
CELL = 10
GRID = 9
LINE = colors.HexColor("#333333")
LABEL_FILL = colors.HexColor("#F0F1F3")
#: 決裁欄: the label row and the room for a seal, and the width of a box.
BOX_LABEL = 6 * mm
BOX_SEAL = 17 * mm
BOX_WIDTH = 19 * mm
ALIGNMENTS = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}
#: The room a heading needs under it for its section to start on the same sheet.
HEADING_KEEP = 30 * mm


def render_form_pdf(document: FormDocument, issuer: str, issued_on: date, *, date_style: str = "wareki") -> bytes:
    """The form as PDF bytes. ``issuer`` is the organisation's name (``Issuer(org=True)`` prints it);
    ``issued_on`` is unused: a form carries its own dates."""
    buffer = io.BytesIO()
    with _render_lock:
        builder = _Builder(document, issuer, date_style)
        story = []
        for number, page in enumerate(document.pages):
            if number:
                story.append(PageBreak())
            builder.start_page(page.blocks)
            for block in page.blocks:
                story.extend(builder.flowables(block))
        width, height = A4
        frame = Frame(MARGIN_LEFT, MARGIN_BOTTOM, width - MARGIN_LEFT - MARGIN_RIGHT, height - MARGIN_TOP - MARGIN_BOTTOM,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
        template = BaseDocTemplate(
            buffer, pagesize=A4, leftMargin=MARGIN_LEFT, rightMargin=MARGIN_RIGHT, topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM, title=document.title, author=issuer, subject=document.subject,
            creator="Keiyaku 契約管理システム", lang="ja-JP", pageCompression=1, initialFontName=builder.face.regular,
            displayDocTitle=True)
        template.addPageTemplates([PageTemplate(id="form", frames=[frame])])
        canvasmaker = _numbered_canvas(builder.face.regular) if document.numbered else Canvas
        template.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue()


def _numbered_canvas(font: str):
    """A canvas that prints ``n / N`` at the foot of every sheet: each page draws a form XObject that is
    defined once the total is known, at ``save``."""

    class NumberedCanvas(Canvas):
        def showPage(self):  # noqa: N802 (reportlab's name)
            self.doForm(f"pageno{self.getPageNumber()}")
            super().showPage()

        def save(self):
            total = self.getPageNumber() - 1
            for n in range(1, total + 1):
                self.beginForm(f"pageno{n}")
                self.setFont(font, SMALL)
                self.setFillColor(colors.black)
                self.drawCentredString(A4[0] / 2, FOOTER_Y, f"{n} / {total}")
                self.endForm()
            super().save()

    return NumberedCanvas


def _spaced(flowables: list, *, before: float = 0.0, after: float = 0.0) -> list:
    """Space before the first and after the last flowable: dropped at the top and foot of a sheet (a Spacer
    there would start an empty page)."""
    if flowables and before:
        flowables[0].spaceBefore = before
    if flowables and after:
        flowables[-1].spaceAfter = after
    return flowables


def _markup(value: str) -> str:
    """Plain text as paragraph markup: escaped, line breaks kept."""
    return escape(value).replace("\n", "<br/>").replace("\u3000", "&#12288;")


class _Builder:
    def __init__(self, document: FormDocument, issuer: str, date_style: str):
        self.document = document
        self.issuer = issuer
        self.date_style = date_style
        self.face = face = fonts.face(document.font)
        self.width = A4[0] - MARGIN_LEFT - MARGIN_RIGHT

        def style(name, font=face.regular, size=BODY, leading=None, **kw):
            return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading or size * 1.6,
                                  wordWrap="CJK", **kw)

        self.body = {align: style(f"body-{align}", alignment=ALIGNMENTS[align]) for align in ALIGNMENTS}
        self.indented = style("indented", firstLineIndent=BODY)
        self.right = self.body["right"]
        self.title = style("title", font=face.bold, size=TITLE, leading=TITLE * 1.4, alignment=TA_CENTER,
                           spaceBefore=2 * mm, spaceAfter=5 * mm)
        self.heading = style("heading", font=face.bold, size=11, spaceBefore=3 * mm, spaceAfter=1.5 * mm)
        self.note = style("note", size=SMALL, leading=SMALL * 1.5)
        self.cell = style("cell", size=CELL, leading=CELL * 1.45)
        # A grid (a list inside a form) is set a point smaller than the labelled tables, as the tabular reports.
        self.grid = style("grid", size=GRID, leading=GRID * 1.45)
        self.grid_right = style("grid-right", size=GRID, leading=GRID * 1.45, alignment=TA_RIGHT)
        self.label = style("label", size=CELL, leading=CELL * 1.45)
        self.header = style("th", font=face.bold, size=SMALL, leading=SMALL * 1.4, alignment=TA_CENTER)
        self.box_label = style("box", size=SMALL, leading=SMALL * 1.2, alignment=TA_CENTER)

    def flowables(self, block) -> list:
        handler = getattr(self, f"_{type(block).__name__.lower()}")
        return handler(block)

    # --- blocks ----------------------------------------------------------------------------------------

    def _dateline(self, block: Dateline) -> list:
        lines = []
        if block.number:
            lines.append(block.number)
        if block.on is not None:
            day = issue_date_text(block.on, self.date_style)
            lines.append(f"{block.label}　{day}" if block.label else day)
        return _spaced([Paragraph(_markup(line), self.right) for line in lines], after=4 * mm)

    def _addressee(self, block: Addressee) -> list:
        lines = list(block.lines)
        if lines and block.honorific:
            lines[-1] = f"{lines[-1]}　{block.honorific}"
        style = ParagraphStyle("to", parent=self.body["left"], fontSize=11, leading=11 * 1.6)
        return _spaced([Paragraph(_markup(line), style) for line in lines], after=4 * mm)

    def _issuer(self, block: Issuer) -> list:
        lines = ([self.issuer] if block.org and self.issuer else []) + list(block.lines)
        # Right-aligned as a block: the lines start at the same point, as a signature does.
        widest = max((self.measure(line, BODY) for line in lines), default=0.0)
        style = ParagraphStyle("issuer", parent=self.body["left"], leftIndent=max(0.0, self.width - widest - 2 * mm))
        return _spaced([Paragraph(_markup(line), style) for line in lines], after=2 * mm)

    def _title(self, block: Title) -> list:
        return [Paragraph(_markup(block.text), self.title)]

    def _heading(self, block: Heading) -> list:
        # A heading starts a new sheet when its section could not begin under it (a few lines of a table);
        # longer sections then split across sheets, never leaving the heading alone at the foot.
        return [CondPageBreak(HEADING_KEEP), Paragraph(_markup(block.text), self.heading)]

    def _text(self, block: Text) -> list:
        style = self.indented if block.indent else self.body[block.align]
        return _spaced([Paragraph(_markup(line) or "&nbsp;", style) for line in block.text.split("\n")], after=1.5 * mm)

    def _note(self, block: Note) -> list:
        return _spaced([Paragraph(_markup(block.text), self.note)], before=1 * mm)

    def _space(self, block: Space) -> list:
        return [Spacer(0, block.mm * mm)]

    def start_page(self, blocks) -> None:
        """The label column of the page's labelled tables: as wide as the longest label of the tables laid out
        alike (one item or two per line), so their columns line up; within 45 % of the column."""
        self.labels: dict[bool, float] = {}
        for block in blocks:
            rows = block.rows if isinstance(block, Fields | Ki) else ()
            pairs = isinstance(block, Fields) and block.pairs
            for label, _ in rows:
                self.labels[pairs] = max(self.labels.get(pairs, 0.0), self.measure(label, CELL) + 4 * mm + 1)

    def _fields(self, block: Fields) -> list:
        half = self.width / 2 if block.pairs else self.width
        longest = self.labels.get(block.pairs, 0.0)
        label_width = min(max(half * block.label_width, longest), half * 0.45)
        widths = [label_width, half - label_width] * (2 if block.pairs else 1)
        data, style = [], [
            ("FONT", (0, 0), (-1, -1), self.face.regular, CELL),
            ("GRID", (0, 0), (-1, -1), 0.5, LINE),
            ("BOX", (0, 0), (-1, -1), 0.9, LINE),
            ("BACKGROUND", (0, 0), (0, -1), LABEL_FILL),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2 * mm),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm),
            ("TOPPADDING", (0, 0), (-1, -1), 1.2 * mm),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 * mm),
        ]
        for number, items in enumerate(block.lines()):
            if len(items) == 2:
                style.append(("BACKGROUND", (2, number), (2, number), LABEL_FILL))
            cells = []
            for label, value in items:
                cells += [Paragraph(_markup(label), self.label), Paragraph(_markup(value or "—"), self.cell)]
            if len(cells) < len(widths):  # an odd item out: its value takes the rest of the line
                cells += [""] * (len(widths) - len(cells))
                style.append(("SPAN", (1, number), (-1, number)))
            data.append(cells)
        return _spaced([Table(data, colWidths=widths, style=style)], after=3 * mm)

    def _ki(self, block: Ki) -> list:
        out = _spaced([Paragraph("記", self.body["center"])], before=2 * mm, after=2 * mm)
        out += self._fields(Fields(block.rows))
        for note in block.notes:
            out += self._text(Text(note, indent=True))
        if block.closing:
            out.append(Paragraph(_markup(block.closing), self.right))
        return out

    def _grid(self, block: Grid) -> list:
        weights = list(block.widths) or [1.0] * len(block.headers)
        widths = [self.width * w / sum(weights) for w in weights]
        header = [Paragraph(_markup(h), self.header) for h in block.headers]
        rows = [[Paragraph(_markup(v), self.grid_right if i in block.numeric else self.grid) for i, v in enumerate(row)]
                for row in block.rows]
        style = [
            ("FONT", (0, 0), (-1, -1), self.face.regular, CELL),
            ("GRID", (0, 0), (-1, -1), 0.5, LINE),
            ("BOX", (0, 0), (-1, -1), 0.9, LINE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.9, LINE),
            ("BACKGROUND", (0, 0), (-1, 0), LABEL_FILL),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm),
            ("RIGHTPADDING", (0, 0), (-1, -1), 1.5 * mm),
            ("TOPPADDING", (0, 0), (-1, -1), 1.0 * mm),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.3 * mm),
        ]
        if not rows:
            rows = [[Paragraph(_markup(block.empty), self.body["center"])] + [""] * (len(widths) - 1)]
            style.append(("SPAN", (0, 1), (-1, 1)))
        return _spaced([Table([header, *rows], colWidths=widths, style=style, repeatRows=1)], after=3 * mm)

    def _approvals(self, block: Approvals) -> list:
        labels = [Paragraph(_markup(label), self.box_label) for label in block.labels]
        data = [labels, [""] * len(labels)]
        widths = [BOX_WIDTH] * len(labels)
        style = [
            ("FONT", (0, 0), (-1, -1), self.face.regular, CELL),
            ("GRID", (0, 0), (-1, -1), 0.5, LINE),
            ("BOX", (0, 0), (-1, -1), 0.9, LINE),
            ("BACKGROUND", (0, 0), (-1, 0), LABEL_FILL),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0.5 * mm),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0.5 * mm),
            ("TOPPADDING", (0, 0), (-1, -1), 0.8 * mm),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2 * mm),
        ]
        heights = [BOX_LABEL, BOX_SEAL]
        if block.title:  # the title as a narrow first column written top to bottom, as on paper forms
            data = [[Paragraph("<br/>".join(_markup(ch) for ch in block.title), self.box_label)] + data[0],
                    [""] + data[1]]
            widths = [7 * mm] + widths
            style += [("SPAN", (0, 0), (0, 1)), ("BACKGROUND", (0, 0), (0, 1), LABEL_FILL)]
        table = Table(data, colWidths=widths, rowHeights=heights, style=style, hAlign=block.align.upper())
        return [KeepTogether(_spaced([table], after=3 * mm))]

    # --- measuring -------------------------------------------------------------------------------------

    def measure(self, text: str, size: float) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        return stringWidth(text, self.face.regular, size)
