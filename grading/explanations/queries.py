"""Reads of 説明請求 (SPEC GR4): the staff list with its filters (state, overdue), the home queue's counts, a work's
requests and one request's timeline with each step's deadline, in the user's department scope.

This module owns "overdue": a request waiting for its answer after ``answer_due`` (受付), or a 再説明請求 waiting for
the committee's answer after ``committee_due`` (再説明請求・委員会審議). A step done after its due day is "late"
(``Step.late``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from core.scope import restrict_to_department
from core.search import contains_text
from registry.contractors.models import Contractor

from ..notices.queries import waiting_stmt
from ..works.models import GradedWork, GradeRevision
from .models import STATES, ExplanationRequest

#: The list's state filter: the open ones, or one state.
STATE_FILTERS = {"open": "回答待ち・審議中（すべて）", "deliberation": "再説明請求・委員会審議中", **STATES}
WAITING_STATES = ("received", "re_requested", "committee")
DELIBERATION_STATES = ("re_requested", "committee")


def overdue_clause(day: date):
    return or_(and_(ExplanationRequest.state == "received", ExplanationRequest.answer_due < day),
               and_(ExplanationRequest.state.in_(DELIBERATION_STATES), ExplanationRequest.committee_due < day))


def is_overdue(request: ExplanationRequest, day: date) -> bool:
    if request.state == "received":
        return day > request.answer_due
    if request.state in DELIBERATION_STATES:
        return request.committee_due is not None and day > request.committee_due
    return False


def current_due(request: ExplanationRequest) -> date | None:
    """The deadline the request waits for now (the answer's, or the committee's)."""
    if request.state == "received":
        return request.answer_due
    if request.state in DELIBERATION_STATES:
        return request.committee_due
    if request.state == "answered":
        return request.re_request_due
    return None


@dataclass
class RequestFilters:
    state: str | None = "open"
    overdue: bool = False
    q: str | None = None
    sort: str = "due"


SORTS = {"filed": ExplanationRequest.filed_on, "number": GradedWork.contract_number,
         "due": func.coalesce(ExplanationRequest.committee_due, ExplanationRequest.answer_due)}


def _scoped(user) -> Select:
    stmt = (select(ExplanationRequest).join(GradedWork, GradedWork.id == ExplanationRequest.work_id)
            .join(Contractor, Contractor.id == GradedWork.contractor_id)
            .options(contains_eager(ExplanationRequest.work).contains_eager(GradedWork.contractor)))
    return restrict_to_department(stmt, user, GradedWork.department_id)


def request_list(user, filters: RequestFilters, day: date) -> Select:
    stmt = _scoped(user)
    if filters.state == "open":
        stmt = stmt.where(ExplanationRequest.state.in_(WAITING_STATES))
    elif filters.state == "deliberation":
        stmt = stmt.where(ExplanationRequest.state.in_(DELIBERATION_STATES))
    elif filters.state in STATES:
        stmt = stmt.where(ExplanationRequest.state == filters.state)
    if filters.overdue:
        stmt = stmt.where(overdue_clause(day))
    if filters.q:
        stmt = stmt.where(contains_text(GradedWork.name, filters.q) | contains_text(GradedWork.contract_number, filters.q)
                          | contains_text(Contractor.name, filters.q))
    key = filters.sort if filters.sort.lstrip("-") in SORTS else "due"
    filters.sort = key
    column = SORTS[key.lstrip("-")]
    return stmt.order_by(column.desc() if key.startswith("-") else column.asc(), ExplanationRequest.id)


def queue_counts(session: Session, user, day: date) -> dict[str, int]:
    """The home queue in one statement (the home page is the most requested page): 回答待ち (受付), 再説明請求 waiting
    for the committee, those past their deadline, and the settled works not notified yet, in the user's scope."""

    def tally(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    requests = restrict_to_department(
        select(tally(ExplanationRequest.state == "received").label("received"),
               tally(ExplanationRequest.state.in_(DELIBERATION_STATES)).label("committee"),
               tally(overdue_clause(day)).label("overdue"))
        .select_from(ExplanationRequest).join(GradedWork, GradedWork.id == ExplanationRequest.work_id)
        .where(ExplanationRequest.state.in_(WAITING_STATES)), user, GradedWork.department_id).subquery()
    row = session.execute(select(requests.c.received, requests.c.committee, requests.c.overdue,
                                 waiting_stmt(user).scalar_subquery().label("waiting"))).one()
    return {key: int(value or 0) for key, value in row._mapping.items()}


def corrections(request: ExplanationRequest) -> list[GradeRevision]:
    """The work's revisions made since the 再説明請求 (what a 評定修正 answer reports)."""
    since = request.re_filed_on or request.filed_on
    return [r for r in request.work.revisions if r.revised_on >= since]


def requests_of_work(session: Session, work_id: int) -> list[ExplanationRequest]:
    return list(session.scalars(select(ExplanationRequest).where(ExplanationRequest.work_id == work_id)
                                .order_by(ExplanationRequest.id)))


@dataclass(frozen=True)
class Step:
    """One line of a request's timeline: what, when it happened (None: not yet), its deadline, and late/overdue."""

    label: str
    on: date | None
    due: date | None = None
    note: str = ""
    late: bool = False
    overdue: bool = False


def timeline(request: ExplanationRequest, request_due: date | None, day: date) -> list[Step]:
    """The steps of a request in order, with the deadlines counted by the rule (``request_due``: the 説明請求's)."""
    work = request.work
    steps = [Step("評定の通知", work.notified_on),
             Step("説明請求の受付", request.filed_on, request_due, request.channel_label)]
    answered = request.answered_on
    steps.append(Step("回答（説明書）", answered, request.answer_due,
                      late=bool(answered and answered > request.answer_due),
                      overdue=request.state == "received" and day > request.answer_due))
    if request.state == "answered" and request.re_request_due and day > request.re_request_due:
        steps.append(Step("再説明請求", None, request.re_request_due, "期限までに請求はありませんでした"))
        return steps
    if answered is not None:
        steps.append(Step("再説明請求の受付", request.re_filed_on, request.re_request_due))
    if request.re_filed_on is not None:
        steps.append(Step("委員会審議", request.committee_on))
        done = request.committee_answered_on
        outcome = {"closed": "評定維持", "corrected": "評定修正"}.get(request.state, "")
        steps.append(Step("委員会審議の回答（再説明書）", done, request.committee_due, outcome,
                          late=bool(done and request.committee_due and done > request.committee_due),
                          overdue=request.state in DELIBERATION_STATES and is_overdue(request, day)))
    return steps
