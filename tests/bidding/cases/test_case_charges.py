"""予算の充当: a case charges budget lines of its 年度; 決裁 needs one; a line shows what its running cases commit
and the balance after them; an amount above the balance is a warning, not a refusal."""

from __future__ import annotations

import pytest

from bidding.cases import services
from bidding.cases.charges import add_charge, balances, charges_on_line, over_balance_warnings, remove_charge
from core.errors import PermissionDenied, ValidationFailed
from tests.helpers import page_text


def test_approval_needs_a_budget_line(db_session, make_case, contract_staff, budget_line, doboku):
    case = make_case(charge=False)
    with pytest.raises(ValidationFailed) as info:
        services.approve_case(db_session, contract_staff, case)
    assert "予算科目が充当されていません" in info.value.errors["budget"][0]
    add_charge(db_session, contract_staff, case, budget_line(doboku).id, 33_000_000)
    services.approve_case(db_session, contract_staff, case)
    assert case.is_approved


def test_a_line_of_another_year_or_twice_is_refused(db_session, make_case, contract_staff, budget_line, doboku):
    case = make_case()
    with pytest.raises(ValidationFailed, match="充当済み"):
        add_charge(db_session, contract_staff, case, budget_line(doboku).id, 1_000)
    with pytest.raises(ValidationFailed) as info:
        add_charge(db_session, contract_staff, case, budget_line(doboku, 2025).id, 1_000)
    assert "2025 年度の予算科目" in info.value.errors["line_id"][0]
    with pytest.raises(ValidationFailed) as info:
        add_charge(db_session, contract_staff, case, budget_line(doboku, item="02").id, 0)
    assert "amount" in info.value.errors


def test_department_staff_cannot_charge_another_departments_line(db_session, make_case, doboku_staff, budget_line,
                                                                 kenchiku):
    case = make_case(actor=doboku_staff, charge=False)
    with pytest.raises(ValidationFailed):  # the other department's line is not visible: 選んでください
        add_charge(db_session, doboku_staff, case, budget_line(kenchiku).id, 1_000)


def test_the_balance_counts_running_cases_only(db_session, make_case, contract_staff, budget_line, doboku):
    line = budget_line(doboku)  # 執行残額 400,000,000
    first = make_case()  # charges 33,000,000
    second = make_case()
    assert balances(db_session, [line])[line.id].committed == 66_000_000
    services.cancel_case(db_session, contract_staff, second, "設計変更")
    balance = balances(db_session, [line])[line.id]
    assert balance.committed == 33_000_000 and balance.remaining_after_cases == 367_000_000
    assert [(c.number, amount, commits) for c, amount, commits in charges_on_line(db_session, line.id)] == [
        (second.number, 33_000_000, False), (first.number, 33_000_000, True)]


def test_exceeding_the_balance_warns_but_is_allowed(db_session, make_case, contract_staff, budget_line, doboku):
    small = budget_line(doboku, item="09", current=40_000_000, executed=10_000_000)  # 30,000,000 left
    case = make_case(charge=False)
    add_charge(db_session, contract_staff, case, small.id, 33_000_000)
    warnings = over_balance_warnings(db_session, case)
    assert len(warnings) == 1 and "3,000,000 円不足" in warnings[0]


def test_removing_a_charge_keeps_history_and_is_refused_after_approval(db_session, make_case, contract_staff):
    case = make_case()
    charge = case.charges[0]
    services.approve_case(db_session, contract_staff, case)
    with pytest.raises(PermissionDenied):
        remove_charge(db_session, contract_staff, charge)
    services.withdraw_approval(db_session, contract_staff, case, "科目の付け替え")
    remove_charge(db_session, contract_staff, charge)
    from core.history import history_of

    entry = history_of(db_session, "tender_cases", case.id)[-1]
    assert entry.operation == "case.uncharge" and entry.change_map["charges"][1] == {}


def test_the_budget_section_over_http(login_as, make_case, doboku_staff, budget_line, doboku, db_session):
    case = make_case(actor=doboku_staff, charge=False)
    line = budget_line(doboku)
    client = login_as(doboku_staff)
    html = page_text(client.get(f"/bidding/cases/{case.id}"))
    assert "予算科目が充当されていません" in html and "残 400,000,000 円" in html
    response = client.post(f"/bidding/cases/{case.id}/charges", data={"line_id": str(line.id), "amount": ""})
    assert response.status_code == 422 and "充当額は 1 円以上" in page_text(response)
    response = client.post(f"/bidding/cases/{case.id}/charges", data={"line_id": str(line.id), "amount": "33,000,000"})
    assert response.status_code == 302
    html = page_text(client.get(f"/bidding/budget/{line.id}"))
    assert case.number in html and "367,000,000円" in html
