"""Reads of the grade database for statistics (SPEC GR5): the graded works in the user's scope as a pandas frame,
and the figures per 年度, 業種, 担当課, contractor and 5-point band.

A work counts once its grade is settled (確定 or 通知済, imported past grades included) — ``graded_clause`` is the
rule, used by every page, export, report and the 主観点 feed. Department staff see their own department's works
only (``core.scope.restrict_to_department``); the contract section, viewers and administrators see every work.
Scores are handled in tenths of a point as integers; means and medians come from ``figures`` (exact, half-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core.auth.models import Department
from core.scope import restrict_to_department
from registry.codes import work_types
from registry.contractors.models import Contractor

from ..works.models import GradedWork
from .figures import band_label, mean_of, score_of, tenths

#: The states whose score counts: 確定 and 通知済 (a past grade is imported 通知済).
GRADED_STATES = ("settled", "notified")
COLUMNS = ("id", "contractor_id", "department_id", "work_type_code", "fiscal_year", "completed_on", "final_score")


def graded_clause():
    """The works whose grade counts in statistics and in the 主観点: settled (確定・通知済) with a score."""
    return and_(GradedWork.state.in_(GRADED_STATES), GradedWork.final_score.is_not(None))


@dataclass(frozen=True)
class Filters:
    """What the statistics pages narrow to (None: everything in scope)."""

    year_from: int | None = None
    year_to: int | None = None
    work_type_code: str | None = None
    department_id: int | None = None
    contractor_id: int | None = None


@dataclass(frozen=True)
class Figures:
    """The figures of one group of works (a 年度, a 業種, a 担当課, a firm, or all of them)."""

    key: object
    label: str
    count: int
    mean: Decimal | None
    median: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None


def works_statement(user, filters: Filters):
    """The graded works in ``user``'s scope (None: every department, for the feed and the command line) matching
    ``filters``, as the plain columns the frame reads."""
    stmt = filtered(select(*(getattr(GradedWork, c) for c in COLUMNS)).where(graded_clause()), filters)
    return stmt if user is None else restrict_to_department(stmt, user, GradedWork.department_id)


def filtered(stmt, filters: Filters):
    """``stmt`` (over ``GradedWork``) narrowed to ``filters``."""
    if filters.year_from is not None:
        stmt = stmt.where(GradedWork.fiscal_year >= filters.year_from)
    if filters.year_to is not None:
        stmt = stmt.where(GradedWork.fiscal_year <= filters.year_to)
    if filters.work_type_code:
        stmt = stmt.where(GradedWork.work_type_code == filters.work_type_code)
    if filters.department_id is not None:
        stmt = stmt.where(GradedWork.department_id == filters.department_id)
    if filters.contractor_id is not None:
        stmt = stmt.where(GradedWork.contractor_id == filters.contractor_id)
    return stmt


def grade_frame(session: Session, user, filters: Filters) -> pd.DataFrame:
    """One row per graded work: ids, 業種, 年度, 完成日 and ``tenths`` (the score in tenths, an integer)."""
    rows = session.execute(works_statement(user, filters)).all()
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    frame["tenths"] = pd.Series([tenths(s) for s in frame["final_score"]], index=frame.index, dtype="int64")
    return frame.drop(columns=["final_score"])


def _median(value) -> Decimal | None:
    """A pandas median of integer tenths (a whole number or a half: exact in binary) as points, 0.01."""
    if value is None or pd.isna(value):
        return None
    return (Decimal(str(float(value))) / 10).quantize(Decimal("0.01"))


def figures_by(frame: pd.DataFrame, column: str, labels: dict | None = None, keys=None) -> list[Figures]:
    """The figures per value of ``column`` (ordered by it, or by ``keys``, which also lists groups without works)."""
    if frame.empty:
        grouped = pd.DataFrame(columns=["count", "sum", "median", "min", "max"])
    else:
        grouped = frame.groupby(column)["tenths"].agg(["count", "sum", "median", "min", "max"])
    order = list(keys) if keys is not None else sorted(grouped.index)
    out = []
    for key in order:
        label = (labels or {}).get(key, str(key))
        if key not in grouped.index:
            out.append(Figures(key, label, 0, None, None, None, None))
            continue
        g = grouped.loc[key]
        out.append(Figures(key, label, int(g["count"]), mean_of(int(g["sum"]), int(g["count"])), _median(g["median"]),
                           score_of(int(g["min"])), score_of(int(g["max"]))))
    return out


def overall(frame: pd.DataFrame, label: str = "全体") -> Figures:
    """The figures of every work of the frame."""
    if frame.empty:
        return Figures(None, label, 0, None, None, None, None)
    values = frame["tenths"]
    return Figures(None, label, int(values.count()), mean_of(int(values.sum()), int(values.count())),
                   _median(values.median()), score_of(int(values.min())), score_of(int(values.max())))


@dataclass(frozen=True)
class Band:
    lower: int
    label: str
    count: int
    share: Decimal  # % of the works, 0.1


def bands(frame: pd.DataFrame) -> list[Band]:
    """The distribution in 5-point bands, from the lowest band with a work to the highest (empty bands between
    are listed with 0, so a histogram keeps its scale)."""
    if frame.empty:
        return []
    lowers = (frame["tenths"] // 50 * 5).clip(upper=95)
    counts = lowers.value_counts()
    total = int(counts.sum())
    out = []
    for lower in range(int(lowers.min()), int(lowers.max()) + 1, 5):
        count = int(counts.get(lower, 0))
        share = (Decimal(count * 100) / Decimal(total)).quantize(Decimal("0.1"))
        out.append(Band(lower, band_label(lower), count, share))
    return out


def year_range(frame: pd.DataFrame, filters: Filters) -> list[int]:
    """Every 年度 of the selected range (those of the frame when the filters leave an end open)."""
    years = [int(y) for y in frame["fiscal_year"].unique()] if not frame.empty else []
    first = filters.year_from if filters.year_from is not None else (min(years) if years else None)
    last = filters.year_to if filters.year_to is not None else (max(years) if years else None)
    if first is None or last is None or first > last:
        return []
    return list(range(first, last + 1))


def known_years(session: Session, user) -> list[int]:
    """The 年度 that have graded works in ``user``'s scope (None: every department), newest first."""
    stmt = select(GradedWork.fiscal_year).where(graded_clause()).distinct()
    if user is not None:
        stmt = restrict_to_department(stmt, user, GradedWork.department_id)
    return sorted(session.scalars(stmt), reverse=True)


def work_type_labels(session: Session, day: date | None = None) -> dict[str, str]:
    return {code: f"{code} {wt.title}" for code, wt in work_types(session, day).items() if wt.category == "construction"}


def department_labels(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Department.id, Department.name)).all())


def department_choices(session: Session, user) -> list[tuple[int, str]]:
    """Departments with graded works that ``user`` may see (None: every one)."""
    stmt = select(Department.id, Department.name).join(
        GradedWork, GradedWork.department_id == Department.id).where(graded_clause()).distinct()
    if user is not None:
        stmt = restrict_to_department(stmt, user, Department.id)
    return sorted(session.execute(stmt).all(), key=lambda r: r[1])


def contractor_names(session: Session, ids) -> dict[int, tuple[str, str]]:
    """id → (業者番号, 商号) of the firms ``ids`` (one query)."""
    ids = [int(i) for i in ids]
    if not ids:
        return {}
    return {i: (n, name) for i, n, name in session.execute(
        select(Contractor.id, Contractor.number, Contractor.name).where(Contractor.id.in_(ids)))}


def contractor_by_number(session: Session, number: str) -> Contractor | None:
    return session.scalar(select(Contractor).where(Contractor.number == number.strip()))


def latest_year(session: Session) -> int | None:
    return session.scalar(select(func.max(GradedWork.fiscal_year)).where(graded_clause()))
