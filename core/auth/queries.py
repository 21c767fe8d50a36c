"""Read helpers for the account screens."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, exists, func, or_, select

from core.search import contains_text
from core.timefmt import jst_day_start_utc

from .models import Department, LoginHistory, LoginSession, User, UserRole

USER_SORTS = {
    "login_id": User.login_id,
    "name": User.name,
    "department": Department.code,
    "last_login": User.last_login_at,
}


def search_users(q: str | None = None, department_id: int | None = None, role: str | None = None,
                 status: str = "active", now: datetime | None = None) -> Select:
    stmt = select(User).outerjoin(Department, User.department_id == Department.id)
    if q:
        text = q.strip()
        stmt = stmt.where(or_(contains_text(User.login_id, text, ignore_case=True),
                              contains_text(User.name, text, ignore_case=True)))
    if department_id:
        stmt = stmt.where(User.department_id == department_id)
    if role:
        stmt = stmt.where(exists().where(UserRole.user_id == User.id, UserRole.role == role))
    if status == "active":
        stmt = stmt.where(User.is_active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(User.is_active.is_(False))
    elif status == "locked" and now is not None:
        stmt = stmt.where(User.locked_until > now)
    return stmt


def departments(active_only: bool = False) -> Select:
    stmt = select(Department).order_by(Department.code)
    return stmt.where(Department.is_active.is_(True)) if active_only else stmt


def department_member_counts() -> Select:
    return select(User.department_id, func.count()).where(User.is_active.is_(True)).group_by(User.department_id)


def login_history(login_id: str | None = None, result: str | None = None, ip: str | None = None,
                  date_from: date | None = None, date_to: date | None = None, include_logout: bool = True) -> Select:
    stmt = select(LoginHistory).order_by(LoginHistory.at.desc(), LoginHistory.id.desc())
    if login_id:
        stmt = stmt.where(func.lower(LoginHistory.login_id) == login_id.strip().lower())
    if result:
        stmt = stmt.where(LoginHistory.result == result)
    if not include_logout:
        stmt = stmt.where(LoginHistory.result.not_in(("logout", "timeout")))
    if ip:
        stmt = stmt.where(LoginHistory.ip == ip.strip())
    if date_from:
        stmt = stmt.where(LoginHistory.at >= jst_day_start_utc(date_from))
    if date_to:
        stmt = stmt.where(LoginHistory.at < jst_day_start_utc(date_to + timedelta(days=1)))
    return stmt


def open_sessions(idle_since: datetime, created_since: datetime, user_id: int | None = None) -> Select:
    """Sessions still usable: not revoked, seen within the idle limit, younger than the absolute limit."""
    stmt = select(LoginSession).where(
        LoginSession.revoked_at.is_(None), LoginSession.last_seen_at >= idle_since,
        LoginSession.created_at >= created_since,
    ).order_by(LoginSession.last_seen_at.desc())
    if user_id:
        stmt = stmt.where(LoginSession.user_id == user_id)
    return stmt
