"""The contract list over HTTP: filters and sort in the URL, pages, the CSV and Excel of the filtered list, the
契約一覧 form with the same filters, and what department staff and other roles may not see."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from bidding.contracts.exports import EXPORT_HEADER
from core.auth.roles import Role
from exports import reports
from tests.helpers import page_text


@pytest.fixture
def two(db_session, make_contract, firm, kenchiku, contract_staff):
    """土木課's 30,250,000 contract changed to 31,762,500, and 建築課's 11,000,000 one."""
    from bidding.contracts import services

    ours = make_contract(name="市道青葉線道路改良工事", winner=firm("青葉建設"), bid=27_500_000)
    services.change_contract(db_session, contract_staff, ours, changed_on=date(2026, 9, 1), reason="数量の増加",
                             amount_after=31_762_500)
    theirs = make_contract(name="市民会館屋根改修工事", winner=firm("港湾工業"), bid=10_000_000, department=kenchiku,
                           shift=5)
    return ours, theirs


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_filters_and_sort_in_the_url(login_as, contract_staff, two, kenchiku):
    ours, theirs = two
    client = login_as(contract_staff)
    html = page_text(client.get("/bidding/contracts"))
    assert "全 2 件" in html and "市道青葉線道路改良工事" in html and "市民会館屋根改修工事" in html
    assert "31,762,500円" in html and "変更 1 回" in html and "担当課" in html
    html = page_text(client.get(f"/bidding/contracts?department_id={kenchiku.id}&sort=-amount"))
    assert "市民会館屋根改修工事" in html and "市道青葉線道路改良工事" not in html
    assert 'aria-sort="descending"' in html
    html = page_text(client.get("/bidding/contracts?contractor=青葉&amount_min=31,000,000&changes=yes"))
    assert "全 1 件" in html and ours.number in html and theirs.number not in html
    html = page_text(client.get("/bidding/contracts?amount_min=3千万&date_from=2026-13-01"))
    assert "契約金額（以上）は円単位の整数で入力してください" in html and "全 2 件" in html  # bad fields left out
    assert "契約日（から）は正しい日付" in html
    # The PDF link carries the same filters to the 契約一覧 form (the 担当課 by its code).
    html = client.get(f"/bidding/contracts?department_id={kenchiku.id}&q=屋根").get_data(as_text=True)
    assert "/exports/reports/contracts?" in html and "department=210" in html and "q=%E5%B1%8B%E6%A0%B9" in html


def test_pages(login_as, contract_staff, two, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)  # the app is the session's: set back after the test
    client = login_as(contract_staff)
    html = page_text(client.get("/bidding/contracts?sort=amount&page=2"))
    assert "全 2 件中 2〜2 件を表示" in html and "市道青葉線道路改良工事" in html and "市民会館屋根改修工事" not in html


def test_csv_of_the_filtered_list(login_as, contract_staff, two, db_session):
    from core.audit.models import AuditEntry

    ours, _theirs = two
    client = login_as(contract_staff)
    rows = _csv(client.get("/bidding/contracts?format=csv&q=青葉"))
    assert rows[0] == EXPORT_HEADER and len(rows) == 2
    row = dict(zip(EXPORT_HEADER, rows[1], strict=True))
    assert row["契約番号"] == ours.number and row["案件番号"] == ours.case.number and row["担当課"] == "土木課"
    assert row["契約者"] == f"{ours.contractor.number} 青葉建設" and row["契約日"] == "2026-06-05"
    assert (row["当初契約金額（税込）"], row["現契約金額（税込）"], row["変更回数"]) == ("30250000", "31762500", "1")
    assert (row["工期自"], row["完成日"], row["決裁"], row["支払済額"]) == ("2026-06-06", "", "起案中（変更契約 起案中）", "0")
    assert db_session.query(AuditEntry).filter_by(operation="data.export").count() == 1


def test_excel_opens_with_numbers_and_dates(login_as, contract_staff, two):
    client = login_as(contract_staff)
    response = client.get("/bidding/contracts?format=xlsx&sort=amount")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[1]] == EXPORT_HEADER and sheet.max_row == 3
    assert sheet.cell(row=2, column=8).value == 11_000_000 and sheet.cell(row=3, column=8).value == 31_762_500
    assert sheet.cell(row=3, column=6).value.date() == date(2026, 6, 5)


def test_department_staff_see_and_export_their_own_only(login_as, doboku_staff, two, kenchiku):
    ours, theirs = two
    client = login_as(doboku_staff)
    html = page_text(client.get("/bidding/contracts"))
    assert ours.number in html and theirs.number not in html and "全 1 件" in html
    assert 'id="department_id"' not in client.get("/bidding/contracts").get_data(as_text=True)
    assert page_text(client.get(f"/bidding/contracts?department_id={kenchiku.id}")).count("該当する契約はありません") == 1
    assert [r[0] for r in _csv(client.get("/bidding/contracts?format=csv"))[1:]] == [ours.number]
    assert _csv(client.get(f"/bidding/contracts?format=csv&department_id={kenchiku.id}&q=屋根"))[1:] == []
    sheet = load_workbook(io.BytesIO(client.get("/bidding/contracts?format=xlsx").data)).active
    assert [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)] == [ours.number]
    response = client.get("/exports/reports/contracts.pdf?department=210")
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_the_form_prints_the_same_filtered_rows(db_session, contract_staff, doboku_staff, two, kenchiku):
    ours, theirs = two
    definition = reports.get("contracts")

    def numbers(actor, **args):
        document = definition.produce(db_session, definition.parse(args, db_session), actor)
        return [row[0] for row in document.spool()]

    assert numbers(contract_staff) == [theirs.number, ours.number]
    assert numbers(contract_staff, sort="amount") == [theirs.number, ours.number]
    assert numbers(contract_staff, amount_min="31,000,000") == [ours.number]  # the amount after the change
    assert numbers(contract_staff, department=kenchiku.code) == [theirs.number]
    assert numbers(contract_staff, contractor="港湾", changes="no") == [theirs.number]
    assert numbers(doboku_staff) == [ours.number]
    assert numbers(doboku_staff, department=kenchiku.code) == []
    document = definition.produce(db_session, definition.parse({"q": "青葉"}, db_session), contract_staff)
    row = list(document.spool())[0]
    assert row[5] == 31_762_500 and row[6] == 1 and row[-1] == "履行中"
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as info:
        definition.produce(db_session, definition.parse({"amount_max": "たくさん"}, db_session), contract_staff)
    assert "契約金額（以下）は円単位の整数" in info.value.errors["amount_max"][0]


def test_roles_outside_the_list_are_refused(login_as, create_user, client, two):
    assert client.get("/bidding/contracts?format=csv").status_code == 302  # anonymous: to the login page
    applicant = login_as(create_user(Role.APPLICANT))
    for url in ("/bidding/contracts", "/bidding/contracts?format=csv", "/bidding/contracts?format=xlsx"):
        assert applicant.get(url).status_code == 403
    assert page_text(login_as(create_user(Role.VIEWER)).get("/bidding/contracts")).count("市民会館屋根改修工事") == 1
    # An inspector is bound to a department (here one with no contract) as department staff are.
    assert "全 0 件" in page_text(login_as(create_user(Role.INSPECTOR)).get("/bidding/contracts?format="))
