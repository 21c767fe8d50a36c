"""The 主観点 from the 工事成績 (SPEC CM9, GR5): each firm's average grade per registered 業種 turned into points by
the ``grading.use`` rule and written into the registry through its service (the registry never reads grades:
DESIGN "reads never go upward").

For a day (the feed's 基準日), the window is the 年度 of that day and the ``years`` − 1 before it; the works counted
are those of the firm and 業種 completed in the window by that day whose grade counts (``queries.graded_clause``).
The average (0.01, half-up, as every statistic shows it) picks the highest band whose minimum it reaches; fewer
works than ``min_works`` give 0 points, with a basis saying so; a 業種 without any work in the window has no points
(None, shown as —). The registered 業種 fed are the construction ones of the registrations in force on the day or
starting later (a rank review of the next period sees them).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.errors import require
from core.jp import fiscal_year
from core.rules import get_rule
from registry.contractors.models import Contractor
from registry.qualifications.models import RegisteredWorkType, Registration
from registry.qualifications.ranks.services import set_performance_points

from ..rules import USE_KEY
from ..works.models import GradedWork
from .figures import mean_of, tenths
from .permissions import can_feed_points
from .queries import graded_clause


@dataclass(frozen=True)
class UseRule:
    """The ``grading.use`` rule in force on a day, as the feed reads it."""

    years: int
    min_works: int
    #: (min_average, points, label) highest minimum first.
    bands: tuple[tuple[Decimal, int, str], ...]
    commendation_score: Decimal


def use_rule(session: Session, day: date) -> UseRule:
    values = get_rule(session, USE_KEY, day)
    bands = sorted(((Decimal(b["min_average"]), int(b["points"]), b["label"]) for b in values["bands"].values()),
                   key=lambda b: b[0], reverse=True)
    return UseRule(int(values["years"]), int(values["min_works"]), tuple(bands), Decimal(values["commendation_score"]))


def window(day: date, years: int) -> tuple[int, int]:
    """(first, last) 年度 of the window: the 年度 of ``day`` and the ``years`` − 1 before it."""
    last = fiscal_year(day)
    return last - years + 1, last


def window_label(first: int, last: int) -> str:
    return f"{first}年度" if first == last else f"{first}〜{last}年度"


def points_for(rule: UseRule, average: Decimal | None, count: int) -> tuple[int | None, str]:
    """(points, why) for ``count`` works averaging ``average``: None without works; 0 below ``min_works``; else the
    points of the highest band whose minimum the average reaches (0 when none does)."""
    if not count or average is None:
        return None, "評定なし"
    if count < rule.min_works:
        return 0, f"{rule.min_works} 件未満のため 0 点"
    for minimum, points, label in rule.bands:
        if average >= minimum:
            return points, label
    return 0, "どの区分にも当たらないため 0 点"


def basis_text(first: int, last: int, count: int, average: Decimal | None, why: str) -> str | None:
    """What the registry shows beside the points (≤ 200 characters); None without works."""
    if not count:
        return None
    return f"{window_label(first, last)}の評定 {count} 件・平均 {average} 点（{why}）"


@dataclass(frozen=True)
class FeedRow:
    """One registered 業種 of one firm: its works in the window and the points now and after the feed."""

    work_type_id: int
    contractor_id: int
    contractor_number: str
    contractor_name: str
    work_type_code: str
    period_start: date
    count: int
    average: Decimal | None
    points: int | None
    basis: str | None
    current_points: int | None
    current_basis: str | None

    @property
    def changed(self) -> bool:
        return (self.points, self.basis) != (self.current_points, self.current_basis)


@dataclass(frozen=True)
class FeedPlan:
    day: date
    first: int
    last: int
    rule: UseRule
    rows: list[FeedRow]

    @property
    def changes(self) -> list[FeedRow]:
        return [r for r in self.rows if r.changed]

    @property
    def digest(self) -> str:
        """A fingerprint of the changes shown: applying is refused when they changed meanwhile."""
        text = ";".join(f"{r.work_type_id}:{r.points}:{r.basis}" for r in self.changes)
        return hashlib.sha256(f"{self.day}|{text}".encode()).hexdigest()[:16]


def firm_scores(session: Session, first: int, last: int, day: date,
                contractor_id: int | None = None) -> dict[tuple[int, str], list[int]]:
    """(firm id, 業種) → the scores in tenths of the firm's works completed in the window by ``day`` (every
    department: the 主観点 is the firm's, whoever looks)."""
    # Only grades the firm has been told of count (a settled grade may still change through a 説明請求).
    stmt = select(GradedWork.contractor_id, GradedWork.work_type_code, GradedWork.final_score).where(
        graded_clause(), GradedWork.state == "notified", GradedWork.fiscal_year.between(first, last),
        GradedWork.completed_on <= day)
    if contractor_id is not None:
        stmt = stmt.where(GradedWork.contractor_id == contractor_id)
    scores: dict[tuple[int, str], list[int]] = defaultdict(list)
    for firm_id, code, score in session.execute(stmt):
        scores[(firm_id, code)].append(tenths(score))
    return scores


def plan_performance_points(session: Session, day: date, contractor_id: int | None = None) -> FeedPlan:
    """What the feed would write on ``day``: every registered construction 業種 in force on the day or later (of one
    firm when ``contractor_id`` is given), with its works, average and points. Reads only."""
    rule = use_rule(session, day)
    first, last = window(day, rule.years)
    scores = firm_scores(session, first, last, day, contractor_id)
    stmt = (select(RegisteredWorkType.id, RegisteredWorkType.work_type_code, RegisteredWorkType.performance_points,
                   RegisteredWorkType.performance_basis, Registration.period_start, Contractor.id, Contractor.number,
                   Contractor.name)
            .join(Registration, RegisteredWorkType.registration_id == Registration.id)
            .join(Contractor, Registration.contractor_id == Contractor.id)
            # A confirmed rank keeps the points it was confirmed with: the feed fills the periods under review.
            .where(Registration.category == "construction", Registration.period_end >= day,
                   RegisteredWorkType.rank_confirmed_at.is_(None))
            .order_by(Contractor.number, Registration.period_start, RegisteredWorkType.work_type_code))
    if contractor_id is not None:
        stmt = stmt.where(Contractor.id == contractor_id)
    rows = []
    for wt_id, code, current, current_basis, start, firm_id, number, name in session.execute(stmt):
        values = scores.get((firm_id, code), [])
        average = mean_of(sum(values), len(values))
        points, why = points_for(rule, average, len(values))
        rows.append(FeedRow(wt_id, firm_id, number, name, code, start, len(values), average, points,
                            basis_text(first, last, len(values), average, why), current, current_basis))
    return FeedPlan(day, first, last, rule, rows)


def feed_performance_points(session: Session, actor, day: date, plan: FeedPlan | None = None) -> int:
    """Write the points of ``day`` into the registry (``registry.qualifications.ranks.services``), each changed
    registered 業種 with its history; returns how many changed. ``actor`` None is the command line.

    :raises PermissionDenied: not the contract section."""
    require(actor is None or can_feed_points(actor), "工事成績による主観点の反映は契約課の職員が行います。")
    plan = plan or plan_performance_points(session, day)
    changes = plan.changes
    if not changes:
        return 0
    by_id = {}
    ids = [r.work_type_id for r in changes]
    for start in range(0, len(ids), 1000):
        by_id.update({row.id: row for row in session.scalars(
            select(RegisteredWorkType).where(RegisteredWorkType.id.in_(ids[start:start + 1000]))
            .options(selectinload(RegisteredWorkType.registration).selectinload(Registration.contractor)))})
    written = 0
    for change in changes:
        written += set_performance_points(session, actor, by_id[change.work_type_id], change.points, change.basis)
    return written
