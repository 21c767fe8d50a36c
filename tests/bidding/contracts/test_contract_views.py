"""The 契約 tab and the contract list over HTTP (the rules are tested on the services)."""

from __future__ import annotations

from datetime import date

from bidding.contracts.models import Contract
from tests.bidding.contracts.test_contract_services import awarded  # noqa: F401  (fixture)
from tests.helpers import page_text


def test_contract_change_and_payment_over_http(login_as, contract_staff, awarded, db_session):  # noqa: F811
    client = login_as(contract_staff)
    url = f"/bidding/cases/{awarded.id}/contract"
    html = page_text(client.get(url))
    assert "契約を登録する" in html and "27,500,000円" in html
    form = {"contract_date": "2026-06-05", "amount": "30,250,000", "work_from": "2026-06-06", "work_to": "2026-12-25",
            "guarantee_method": "bond", "guarantee_amount": "3,000,000", "partial_payments": "1"}
    response = client.post(url + "/new", data=form)
    assert response.status_code == 422 and "3,025,000 円以上" in page_text(response)
    assert client.post(url + "/new", data={**form, "guarantee_amount": "3,025,000"}).status_code == 302
    contract = db_session.query(Contract).one()
    assert contract.amount == 30_250_000
    response = client.post(url + "/changes", data={"changed_on": "2026-09-01", "amount_after": "31,762,500",
                                                   "work_to_after": "2027-01-29", "reason": "数量の増加"})
    assert response.status_code == 302
    response = client.post(url + "/payments", data={"kind": "partial", "amount": "10,000,000",
                                                    "claimed_on": "2026-10-01"})
    assert response.status_code == 302
    html = page_text(client.get(url))
    assert "第1回" in html and "31,762,500円" in html and "支払残額 21,762,500円" in html
    assert "2026-K0001" in page_text(client.get("/bidding/contracts"))


def test_department_staff_read_but_do_not_contract(login_as, doboku_staff, awarded, db_session):  # noqa: F811
    client = login_as(doboku_staff)
    url = f"/bidding/cases/{awarded.id}/contract"
    assert client.get(url).status_code == 200
    assert client.post(url + "/new", data={"contract_date": "2026-06-05"}).status_code == 403
    assert db_session.query(Contract).count() == 0


def test_a_change_names_its_budget_line_when_the_case_has_several(login_as, contract_staff, awarded, db_session,  # noqa: F811
                                                                   budget_line, doboku):
    from bidding.cases.models import CaseBudgetCharge
    from bidding.contracts.services import create_contract

    second = budget_line(doboku, awarded.fiscal_year, item="02")
    db_session.add(CaseBudgetCharge(case=awarded, line=second, amount=1_000_000))
    db_session.flush()
    create_contract(db_session, contract_staff, awarded, contract_date=date(2026, 6, 5), work_from=date(2026, 6, 6),
                    work_to=date(2026, 12, 25), amount=30_250_000, guarantee_method="bond", guarantee_amount=3_025_000)
    client = login_as(contract_staff)
    url = f"/bidding/cases/{awarded.id}/contract"
    assert "増減額を充当する予算科目" in page_text(client.get(url))
    data = {"changed_on": "2026-09-01", "amount_after": "31,000,000", "reason": "数量の増加"}
    response = client.post(url + "/changes", data=data)
    assert response.status_code == 422 and "増減額を充当する予算科目を" in page_text(response)
    assert client.post(url + "/changes", data={**data, "budget_line_id": str(second.id)}).status_code == 302
    assert db_session.query(Contract).one().changes[0].budget_line_id == second.id
    html = page_text(client.get(f"/bidding/budget/{second.id}"))
    assert "この科目に充当した変更契約の増減" in html and "750,000円" in html and "次の取込まで" in html
