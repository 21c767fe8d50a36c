"""Letter-like forms (``FormDocument``): a PDF page per letter in the embedded font, a workbook sheet per letter
with A4 print setup, and the checks of the blocks."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from exports.render import render_pdf, render_xlsx
from exports.reports.formdoc import (
    Addressee,
    Approvals,
    Dateline,
    Fields,
    FormDocument,
    FormPage,
    Grid,
    Heading,
    Issuer,
    Ki,
    Note,
    Space,
    Text,
    Title,
)
from tests.exports.pdfcheck import assert_fonts_embedded, read_pdf

ORG = "架空市 総務部契約課"


def _letter(name: str, number: str) -> FormPage:
    return FormPage([
        Dateline(date(2026, 5, 15), number="架契第12号"),
        Addressee(("〒747-0001", "架空市中央町1-2-3", name, "代表取締役　山田 太郎")),
        Issuer(("契約担当者　架空市長",)),
        Title("指名通知書"),
        Text("下記の工事について、貴社を指名したので通知します。\n第二段落です。", indent=True),
        Ki((("件名", "市道<b>中央線</b>改良工事 & 舗装"), ("開札日時", "令和8年5月29日 10時00分")),
           notes=("辞退する場合は届を出してください。",)),
        Note("問い合わせ先: 契約課"),
    ], label=f"{number} {name}")


def _document(**kwargs) -> FormDocument:
    pages = [_letter("株式会社山田建設", "250001"), _letter("髙﨑建設株式会社", "250002"), _letter("﨑山工業", "250003")]
    return FormDocument("指名通知書", pages, unit="通", subject="2026-110-0001", **kwargs)


def test_a_pdf_page_per_letter_in_the_embedded_font():
    data = render_pdf(_document(), ORG, date(2026, 6, 1))
    assert_fonts_embedded(data)
    assert b"BIZUDMincho" in data and b"BIZUDGothic-Bold" in data  # 明朝 body, Gothic bold title
    pages = read_pdf(data)
    assert len(pages) == 3 and all(p.is_a4_portrait for p in pages)
    first = pages[0].text.replace("\r\n", "\n")
    for text in ("架契第12号", "令和8年5月15日", "株式会社山田建設", "代表取締役　山田 太郎　様", ORG, "契約担当者　架空市長",
                 "指名通知書", "記", "市道<b>中央線</b>改良工事 & 舗装", "以上", "問い合わせ先: 契約課", "第二段落です。"):
        assert text in first, text  # full-width spaces kept, markup shown as written
    assert "髙﨑建設株式会社" in pages[1].text and "﨑山工業" in pages[2].text
    assert "1 / 3" not in first  # letters carry no page numbers


def test_date_style_and_numbered_pages_running_over_a_sheet():
    rows = tuple((f"項目{i}", f"内容{i}" * 8) for i in range(60))
    doc = FormDocument("入札執行伺", [FormPage([Title("入札執行伺"), Dateline(date(2026, 5, 1), label="起案日"),
                                               Fields(rows)])], numbered=True)
    pages = read_pdf(render_pdf(doc, ORG, date(2026, 6, 1), date_style="seireki"))
    assert len(pages) >= 2
    assert "起案日　2026年5月1日" in pages[0].text
    assert all(f"{n} / {len(pages)}" in p.text for n, p in enumerate(pages, 1))
    assert "項目59" in pages[-1].text and "項目0" in pages[0].text


def test_every_block_renders():
    page = FormPage([Approvals(("課長", "係長", "担当")), Approvals(("担当",), title="", align="left"), Heading("1 概要"),
                     Fields((("案件番号", "R8-1"), ("年度", "令和8年度"), ("件名", "とても長い件名の工事" * 3), ("備考", "")),
                            pairs=True),
                     Grid(("番号", "金額"), (("1", "1,000円"), ("2", "2,000円")), widths=(1, 2), numeric=(1,)),
                     Grid(("番号", "名称"), ()), Space(10), Text("右寄せ", align="right"), Text("中央", align="center")])
    [pdf_page] = read_pdf(render_pdf(FormDocument("帳票", [page]), ORG, date(2026, 6, 1)))
    for text in ("決", "課長", "担当", "1 概要", "案件番号", "令和8年度", "1,000円", "該当なし", "右寄せ", "中央", "—"):
        assert text in pdf_page.text, text


def test_fields_pair_short_items_and_give_long_ones_a_line():
    block = Fields((("案件番号", "R8-1"), ("年度", "令和8年度"), ("件名", "市道中央線道路改良工事その2（舗装）"),
                    ("担当課", "土木課"), ("概要", "一行目\n二行目"), ("工期", "180日")), pairs=True)
    assert [[label for label, _ in line] for line in block.lines()] == [
        ["案件番号", "年度"], ["件名"], ["担当課"], ["概要"], ["工期"]]
    assert len(Fields(block.rows).lines()) == 6


def test_blocks_check_their_shape():
    with pytest.raises(TypeError):
        FormPage(["plain text"])
    with pytest.raises(ValueError):
        FormDocument("空", [])
    with pytest.raises(ValueError):
        Grid(("A", "B"), (("only one",),))
    with pytest.raises(ValueError):
        Text("x", align="justify")
    with pytest.raises(ValueError):
        Approvals(())
    with pytest.raises(ValueError):
        Fields((), label_width=0.9)
    assert _document().count_label == "全 3 通" and FormDocument("x", [FormPage([])]).count_label == "全 1 枚"


def test_workbook_has_a_sheet_per_letter_set_up_for_a4():
    pages = [_letter("株式会社山田建設", "250001"), _letter("株式会社山田建設", "250001"), FormPage([Title("無題")])]
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(FormDocument("指名通知書", pages, numbered=True), ORG,
                                                       date(2026, 6, 1))))
    assert wb.sheetnames == ["250001 株式会社山田建設", "250001 株式会社山田建設（2）", "3"]
    ws = wb.worksheets[0]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_margins.left == pytest.approx(25 / 25.4) and ws.page_margins.right == pytest.approx(20 / 25.4)
    assert ws.print_area == f"'{ws.title}'!$A$1:$X${ws.max_row}" and not ws.sheet_view.showGridLines
    assert ws.oddFooter.center.text == "&P / &N"
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value}
    assert cells["令和8年5月15日"].alignment.horizontal == "right"
    assert cells["指名通知書"].alignment.horizontal == "center" and cells["指名通知書"].font.size == 18
    assert "代表取締役　山田 太郎　様" in cells and ORG in cells and "記" in cells and "以上" in cells
    assert cells["　下記の工事について、貴社を指名したので通知します。"].value.startswith("　")  # 字下げ
    label, value = cells["件名"], cells["市道<b>中央線</b>改良工事 & 舗装"]
    assert label.fill.fgColor.rgb.endswith("F0F1F3") and label.border.left.style == "thin"
    assert any(str(r).startswith(f"{value.coordinate}:") for r in ws.merged_cells.ranges)
    assert wb.properties.title == "指名通知書" and wb.properties.creator == ORG


def test_workbook_approval_boxes_and_text_stay_text():
    page = FormPage([Approvals(("課長", "係長", "担当")), Fields((("式", "=SUM(A1:A2)"),)),
                     Grid(("番号", "金額"), (("=1+1", "1,000円"),), numeric=(1,))])
    ws = openpyxl.load_workbook(io.BytesIO(render_xlsx(FormDocument("調書", [page]), ORG, date(2026, 6, 1)))).active
    cells = {c.value: c for row in ws.iter_rows() for c in row if c.value}
    assert cells["=SUM(A1:A2)"].data_type == "s" and cells["=1+1"].data_type == "s"
    assert cells["1,000円"].alignment.horizontal == "right"
    boxes = [cells[label] for label in ("課長", "係長", "担当")]
    assert [b.column for b in boxes] == [16, 19, 22] and cells["決\n裁\n欄"].column == 15  # right-aligned, 3 columns each
    assert ws.row_dimensions[2].height > ws.row_dimensions[1].height * 2  # room for a seal
    assert all(ws.cell(row=2, column=c).border.bottom.style == "thin" for c in range(15, 25))
