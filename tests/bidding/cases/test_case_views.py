"""Tender case screens over HTTP: list with scope, filters and exports, drafting, editing, steps, history.
The rules themselves are tested on the services."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from bidding.cases.models import TenderCase
from core.auth.roles import Role
from tests.helpers import page_text


def _form(values: dict) -> dict:
    data = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, list):
            data[key] = value
        elif key == "opening_at":
            data[key] = value.strftime("%Y-%m-%dT%H:%M")
        else:
            data[key] = str(value.isoformat() if hasattr(value, "isoformat") else value)
    return data


def test_department_staff_see_only_their_departments_cases(login_as, make_case, kenchiku, doboku_staff):
    mine = make_case(name="市道A線改良工事")
    theirs = make_case(department=kenchiku, name="市民会館改修工事")
    client = login_as(doboku_staff)
    html = page_text(client.get("/bidding/cases"))
    assert "市道A線改良工事" in html and "市民会館改修工事" not in html
    assert client.get(f"/bidding/cases/{theirs.id}").status_code == 404
    assert client.get(f"/bidding/cases/{mine.id}").status_code == 200


def test_contract_staff_list_filters_sorts_and_exports(login_as, contract_staff, make_case, kenchiku):
    make_case(name="市道A線改良工事", planned_price=10_000_000, floor_price=8_000_000)
    make_case(department=kenchiku, name="市民会館改修工事", work_type_code="020", method="open_restricted")
    client = login_as(contract_staff)
    html = page_text(client.get(f"/bidding/cases?department_id={kenchiku.id}"))
    assert "市民会館改修工事" in html and "市道A線改良工事" not in html
    html = page_text(client.get("/bidding/cases?price_max=20,000,000&sort=-price"))
    assert "市道A線改良工事" in html and "市民会館改修工事" not in html and 'aria-sort="descending"' in html
    assert "円単位の整数" in page_text(client.get("/bidding/cases?price_min=abc"))
    response = client.get("/bidding/cases?format=csv&q=市民会館")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "案件番号" and len(rows) == 2 and rows[1][3] == "建築課"
    response = client.get("/bidding/cases?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value == "案件番号" and sheet.max_row == 3
    amounts = {sheet.cell(row=r, column=10).value for r in (2, 3)}
    assert 10_000_000 in amounts


def test_drafting_through_the_form(login_as, doboku_staff, doboku, db_session):
    from tests.bidding.conftest import case_values

    client = login_as(doboku_staff)
    assert client.get("/bidding/cases/new").status_code == 200
    values = _form(case_values(doboku, planned_price="30,000,000", design_amount="３０，０００，０００"))
    response = client.post("/bidding/cases/new", data=values)
    assert response.status_code == 302
    case = db_session.query(TenderCase).one()
    assert case.planned_price == 30_000_000 and case.design_amount == 30_000_000 and case.number == "2026-110-0001"
    assert "起案しました" in page_text(client.get(response.location))


def test_a_bad_form_names_the_field_and_saves_nothing(login_as, doboku_staff, doboku, db_session):
    from datetime import datetime

    from tests.bidding.conftest import case_values

    client = login_as(doboku_staff)
    values = _form(case_values(doboku, opening_at=datetime(2026, 5, 2, 10, 0), planned_price="3千万"))
    response = client.post("/bidding/cases/new", data=values)
    text = page_text(response)
    assert response.status_code == 422
    assert "予定価格（税抜）は円単位の整数" in text
    assert db_session.query(TenderCase).count() == 0


def test_another_departments_staff_cannot_draft_for_it(login_as, doboku_staff, kenchiku, db_session):
    from tests.bidding.conftest import case_values

    response = login_as(doboku_staff).post("/bidding/cases/new", data=_form(case_values(kenchiku)))
    assert response.status_code in (403, 422)
    assert db_session.query(TenderCase).count() == 0


def test_edit_approve_and_steps_over_http(login_as, make_case, contract_staff, doboku_staff, db_session):
    case = make_case(actor=doboku_staff)
    staff = login_as(doboku_staff)
    assert staff.get(f"/bidding/cases/{case.id}/edit").status_code == 200
    assert staff.post(f"/bidding/cases/{case.id}/approve").status_code == 403
    contract = login_as(contract_staff)
    response = contract.post(f"/bidding/cases/{case.id}/approve")
    db_session.refresh(case)
    assert response.status_code == 302 and case.is_approved
    assert staff.get(f"/bidding/cases/{case.id}/edit").status_code == 403
    html = page_text(contract.get(f"/bidding/cases/{case.id}"))
    assert "決裁済" in html and "決裁を取り消す" in html and "公告する" not in html
    response = contract.post(f"/bidding/cases/{case.id}/withdraw-approval", data={"withdraw-reason": ""})
    assert response.status_code == 422 and "理由" in page_text(response)
    contract.post(f"/bidding/cases/{case.id}/withdraw-approval", data={"withdraw-reason": "工期の訂正"})
    db_session.refresh(case)
    assert not case.is_approved
    history = page_text(contract.get(f"/bidding/cases/{case.id}/history"))
    assert "入札案件の決裁" in history and "工期の訂正" in history


def test_approval_of_an_incomplete_case_lists_what_is_missing(login_as, make_case, contract_staff, db_session):
    case = make_case(design_amount=None, planned_price=None, floor_price=None)
    response = login_as(contract_staff).post(f"/bidding/cases/{case.id}/approve")
    text = page_text(response)
    db_session.refresh(case)
    assert response.status_code == 422 and "予定価格が未入力です" in text and not case.is_approved


def test_viewer_reads_but_cannot_draft(login_as, create_user, make_case):
    case = make_case()
    viewer = login_as(create_user(Role.VIEWER))
    assert viewer.get(f"/bidding/cases/{case.id}").status_code == 200
    assert viewer.get("/bidding/cases/new").status_code == 403
    assert "案件を起案" not in page_text(viewer.get("/bidding/cases"))
