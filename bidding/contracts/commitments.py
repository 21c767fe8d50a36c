"""What contracts commit against a budget line until the finance system reflects them (SPEC CM5, CM7).

A contract's 支出負担行為 and a change contract's 増減 reach the line's 執行済額 through the finance system (財務会計).
Until a budget import started after them is committed, the last imported 執行残額 does not hold them yet, so they
still commit the line here: the balance staff see stays true between two exports. A contract commits what its case
charged to the line; a change contract commits its 増減 on the line chosen for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from bidding.cases.models import CaseBudgetCharge
from core.importing.models import ImportBatch

from .models import Contract, ContractChange

BUDGET_IMPORT_KIND = "budget"


def last_finance_import(session: Session) -> datetime | None:
    """When the newest committed budget import started: what was recorded before it is in its 執行済額."""
    return session.scalar(select(func.max(ImportBatch.started_at))
                          .where(ImportBatch.kind == BUDGET_IMPORT_KIND, ImportBatch.committed.is_(True)))


def _after(column, since: datetime | None):
    return column > since if since is not None else column.is_not(None)


def pending_by_line(session: Session, line_ids: Iterable[int]) -> dict[int, int]:
    """Per line, what contracts and change contracts recorded after the last budget import commit (税込)."""
    ids = sorted(set(line_ids))
    if not ids:
        return {}
    since = last_finance_import(session)
    totals: dict[int, int] = {}
    contracted = (select(CaseBudgetCharge.budget_line_id, func.sum(CaseBudgetCharge.amount))
                  .join(Contract, Contract.case_id == CaseBudgetCharge.case_id)
                  .where(CaseBudgetCharge.budget_line_id.in_(ids), _after(Contract.created_at, since))
                  .group_by(CaseBudgetCharge.budget_line_id))
    changed = (select(ContractChange.budget_line_id, func.sum(ContractChange.amount_after - ContractChange.amount_before))
               .where(ContractChange.budget_line_id.in_(ids), _after(ContractChange.created_at, since))
               .group_by(ContractChange.budget_line_id))
    for stmt in (contracted, changed):
        for line_id, total in session.execute(stmt):
            totals[line_id] = totals.get(line_id, 0) + int(total)
    return totals


def changes_on_line(session: Session, line_id: int) -> list[tuple[ContractChange, bool]]:
    """(change, still pending) of the change contracts whose 増減 was charged to the line, newest first."""
    since = last_finance_import(session)
    changes = session.scalars(select(ContractChange).where(ContractChange.budget_line_id == line_id)
                              .options(joinedload(ContractChange.contract).joinedload(Contract.case))
                              .order_by(ContractChange.created_at.desc(), ContractChange.id.desc()))
    return [(change, since is None or change.created_at > since) for change in changes]

