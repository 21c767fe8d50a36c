"""Reads of 経審 scores shared by other services (the 客観点 of a registered 業種 comes from here)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session

from core.rules import get_rule
from core.timefmt import today

from ..models import KeishinScore
from .formula import validity_status


def valid_on(day: date) -> ColumnElement[bool]:
    """SQL condition on ``KeishinScore``: the score is in force on ``day`` (the one rule of 経審 validity for
    lookups and for nomination's eligibility)."""
    return and_(KeishinScore.base_date <= day, KeishinScore.valid_until >= day)


def has_valid_keishin(day: date, work_type_code: str, contractor_id=None) -> ColumnElement[bool]:
    """SQL condition on a firm id column: the firm has a 経審 of ``work_type_code`` in force on ``day``."""
    from registry.contractors.models import Contractor

    column = Contractor.id if contractor_id is None else contractor_id
    return exists().where(KeishinScore.contractor_id == column, KeishinScore.work_type_code == work_type_code,
                          valid_on(day))


def latest_valid_keishin(session: Session, contractor_id: int, work_type_code: str,
                         on_date: date | None = None) -> KeishinScore | None:
    on_date = on_date or today()
    return session.scalar(select(KeishinScore).where(
        KeishinScore.contractor_id == contractor_id, KeishinScore.work_type_code == work_type_code,
        valid_on(on_date)).order_by(KeishinScore.base_date.desc()).limit(1))


def keishin_status(session: Session, score: KeishinScore, on_date: date | None = None) -> str:
    on_date = on_date or today()
    days = get_rule(session, "registry.qualification", on_date)["keishin_warning_days"]
    return validity_status(score.valid_until, on_date, days)
