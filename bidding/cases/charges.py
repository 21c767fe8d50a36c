"""予算の充当 of a case (SPEC CM7): which budget lines a case charges and how much, and what the cases commit
against a line before the finance system's next export.

A case commits its charges while it runs towards a contract (``COMMITTING_STATES``); once contracted, its
支出負担行為 reaches the line's 執行済額 with the finance system's next export, and until then the contract (and
any change contract's 増減) still commits the line (``bidding.contracts.commitments``). A charge above the line's
remaining balance is allowed with a warning: the finance system is the authority on the budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from bidding.budget.models import BudgetLine
from bidding.budget.queries import choice_label, get_line
from core.errors import ValidationFailed, require
from core.history import record_change

from .models import COMMITTING_STATES, CaseBudgetCharge, TenderCase
from .permissions import can_edit_case
from .services import case_snapshot


@dataclass(frozen=True)
class LineBalance:
    line: BudgetLine
    #: What the cases charged to the line commit (税込), this case's charge included, with the contracts and change
    #: contracts the finance system's last export does not hold yet.
    committed: int

    @property
    def remaining_after_cases(self) -> int:
        """執行残額 of the last export less what the running cases commit."""
        return self.line.remaining_amount - self.committed


def committed_by_line(session: Session, line_ids: Iterable[int]) -> dict[int, int]:
    """Per line, the charges of the cases that commit it (before their contract) plus what contracts and change
    contracts recorded since the last budget import commit."""
    from bidding.contracts.commitments import pending_by_line  # contracts build on cases: read at call time

    ids = sorted(set(line_ids))
    if not ids:
        return {}
    stmt = (select(CaseBudgetCharge.budget_line_id, func.sum(CaseBudgetCharge.amount))
            .join(TenderCase, TenderCase.id == CaseBudgetCharge.case_id)
            .where(CaseBudgetCharge.budget_line_id.in_(ids), TenderCase.state.in_(sorted(COMMITTING_STATES)))
            .group_by(CaseBudgetCharge.budget_line_id))
    totals = {line_id: int(total) for line_id, total in session.execute(stmt)}
    for line_id, pending in pending_by_line(session, ids).items():
        totals[line_id] = totals.get(line_id, 0) + pending
    return totals


def balances(session: Session, lines: list[BudgetLine]) -> dict[int, LineBalance]:
    committed = committed_by_line(session, [line.id for line in lines])
    return {line.id: LineBalance(line, committed.get(line.id, 0)) for line in lines}


def case_charges(session: Session, case: TenderCase) -> list[tuple[CaseBudgetCharge, LineBalance]]:
    """The case's charges with their lines' balances after the running cases."""
    charges = list(session.scalars(select(CaseBudgetCharge).options(joinedload(CaseBudgetCharge.line)
                                                                    .joinedload(BudgetLine.department))
                                   .where(CaseBudgetCharge.case_id == case.id).order_by(CaseBudgetCharge.id)))
    by_line = balances(session, [c.line for c in charges])
    return [(c, by_line[c.budget_line_id]) for c in charges]


def charges_on_line(session: Session, line_id: int) -> list[tuple[TenderCase, int, bool]]:
    """(case, amount, commits) of every case charged to a line, newest number first (the line's detail page): a
    case commits before its contract, and after it until the finance system's next export."""
    from bidding.contracts.commitments import last_finance_import
    from bidding.contracts.models import Contract

    since = last_finance_import(session)
    rows = session.execute(select(TenderCase, CaseBudgetCharge.amount, Contract.created_at)
                           .join(CaseBudgetCharge, CaseBudgetCharge.case_id == TenderCase.id)
                           .outerjoin(Contract, Contract.case_id == TenderCase.id)
                           .options(joinedload(TenderCase.department))
                           .where(CaseBudgetCharge.budget_line_id == line_id).order_by(TenderCase.number.desc()))
    return [(case, amount, case.state in COMMITTING_STATES
             or (contracted_at is not None and (since is None or contracted_at > since)))
            for case, amount, contracted_at in rows]


def over_balance_warnings(session: Session, case: TenderCase) -> list[str]:
    """Warnings (not refusals) for the case's lines whose balance the running cases exceed."""
    return [f"予算科目「{balance.line.title}」の執行残額 {balance.line.remaining_amount:,} 円に対し、契約前の案件と取込前の"
            f"契約・変更契約の充当額が {balance.committed:,} 円で、{-balance.remaining_after_cases:,} 円不足します"
            "（財務会計システムで確認してください）。"
            for _charge, balance in case_charges(session, case) if balance.remaining_after_cases < 0]


def add_charge(session: Session, actor, case: TenderCase, line_id: int | None, amount: int | None) -> CaseBudgetCharge:
    """Charge ``amount`` (税込) of the case to a budget line of the case's 年度 that the actor may read.

    :raises PermissionDenied: the case is not an editable draft of the actor's scope.
    :raises ValidationFailed: no such line (or another 年度), no positive amount, the line already charged.
    """
    require(can_edit_case(actor, case), "この案件の予算は変更できません（決裁前の起案中の案件だけです）。")
    errors: dict[str, list[str]] = {}
    line = get_line(session, actor, line_id) if line_id else None
    if line is None:
        errors["line_id"] = ["予算科目を選んでください。"]
    elif line.fiscal_year != case.fiscal_year:
        errors["line_id"] = [f"{line.fiscal_year} 年度の予算科目です。"
                             f"案件の年度（{case.fiscal_year} 年度）の科目を選んでください。"]
    elif any(c.budget_line_id == line.id for c in case.charges):
        errors["line_id"] = [f"予算科目「{line.title}」は充当済みです。金額を変えるときは一度外してから充当し直します。"]
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = ["充当額は 1 円以上の整数（円、税込）で入力してください。"]
    if errors:
        raise ValidationFailed(errors)
    before = case_snapshot(case)
    charge = CaseBudgetCharge(case=case, line=line, amount=amount)
    session.add(charge)
    session.flush()
    record_change(session, actor, "case.charge", f"入札案件に予算を充当: {case.number} {choice_label(line)} に {amount:,} 円",
                  target=case, before=before, after=case_snapshot(case))
    return charge


def remove_charge(session: Session, actor, charge: CaseBudgetCharge) -> None:
    """Take a charge off a draft (kept in the case's history)."""
    case = charge.case
    require(can_edit_case(actor, case), "この案件の予算は変更できません（決裁前の起案中の案件だけです）。")
    before = case_snapshot(case)
    title = charge.line.title
    case.charges.remove(charge)
    session.delete(charge)
    session.flush()
    record_change(session, actor, "case.uncharge", f"入札案件の予算の充当を外す: {case.number} {title}",
                  target=case, before=before, after=case_snapshot(case))


def budget_readiness(case: TenderCase) -> dict[str, list[str]]:
    """決裁 needs at least one budget line (the check ``services.approve_case`` runs with the others)."""
    if not case.charges:
        return {"budget": ["予算科目が充当されていません（「予算」の欄で科目と金額を入力してください）。"]}
    return {}
