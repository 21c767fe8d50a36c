"""Reads of 経審 scores shared by other services (the 客観点 of a registered 業種 comes from here)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.rules import get_rule
from core.timefmt import today

from ..models import KeishinScore
from .formula import validity_status


def latest_valid_keishin(session: Session, contractor_id: int, work_type_code: str,
                         on_date: date | None = None) -> KeishinScore | None:
    on_date = on_date or today()
    return session.scalar(select(KeishinScore).where(
        KeishinScore.contractor_id == contractor_id, KeishinScore.work_type_code == work_type_code,
        KeishinScore.valid_until >= on_date, KeishinScore.base_date <= on_date)
        .order_by(KeishinScore.base_date.desc()).limit(1))


def keishin_status(session: Session, score: KeishinScore, on_date: date | None = None) -> str:
    on_date = on_date or today()
    days = get_rule(session, "registry.qualification", on_date)["keishin_warning_days"]
    return validity_status(score.valid_until, on_date, days)
