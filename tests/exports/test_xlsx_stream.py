"""The streaming .xlsx writer of list exports, read back with openpyxl; and its download response."""

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pytest

from exports.fonts import FACES
from exports.render.xlsx_stream import MIMETYPE, write_xlsx, xlsx_response

HEADER = ["業者番号", "商号又は名称", "有効期間の始期", "更新日時", "総合点", "比率", "指名停止中"]


def _rows():
    yield ["250001", "株式会社髙﨑建設", date(2025, 4, 1), datetime(2025, 4, 1, 9, 30), 1230, Decimal("12.50"), True]
    yield ["250002", '=HYPERLINK("http://example.com")', None, None, 0, 0.25, False]
    yield ["250003", "改行\nと\x00制御\x1f文字\ufffe", "", None, None, None, None]


def _book(sheets) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_values_types_and_dates():
    ws = _book([("業者一覧", HEADER, {}, _rows())])["業者一覧"]
    assert [c.value for c in ws[1]] == HEADER
    number, name, start, stamp, total, ratio, flag = ws[2]
    assert (number.value, number.data_type) == ("250001", "s")  # digits kept as text
    assert name.value == "株式会社髙﨑建設"
    assert start.value == datetime(2025, 4, 1) and start.is_date and start.number_format == "yyyy/mm/dd"
    assert stamp.value == datetime(2025, 4, 1, 9, 30) and stamp.number_format == "yyyy/mm/dd hh:mm"
    assert total.value == 1230 and total.data_type == "n"
    assert ratio.value == 12.5 and flag.value is True
    assert ws["E3"].value == 0 and ws["F3"].value == 0.25 and ws["G3"].value is False
    assert ws["C3"].value is None and ws["C4"].value is None and ws.max_row == 4


def test_formula_like_text_stays_text_and_illegal_characters_are_removed():
    ws = _book([("業者一覧", HEADER, {}, _rows())]).active
    assert ws["B3"].value == '=HYPERLINK("http://example.com")' and ws["B3"].data_type == "s"
    assert ws["B4"].value == "改行\nと制御文字"


def test_header_is_bold_and_frozen_widths_font_and_a4():
    ws = _book([("業者一覧", HEADER, {1: 12, 2: 36.5}, _rows())]).active
    assert all(c.font.b for c in ws[1]) and not any(c.font.b for c in ws[2])
    assert {c.font.name for row in ws.iter_rows() for c in row} == {FACES["gothic"].excel_name}
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 12 and ws.column_dimensions["B"].width == 36.5
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$1:$1"


def test_two_sheets_with_names_excel_accepts():
    book = _book([("業者一覧", HEADER, {}, _rows()),
                  ("業種/等級", ["業者番号", "等級"], {2: 8}, iter([["250001", "A"], ["250002", "B"]])),
                  ("業者一覧", ["x"], {}, [])])
    assert book.sheetnames == ["業者一覧", "業種＿等級", "業者一覧(2)"]
    second = book["業種＿等級"]
    assert [[c.value for c in row] for row in second.iter_rows()] == [["業者番号", "等級"], ["250001", "A"], ["250002", "B"]]
    assert second.freeze_panes == "A2" and second.column_dimensions["B"].width == 8
    assert book["業者一覧(2)"].max_row == 1


def test_rows_are_written_while_they_are_generated():
    class Target(io.BytesIO):
        pass

    target = Target()
    seen: list[int] = []

    def rows():
        for i in range(20000):
            if i in (0, 19999):
                seen.append(target.tell())
            yield [f"{i:06d}", "株式会社ストリーム建設 " * 3, i, date(2025, 4, 1)]

    write_xlsx(target, [("一覧", ["番号", "名称", "値", "日"], {}, rows())])
    assert seen[1] > seen[0] + 100_000  # compressed rows reached the file before the last row was made
    with zipfile.ZipFile(target) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size > 2_000_000


def test_a_workbook_needs_a_sheet():
    with pytest.raises(ValueError):
        write_xlsx(io.BytesIO(), [])


def test_response_streams_the_file_with_a_japanese_download_name():
    response = xlsx_response([("業者一覧", HEADER, {}, _rows())], "業者一覧")
    assert response.mimetype == MIMETYPE and response.is_streamed
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="keiyaku_') and disposition.endswith(".xlsx")
    assert f"filename*=UTF-8''{quote('業者一覧_')}" in disposition
    body = b"".join(response.response)
    response.close()
    assert len(body) == int(response.headers["Content-Length"])
    assert openpyxl.load_workbook(io.BytesIO(body)).active["B2"].value == "株式会社髙﨑建設"
