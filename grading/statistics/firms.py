"""Reads per contractor (SPEC GR5): the firms' figures with their average over the recent 年度 of the ``grading.use``
rule, one firm's works, and the 優良工事 candidates of a 年度. Scope as in ``queries``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth.models import Department
from core.scope import restrict_to_department
from registry.contractors.models import Contractor
from registry.qualifications.models import RegisteredWorkType, Registration

from ..works.models import SOURCES, GradedWork
from .feed import UseRule, use_rule, window
from .queries import Figures, Filters, contractor_names, figures_by, filtered, graded_clause

#: Orders of the contractor table: (label, key of a row, descending).
SORTS = {"mean": ("平均点の高い順", lambda r: (r.figures.mean or Decimal(-1), r.figures.count), True),
         "recent": ("直近の平均点の高い順", lambda r: (r.recent_mean or Decimal(-1), r.recent_count), True),
         "count": ("件数の多い順", lambda r: (r.figures.count, r.figures.mean or Decimal(-1)), True),
         "number": ("業者番号の順", lambda r: r.number, False)}


@dataclass(frozen=True)
class FirmFigures:
    contractor_id: int
    number: str
    name: str
    figures: Figures
    #: Works and their mean in the recent window (``grading.use``: the 年度 of today and the years before).
    recent_count: int
    recent_mean: Decimal | None


def recent_window(session: Session, day: date) -> tuple[int, int, UseRule]:
    rule = use_rule(session, day)
    first, last = window(day, rule.years)
    return first, last, rule


def firm_table(session: Session, frame: pd.DataFrame, first: int, last: int, sort: str = "mean") -> list[FirmFigures]:
    """The figures of every firm of ``frame`` (all its works, and those of the 年度 ``first``..``last``)."""
    figures = figures_by(frame, "contractor_id")
    recent_frame = frame[(frame["fiscal_year"] >= first) & (frame["fiscal_year"] <= last)] if not frame.empty else frame
    recent = {f.key: f for f in figures_by(recent_frame, "contractor_id")}
    names = contractor_names(session, [f.key for f in figures])
    rows = [FirmFigures(int(f.key), *names.get(int(f.key), ("", "")), f,
                        recent[f.key].count if f.key in recent else 0,
                        recent[f.key].mean if f.key in recent else None) for f in figures]
    _label, key, descending = SORTS.get(sort, SORTS["mean"])
    rows.sort(key=lambda r: r.number)
    rows.sort(key=key, reverse=descending)
    return rows


@dataclass(frozen=True)
class WorkRow:
    id: int
    contract_number: str
    name: str
    contractor_number: str
    contractor_name: str
    department: str
    work_type_code: str
    fiscal_year: int
    completed_on: date
    final_score: Decimal
    contract_amount: int
    source: str

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)


def work_rows(session: Session, user, filters: Filters, *, min_score: Decimal | None = None) -> list[WorkRow]:
    """The graded works in ``user``'s scope matching ``filters`` (and scoring ``min_score`` or more), newest first
    (highest score first when ``min_score`` is given: the 優良工事 candidates)."""
    stmt = (select(GradedWork.id, GradedWork.contract_number, GradedWork.name, Contractor.number, Contractor.name,
                   Department.name, GradedWork.work_type_code, GradedWork.fiscal_year, GradedWork.completed_on,
                   GradedWork.final_score, GradedWork.contract_amount, GradedWork.source)
            .join(Contractor, GradedWork.contractor_id == Contractor.id)
            .join(Department, GradedWork.department_id == Department.id)
            .where(graded_clause()))
    stmt = filtered(stmt, filters)
    if min_score is not None:
        stmt = stmt.where(GradedWork.final_score >= min_score).order_by(
            GradedWork.final_score.desc(), GradedWork.completed_on, GradedWork.contract_number)
    else:
        stmt = stmt.order_by(GradedWork.completed_on.desc(), GradedWork.contract_number)
    stmt = restrict_to_department(stmt, user, GradedWork.department_id)
    return [WorkRow(*row) for row in session.execute(stmt)]


def commendation_threshold(session: Session, fiscal_year: int, today: date) -> Decimal:
    """The 優良工事 score of the ``grading.use`` rule in force at the end of the 年度 (today, for the current one)."""
    return use_rule(session, min(date(fiscal_year + 1, 3, 31), today)).commendation_score


def commendation_candidates(session: Session, user, fiscal_year: int, today: date,
                            filters: Filters = Filters()) -> tuple[Decimal, list[WorkRow]]:
    """(threshold, works of the 年度 scoring it or more), highest score first."""
    threshold = commendation_threshold(session, fiscal_year, today)
    narrowed = Filters(fiscal_year, fiscal_year, filters.work_type_code, filters.department_id, filters.contractor_id)
    return threshold, work_rows(session, user, narrowed, min_score=threshold)


@dataclass(frozen=True)
class RegisteredPoints:
    """A registered 業種 of the firm in force on a day, with the 主観点 the registry holds from the 工事成績."""

    work_type_code: str
    period_start: date
    period_end: date
    rank: str | None
    points: int | None
    basis: str | None


def registered_points(session: Session, contractor_id: int, day: date) -> list[RegisteredPoints]:
    """The firm's registered construction 業種 in force on ``day`` or later, as the registry holds them."""
    stmt = (select(RegisteredWorkType.work_type_code, Registration.period_start, Registration.period_end,
                   RegisteredWorkType.rank, RegisteredWorkType.performance_points, RegisteredWorkType.performance_basis)
            .join(Registration, RegisteredWorkType.registration_id == Registration.id)
            .where(Registration.contractor_id == contractor_id, Registration.category == "construction",
                   Registration.period_end >= day)
            .order_by(Registration.period_start, RegisteredWorkType.work_type_code))
    return [RegisteredPoints(*row) for row in session.execute(stmt)]
