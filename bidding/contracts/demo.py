"""The contracts' demo data (``flask demo`` only, wired by ``bidding.init_app`` after the cases'): three cases awarded
in the last months and contracted, so the contract list and the 契約 tab have something to show — one completed
(完成検査 passed by the demo 検査員, 完成払 paid), one changed (変更契約 with its 決裁 pending), one still 起案中 whose
前払金 is unpaid past its deadline. Everything goes through the services, as a user would do it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.services import AuthSettings

#: (件名, 担当課, 予定価格, days before today of the opening, 工期 in days)
CASES = (("（デモ）市道北線側溝改修工事", "120", 9_800_000, 85, 30),
         ("（デモ）中央橋補修工事", "110", 42_000_000, 65, 150),
         ("（デモ）市民プール改修工事", "210", 23_500_000, 55, 120))


def load_demo(session: Session, settings: AuthSettings, storage_root: str) -> list[tuple[str, str, str]]:
    from bidding.cases.models import TenderCase
    from core.auth.services import find_user

    staff, inspector = find_user(session, "keiyaku"), find_user(session, "kensa")
    made = session.scalar(select(func.count()).select_from(TenderCase).where(TenderCase.name.in_([c[0] for c in CASES])))
    if staff is None or inspector is None or made:
        return []
    contracts = [c for c in (_contract(session, staff, *values) for values in CASES) if c is not None]
    if len(contracts) == len(CASES):
        _follow_up(session, staff, inspector, *contracts)
    session.commit()
    return []


def _contract(session: Session, staff, name: str, department: str, planned: int, days_ago: int, work_days: int):
    """A 指名競争 case opened ``days_ago`` with one bid at 94 % of ``planned``, awarded, and its contract 7 days later
    (None when the demo firms include no eligible one)."""
    from bidding.bids.award import award
    from bidding.bids.services import open_round, record_bid
    from bidding.budget.models import BudgetLine
    from bidding.cases.charges import add_charge
    from bidding.cases.services import approve_case, create_case
    from bidding.nominations.eligibility import eligibility_rows
    from bidding.nominations.services import notify_nominations, pick_firm
    from bidding.prices import tax_included
    from core.auth.models import Department
    from core.rules.numbering import fiscal_year_of
    from core.timefmt import today
    from registry.contractors.models import Contractor

    from .services import create_contract

    day = today()
    opening = datetime.combine(day - timedelta(days=days_ago), time(10, 0))
    notice = opening.date() - timedelta(days=15)
    dept = session.scalar(select(Department).where(Department.code == department))
    if dept is None:
        return None
    case = create_case(session, staff, {
        "name": name, "department_id": dept.id, "category": "construction", "work_type_code": "010",
        "method": "nominated", "place": "架空市中央町地内", "design_amount": planned, "planned_price": planned,
        "floor_kind": "minimum", "floor_price": planned * 85 // 100 // 1000 * 1000, "disclosure": "after",
        "allowed_ranks": [], "drafted_on": notice - timedelta(days=7), "notice_on": notice,
        "questions_until": notice + timedelta(days=5), "bids_from": notice + timedelta(days=8),
        "bids_until": opening.date() - timedelta(days=1), "opening_at": opening, "work_days": work_days},
        fiscal_year=fiscal_year_of(day))  # the demo budget's 年度, also early in a 年度 when drafted in the last one
    line = session.scalar(select(BudgetLine).where(BudgetLine.fiscal_year == case.fiscal_year,
                                                   BudgetLine.department_id == dept.id).order_by(BudgetLine.id).limit(1))
    if line is None:
        return None
    add_charge(session, staff, case, line.id, tax_included(session, planned, case.price_date))
    approve_case(session, staff, case)
    eligible = [r for r in eligibility_rows(session, case, notice) if r.eligible]
    if not eligible:
        return None
    firm = session.get(Contractor, eligible[len(name) % len(eligible)].contractor_id)
    pick_firm(session, staff, case, firm, today=notice)
    notify_nominations(session, staff, case, notice_on=notice)
    amount = planned * 94 // 100 // 1000 * 1000
    record_bid(session, staff, case, firm, amount=amount, declined=False, received_at=opening - timedelta(hours=20))
    open_round(session, staff, case, now=opening)
    award(session, staff, case, decided_on=opening.date())
    signed = opening.date() + timedelta(days=7)
    total = amount + amount // 10
    return create_contract(session, staff, case, contract_date=signed, work_from=signed + timedelta(days=1),
                           work_to=signed + timedelta(days=work_days), guarantee_method="bond",
                           guarantee_amount=-(-total // 10), advance_amount=total * 40 // 100 // 1000 * 1000,
                           advance_guarantee="東日本建設業保証 第123456号", partial_payments=1)


def _follow_up(session: Session, staff, inspector, completed, changed, late) -> None:
    from bidding.inspections.services import assign_inspection, record_result

    from .services import approve_contract, change_contract, claim_payment, record_paid, report_completion

    for contract in (completed, changed):
        approve_contract(session, staff, contract)
        advance = claim_payment(session, staff, contract, kind="advance", amount=contract.advance_amount,
                                claimed_on=contract.contract_date + timedelta(days=3))
        record_paid(session, staff, advance, paid_on=advance.claimed_on + timedelta(days=14))
    reported = completed.work_to - timedelta(days=2)
    report_completion(session, staff, completed, reported_on=reported)
    final = assign_inspection(session, staff, completed, kind="final", inspector=inspector,
                              scheduled_on=reported + timedelta(days=5))
    record_result(session, inspector, final, inspected_on=reported + timedelta(days=5), result="pass")
    claim = claim_payment(session, staff, completed, kind="final", amount=completed.remaining,
                          claimed_on=reported + timedelta(days=7))
    record_paid(session, staff, claim, paid_on=claim.claimed_on + timedelta(days=20))
    change_contract(session, staff, changed, changed_on=changed.contract_date + timedelta(days=45),
                    reason="現場条件の変更（支承の取替えの追加）", amount_after=changed.amount * 105 // 100 // 1000 * 1000,
                    work_to_after=changed.work_to + timedelta(days=14),
                    guideline_reason="繰越明許費（議決済み）により年度を越えて施工するため")  # used only when past the 年度
    claim_payment(session, staff, late, kind="advance", amount=late.advance_amount,
                  claimed_on=late.contract_date + timedelta(days=3))
