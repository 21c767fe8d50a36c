"""Reading generated PDFs in tests with pypdfium2 (PDFium, the engine of Chrome's and Edge's PDF viewer)."""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2 as pdfium

A4 = (595.28, 841.89)


@dataclass
class Page:
    width: float
    height: float
    text: str

    @property
    def is_a4_portrait(self) -> bool:
        return abs(self.width - A4[0]) <= 1 and abs(self.height - A4[1]) <= 1

    @property
    def is_a4_landscape(self) -> bool:
        return abs(self.width - A4[1]) <= 1 and abs(self.height - A4[0]) <= 1


def read_pdf(data: bytes) -> list[Page]:
    pdf = pdfium.PdfDocument(data)
    try:
        return [_page(pdf, i) for i in range(len(pdf))]
    finally:
        pdf.close()


def read_pages(data: bytes, numbers: list[int]) -> tuple[int, dict[int, Page]]:
    """The page count and the pages ``numbers`` (1-based; -1 is the last), for long documents."""
    pdf = pdfium.PdfDocument(data)
    try:
        count = len(pdf)
        return count, {n: _page(pdf, n - 1 if n > 0 else count + n) for n in numbers}
    finally:
        pdf.close()


def _page(pdf, index: int) -> Page:
    page = pdf[index]
    width, height = page.get_size()
    textpage = page.get_textpage()
    result = Page(width, height, textpage.get_text_range())
    textpage.close()
    page.close()
    return result


def assert_fonts_embedded(data: bytes) -> None:
    """TrueType subsets embedded (/FontFile2), never the non-embedded CID fonts Edge's viewer substitutes."""
    assert b"/FontFile2" in data
    assert b"/HeiseiMin" not in data and b"/HeiseiKakuGo" not in data
    assert b"/BaseFont /Helvetica" not in data
