"""The grading letters and list (CM11): 工事成績評定通知書 with its 別紙 項目別評定点表 from the settled grade, 説明書（回答）,
再説明書（回答） and the publication list — their content in the PDF and the workbook, the rule's wording, the
department scope and the parameter messages."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from core.errors import ValidationFailed
from core.rules import get_rule
from core.rules.services import add_rule_version
from exports import reports
from exports.render import render_pdf, render_xlsx
from grading.explanations import services as explanations
from tests.exports.pdfcheck import assert_fonts_embedded, read_pdf
from tests.grading.notice_fixtures import clock

ORG = "架空市 総務部契約課"


def _produce(name: str, raw: dict, session, actor):
    definition = reports.get(name)
    return definition.produce(session, definition.parse(raw, session), actor)


def _texts(document) -> list[str]:
    return [p.text.replace("\r\n", "\n").replace("\n", "") for p in read_pdf(render_pdf(document, ORG, date(2027, 2, 1)))]


def test_the_notice_with_its_item_table(db_session, notified, contract_staff):
    document = _produce("grading_notice", {"work": notified.contract_number}, db_session, contract_staff)
    data = render_pdf(document, ORG, date(2027, 2, 1))
    assert_fonts_embedded(data)
    pages = read_pdf(data)
    assert len(pages) >= 2 and all(p.is_a4_portrait for p in pages)
    letter = pages[0].text.replace("\r\n", "").replace("\n", "")
    for text in ("令和9年1月6日", "契約建設", ORG, "契約担当者 市長", "工事成績評定通知書",
                 "市道中央線道路改良工事の工事成績評定の結果を、下記及び別紙の項目別評定点表のとおり通知します。",
                 notified.contract_number, "30,250,000円（税込）", "80 点", "説明請求の期限（令和9年1月19日）までに", "以上"):
        assert text in letter, text
    table = "".join(p.text.replace("\r\n", "").replace("\n", "") for p in pages[1:])
    for text in ("別紙", "項目別評定点表", "主任監督員（評定点 79 点 ＝ 基本点 65 点 +14 点）", "総括監督員（評定点 73 点",
                 "検査員（完成）（評定点 85 点", "工程管理", "施工体制一般", "79 点（重み 0.4）", "評定点計", "80.2 点",
                 "総合評定点", "80 点"):
        assert text in table, text


def test_a_notice_can_be_checked_before_it_is_sent(db_session, settled, contract_staff, monkeypatch):
    clock(monkeypatch, date(2027, 1, 5))
    document = _produce("grading_notice", {"work": settled.contract_number}, db_session, contract_staff)
    (letter, *_rest) = _texts(document)
    assert "令和9年1月5日" in letter and "令和9年1月18日" in letter and "通知前の確認用" in letter


def test_the_wording_is_the_version_in_force_on_the_notice_day(db_session, notified, contract_staff, admin):
    values = get_rule(db_session, "grading.notice", date(2027, 1, 1))
    values["notice_title"] = "工事成績評定結果通知書"
    add_rule_version(db_session, admin, "grading.notice", date(2027, 1, 7), values, "様式改正（テスト）")
    document = _produce("grading_notice", {"work": notified.contract_number}, db_session, contract_staff)
    assert document.title == "工事成績評定通知書"  # notified on 1/6, before the new version
    add_rule_version(db_session, admin, "grading.notice", date(2027, 1, 6), values, "様式改正（テスト）")
    assert _produce("grading_notice", {"work": notified.contract_number}, db_session, contract_staff).title == \
        "工事成績評定結果通知書"


def test_the_notice_workbook(db_session, notified, contract_staff):
    document = _produce("grading_notice", {"work": notified.contract_number}, db_session, contract_staff)
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(document, ORG, date(2027, 2, 1))))
    assert wb.sheetnames == [notified.contract_number, "項目別評定点表"]
    assert wb.worksheets[0].page_setup.paperSize == 9
    texts = [c.value for row in wb["項目別評定点表"].iter_rows() for c in row if c.value]
    assert "工程管理" in texts and "総合評定点" in texts and "80 点" in texts


def test_department_scope_and_parameters(db_session, notified, settled, chief, kenchiku_staff):
    assert _produce("grading_notice", {"work": notified.contract_number}, db_session, chief).pages
    with pytest.raises(ValidationFailed) as info:
        _produce("grading_notice", {"work": notified.contract_number}, db_session, kenchiku_staff)
    assert "見つかりません" in info.value.errors["work"][0]
    with pytest.raises(ValidationFailed) as info:
        _produce("grading_notice", {"work": ""}, db_session, chief)
    assert info.value.errors["work"] == ["契約番号を指定してください。"]
    assert _produce("grading_notice", {"work": notified.contract_number}, db_session, None).pages  # the command line


def test_the_answer_letters(db_session, notified, contract_staff):
    with pytest.raises(ValidationFailed, match="説明請求への回答がまだありません"):
        _produce("grading_answer", {"work": notified.contract_number}, db_session, contract_staff)
    request = explanations.file_request(db_session, contract_staff, notified, content="施工管理の評価の理由を求めます。",
                                        channel="paper", filed_on=date(2027, 1, 12), today=date(2027, 1, 12))
    explanations.answer_request(db_session, contract_staff, request, answer="記録の提出が遅れた回がありました。",
                                answered_on=date(2027, 1, 20), today=date(2027, 1, 20))
    (answer,) = _texts(_produce("grading_answer", {"work": notified.contract_number, "number": "1"}, db_session,
                                contract_staff))
    for text in ("令和9年1月20日", "契約建設", "工事成績評定に係る説明書（回答）",
                 "令和9年1月12日付けで請求のあった市道中央線道路改良工事の工事成績評定に係る説明について",
                 "施工管理の評価の理由を求めます。", "記録の提出が遅れた回がありました。", "令和9年2月2日までに再説明を請求"):
        assert text in answer, text
    with pytest.raises(ValidationFailed) as info:
        _produce("grading_answer", {"work": notified.contract_number, "number": "2"}, db_session, contract_staff)
    assert info.value.errors["number"] == ["この工事の説明請求は 1 件です。"]
    explanations.re_request(db_session, contract_staff, request, content="再度説明を求めます。", channel="paper",
                            filed_on=date(2027, 2, 1), today=date(2027, 2, 1))
    explanations.refer_to_committee(db_session, contract_staff, request, committee_on=date(2027, 2, 15))
    explanations.correct_item(db_session, contract_staff, request, notified.assignment("chief"), item_key="chief_schedule",
                              value="b", reason="工程の遅れは発注者の事情", revised_on=date(2027, 2, 15),
                              today=date(2027, 2, 15))
    explanations.answer_committee(db_session, contract_staff, request, answer="工程管理を b に改めました。",
                                  answered_on=date(2027, 2, 20), outcome="correct", today=date(2027, 2, 20))
    (re_answer,) = _texts(_produce("grading_re_answer", {"work": notified.contract_number}, db_session, contract_staff))
    for text in ("令和9年2月20日", "工事成績評定に係る再説明書（回答）", "令和9年2月1日付けで請求のあった",
                 "工事成績評定委員会の審議を経て", "令和9年2月15日", "評定修正", "80 点 → 81 点", "工程管理を b に改めました。"):
        assert text in re_answer, text


def test_the_publication_list(db_session, notified, contract_staff, kenchiku_staff, monkeypatch):
    clock(monkeypatch, date(2027, 2, 1))
    document = _produce("grading_publication", {"fiscal_year": "2026", "quarter": "4"}, db_session, contract_staff)
    (page,) = _texts(document)
    for text in ("工事成績評定の公表", "令和9年1月1日", "令和9年3月31日", "1 件、平均 80.00 点", notified.contract_number,
                 "市道中央線道路改良工事", "契約建設", "30,250,000", "80"):
        assert text in page, text
    empty = _produce("grading_publication", {"fiscal_year": "2026", "quarter": "4"}, db_session, kenchiku_staff)
    assert "この期間に通知した工事はありません。" in _texts(empty)[0]
    clock(monkeypatch, date(2027, 1, 5))  # before the notice day
    before = _produce("grading_publication", {"fiscal_year": "2026"}, db_session, contract_staff)
    assert notified.contract_number not in _texts(before)[0]


def test_before_the_notice_only_those_who_see_every_sheet_print_it(db_session, settled, chief, contract_staff):
    with pytest.raises(ValidationFailed, match="確定した者と契約課の職員だけ"):
        _produce("grading_notice", {"work": settled.contract_number}, db_session, chief)
    assert _produce("grading_notice", {"work": settled.contract_number}, db_session, contract_staff).pages
