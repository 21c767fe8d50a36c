"""The two renderers on plain documents: PDF (A4, embedded fonts, n / N, repeated header) and Excel (print setup)."""

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest

from exports.render import render_pdf, render_xlsx
from exports.reports.base import Column, Document
from tests.exports.pdfcheck import assert_fonts_embedded, read_pages, read_pdf

ISSUER = "架空市 総務部契約課"
ISSUED = date(2025, 4, 1)


def _document(rows: int, *, landscape: bool = False, font: str = "gothic") -> Document:
    return Document(
        title="契約一覧",
        columns=[Column("番号", "int", 0.6), Column("業者名", width=2.0), Column("契約金額", "yen"),
                 Column("契約日", "date"), Column("更新日時", "datetime", seconds=True), Column("備考", width=2.5)],
        rows=[[i, "㈱髙﨑建設" if i % 2 else "山田工務店", 1_234_000 * i, date(2025, 4, 1) + timedelta(days=i),
               datetime(2025, 4, 1, 9, 30, 15), "長い備考です。" * (i % 5) or None] for i in range(1, rows + 1)],
        conditions=[("期間", (date(2025, 4, 1), date(2026, 3, 31))), ("部署", "すべて")],
        landscape=landscape,
        font=font,
    )


def test_pdf_is_a4_with_embedded_fonts_and_japanese_text():
    data = render_pdf(_document(3), ISSUER, ISSUED)
    assert data.startswith(b"%PDF-")
    assert_fonts_embedded(data)
    [page] = read_pdf(data)
    assert page.is_a4_portrait
    for text in ("契約一覧", "㈱髙﨑建設", "発行日", "令和7年4月1日", ISSUER, "1 / 1", "全 3 件",
                 "期間：令和7年4月1日 〜 令和8年3月31日", "契約金額（円）", "3,702,000", "令和7年4月1日 09:30:15"):
        assert text in page.text, text


def test_pdf_many_rows_repeat_header_and_number_pages():
    pages = read_pdf(render_pdf(_document(150, landscape=True), ISSUER, ISSUED))
    total = len(pages)
    assert total >= 3
    for number, page in enumerate(pages, 1):
        assert page.is_a4_landscape
        assert f"{number} / {total}" in page.text
        assert "契約一覧" in page.text and "業者名" in page.text  # page header and repeated table header
    assert "150" in pages[-1].text


def test_pdf_empty_document_says_so():
    [page] = read_pdf(render_pdf(_document(0), ISSUER, ISSUED))
    assert "該当するデータはありません。" in page.text and "全 0 件" in page.text


def test_pdf_mincho_and_date_styles():
    data = render_pdf(_document(1, font="mincho"), ISSUER, ISSUED, date_style="wareki_short")
    assert b"BIZUDMincho" in data
    [page] = read_pdf(data)
    assert "R7.4.2" in page.text  # cells follow the style
    assert "令和7年4月1日" in page.text  # the issue date is always written in full


def test_pdf_escapes_markup_in_text():
    doc = Document("一覧", [Column("内容")], [["<b>株式会社 A&B</b> " * 20]])
    [page] = read_pdf(render_pdf(doc, ISSUER, ISSUED))
    assert "<b>株式会社 A&B</b>" in page.text.replace("\r\n", "")


def test_document_rejects_rows_of_the_wrong_width():
    with pytest.raises(ValueError):
        Document("一覧", [Column("A"), Column("B")], [["only one"]])


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_print_setup_matches_the_pdf():
    ws = _sheet(render_xlsx(_document(5, landscape=True), ISSUER, ISSUED))
    assert ws.title == "契約一覧"
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$4:$4" and ws.freeze_panes == "A5"
    assert ws.page_margins.left > 0 and ws.page_margins.top > 0
    assert "契約一覧" in ws.oddHeader.left.text and ISSUER in ws.oddHeader.right.text
    assert ws.oddFooter.center.text == "&P / &N"
    assert [c.value for c in ws[4]] == ["番号", "業者名", "契約金額（円）", "契約日", "更新日時", "備考"]
    assert ws["A1"].value == "契約一覧" and "令和7年4月1日" in ws["A3"].value and ISSUER in ws["A3"].value


def test_xlsx_numbers_are_numbers_and_dates_are_dates():
    ws = _sheet(render_xlsx(_document(3), ISSUER, ISSUED))
    number, name, amount, day, stamp, _note = ws[6]
    assert number.value == 2 and isinstance(number.value, int)
    assert amount.value == 2_468_000 and amount.number_format == "#,##0"
    assert name.value == "山田工務店"
    assert isinstance(day.value, datetime) and day.value.date() == date(2025, 4, 3)
    assert isinstance(stamp.value, datetime) and stamp.value == datetime(2025, 4, 1, 9, 30, 15)
    assert "ggge" in day.number_format  # 和暦 display of a real date
    fonts = {c.font.name for row in ws.iter_rows(min_row=4, max_row=ws.max_row) for c in row}
    assert fonts == {"BIZ UDゴシック"}
    assert ws["A1"].font.name == "BIZ UDゴシック"


def test_xlsx_text_never_becomes_a_formula():
    doc = Document("一覧", [Column("名前"), Column("金額", "yen")], [["=HYPERLINK(\"http://x\")", 5], ["a\x00b", None]])
    ws = _sheet(render_xlsx(doc, ISSUER, ISSUED))
    assert ws["A5"].value == "=HYPERLINK(\"http://x\")" and ws["A5"].data_type == "s"
    assert ws["A6"].value == "ab" and ws["B6"].value is None


def test_xlsx_empty_document_and_mincho():
    ws = _sheet(render_xlsx(_document(0, font="mincho"), ISSUER, ISSUED))
    assert ws["A5"].value == "該当するデータはありません。"
    assert ws["A5"].font.name == "BIZ UD明朝"


def _long_rows(count: int):
    """Generated lazily, as a form reading its query in batches supplies them."""
    for i in range(1, count + 1):
        yield [f"R{i:05d}", "株式会社髙﨑建設" if i % 2 else "山田工務店", i * 1000]


def _long_document(count: int) -> Document:
    return Document("有資格者名簿", [Column("番号"), Column("業者名", width=2.0), Column("金額", "yen")], _long_rows(count))


def test_pdf_beyond_the_old_limit_is_drawn_page_by_page():
    rows = 25_000
    data = render_pdf(_long_document(rows), ISSUER, ISSUED)
    total, pages = read_pages(data, [1, -2, -1])
    first, before_last, last = pages[1], pages[-2], pages[-1]
    assert total > 400 and first.is_a4_portrait and last.is_a4_portrait
    assert "R00001" in first.text and f"1 / {total}" in first.text and f"全 {rows:,} 件" in first.text
    assert "R25000" in last.text and "R25000" not in before_last.text and f"{total} / {total}" in last.text
    assert "番号" in last.text and "有資格者名簿" in last.text  # header row and page header on every page
    per_page = first.text.count("R0")
    assert total == -(-rows // per_page)  # every page but the last is full


def test_pdf_row_taller_than_a_page_continues_on_the_next():
    facts = "".join(f"第{i}文、市発注の道路改良工事において契約書に定める工程を守らなかった。" for i in range(1, 121))
    doc = Document("指名停止一覧", [Column("業者名"), Column("事実の概要", width=4.0)],
                   [["株式会社長文", facts + "【以上】"], ["次の業者", "短い"]], landscape=True)
    pages = [p.text.replace("\r\n", "") for p in read_pdf(render_pdf(doc, ISSUER, ISSUED))]
    assert len(pages) >= 2
    assert "株式会社長文" in pages[0] and "【以上】" not in pages[0]
    assert "【以上】" in pages[-1] and "次の業者" in pages[-1]
    text = "".join(pages)
    positions = [text.find(f"第{i}文、") for i in range(1, 121)]
    assert -1 not in positions and positions == sorted(positions)  # nothing lost or repeated at the page break


def test_xlsx_beyond_the_old_limit():
    rows = 12_000  # fewer than the PDF test: reading the workbook back dominates the time
    data = render_xlsx(_long_document(rows), ISSUER, ISSUED)
    ws = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    values = list(ws.iter_rows(values_only=True))
    assert len(values) == 4 + rows and "全 12,000 件" in values[1][0]
    assert values[4] == ("R00001", "株式会社髙﨑建設", 1000)
    assert values[-1] == ("R12000", "山田工務店", 12_000_000)
