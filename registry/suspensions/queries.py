"""Reads of suspensions, and the one owner of the rule "is this firm suspended on this day".

A suspension is in force from its first day to its last, or until the day before an early lifting
(``Suspension.is_active_on`` is the same rule for one loaded row). A suspension of a member firm applies to
every joint venture it belongs to. The contractor list and its filter, the badges, the record header, the
exports, the forms (帳票) and nominations all call the functions below; nothing else writes the rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from registry.contractors.models import Contractor
from registry.qualifications.models import JVMember

from .models import Suspension

#: Status of a suspension on a day, with the badge class the screens use.
STATUS_LABELS = {"active": "停止中", "scheduled": "予定", "ended": "終了", "lifted": "解除"}
STATUS_BADGES = {"active": "badge--danger", "scheduled": "badge--warning", "ended": "badge--neutral",
                 "lifted": "badge--info"}


def in_force(day: date) -> ColumnElement[bool]:
    """SQL condition on ``Suspension``: in force on ``day`` (lifted ones until the day before ``lifted_on``)."""
    return and_(Suspension.starts_on <= day, Suspension.ends_on >= day,
                or_(Suspension.lifted_on.is_(None), Suspension.lifted_on > day))


def _not_over(day: date) -> ColumnElement[bool]:
    """SQL condition: in force on ``day`` or decided to start later (停止中 or 予定)."""
    return and_(Suspension.ends_on >= day, or_(Suspension.lifted_on.is_(None), Suspension.lifted_on > day))


def suspended_clause(day: date, contractor_id=Contractor.id) -> ColumnElement[bool]:
    """SQL condition on a firm id column: the firm, or (a JV) one of its members, is suspended on ``day``."""
    own = exists().where(Suspension.contractor_id == contractor_id, in_force(day))
    via_member = exists().where(JVMember.jv_id == contractor_id, Suspension.contractor_id == JVMember.member_id,
                                in_force(day))
    return or_(own, via_member)


def _pairs(session: Session, ids: list[int] | None, condition) -> list:
    """(firm_id, suspension_id) of the suspensions matching ``condition`` that apply to each firm: a firm's own,
    and its members' for a JV."""
    own = select(Suspension.contractor_id.label("firm_id"), Suspension.id.label("suspension_id")).where(condition)
    member = (select(JVMember.jv_id.label("firm_id"), Suspension.id.label("suspension_id"))
              .join(Suspension, Suspension.contractor_id == JVMember.member_id).where(condition))
    if ids is not None:
        own = own.where(Suspension.contractor_id.in_(ids))
        member = member.where(JVMember.jv_id.in_(ids))
    return session.execute(own.union_all(member)).all()


def _applying(session: Session, contractor_ids: Iterable[int] | None, condition) -> dict[int, list[Suspension]]:
    """Suspensions matching ``condition`` per firm they apply to: a firm's own, and its members' for a JV."""
    ids = None if contractor_ids is None else list(contractor_ids)
    if ids == []:
        return {}
    pairs = _pairs(session, ids, condition)
    if not pairs:
        return {}
    rows = {s.id: s for s in session.scalars(select(Suspension).where(
        Suspension.id.in_({p.suspension_id for p in pairs})))}
    result: dict[int, list[Suspension]] = {}
    for firm_id, suspension_id in pairs:
        result.setdefault(firm_id, []).append(rows[suspension_id])
    for items in result.values():
        items.sort(key=lambda s: (s.starts_on, s.id))
    return result


def suspensions_in_force(session: Session, contractor_ids: Iterable[int] | None, day: date
                         ) -> dict[int, list[Suspension]]:
    """Per firm (``None`` = every firm), the suspensions in force on ``day`` that apply to it, JVs included."""
    return _applying(session, contractor_ids, in_force(day))


def scheduled_suspensions(session: Session, contractor_ids: Iterable[int] | None, day: date
                          ) -> dict[int, list[Suspension]]:
    """Per firm, the decided suspensions that apply to it and start after ``day`` (予定), JVs included."""
    return _applying(session, contractor_ids, and_(Suspension.starts_on > day, _not_over(day)))


def is_suspended(session: Session, contractor_id: int, day: date) -> bool:
    """Whether the firm may not be nominated on ``day``: its own suspension, or (a JV) one of a member's."""
    return session.scalar(select(suspended_clause(day, contractor_id))) is True


def suspended_contractor_ids(session: Session, day: date) -> set[int]:
    """Every firm suspended on ``day``: firms with a suspension in force and the JVs those firms belong to."""
    return set(suspensions_in_force(session, None, day))


def status_of(suspension: Suspension, day: date) -> str:
    """``active`` / ``scheduled`` / ``ended`` / ``lifted`` on ``day`` (see ``STATUS_LABELS``)."""
    return suspension.status_on(day)


def member_suspensions(session: Session, jv_id: int, day: date) -> list[Suspension]:
    """Suspensions in force on ``day`` of the members of the JV ``jv_id`` (they apply to the JV)."""
    members = select(JVMember.member_id).where(JVMember.jv_id == jv_id)
    return list(session.scalars(select(Suspension).where(Suspension.contractor_id.in_(members), in_force(day))
                                .order_by(Suspension.starts_on, Suspension.id)))


def starting_between(first: date, last: date) -> ColumnElement[bool]:
    """SQL condition: the first day lies in [``first``, ``last``] (lifted before starting: never in force)."""
    return and_(Suspension.starts_on >= first, Suspension.starts_on <= last,
                or_(Suspension.lifted_on.is_(None), Suspension.lifted_on > Suspension.starts_on))


def ending_between(first: date, last: date) -> ColumnElement[bool]:
    """SQL condition: the last day in force (``Suspension.effective_end``: the day before an early lifting, else
    ``ends_on``) lies in [``first``, ``last``]."""
    as_decided = and_(or_(Suspension.lifted_on.is_(None), Suspension.lifted_on > Suspension.ends_on),
                      Suspension.ends_on >= first, Suspension.ends_on <= last)
    lifted = and_(Suspension.lifted_on <= Suspension.ends_on, Suspension.lifted_on > Suspension.starts_on,
                  Suspension.lifted_on > first, Suspension.lifted_on <= last + timedelta(days=1))
    return or_(as_decided, lifted)


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week containing ``day`` (the home page's "this week")."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


#: The list's 今週 filter: label and condition of the week's first and last day.
WEEK_FILTERS = {"starting": ("今週始まるもの", starting_between), "ending": ("今週終わるもの", ending_between)}


def count_in_week(session: Session, day: date) -> dict[str, int]:
    """How many suspensions start and end in the week of ``day`` (one statement, for the home page)."""
    first, last = week_of(day)
    counts = [func.count().filter(condition(first, last)) for _label, condition in WEEK_FILTERS.values()]
    # Both conditions imply ends_on >= Monday: the suspensions long over are not read.
    row = session.execute(select(*counts).select_from(Suspension).where(Suspension.ends_on >= first)).one()
    return dict(zip(WEEK_FILTERS, row, strict=True))


def suspension_list(day_from: date | None = None, day_to: date | None = None, include_lifted: bool = True, *,
                    current_on: date | None = None, search: str | None = None, week: str | None = None,
                    week_of_day: date | None = None) -> Select:
    """Suspensions in force at some time between ``day_from`` and ``day_to`` (either may be None), newest first.

    ``include_lifted`` False leaves out suspensions lifted early; ``current_on`` keeps those in force on that day
    or later (停止中 and 予定); ``search`` matches the firm's number or name (width- and space-insensitive);
    ``week`` (a key of ``WEEK_FILTERS``) keeps those starting or ending in the week of ``week_of_day``.
    """
    stmt = select(Suspension).join(Suspension.contractor).options(contains_eager(Suspension.contractor))
    if week in WEEK_FILTERS and week_of_day is not None:
        stmt = stmt.where(WEEK_FILTERS[week][1](*week_of(week_of_day)))
    if day_to is not None:
        stmt = stmt.where(Suspension.starts_on <= day_to)
    if day_from is not None:
        stmt = stmt.where(Suspension.ends_on >= day_from,
                          or_(Suspension.lifted_on.is_(None), Suspension.lifted_on > day_from))
    if current_on is not None:
        stmt = stmt.where(_not_over(current_on))
    if not include_lifted:
        stmt = stmt.where(Suspension.lifted_on.is_(None))
    if search and search.strip():
        from registry.contractors.queries import name_matches  # the firm search of the contractor list

        match = name_matches(search)
        if match is not None:
            stmt = stmt.where(match)
    return stmt.order_by(Suspension.starts_on.desc(), Suspension.id.desc())


def contractor_suspensions(session: Session, contractor_id: int) -> list[Suspension]:
    """All suspensions of one firm, newest first."""
    return list(session.scalars(select(Suspension).where(Suspension.contractor_id == contractor_id)
                                .order_by(Suspension.starts_on.desc(), Suspension.id.desc())))
