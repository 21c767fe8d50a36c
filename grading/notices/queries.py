"""Reads of notification and publication (SPEC GR4): the works waiting for their notice and those notified, the
firm behind an applicant login and where its mails go, and the publication list (公表).

This module is the one owner of the publication rule: a work is published once it is 通知済 and its notification
day has come (``notified_on <= as_of``), never before; the period is the 年度 and 四半期 of the notification day (or a
range of notification days). Department staff see their own department's works, as in every grading list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from core.auth.models import Department
from core.rules import deadline_for
from core.scope import restrict_to_department
from core.search import contains_text
from registry.applications.models import ApplicantAccount
from registry.contractors.models import Contractor

from ..rules import DEADLINES_KEY
from ..works.models import GradedWork
from ..works.queries import score_text

#: The notice list's filter of states: 未通知 (settled, waiting for the notice), 通知済, or both.
NOTICE_STATES = {"waiting": "未通知（確定済み）", "notified": "通知済"}
QUARTERS = {1: "第1四半期（4〜6月）", 2: "第2四半期（7〜9月）", 3: "第3四半期（10〜12月）", 4: "第4四半期（1〜3月）"}


# --- the applicant's firm -------------------------------------------------------------------------------------

def applicant_firm(session: Session, user) -> Contractor | None:
    """The firm an applicant login belongs to: its account's 業者番号 (given when an application is accepted)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    number = session.scalar(select(ApplicantAccount.contractor_number).where(ApplicantAccount.user_id == user.id))
    if not number:
        return None
    return session.scalar(select(Contractor).where(Contractor.number == number))


def firm_addresses(session: Session, firm: Contractor) -> list[str]:
    """Where a firm's grading mails go: the confirmed addresses of its active applicant logins, else the address in
    the registry; none when neither is known."""
    from core.auth.models import User

    rows = session.scalars(select(ApplicantAccount.email).join(User, User.id == ApplicantAccount.user_id).where(
        ApplicantAccount.contractor_number == firm.number, ApplicantAccount.email_confirmed_at.is_not(None),
        User.is_active.is_(True)).order_by(ApplicantAccount.id))
    addresses = list(dict.fromkeys(a.strip() for a in rows if a and a.strip()))
    if not addresses and firm.email:
        addresses = [firm.email.strip()]
    return addresses


def firm_notices(session: Session, firm: Contractor) -> list[GradedWork]:
    """A firm's works notified in this system, the latest notice first (what its portal page lists). A past grade
    imported is 通知済 without a notice here (no notice day, no 説明請求 period): not listed."""
    return list(session.scalars(select(GradedWork).options(joinedload(GradedWork.department)).where(
        GradedWork.contractor_id == firm.id, GradedWork.state == "notified", GradedWork.notified_on.is_not(None))
        .order_by(GradedWork.notified_on.desc(), GradedWork.id.desc())))


def firm_notice(session: Session, firm: Contractor, work_id: int) -> GradedWork | None:
    """One work of the firm notified in this system; None for another firm's work, one not notified or a past grade
    imported (the portal answers 404)."""
    work = session.get(GradedWork, work_id)
    if work is None or work.contractor_id != firm.id or work.state != "notified" or work.notified_on is None:
        return None
    return work


def request_deadline(session: Session, work: GradedWork) -> date | None:
    """The last day for a 説明請求 of a notified work: the ``explanation_request`` deadline of ``grading.deadlines``
    counted from the notice (None before the notice)."""
    if work.notified_on is None:
        return None
    return deadline_for(session, "explanation_request", work.notified_on, rule_key=DEADLINES_KEY)


# --- the notice list ------------------------------------------------------------------------------------------

@dataclass
class NoticeFilters:
    state: str | None = "waiting"
    fiscal_year: int | None = None
    department_id: int | None = None
    q: str | None = None
    sort: str = "-settled"


NOTICE_SORTS = {"settled": GradedWork.settled_at, "notified": GradedWork.notified_on,
                "completed": GradedWork.completed_on, "number": GradedWork.contract_number,
                "score": GradedWork.final_score}


def notice_list(user, filters: NoticeFilters) -> Select:
    """Settled works waiting for their notice, and notified ones, in the user's department scope."""
    states = ("settled",) if filters.state == "waiting" else ("notified",) if filters.state == "notified" \
        else ("settled", "notified")
    stmt = (select(GradedWork).join(Contractor, Contractor.id == GradedWork.contractor_id)
            .options(joinedload(GradedWork.contractor), joinedload(GradedWork.department))
            .where(GradedWork.state.in_(states), GradedWork.source == "system"))
    stmt = restrict_to_department(stmt, user, GradedWork.department_id)
    if filters.fiscal_year:
        stmt = stmt.where(GradedWork.fiscal_year == filters.fiscal_year)
    if filters.department_id:
        stmt = stmt.where(GradedWork.department_id == filters.department_id)
    if filters.q:
        stmt = stmt.where(contains_text(GradedWork.name, filters.q) | contains_text(GradedWork.contract_number, filters.q)
                          | contains_text(Contractor.name, filters.q))
    key = filters.sort if filters.sort.lstrip("-") in NOTICE_SORTS else "-settled"
    column = NOTICE_SORTS[key.lstrip("-")]
    filters.sort = key
    return stmt.order_by(column.desc() if key.startswith("-") else column.asc(), GradedWork.id.desc())


def work_by_number(session: Session, user, number: str, *, notified: bool = False) -> GradedWork | None:
    """A settled (or, with ``notified``, a notified) work of the system by its 契約番号, in the user's scope (the
    letters' reports find their work with it)."""
    states = ("notified",) if notified else ("settled", "notified")
    stmt = select(GradedWork).where(GradedWork.contract_number == number, GradedWork.state.in_(states),
                                    GradedWork.source == "system")
    return session.scalar(restrict_to_department(stmt, user, GradedWork.department_id))


def waiting_stmt(user) -> Select:
    """The count of settled works not notified yet, in the user's scope (the home queue reads it as a subquery)."""
    return restrict_to_department(select(func.count(GradedWork.id)).where(GradedWork.state == "settled",
                                                                          GradedWork.source == "system"),
                                  user, GradedWork.department_id)


def waiting_count(session: Session, user) -> int:
    return session.scalar(waiting_stmt(user)) or 0


def graded_years(session: Session) -> list[int]:
    return list(session.scalars(select(GradedWork.fiscal_year).distinct().order_by(GradedWork.fiscal_year.desc())))


# --- publication (公表) ---------------------------------------------------------------------------------------

def quarter_range(fiscal_year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of a 四半期 of a 年度 (第1 is April–June, 第4 January–March of the next year)."""
    first_month = (4, 7, 10, 1)[quarter - 1]
    year = fiscal_year + (1 if quarter == 4 else 0)
    last = date(year + (1 if first_month == 10 else 0), (first_month + 3 - 1) % 12 + 1, 1)
    return date(year, first_month, 1), date.fromordinal(last.toordinal() - 1)


@dataclass
class PublicationFilters:
    fiscal_year: int | None = None
    quarter: int | None = None
    notified_from: date | None = None
    notified_to: date | None = None
    department_id: int | None = None
    sort: str = "notified"

    def period(self) -> tuple[date | None, date | None]:
        """The notification days asked for: the 年度 (or its 四半期) narrowed by the explicit range."""
        first, last = self.notified_from, self.notified_to
        if self.fiscal_year:
            if self.quarter:
                start, end = quarter_range(self.fiscal_year, self.quarter)
            else:
                start, end = date(self.fiscal_year, 4, 1), date(self.fiscal_year + 1, 3, 31)
            first = max(first, start) if first else start
            last = min(last, end) if last else end
        return first, last


@dataclass(frozen=True)
class PublicationRow:
    work_id: int
    contract_number: str
    name: str
    contractor_number: str
    contractor_name: str
    amount: int  # 最終契約金額（税込）
    score: Decimal
    department: str
    completed_on: date
    notified_on: date

    @property
    def score_text(self) -> str:
        return format_score(self.score)


def format_score(score: Decimal | None) -> str:
    """A 評定点 as published (``works.queries.score_text``: 80, 80.5), empty for none."""
    return "" if score is None else score_text(score)


PUBLICATION_SORTS = {"notified": (GradedWork.notified_on, GradedWork.contract_number),
                     "number": (GradedWork.contract_number,), "score": (GradedWork.final_score,),
                     "amount": (GradedWork.contract_amount,), "completed": (GradedWork.completed_on,)}


def publication_stmt(user, filters: PublicationFilters, as_of: date) -> Select:
    """The published works: 通知済 with a notification day not after ``as_of`` (today), in the period asked for."""
    first, last = filters.period()
    stmt = (select(GradedWork.id, GradedWork.contract_number, GradedWork.name, Contractor.number, Contractor.name,
                   GradedWork.contract_amount, GradedWork.final_score, Department.name, GradedWork.completed_on,
                   GradedWork.notified_on)
            .join(Contractor, Contractor.id == GradedWork.contractor_id)
            .join(Department, Department.id == GradedWork.department_id)
            .where(GradedWork.state == "notified", GradedWork.notified_on.is_not(None),
                   GradedWork.notified_on <= as_of, GradedWork.final_score.is_not(None)))
    if user is not None:
        stmt = restrict_to_department(stmt, user, GradedWork.department_id)
    if first:
        stmt = stmt.where(GradedWork.notified_on >= first)
    if last:
        stmt = stmt.where(GradedWork.notified_on <= last)
    if filters.department_id:
        stmt = stmt.where(GradedWork.department_id == filters.department_id)
    key = filters.sort if filters.sort.lstrip("-") in PUBLICATION_SORTS else "notified"
    filters.sort = key
    columns = PUBLICATION_SORTS[key.lstrip("-")]
    return stmt.order_by(*(c.desc() if key.startswith("-") else c.asc() for c in columns), GradedWork.id)


def publication_rows(session: Session, user, filters: PublicationFilters, as_of: date) -> list[PublicationRow]:
    return [PublicationRow(*row) for row in session.execute(publication_stmt(user, filters, as_of))]


def publication_totals(session: Session, user, filters: PublicationFilters, as_of: date) -> dict:
    """The count and the average score of the published works of the filters (as cities publish beside the list)."""
    stmt = publication_stmt(user, filters, as_of).with_only_columns(
        func.count(GradedWork.id), func.avg(GradedWork.final_score)).order_by(None)
    count, average = session.execute(stmt).one()
    return {"count": count or 0,
            "average": Decimal(str(average)).quantize(Decimal("0.01")) if average is not None else None}
