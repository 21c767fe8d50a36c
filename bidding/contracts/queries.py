"""Reads of contracts: the case's contract, the list (department scope applied here), late payments."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from bidding.cases.models import TenderCase
from core.scope import restrict_to_department

from .models import Contract, Payment


def contract_of_case(session: Session, case_id: int) -> Contract | None:
    return session.scalar(select(Contract).where(Contract.case_id == case_id)
                          .options(selectinload(Contract.changes), selectinload(Contract.payments),
                                   joinedload(Contract.contractor)))


def contract_list(user, fiscal_year: int | None = None, q: str | None = None) -> Select:
    """Contracts the user may see (by the case's department), newest first."""
    from core.search import contains_text

    stmt = (select(Contract).join(TenderCase, TenderCase.id == Contract.case_id)
            .options(joinedload(Contract.contractor), joinedload(Contract.case).joinedload(TenderCase.department),
                     selectinload(Contract.changes)))
    stmt = restrict_to_department(stmt, user, TenderCase.department_id)
    if fiscal_year:
        stmt = stmt.where(TenderCase.fiscal_year == fiscal_year)
    if q:
        stmt = stmt.where(contains_text(TenderCase.name, q) | contains_text(Contract.number, q))
    return stmt.order_by(Contract.contract_date.desc(), Contract.number.desc())


def late_payments(session: Session, user, day: date) -> list[Payment]:
    """Claims not paid by their deadline (支払遅延), oldest deadline first."""
    stmt = (select(Payment).join(Contract).join(TenderCase, TenderCase.id == Contract.case_id)
            .where(Payment.paid_on.is_(None), Payment.due_on < day).order_by(Payment.due_on)
            .options(joinedload(Payment.contract)))
    return list(session.scalars(restrict_to_department(stmt, user, TenderCase.department_id)))
