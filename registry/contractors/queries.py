"""Reads of the contractor registry used by screens, forms and other modules (nomination, imports).

Public API::

    search_contractors(q=..., category=..., work_type_code=..., rank=..., area=..., status=...,
                       suspended="yes"|"no"|"any", period=date, sort="-number", day=date) -> Select
    get_contractor_detail(session, contractor_id) -> Contractor | None
    find_by_number(session, number) / find_by_corporate_number(session, corporate_number)
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.jp import normalize_code, search_key
from core.timefmt import today
from registry.qualifications.models import JVMember, RegisteredWorkType, Registration
from registry.suspensions.models import Suspension
from registry.suspensions.queries import suspended_clause

from .models import Contractor

#: Sort keys of the contractor list (``-key`` = descending); ties are broken by 業者番号.
CONTRACTOR_SORTS = {
    "number": Contractor.number,
    "name": func.coalesce(Contractor.name_kana, Contractor.name),
    "area": Contractor.area,
    "status": Contractor.status,
}
DEFAULT_SORT = "number"


def sort_key(sort: str | None) -> str:
    """The sort key actually applied for ``sort`` (unknown keys fall back to 業者番号)."""
    return sort if sort and sort.lstrip("-") in CONTRACTOR_SORTS else DEFAULT_SORT


def search_contractors(q: str | None = None, category: str | None = None, work_type_code: str | None = None,
                       rank: str | None = None, area: str | None = None, status: str | None = None,
                       suspended: str | None = "any", period: date | None = None, sort: str | None = None,
                       day: date | None = None, eager: bool = True) -> Select:
    """Firms matching every given filter, sorted, with what the list shows eager-loaded.

    ``category``/``work_type_code``/``rank``/``period`` must hold for one and the same registration (e.g. 土木 A
    in the period containing ``period``). ``q`` matches the 業者番号 (prefix) or the name and kana whatever the
    width, kana type and spacing. ``suspended`` yes/no compares with the suspensions in force on ``day``
    (default: ``period`` if given, else today). ``eager`` False loads the firms only (exports use
    ``registration_rows`` instead, which is much cheaper than ORM objects for thousands of firms).
    """
    stmt = select(Contractor)
    if eager:
        stmt = stmt.options(selectinload(Contractor.registrations).selectinload(Registration.work_types))
    key = search_key(q) if q else ""
    if key:
        code = normalize_code(q)
        stmt = stmt.where(or_(Contractor.search_key.contains(key, autoescape=True),
                              Contractor.number.startswith(code, autoescape=True) if code else False))
    if category or work_type_code or rank or period:
        conditions = [Registration.contractor_id == Contractor.id]
        if category:
            conditions.append(Registration.category == category)
        if period:
            conditions += [Registration.period_start <= period, Registration.period_end >= period]
        if work_type_code or rank:
            wt = [RegisteredWorkType.registration_id == Registration.id]
            if work_type_code:
                wt.append(RegisteredWorkType.work_type_code == work_type_code)
            if rank:
                wt.append(RegisteredWorkType.rank == rank)
            conditions.append(exists().where(and_(*wt)))
        stmt = stmt.where(exists().where(and_(*conditions)))
    if area:
        stmt = stmt.where(Contractor.area == area)
    if status:
        stmt = stmt.where(Contractor.status == status)
    if suspended in ("yes", "no"):
        on = day or period or today()
        stmt = stmt.where(suspended_clause(on) if suspended == "yes" else ~suspended_clause(on))
    key = sort_key(sort)
    column = CONTRACTOR_SORTS[key.lstrip("-")]
    stmt = stmt.order_by(column.desc() if key.startswith("-") else column.asc())
    if key.lstrip("-") != "number":
        stmt = stmt.order_by(Contractor.number)
    return stmt


def registration_rows(session: Session, contractor_ids: Select | None = None):
    """Flat rows (contractor_id, category, period_start, period_end, work_type_code, objective_points,
    subjective_points, rank) of the firms selected by ``contractor_ids`` (a select of ids; None = all firms)."""
    stmt = (select(Registration.contractor_id, Registration.category, Registration.period_start,
                   Registration.period_end, RegisteredWorkType.work_type_code, RegisteredWorkType.objective_points,
                   RegisteredWorkType.subjective_points, RegisteredWorkType.rank)
            .join(RegisteredWorkType, RegisteredWorkType.registration_id == Registration.id, isouter=True)
            .order_by(Registration.contractor_id, Registration.period_start, RegisteredWorkType.work_type_code))
    if contractor_ids is not None:
        stmt = stmt.where(Registration.contractor_id.in_(contractor_ids))
    return session.execute(stmt)


def get_contractor_detail(session: Session, contractor_id: int) -> Contractor | None:
    """One firm with its registrations, 業種 and suspensions loaded (the detail page and its header)."""
    return session.scalar(
        select(Contractor).where(Contractor.id == contractor_id).options(
            selectinload(Contractor.registrations).selectinload(Registration.work_types),
            selectinload(Contractor.suspensions)))


def find_by_number(session: Session, number: str) -> Contractor | None:
    return session.scalar(select(Contractor).where(Contractor.number == normalize_code(number)))


def find_by_corporate_number(session: Session, corporate_number: str, active_only: bool = True) -> list[Contractor]:
    stmt = select(Contractor).where(Contractor.corporate_number == normalize_code(corporate_number))
    if active_only:
        stmt = stmt.where(Contractor.status == "active")
    return list(session.scalars(stmt.order_by(Contractor.number)))


def current_registrations(contractor: Contractor, day: date | None = None) -> list[Registration]:
    """The firm's registrations whose qualification period contains ``day`` (default today)."""
    on = day or today()
    return [r for r in contractor.registrations if r.covers(on)]


def related_history(session: Session, contractor: Contractor, limit: int = 200) -> list:
    """History rows of the firm's other records (registrations, 業種, permits, 経審, technicians, suspensions,
    JV membership), newest first: the 履歴 tab shows them under the firm's own changes."""
    from core.history import RecordHistory
    from registry.qualifications.models import KeishinScore, Permit, Technician

    registration_ids = [r.id for r in contractor.registrations]
    ids = {
        "contractor_registrations": registration_ids,
        "registered_work_types": list(session.scalars(select(RegisteredWorkType.id).where(
            RegisteredWorkType.registration_id.in_(registration_ids)))) if registration_ids else [],
        "construction_permits": list(session.scalars(select(Permit.id).where(Permit.contractor_id == contractor.id))),
        "keishin_scores": list(session.scalars(select(KeishinScore.id).where(
            KeishinScore.contractor_id == contractor.id))),
        "technicians": list(session.scalars(select(Technician.id).where(Technician.contractor_id == contractor.id))),
        "suspensions": list(session.scalars(select(Suspension.id).where(Suspension.contractor_id == contractor.id))),
        "jv_members": list(session.scalars(select(JVMember.id).where(
            or_(JVMember.jv_id == contractor.id, JVMember.member_id == contractor.id)))),
    }
    conditions = [and_(RecordHistory.target_type == table, RecordHistory.target_id.in_([str(i) for i in values]))
                  for table, values in ids.items() if values]
    if not conditions:
        return []
    return list(session.scalars(select(RecordHistory).where(or_(*conditions))
                                .order_by(RecordHistory.at.desc(), RecordHistory.id.desc()).limit(limit)))
