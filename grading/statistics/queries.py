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


def graded_clause(work=GradedWork):
    """The works whose grade counts in statistics and in the 主観点: settled (確定・通知済) with a score (``work``:
    the mapped class, or its table's columns)."""
    return and_(work.state.in_(GRADED_STATES), work.final_score.is_not(None))


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
    # Table columns, not the mapped attributes: plain rows, without the ORM's loading machinery per row.
    table = GradedWork.__table__.c
    stmt = filtered(select(*(table[c] for c in COLUMNS)).where(graded_clause(table)), filters, table)
    return stmt if user is None else restrict_to_department(stmt, user, table.department_id)


def filtered(stmt, filters: Filters, work=GradedWork):
    """``stmt`` (over the graded works: the mapped class, or its table's columns) narrowed to ``filters``."""
    if filters.year_from is not None:
        stmt = stmt.where(work.fiscal_year >= filters.year_from)
    if filters.year_to is not None:
        stmt = stmt.where(work.fiscal_year <= filters.year_to)
    if filters.work_type_code:
        stmt = stmt.where(work.work_type_code == filters.work_type_code)
    if filters.department_id is not None:
        stmt = stmt.where(work.department_id == filters.department_id)
    if filters.contractor_id is not None:
        stmt = stmt.where(work.contractor_id == filters.contractor_id)
    return stmt


def grade_frame(session: Session, user, filters: Filters) -> pd.DataFrame:
    """One row per graded work: ids, 業種, 年度, 完成日 and ``tenths`` (the score in tenths, an integer)."""
    rows = session.execute(works_statement(user, filters)).all()
    # Built column by column: from_records inspects every Row object (a third of the page's time on 2,000 works).
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(COLUMNS)
    data = dict(zip(COLUMNS, columns, strict=True))
    scores = data.pop("final_score")
    frame = pd.DataFrame({name: pd.Series(values, dtype="int64" if name.endswith("id") or name == "fiscal_year"
                                          else "object") for name, values in data.items()})
    frame["tenths"] = pd.Series([tenths(s) for s in scores], index=frame.index, dtype="int64")
    return frame


def _median(value) -> Decimal | None:
    """A pandas median of integer tenths (a whole number or a half: exact in binary) as points, 0.01."""
    if value is None or pd.isna(value):
        return None
    return (Decimal(str(float(value))) / 10).quantize(Decimal("0.01"))


def figures_by(frame: pd.DataFrame, column: str, labels: dict | None = None, keys=None) -> list[Figures]:
    """The figures per value of ``column`` (ordered by it, or by ``keys``, which also lists groups without works).
    The groups are read from the aggregated frame as plain tuples (one ``.loc`` per group costs ~0.1 ms: the
    contractors' table has a group per firm)."""
    groups = {}
    if not frame.empty:
        aggregated = frame.groupby(column)["tenths"].agg(["count", "sum", "median", "min", "max"])
        groups = {key: values for key, *values in aggregated.itertuples(name=None)}
    labels = labels or {}
    out = []
    for key in (list(keys) if keys is not None else sorted(groups)):
        label = labels.get(key, str(key))
        if key not in groups:
            out.append(Figures(key, label, 0, None, None, None, None))
            continue
        count, total, median, low, high = groups[key]
        out.append(Figures(key, label, int(count), mean_of(int(total), int(count)), _median(median), score_of(int(low)),
                           score_of(int(high))))
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
    ids = {int(i) for i in ids}
    if not ids:
        return {}
    stmt = select(Contractor.id, Contractor.number, Contractor.name)
    # A page names a few firms; the contractors' table every firm with a grade: one subquery instead of a
    # thousand bound values.
    stmt = stmt.where(Contractor.id.in_(ids) if len(ids) <= 200 else
                      Contractor.id.in_(select(GradedWork.contractor_id).where(graded_clause()).distinct()))
    return {i: (n, name) for i, n, name in session.execute(stmt) if i in ids}


def contractor_by_number(session: Session, number: str) -> Contractor | None:
    return session.scalar(select(Contractor).where(Contractor.number == number.strip()))


def latest_year(session: Session) -> int | None:
    return session.scalar(select(func.max(GradedWork.fiscal_year)).where(graded_clause()))
