"""Grading forms: 工事成績採点表 (a grader prints their own sheet; the settler and the contract section every
submitted one), 考査項目別運用表 (the checklists in force on a day) and 工事成績評定表 (the settled work's summary),
rendered as A4 PDF and Excel through the preview."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from core.errors import ValidationFailed
from exports import reports
from exports.render import render_pdf, render_xlsx
from grading.works import services
from tests.exports.pdfcheck import assert_fonts_embedded, read_pdf
from tests.grading.test_works_services import _entries, _grade_all
from tests.helpers import page_text


def _produce(name: str, raw: dict, session, actor):
    definition = reports.get(name)
    return definition.produce(session, definition.parse(raw, session), actor)


def _errors(name: str, raw: dict, session, actor) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as info:
        _produce(name, raw, session, actor)
    return info.value.errors


def _text(document) -> tuple[int, str]:
    data = render_pdf(document, "架空市 総務部契約課", date(2027, 1, 10))
    assert_fonts_embedded(data)
    pages = read_pdf(data)
    assert all(p.is_a4_portrait for p in pages)
    return len(pages), "".join(p.text for p in pages).replace("\r\n", "").replace("\n", "")


def test_a_grader_prints_their_own_sheet_only(db_session, work, chief, general, inspector, contract_staff):
    services.assign_grader(db_session, chief, work, "chief", chief)
    services.assign_grader(db_session, chief, work, "general", general)
    services.save_sheet(db_session, chief, work.assignment("chief"), _entries({"chief_taisei": "b", "chief_creativity": "3"}))
    raw = {"work": work.contract_number, "role": "chief"}
    document = _produce("grading_sheet", raw, db_session, chief)
    grid = document.pages[0].blocks[2]
    rows = {row[1]: row for row in grid.rows}
    assert rows["施工体制一般"][2:6] == ("b", "+0.5", "4/5", "b") and rows["創意工夫"][2:4] == ("3 点", "+3")
    assert rows["配置技術者"][2] == "未評定"
    total = dict(document.pages[0].blocks[3].rows)
    assert total["細別の加減点の計"] == "+3.5" and total["評定点"] == "69 点"  # 65 + 3.5, rounded half-up to an integer
    pages, text = _text(document)
    assert pages >= 1 and "工事成績採点表（主任監督員）" in text and "施工体制一般" in text
    assert "印刷できません" in _errors("grading_sheet", raw, db_session, general)["role"][0]  # a draft: not theirs
    assert "印刷できません" in _errors("grading_sheet", raw, db_session, contract_staff)["role"][0]
    assert "評定者はいません" in _errors("grading_sheet", {**raw, "role": "interim_inspector"}, db_session,
                                      contract_staff)["role"][0]


def test_submitted_sheets_print_for_the_settler_and_the_contract_section(db_session, work, chief, general, inspector,
                                                                        contract_staff, kenchiku_staff):
    _grade_all(db_session, work, chief, general, inspector)
    raw = {"work": work.contract_number, "role": "final_inspector"}
    for actor in (general, contract_staff, inspector):
        total = dict(_produce("grading_sheet", raw, db_session, actor).pages[0].blocks[3].rows)
        assert total["評定点"] == "85 点"
    assert "印刷できません" in _errors("grading_sheet", raw, db_session, chief)["role"][0]
    assert "見つかりません" in _errors("grading_sheet", raw, db_session, kenchiku_staff)["work"][0]
    workbook = load_workbook(io.BytesIO(render_xlsx(_produce("grading_sheet", raw, db_session, general),
                                                    "架空市", date(2027, 1, 10))))
    assert workbook.worksheets[0].page_setup.paperSize == 9  # A4


def test_the_checklists_of_the_table_in_force(db_session, contract_staff, inspector):
    document = _produce("grading_checklists", {"day": "2026-12-22", "table": "simple"}, db_session, inspector)
    assert [p.label for p in document.pages] == ["主任監督員", "総括監督員", "検査員"]
    chief_rows = {row[1]: row for row in document.pages[0].blocks[3].rows}
    assert "配置技術者" not in chief_rows  # 簡便型
    assert chief_rows["施工体制一般"][2].splitlines()[:2] == ["a +1.0", "b +0.5"]
    assert chief_rows["施工体制一般"][3].startswith("1. 施工計画書を工事着手前に提出し")
    pages, text = _text(document)
    assert pages >= 3 and "考査項目別運用表（簡便型）" in text and "80" in text
    only = _produce("grading_checklists", {"day": "2026-12-22", "table": "standard", "grader": "inspector"},
                    db_session, inspector)
    assert [p.label for p in only.pages] == ["検査員"]
    assert "選べません" in _errors("grading_checklists", {"day": "2026-12-22", "table": "x"}, db_session,
                                  inspector)["table"][0]


def test_the_summary_of_a_settled_work(db_session, work, chief, general, inspector, contract_staff):
    _grade_all(db_session, work, chief, general, inspector)
    raw = {"work": work.contract_number}
    assert "確定していません" in _errors("grading_summary", raw, db_session, contract_staff)["work"][0]
    services.add_deduction(db_session, general, work, kind="written_warning", points=None, reason=None,
                           decided_on=date(2026, 12, 24))
    services.settle_work(db_session, general, work)
    document = _produce("grading_summary", raw, db_session, contract_staff)
    grid = document.pages[0].blocks[3]
    assert grid.rows[0][0] == "主任監督員" and grid.rows[0][2:] == ("79", "0.4", "31.6")
    totals = dict(document.pages[0].blocks[4].rows)
    assert totals["評定点計"] == "80.2" and totals["法令遵守等"] == "文書注意 −8" and totals["総合評定点"] == "72 点"
    chief_copy = _produce("grading_summary", raw, db_session, chief).pages[0].blocks[3].rows
    assert chief_copy[0][2] == "79" and chief_copy[1][2] == "—"  # the chief sees their own score only
    pages, text = _text(document)
    assert pages == 1 and "工事成績評定表" in text and "72 点" in text


def test_the_work_page_links_to_the_forms_and_the_preview_renders(login_as, db_session, work, chief, general,
                                                                   inspector, contract_staff):
    _grade_all(db_session, work, chief, general, inspector)
    services.settle_work(db_session, general, work)
    client = login_as(contract_staff)
    html = page_text(client.get(f"/grading/works/{work.id}"))
    assert "name=grading_sheet" not in html and "/exports/reports/grading_summary?work=" in html
    response = client.get(f"/exports/reports/grading_summary?work={work.contract_number}")
    assert response.status_code == 200 and "工事成績評定表" in page_text(response)
    pdf = client.get(f"/exports/reports/grading_sheet.pdf?work={work.contract_number}&role=general")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    refused = login_as(chief).get(f"/exports/reports/grading_sheet.pdf?work={work.contract_number}&role=general")
    assert refused.status_code == 400
