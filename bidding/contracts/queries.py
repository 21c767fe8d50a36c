"""Reads of contracts: the case's contract, the filtered list (department scope applied here), late payments.

The list, its CSV/Excel export and the 契約一覧 form read ``contract_list``: one ``ContractRow`` per contract with its
current figures — the last change contract's amount and 工期 (the original's without a change), the number of
change contracts, the amount paid (claims with a 支払日) and whether a claim is unpaid past its 支払期限
(``unpaid_past_due``, the one rule of 支払遅延 the list, its filter and the warning above it share). Department
staff see their department's contracts only (by the case's 担当課); every other role the whole city's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import BigInteger, Select, and_, cast, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from bidding.cases.models import APPROVALS, TenderCase
from core.auth.models import Department
from core.pagination import Page, page_statements, paginate
from core.scope import restrict_to_department
from core.search import contains_text
from registry.contractors.models import Contractor
from registry.contractors.queries import CONTRACTOR_SORTS, name_matches
from registry.contractors.sql import Unindexed

from .models import CONTRACT_STATES, Contract, ContractChange, Payment


def contract_of_case(session: Session, case_id: int) -> Contract | None:
    return session.scalar(select(Contract).where(Contract.case_id == case_id)
                          .options(selectinload(Contract.changes), selectinload(Contract.payments),
                                   joinedload(Contract.contractor)))


def unpaid_past_due(day: date):
    """支払遅延: a claim not paid and past its 支払期限 on ``day`` (a condition on ``Payment``).

    Nearly every claim of ten years is due before today, so the 支払期限 index would visit them all one by one:
    SQLite is kept from it (``Unindexed``) and reads the table in order, 3 times faster on 31,000 claims."""
    return and_(Payment.paid_on.is_(None), Unindexed(Payment.due_on) < day)


def late_payments(session: Session, user, day: date) -> list[Payment]:
    """Claims not paid by their deadline (支払遅延), oldest deadline first."""
    stmt = (select(Payment).join(Contract).join(TenderCase, TenderCase.id == Contract.case_id)
            .where(unpaid_past_due(day)).order_by(Unindexed(Payment.due_on), Payment.id)
            .options(joinedload(Payment.contract)))
    return list(session.scalars(restrict_to_department(stmt, user, TenderCase.department_id)))


# --- the list --------------------------------------------------------------------------------------------

# The current figures are the last change contract's, else the original's (``Contract.current_amount`` in SQL):
# the list joins each contract to its change that no later change follows (none: NULL). As a join, PostgreSQL
# hashes the 4,000 changes of ten years once (13 ms to sort 15,700 contracts by their current amount) where a
# subquery per contract took 36–50 ms; SQLite looks each contract's changes up by their (contract, seq) index.
_current = ContractChange.__table__.alias("current_change")
_later = ContractChange.__table__.alias("later_change")
CURRENT_CHANGE = and_(_current.c.contract_id == Contract.id,
                      ~exists().where(_later.c.contract_id == _current.c.contract_id, _later.c.seq > _current.c.seq)
                      .correlate(_current))
CURRENT_AMOUNT = func.coalesce(_current.c.amount_after, Contract.amount)
CURRENT_WORK_TO = func.coalesce(_current.c.work_to_after, Contract.work_to)
HAS_CHANGES = _current.c.id.is_not(None)
CHANGE_COUNT = (select(func.count(ContractChange.id)).where(ContractChange.contract_id == Contract.id)
                .correlate(Contract).scalar_subquery())
# The sum is cast back: PostgreSQL sums bigint to numeric (a Decimal), and amounts are integer yen.
PAID_TOTAL = (select(cast(func.coalesce(func.sum(Payment.amount), 0), BigInteger))
              .where(Payment.contract_id == Contract.id, Payment.paid_on.is_not(None)).correlate(Contract)
              .scalar_subquery())
CHANGE_PENDING = exists().where(ContractChange.contract_id == Contract.id,
                                ContractChange.approval == "drafting").correlate(Contract)


def _late(day: date):
    return exists().where(Payment.contract_id == Contract.id, unpaid_past_due(day)).correlate(Contract)


#: 決裁 filters: label and condition (a change contract waiting for its 決裁 counts on its own).
APPROVAL_FILTERS = {
    "drafting": ("起案中", Contract.approval == "drafting"),
    "approved": ("決裁済", Contract.approval == "approved"),
    "change_drafting": ("変更契約の決裁待ち", CHANGE_PENDING),
}
CHANGE_FILTERS = {"yes": ("変更契約あり", HAS_CHANGES), "no": ("変更契約なし", ~HAS_CHANGES)}

#: Sort keys of the list headers (``-key`` sorts descending); the 契約番号 breaks ties, so pages are stable.
SORT_COLUMNS = {"date": Contract.contract_date, "number": Contract.number, "amount": CURRENT_AMOUNT,
                "work_to": CURRENT_WORK_TO, "contractor": CONTRACTOR_SORTS["name"]}
DEFAULT_SORT = "-date"


def sort_key(raw: str | None) -> str:
    """A known sort key (``-`` for descending), else the default."""
    return raw if raw and raw.lstrip("-") in SORT_COLUMNS else DEFAULT_SORT


def _order(sort: str) -> tuple:
    key = sort_key(sort)
    descending = key.startswith("-")
    column = SORT_COLUMNS[key.lstrip("-")]
    if key.lstrip("-") == "number":
        return (column.desc() if descending else column,)
    return (column.desc() if descending else column, Contract.number.desc() if descending else Contract.number)


@dataclass
class ContractFilters:
    fiscal_year: int | None = None
    department_id: int | None = None
    #: 契約者: a 業者番号 (prefix) or part of the name or kana, as the contractor list searches.
    contractor: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    #: 契約金額 (税込) now, after the change contracts.
    amount_min: int | None = None
    amount_max: int | None = None
    state: str | None = None
    approval: str | None = None
    changes: str | None = None
    #: Only contracts with a claim unpaid past its 支払期限.
    overdue: bool = False
    q: str | None = None
    sort: str = DEFAULT_SORT


@dataclass(frozen=True)
class ContractRow:
    """One contract as the list, its exports and the 契約一覧 form show it (amounts 税込, whole yen)."""

    id: int
    case_id: int
    number: str
    case_number: str
    case_name: str
    fiscal_year: int
    department: str
    contractor_number: str
    contractor_name: str
    contract_date: date
    amount: int
    current_amount: int
    changes: int
    work_from: date
    work_to: date
    completed_on: date | None
    state: str
    approval: str
    change_pending: bool
    paid: int
    overdue: bool

    @property
    def state_label(self) -> str:
        return CONTRACT_STATES.get(self.state, self.state)

    @property
    def approval_label(self) -> str:
        label = APPROVALS.get(self.approval, self.approval)
        return f"{label}（変更契約 起案中）" if self.change_pending else label


def _columns(day: date) -> tuple:
    return (Contract.id, Contract.case_id, Contract.number, TenderCase.number.label("case_number"),
            TenderCase.name.label("case_name"), TenderCase.fiscal_year, Department.name.label("department"),
            Contractor.number.label("contractor_number"), Contractor.name.label("contractor_name"),
            Contract.contract_date, Contract.amount, CURRENT_AMOUNT.label("current_amount"),
            CHANGE_COUNT.label("changes"), Contract.work_from, CURRENT_WORK_TO.label("work_to"), Contract.completed_on,
            Contract.state, Contract.approval, CHANGE_PENDING.label("change_pending"), PAID_TOTAL.label("paid"),
            _late(day).label("overdue"))


def _filtered(user, filters: ContractFilters, day: date, columns: tuple, *, lean: bool = False,
              unsorted: bool = False) -> Select:
    """``columns`` of the contracts ``user`` may see matching ``filters``, sorted (``unsorted``: not, for a count).
    ``lean``: join the case, the firm and the current change only when a filter, the sort or the department scope
    needs them (the count and the choice of a page's ids read no more than that; every contract has one case, one
    firm and at most one current change, so the rows are the same)."""
    key = "" if unsorted else sort_key(filters.sort).lstrip("-")
    by_case = not lean or not user.sees_all_departments or bool(filters.fiscal_year or filters.department_id
                                                                   or filters.q)
    by_firm = not lean or bool(filters.contractor) or key == "contractor"
    by_change = (not lean or key in ("amount", "work_to") or filters.amount_min is not None
                 or filters.amount_max is not None or filters.changes in CHANGE_FILTERS)
    stmt = select(*columns).select_from(Contract)
    if by_case:
        stmt = stmt.join(TenderCase, TenderCase.id == Contract.case_id)
        stmt = restrict_to_department(stmt, user, TenderCase.department_id)
    if not lean:
        stmt = stmt.join(Department, Department.id == TenderCase.department_id)
    if by_firm:
        stmt = stmt.join(Contractor, Contractor.id == Contract.contractor_id)
    if by_change:
        stmt = stmt.outerjoin(_current, CURRENT_CHANGE)
    if filters.fiscal_year:
        stmt = stmt.where(TenderCase.fiscal_year == filters.fiscal_year)
    if filters.department_id:
        stmt = stmt.where(TenderCase.department_id == filters.department_id)
    if filters.contractor and (match := name_matches(filters.contractor)) is not None:
        stmt = stmt.where(match)
    if filters.date_from:
        stmt = stmt.where(Contract.contract_date >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(Contract.contract_date <= filters.date_to)
    if filters.amount_min is not None:
        stmt = stmt.where(CURRENT_AMOUNT >= filters.amount_min)
    if filters.amount_max is not None:
        stmt = stmt.where(CURRENT_AMOUNT <= filters.amount_max)
    if filters.state:
        stmt = stmt.where(Contract.state == filters.state)
    for value, known in ((filters.approval, APPROVAL_FILTERS), (filters.changes, CHANGE_FILTERS)):
        if value in known:
            stmt = stmt.where(known[value][1])
    if filters.overdue:  # the few contracts with a late claim, found from the claims
        stmt = stmt.where(Contract.id.in_(select(Payment.contract_id).where(unpaid_past_due(day))))
    if filters.q:
        stmt = stmt.where(or_(contains_text(TenderCase.name, filters.q), contains_text(TenderCase.number, filters.q),
                              contains_text(Contract.number, filters.q)))
    return stmt if unsorted else stmt.order_by(*_order(filters.sort))


def contract_list(user, filters: ContractFilters, day: date) -> Select:
    """The contracts ``user`` may see matching ``filters`` on ``day`` (支払遅延 is judged on it), as rows of plain
    columns (read them with ``contract_rows``), sorted (ties by 契約番号)."""
    return _filtered(user, filters, day, _columns(day))


def contract_rows(session: Session, stmt: Select) -> list[ContractRow]:
    return [ContractRow(**row._mapping) for row in session.execute(stmt)]


def contract_page(session: Session, user, filters: ContractFilters, day: date, page: int, per_page: int) -> Page:
    """One page of ``contract_list`` as ``ContractRow``s and the count of all. The count and the page's ids are read
    with the contract ids only (a sort by an amount or a name then sorts ids, not whole rows with their per-row
    figures); the rows are read for those ids."""
    ids = _filtered(user, filters, day, (Contract.id,), lean=True)
    count = page_statements(_filtered(user, filters, day, (Contract.id,), lean=True, unsorted=True))[0]
    result = paginate(session, ids, page, per_page, statements=(count, page_statements(ids)[1]))
    if result.items:
        rows = {row.id: row for row in contract_rows(
            session, _filtered(user, ContractFilters(), day, _columns(day)).where(Contract.id.in_(result.items)))}
        result.items = [rows[i] for i in result.items]
    return result
