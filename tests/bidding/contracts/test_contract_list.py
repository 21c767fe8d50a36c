"""The contract list's query (``bidding.contracts.queries.contract_list``): every filter and sort on contracts made
through the services, current figures after change contracts, 支払済額, 支払遅延, and the department scope."""

from __future__ import annotations

from datetime import date

import pytest

from bidding.contracts import services
from bidding.contracts.queries import ContractFilters, contract_list, contract_page, contract_rows, late_payments
from bidding.inspections import services as inspections
from core.auth.roles import Role

DAY = date(2026, 8, 1)


@pytest.fixture
def three(db_session, make_contract, firm, kenchiku, contract_staff, create_user):
    """A: 土木課, 青葉建設, 30,250,000 changed to 31,762,500 then 31,900,000 and 工期 to 2027-02-05 (the second
       change not yet approved), 決裁済.
    B: 建築課, 港湾工業, 31,020,000 (between A's original and current amounts), 工期 to 2027-01-10 (between A's
       original and current 工期), 起案中, its 前払金 claimed on 2026-06-15 and unpaid past 2026-07-15.
    C: 土木課, 年度 2025, 山田組, 55,000,000, 決裁済, 前払金 22,000,000 paid, completed on 2026-03-12."""
    a = make_contract(name="市道青葉線道路改良工事", winner=firm("青葉建設", name_kana="アオバケンセツ"), bid=27_500_000)
    services.approve_contract(db_session, contract_staff, a)
    services.change_contract(db_session, contract_staff, a, changed_on=date(2026, 9, 1), reason="数量の増加",
                             amount_after=31_762_500, work_to_after=date(2027, 1, 29))
    services.approve_change(db_session, contract_staff, a.changes[0])
    services.change_contract(db_session, contract_staff, a, changed_on=date(2026, 10, 1), reason="追加工事",
                             amount_after=31_900_000, work_to_after=date(2027, 2, 5))
    b = make_contract(name="市民会館屋根改修工事", winner=firm("港湾工業", name_kana="コウワンコウギョウ"), bid=28_200_000,
                      department=kenchiku, shift=5, days=214, advance_amount=4_400_000)
    services.claim_payment(db_session, contract_staff, b, kind="advance", amount=4_400_000, claimed_on=date(2026, 6, 15))
    c = make_contract(name="中央公園園路整備工事", winner=firm("山田組", name_kana="ヤマダグミ"), bid=50_000_000, shift=-116,
                      days=30, advance_amount=22_000_000)
    services.approve_contract(db_session, contract_staff, c)
    advance = services.claim_payment(db_session, contract_staff, c, kind="advance", amount=22_000_000,
                                     claimed_on=date(2026, 2, 15))
    services.record_paid(db_session, contract_staff, advance, paid_on=date(2026, 3, 1))
    services.report_completion(db_session, contract_staff, c, reported_on=date(2026, 3, 10))
    inspector = create_user(Role.INSPECTOR)
    final = inspections.assign_inspection(db_session, contract_staff, c, kind="final", inspector=inspector,
                                          scheduled_on=date(2026, 3, 12))
    inspections.record_result(db_session, inspector, final, inspected_on=date(2026, 3, 12), result="pass")
    db_session.flush()
    return {"A": a, "B": b, "C": c}


def _listed(db_session, user, three, **filters) -> list[str]:
    names = {c.number: key for key, c in three.items()}
    rows = contract_rows(db_session, contract_list(user, ContractFilters(**filters), DAY))
    return [names[r.number] for r in rows]


def test_rows_carry_the_current_figures(db_session, contract_staff, three):
    rows = {r.number: r for r in contract_rows(db_session, contract_list(contract_staff, ContractFilters(), DAY))}
    a, b, c = (rows[three[k].number] for k in "ABC")
    assert (a.amount, a.current_amount, a.changes, a.work_to) == (30_250_000, 31_900_000, 2, date(2027, 2, 5))
    assert a.approval_label == "決裁済（変更契約 起案中）" and a.department == "土木課" and a.paid == 0
    assert (b.current_amount, b.changes, b.approval_label, b.overdue, b.paid) == (31_020_000, 0, "起案中", True, 0)
    assert (c.state_label, c.completed_on, c.paid, c.fiscal_year, c.overdue) == ("完成", date(2026, 3, 12), 22_000_000,
                                                                                 2025, False)
    assert c.contractor_name == "山田組" and c.case_number.startswith("2025-110-")
    # Integer yen on both engines (PostgreSQL sums bigint to numeric; the list formats ints only).
    assert {type(v) for r in (a, b, c) for v in (r.amount, r.current_amount, r.paid, r.changes)} == {int}


def test_default_order_is_the_newest_contract_first(db_session, contract_staff, three):
    assert _listed(db_session, contract_staff, three) == ["B", "A", "C"]


@pytest.mark.parametrize("sort, expected", [
    ("date", ["C", "A", "B"]), ("number", ["C", "A", "B"]), ("-number", ["B", "A", "C"]),
    ("amount", ["B", "A", "C"]), ("-amount", ["C", "A", "B"]),  # A by its changed amount, above B's
    ("work_to", ["C", "B", "A"]), ("-work_to", ["A", "B", "C"]),  # A's 工期 as changed (2027-02-05), after B's
    ("contractor", ["A", "B", "C"]), ("-contractor", ["C", "B", "A"]),  # by the firms' kana
    ("nonsense", ["B", "A", "C"]),
])
def test_each_sort(db_session, contract_staff, three, sort, expected):
    assert _listed(db_session, contract_staff, three, sort=sort) == expected


def test_each_filter(db_session, contract_staff, three, kenchiku):
    def listed(**filters):
        return sorted(_listed(db_session, contract_staff, three, **filters))

    assert listed(fiscal_year=2025) == ["C"] and listed(fiscal_year=2026) == ["A", "B"]
    assert listed(department_id=kenchiku.id) == ["B"]
    assert listed(contractor="青葉") == ["A"] and listed(contractor="港湾") == ["B"]
    assert listed(contractor=three["C"].contractor.number) == ["C"]  # 業者番号
    assert listed(date_from=date(2026, 6, 1), date_to=date(2026, 6, 7)) == ["A"]
    assert listed(date_to=date(2026, 6, 5)) == ["A", "C"]
    # The amount now: A was contracted at 30,250,000 and changed to 31,762,500.
    assert listed(amount_min=31_500_000) == ["A", "C"] and listed(amount_max=31_500_000) == ["B"]
    assert listed(amount_min=31_900_000, amount_max=31_900_000) == ["A"]  # the last change's, not the first's
    assert listed(amount_min=31_762_500, amount_max=31_762_500) == []
    assert listed(state="completed") == ["C"] and listed(state="active") == ["A", "B"]
    assert listed(approval="drafting") == ["B"] and listed(approval="approved") == ["A", "C"]
    assert listed(approval="change_drafting") == ["A"]
    assert listed(changes="yes") == ["A"] and listed(changes="no") == ["B", "C"]
    assert listed(overdue=True) == ["B"]
    assert listed(q="屋根") == ["B"] and listed(q=three["C"].number) == ["C"] and listed(q=three["A"].case.number) == ["A"]
    assert listed(q="100%") == []  # literal, not a wildcard
    assert listed(fiscal_year=2026, department_id=kenchiku.id, approval="approved") == []


def test_a_claim_is_late_after_its_deadline_until_paid(db_session, contract_staff, three):
    payment = three["B"].payments[0]
    assert payment.due_on == date(2026, 7, 15)
    on_deadline = contract_rows(db_session, contract_list(contract_staff, ContractFilters(overdue=True), payment.due_on))
    assert on_deadline == [] and late_payments(db_session, contract_staff, payment.due_on) == []
    assert [p.id for p in late_payments(db_session, contract_staff, DAY)] == [payment.id]
    services.record_paid(db_session, contract_staff, payment, paid_on=date(2026, 7, 20))
    assert _listed(db_session, contract_staff, three, overdue=True) == []
    assert late_payments(db_session, contract_staff, DAY) == []
    row = next(r for r in contract_rows(db_session, contract_list(contract_staff, ContractFilters(), DAY))
               if r.number == three["B"].number)
    assert (row.paid, row.overdue) == (4_400_000, False)


def test_department_staff_never_see_another_departments_contracts(db_session, doboku_staff, kenchiku_staff, three,
                                                                  kenchiku):
    assert _listed(db_session, doboku_staff, three) == ["A", "C"]
    assert _listed(db_session, doboku_staff, three, department_id=kenchiku.id) == []
    assert _listed(db_session, doboku_staff, three, overdue=True) == []
    assert _listed(db_session, doboku_staff, three, q="屋根") == []
    assert _listed(db_session, kenchiku_staff, three, sort="contractor") == ["B"]
    assert late_payments(db_session, doboku_staff, DAY) == []
    page = contract_page(db_session, doboku_staff, ContractFilters(sort="amount"), DAY, 1, 50)
    assert page.total == 2 and [r.number for r in page.items] == [three["A"].number, three["C"].number]


def test_pages_hold_the_rows_in_the_lists_order(db_session, contract_staff, three):
    first = contract_page(db_session, contract_staff, ContractFilters(sort="-amount"), DAY, 1, 2)
    assert first.total == 3 and [r.number for r in first.items] == [three["C"].number, three["A"].number]
    assert first.items[1].current_amount == 31_900_000
    second = contract_page(db_session, contract_staff, ContractFilters(sort="-amount"), DAY, 2, 2)
    assert [r.number for r in second.items] == [three["B"].number] and second.items[0].overdue
    past_the_end = contract_page(db_session, contract_staff, ContractFilters(sort="-amount"), DAY, 9, 2)
    assert past_the_end.page == 2
    empty = contract_page(db_session, contract_staff, ContractFilters(fiscal_year=2019), DAY, 1, 2)
    assert empty.total == 0 and empty.items == []
