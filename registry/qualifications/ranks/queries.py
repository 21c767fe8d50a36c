"""Reads for the rank review (格付の見直し): the proposed rank of every graded 業種 of a category and period.

The review covers every registration of a period (15,000 rows for construction at the city's scale), so it
reads plain rows in two queries — the registered 業種 with their firms, and the ranks of the earlier periods
— and never loads ORM objects or relationships row by row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.timefmt import today
from registry.codes import work_types
from registry.contractors.models import Contractor

from ..models import RegisteredWorkType, Registration
from .rule import compute_rank, rank_rule


@dataclass(frozen=True)
class Proposal:
    """One registered 業種 of one firm with its current and proposed rank."""

    work_type_id: int
    contractor_id: int
    contractor_number: str
    contractor_name: str
    work_type_code: str
    objective_points: int | None
    subjective_points: int | None
    #: The 主観点 from the 工事成績 (written by the grading package) and what it was computed from.
    performance_points: int | None
    performance_basis: str | None
    #: The rank stored on the row now, and whether it was confirmed by a review.
    stored_rank: str | None
    confirmed: bool
    #: The rank the review starts from: the confirmed one, else the previous period's, else the stored one.
    current: str | None
    proposed: str
    reason: str
    is_new: bool = False

    @property
    def total(self) -> int | None:
        """総合点 (客観点 + 主観点 + 工事成績), the same rule as ``RegisteredWorkType.total_points``."""
        return RegisteredWorkType.points_total(self.objective_points, self.subjective_points, self.performance_points)

    @property
    def changed(self) -> bool:
        """The rank changes, or the row was never confirmed at its proposed rank."""
        return self.current != self.proposed or self.stored_rank != self.proposed


def _previous_ranks(session: Session, category: str, period_start: date, firms, codes: set[str]
                    ) -> dict[tuple[int, str], str]:
    """(firm id, 業種) → the rank in the firm's latest earlier registration of ``category`` that has one, in one
    query: the database keeps the latest row of each pair (a window), so ten years of periods are not sent."""
    latest_first = func.row_number().over(
        partition_by=(Registration.contractor_id, RegisteredWorkType.work_type_code),
        order_by=Registration.period_start.desc()).label("nth")
    ranked = (select(Registration.contractor_id, RegisteredWorkType.work_type_code, RegisteredWorkType.rank,
                     latest_first)
              .join(RegisteredWorkType, RegisteredWorkType.registration_id == Registration.id)
              .where(Registration.category == category, Registration.period_start < period_start,
                     RegisteredWorkType.rank.is_not(None), RegisteredWorkType.work_type_code.in_(codes),
                     Registration.contractor_id.in_(firms))
              .subquery())
    rows = session.execute(select(ranked.c.contractor_id, ranked.c.work_type_code, ranked.c.rank)
                           .where(ranked.c.nth == 1))
    return {(contractor_id, code): rank for contractor_id, code, rank in rows}


def propose_ranks(session: Session, category: str, period_start: date, on_date: date | None = None, *,
                  work_type_code: str | None = None) -> list[Proposal]:
    """Current and proposed ranks of every graded 業種 registered for the period starting on ``period_start``
    (active, non-JV firms; one 業種 when ``work_type_code`` is given), by the ``registry.ranks`` rule in force on
    ``on_date`` (default: the period's start or today, whichever is earlier). Ordered by 業種 and 業者番号."""
    on_date = on_date or min(period_start, today())
    rule = rank_rule(session, on_date)
    graded = {code for code, wt in work_types(session, on_date).items() if wt.graded and wt.category == category}
    if work_type_code is not None:
        graded &= {work_type_code}
    scope = [Registration.category == category, Registration.period_start == period_start,
             Contractor.status == "active", Contractor.is_jv.is_(False), RegisteredWorkType.work_type_code.in_(graded)]
    rows = session.execute(
        select(RegisteredWorkType.id, RegisteredWorkType.work_type_code, RegisteredWorkType.objective_points,
               RegisteredWorkType.subjective_points, RegisteredWorkType.performance_points,
               RegisteredWorkType.performance_basis, RegisteredWorkType.rank, RegisteredWorkType.rank_confirmed_at,
               Contractor.id, Contractor.number, Contractor.name)
        .join(Registration, RegisteredWorkType.registration_id == Registration.id)
        .join(Contractor, Registration.contractor_id == Contractor.id)
        .where(*scope).order_by(RegisteredWorkType.work_type_code, Contractor.number)).all()
    firms = select(Registration.contractor_id).join(Contractor, Registration.contractor_id == Contractor.id).where(
        Registration.category == category, Registration.period_start == period_start)
    previous = _previous_ranks(session, category, period_start, firms, graded) if rows else {}
    out = []
    for wt_id, code, objective, subjective, performance, basis, rank, confirmed_at, firm_id, number, name in rows:
        current = (rank if confirmed_at is not None else None) or previous.get((firm_id, code)) or rank
        is_new = current is None
        total = RegisteredWorkType.points_total(objective, subjective, performance)
        proposed, reason = compute_rank(rule, code, total, current, is_new=is_new)
        out.append(Proposal(wt_id, firm_id, number, name, code, objective, subjective, performance, basis, rank,
                            confirmed_at is not None, current, proposed, reason, is_new))
    return out


def proposals_digest(proposals: list[Proposal]) -> str:
    """A short fingerprint of the proposed ranks: a confirmation of "all rows" is refused when the proposals
    changed after they were shown (points or the rule changed meanwhile)."""
    text = ";".join(f"{p.work_type_id}:{p.proposed}" for p in proposals)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
