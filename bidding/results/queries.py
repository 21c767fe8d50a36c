"""Bid results as the city publishes them (入札結果公表, SPEC CM4, CM11): one row per opened case.

This module is the one owner of two rules that the results page, its CSV, ``flask results export`` and the
入札結果一覧 form all follow:

- **事後公表**: a case appears only once it has been opened — its first round is opened, or its state is one
  reached only after an opening (開札済・落札決定・契約済・完成・不調). A case cancelled (中止) after its opening
  stays listed; one cancelled before does not. A case whose 予定価格 was published in advance (事前公表) still
  appears only after its opening.
- **the row**: 開札日 is the day round 1 was opened (the case's 開札日時 when no round was recorded, e.g. migrated
  cases); 最低制限価格 is the one used at the last opened round (the case's own when none was recorded), the
  調査基準価格 for a 低入札価格調査 case, empty when the case sets none; 入札者数 counts the firms that handed
  in a bid in round 1, 辞退 excluded (無効 and 失格 bids count: they were submitted), empty when no round was
  recorded; 落札者 and 落札金額 (税抜) are the award in force once decided; 落札率 is the award's own
  (落札金額 ÷ 予定価格, two decimals, ``bids.award.award_rate``); 結果 is 落札 (落札決定・契約済・完成),
  不調, 中止 (after the opening), or 審査中 for an opened case not yet decided (くじ, 低入札価格調査, 事後審査).

Department scope follows the case list (``core.scope``): department staff see their own department's results,
every other role the whole city's; ``None`` as the user (the command line, the server's operator) sees all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Select, and_, case, false, func, or_, select

from bidding.bids.models import Award, Bid, BidRound
from bidding.cases.models import METHODS, TenderCase
from core.auth.models import Department
from core.pagination import Page
from core.scope import restrict_to_department
from core.search import contains_text
from registry.contractors.models import Contractor

#: 結果 of a published case: label and the case states that give it.
RESULTS = {"awarded": "落札", "failed": "不調", "cancelled": "中止", "pending": "審査中"}
RESULT_STATES = {"awarded": ("awarded", "contracted", "completed"), "failed": ("failed",),
                 "cancelled": ("cancelled",), "pending": ("opened",)}
#: States a case reaches only after its opening.
OPENED_STATES = ("opened", "awarded", "contracted", "completed", "failed")
_RESULT_OF_STATE = {state: key for key, states in RESULT_STATES.items() for state in states}

# Table aliases, not ORM ones: an ORM alias made at import would configure every mapper before all are imported.
_first = BidRound.__table__.alias("first_round")
_winner = Contractor.__table__.alias("winner")
#: When the case was opened: round 1's opening, else the case's 開札日時.
OPENED_AT = func.coalesce(_first.c.opened_at, TenderCase.opening_at)

DEFAULT_SORT = "-opening"


@dataclass
class ResultFilters:
    fiscal_year: int | None = None
    opening_from: date | None = None
    opening_to: date | None = None
    department_id: int | None = None
    method: str | None = None
    result: str | None = None
    q: str | None = None
    sort: str = DEFAULT_SORT


@dataclass(frozen=True)
class ResultRow:
    """One published case (plain values; amounts in whole yen before tax)."""

    case_id: int
    number: str
    name: str
    fiscal_year: int
    department: str
    method: str
    opened_on: date | None
    planned_price: int | None
    floor_price: int | None
    floor_kind: str
    bidders: int | None
    winner_number: str | None
    winner_name: str | None
    amount: int | None
    amount_with_tax: int | None
    rate: Decimal | None
    decided_on: date | None
    result: str

    @property
    def method_label(self) -> str:
        return METHODS.get(self.method, self.method)

    @property
    def result_label(self) -> str:
        return RESULTS[self.result]

    @property
    def rate_text(self) -> str:
        """落札率 as published: a percentage with two decimals (``93.45``), empty without an award."""
        return f"{self.rate:.2f}" if self.rate is not None else ""


def result_of_state(state: str) -> str:
    """The 結果 (a key of ``RESULTS``) of a published case in ``state``."""
    return _RESULT_OF_STATE.get(state, "pending")


def published():
    """The 事後公表 condition: the case has been opened (see the module's docstring)."""
    return or_(_first.c.state == "opened", TenderCase.state.in_(OPENED_STATES))


def _bidders():
    return (select(func.count(Bid.id)).where(Bid.round_id == _first.c.id, Bid.declined.is_(False))
            .correlate(_first).scalar_subquery())


def _last_floor():
    return (select(BidRound.floor_price).where(BidRound.case_id == TenderCase.id, BidRound.state == "opened")
            .order_by(BidRound.number.desc()).limit(1).correlate(TenderCase).scalar_subquery())


def _award_in_force():
    """The decided award of the case (the newest, should an import have left two)."""
    return (select(func.max(Award.id)).where(Award.case_id == TenderCase.id, Award.state == "decided")
            .correlate(TenderCase).scalar_subquery())


FLOOR = case((TenderCase.floor_kind == "none", None), else_=func.coalesce(_last_floor(), TenderCase.floor_price))
BIDDERS = case((_first.c.id.is_(None), None), else_=_bidders())
COLUMNS = (
    TenderCase.id.label("case_id"), TenderCase.number, TenderCase.name, TenderCase.fiscal_year,
    Department.name.label("department"), TenderCase.method, OPENED_AT.label("opened_at"), TenderCase.planned_price,
    FLOOR.label("floor_price"), TenderCase.floor_kind, BIDDERS.label("bidders"),
    _winner.c.number.label("winner_number"), _winner.c.name.label("winner_name"), Award.amount, Award.amount_with_tax,
    Award.rate, Award.decided_on, TenderCase.state,
)
#: Sort keys of the page's headers (``-key`` descending); the 案件番号 breaks ties, so pages are stable.
SORT_COLUMNS = {"opening": OPENED_AT, "number": TenderCase.number, "price": TenderCase.planned_price,
                "bidders": BIDDERS, "amount": Award.amount, "rate": Award.rate}


def sort_key(raw: str | None) -> str:
    """A known sort key (``-`` for descending), else the default."""
    return raw if raw and raw.lstrip("-") in SORT_COLUMNS else DEFAULT_SORT


def result_list(user, filters: ResultFilters) -> Select:
    """The published cases ``user`` may see matching ``filters``, as rows of ``COLUMNS`` (read them with
    ``result_rows`` or ``row_of``), sorted (ties by 案件番号)."""
    return _published(COLUMNS, user, filters).order_by(*_order(filters.sort))


def result_page(session, user, filters: ResultFilters, page: int, per_page: int) -> Page:
    """One page of ``result_list`` as ``ResultRow``s, and the count of all. The count and the page's ids are read
    without the per-row subqueries (入札者数, the floor), which are then computed for the page's rows only."""
    total = session.scalar(select(func.count()).select_from(_published((TenderCase.id,), user, filters, full=False)
                                                            .subquery()))
    page = min(max(1, page), max(1, -(-total // per_page)))
    by_award = sort_key(filters.sort).lstrip("-") in ("amount", "rate")
    lean = _published((TenderCase.id,), user, filters, full=by_award)
    ids = list(session.scalars(lean.order_by(*_order(filters.sort)).limit(per_page).offset((page - 1) * per_page)))
    rows = {row.case_id: row_of(row) for row in session.execute(
        _published(COLUMNS, None, ResultFilters()).where(TenderCase.id.in_(ids)))} if ids else {}
    return Page([rows[i] for i in ids], total, page, per_page)


def _published(columns, user, filters: ResultFilters, full: bool = True) -> Select:
    """``columns`` of the published cases matching ``filters``; ``full`` joins the department and the award."""
    stmt = (select(*columns).select_from(TenderCase)
            .outerjoin(_first, and_(_first.c.case_id == TenderCase.id, _first.c.number == 1)))
    if full:
        stmt = (stmt.join(Department, Department.id == TenderCase.department_id)
                .outerjoin(Award, and_(Award.case_id == TenderCase.id, Award.id == _award_in_force()))
                .outerjoin(_winner, _winner.c.id == Award.contractor_id))
    stmt = stmt.where(published())
    if user is not None:
        stmt = restrict_to_department(stmt, user, TenderCase.department_id)
    if filters.fiscal_year:
        stmt = stmt.where(TenderCase.fiscal_year == filters.fiscal_year)
    if filters.opening_from:
        stmt = stmt.where(OPENED_AT >= datetime.combine(filters.opening_from, time.min))
    if filters.opening_to:
        stmt = stmt.where(OPENED_AT < datetime.combine(filters.opening_to + timedelta(days=1), time.min))
    if filters.department_id:
        stmt = stmt.where(TenderCase.department_id == filters.department_id)
    if filters.method:
        stmt = stmt.where(TenderCase.method == filters.method)
    if filters.result:
        states = RESULT_STATES.get(filters.result)
        stmt = stmt.where(TenderCase.state.in_(states) if states else false())
    if filters.q:
        stmt = stmt.where(or_(contains_text(TenderCase.name, filters.q), contains_text(TenderCase.number, filters.q)))
    return stmt


def _order(sort: str) -> tuple:
    key = sort_key(sort)
    column = SORT_COLUMNS[key.lstrip("-")]
    descending = key.startswith("-")
    first = column.desc().nulls_last() if descending else column.asc().nulls_first()
    return (first, TenderCase.number.desc() if descending else TenderCase.number)


def row_of(row) -> ResultRow:
    """A ``ResultRow`` from one row of ``result_list``."""
    opened = row.opened_at
    return ResultRow(
        case_id=row.case_id, number=row.number, name=row.name, fiscal_year=row.fiscal_year, department=row.department,
        method=row.method, opened_on=opened.date() if isinstance(opened, datetime) else opened,
        planned_price=row.planned_price, floor_price=row.floor_price, floor_kind=row.floor_kind, bidders=row.bidders,
        winner_number=row.winner_number, winner_name=row.winner_name, amount=row.amount,
        amount_with_tax=row.amount_with_tax, rate=row.rate, decided_on=row.decided_on,
        result=result_of_state(row.state))


def result_rows(session, user, filters: ResultFilters):
    """The rows of ``result_list`` as ``ResultRow``s, read in batches (a year's CSV, a form)."""
    for row in session.execute(result_list(user, filters).execution_options(yield_per=1000)):
        yield row_of(row)
