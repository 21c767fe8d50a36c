"""工事成績評定 統計表 (GR5, CM11): the figures of the hand-computed set per section, the parameters, the department
scope, and the A4 PDF and Excel renderings."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from core.auth.roles import Role
from core.errors import ValidationFailed
from exports.render import render_pdf, render_xlsx
from exports.reports import get
from tests.bidding.conftest import doboku, kenchiku  # noqa: F401  (fixtures)
from tests.exports.pdfcheck import read_pdf
from tests.grading.stats_support import Y0, graded_set


@pytest.fixture
def graded(db_session, create_contractor, doboku, kenchiku):  # noqa: F811
    return graded_set(db_session, create_contractor, doboku, kenchiku)


def _build(session, params: dict, actor):
    definition = get("grading_statistics")
    return definition.build(session, definition.parse(params, session), actor)


def _grids(document) -> dict[str, tuple]:
    blocks = document.pages[0].blocks
    names = [b.text for b in blocks if type(b).__name__ == "Heading"]
    grids = [b for b in blocks if type(b).__name__ in ("Grid", "Fields")]
    return dict(zip(names, grids, strict=True))


def test_sections_hold_the_hand_computed_figures(db_session, graded, create_user):
    document = _build(db_session, {}, create_user(Role.VIEWER))
    grids = _grids(document)
    assert dict(grids["1 全体"].rows) == {"件数": "6 件", "平均点": "75.25 点", "中央値": "75.75 点",
                                        "最低点・最高点": "60.0 点・90.0 点"}
    years = grids["2 年度別"].rows
    assert len(years) == 3 and years[-1][1:] == ("3", "80.50", "76.50", "75.0", "90.0")
    assert grids["3 業種別"].rows == (("010 土木一式工事", "3", "80.00", "80.00", "70.0", "90.0"),
                                    ("020 建築一式工事", "3", "70.50", "75.00", "60.0", "76.5"))
    assert {r[0] for r in grids["4 担当課別"].rows} == {"土木課", "建築課"}
    assert grids["5 評定点の分布（5 点ごと）"].rows[3] == ("75〜79.9点", "2", "33.3")


def test_parameters_narrow_and_are_checked(db_session, graded, create_user):
    viewer = create_user(Role.VIEWER)
    document = _build(db_session, {"year_from": str(Y0 - 1), "work_type": "020"}, viewer)
    assert dict(_grids(document)["1 全体"].rows)["件数"] == "2 件"
    assert "業種: 020 建築一式工事" in document.subject
    with pytest.raises(ValidationFailed) as caught:
        _build(db_session, {"year_from": str(Y0), "year_to": str(Y0 - 2)}, viewer)
    assert "年度（まで）" in caught.value.errors["year_to"][0]
    with pytest.raises(ValidationFailed):
        _build(db_session, {"year_from": "1999"}, viewer)  # not a 年度 with grades


def test_department_staff_print_their_department(db_session, graded, create_user):
    staff = create_user(Role.DEPARTMENT_STAFF, department=graded.doboku)
    document = _build(db_session, {}, staff)
    assert dict(_grids(document)["1 全体"].rows)["件数"] == "3 件" and "範囲: 自分の課の工事" in document.subject
    assert dict(_grids(_build(db_session, {}, None))["1 全体"].rows)["件数"] == "6 件"  # the command line: all


def test_renders_as_a4_pdf_and_excel(db_session, graded, create_user):
    document = _build(db_session, {}, create_user(Role.CONTRACT_STAFF))
    pages = read_pdf(render_pdf(document, "架空市", date(2026, 12, 7)))
    assert pages[0].is_a4_portrait and "工事成績評定 統計表" in pages[0].text and "75.25" in pages[0].text
    workbook = load_workbook(io.BytesIO(render_xlsx(document, "架空市", date(2026, 12, 7))))
    cells = [c.value for row in workbook.active.iter_rows() for c in row if c.value is not None]
    assert "3 業種別" in cells and "70.50" in cells


def test_the_report_is_for_the_statistics_roles(client, graded, create_user, login_as):
    assert login_as(create_user(Role.VIEWER)).get("/exports/reports/grading_statistics.pdf").status_code == 200
    assert login_as(create_user(Role.INSPECTOR)).get("/exports/reports/grading_statistics.pdf").status_code == 403
