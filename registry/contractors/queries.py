"""Reads of the contractor registry used by screens, forms and other modules (nomination, imports).

Public API::

    search_contractors(q=..., category=..., work_type_code=..., rank=..., area=..., status=...,
                       suspended="yes"|"no"|"any", period=date, sort="-number", day=date) -> Select
    kept_list(same filters) -> (KeptList, values): the list page's statements, built once per combination
    name_matches(q) / registration_filter(category, work_type_code, rank, period) -> condition on Contractor | None
    get_contractor_detail(session, contractor_id) -> Contractor | None
    find_by_number(session, number) / find_by_corporate_number(session, corporate_number)
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import Date, Select, and_, bindparam, false, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from core.jp import normalize_code, search_key
from core.pagination import page_statements
from core.search import contains_text, like_pattern, starts_with_text
from core.timefmt import today
from registry.qualifications.models import JVMember, KeishinScore, Permit, RegisteredWorkType, Registration
from registry.suspensions.models import Suspension
from registry.suspensions.queries import suspended_clause

from .models import Contractor, area_label_of
from .sql import TRIGRAM, NameMatch, Unindexed, number_range

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


# --- name search (the SQL constructs: ``registry.contractors.sql``) -------------------------------------

def _name_values(q: str | None) -> dict:
    """Bind values of the name search for ``q``; empty when it has nothing to search for."""
    key = search_key(q) if q else ""
    if not key:
        return {}
    code = normalize_code(q)
    values = {"name_like": like_pattern(key)}
    if code:
        values["number_like"] = like_pattern(code, prefix=True)
    if len(key) >= TRIGRAM:
        # An FTS5 phrase: the whole key as consecutive trigrams, i.e. a substring ("" escapes a quote).
        low, high = number_range(code)
        values |= {"name_phrase": '"' + key.replace('"', '""') + '"', "number_from": low, "number_to": high}
    return values


def _name_condition(q: str, values: dict):
    key, code = search_key(q), normalize_code(q)
    match = or_(contains_text(Contractor.search_key, key, name="name_like"),
                starts_with_text(Contractor.number, code, name="number_like") if code else false())
    if "name_phrase" not in values:
        return match
    return NameMatch(match, _bind(values, "name_phrase"), _bind(values, "number_from"), _bind(values, "number_to"))


def name_matches(q: str):
    """Firms whose 業者番号 starts with ``q`` or whose name or kana contains it (width, kana type, spacing
    ignored), or None when ``q`` has nothing to search for."""
    values = _name_values(q)
    return _name_condition(q, values) if values else None


#: Filters of ``registration_filter``: they must hold for one and the same registration.
REGISTRATION_FILTERS = ("category", "work_type_code", "rank", "period")


def registration_filter(category: str | None = None, work_type_code: str | None = None, rank: str | None = None,
                        period: date | None = None):
    """Firms with one registration that has ``category``, a period containing ``period`` and a 業種 row with
    ``work_type_code`` and ``rank`` (each when given), or None when nothing is given.

    Written as ``contractors.id IN (ids)`` so that both engines start from the most selective index — the
    (業種, 等級) index of registered_work_types, or (category, period) of contractor_registrations — instead of
    probing every firm's registrations; the count of the list's pagination uses the same plan.
    """
    values = _registration_values(category, work_type_code, rank, period)
    return _registration_condition(values) if values else None


def _registration_values(*given) -> dict:
    return {k: v for k, v in zip(REGISTRATION_FILTERS, given, strict=True) if v}


def _registration_condition(values: dict):
    ids = select(Registration.contractor_id)
    if "work_type_code" in values or "rank" in values:
        ids = ids.join(RegisteredWorkType, RegisteredWorkType.registration_id == Registration.id)
        if "work_type_code" in values:
            ids = ids.where(RegisteredWorkType.work_type_code == _bind(values, "work_type_code"))
        if "rank" in values:
            ids = ids.where(RegisteredWorkType.rank == _bind(values, "rank"))
    if "category" in values:
        ids = ids.where(Registration.category == _bind(values, "category"))
    if "period" in values:
        period = _bind(values, "period", Date())
        ids = ids.where(Registration.period_start <= period, Registration.period_end >= period)
    return Contractor.id.in_(ids)


#: The list's 満了が近い filter: label, and the ``registry.qualification`` rule field giving "near" in days (the
#: same days after which the firm's 許可 and 経審 tabs show 「まもなく満了」).
EXPIRING = {"permit": ("建設業許可がまもなく満了", "permit_warning_days"),
            "keishin": ("経審がまもなく満了", "keishin_warning_days")}


def expiring_days(session: Session, kind: str, day: date) -> int:
    """How many days ahead ``kind`` (a key of ``EXPIRING``) counts as expiring soon, by the rule in force."""
    from core.rules.queries import shared_rule

    return shared_rule(session, "registry.qualification", day)[EXPIRING[kind][1]]


def expiring_filter(kind: str, day: date, days: int):
    """Firms with a 建設業許可 (``permit``) or a latest 経審 of a 業種 (``keishin``: no later 審査基準日 of that
    業種) that ends between ``day`` and ``days`` days later, both included. Read from the expiry indexes."""
    return _expiring_condition(kind, _expiring_values(day, days))


def _expiring_values(day: date, days: int) -> dict:
    return {"expiring_from": day, "expiring_to": day + timedelta(days=days)}


def _expiring_condition(kind: str, values: dict):
    first, last = _bind(values, "expiring_from", Date()), _bind(values, "expiring_to", Date())
    if kind == "permit":
        ids = select(Permit.contractor_id).where(Permit.expires_on >= first, Permit.expires_on <= last)
    else:
        # The latest 審査基準日 of the score's 業種, as a scalar subquery read backwards from the unique index:
        # written as NOT EXISTS (a later score), PostgreSQL hashes all 130,000 scores (90 ms instead of 5).
        other = aliased(KeishinScore)
        latest = (select(func.max(other.base_date)).where(other.contractor_id == KeishinScore.contractor_id,
                                                          other.work_type_code == KeishinScore.work_type_code)
                  .scalar_subquery())
        ids = select(KeishinScore.contractor_id).where(KeishinScore.valid_until >= first,
                                                       KeishinScore.valid_until <= last, KeishinScore.base_date == latest)
    return Contractor.id.in_(ids)


def count_expiring(session: Session, kind: str, day: date) -> int:
    """Active firms the contractor list shows for 満了が近い = ``kind`` on ``day`` (the home page's count)."""
    kept, values = kept_list(status="active", expiring=(kind, expiring_days(session, kind, day)), day=day,
                             eager=False)
    return session.scalar(kept.count, values)


class ListFilters(NamedTuple):
    """What the list's statement depends on besides its values: which values are given, and the modes."""

    names: frozenset
    suspended: str | None
    expiring: str | None
    sort: str
    eager: bool


def _filter_values(q: str | None = None, category: str | None = None, work_type_code: str | None = None,
                   rank: str | None = None, area: str | None = None, status: str | None = None,
                   suspended: str | None = "any", period: date | None = None, sort: str | None = None,
                   day: date | None = None, eager: bool = True,
                   expiring: tuple[str, int] | None = None) -> tuple[ListFilters, dict]:
    values = _name_values(q)
    values |= _registration_values(category, work_type_code, rank, period)
    kind = expiring[0] if expiring is not None and expiring[0] in EXPIRING else None
    if kind:
        values |= _expiring_values(day or today(), expiring[1])
    values |= {k: v for k, v in (("area", area), ("status", status)) if v}
    mode = suspended if suspended in ("yes", "no") else None
    if mode:
        values["suspended_on"] = day or period or today()
    return ListFilters(frozenset(values), mode, kind, sort_key(sort), eager), values


def _build(q: str | None, filters: ListFilters, values: dict) -> Select:
    stmt = select(Contractor)
    if filters.eager:
        stmt = stmt.options(selectinload(Contractor.registrations).selectinload(Registration.work_types))
    if "name_like" in values:
        stmt = stmt.where(_name_condition(q, values))
    if values.keys() & set(REGISTRATION_FILTERS):
        stmt = stmt.where(_registration_condition(values))
    if filters.expiring:
        stmt = stmt.where(_expiring_condition(filters.expiring, values))
    if "area" in values:
        stmt = stmt.where(Contractor.area == _bind(values, "area"))
    if "status" in values:
        status = Contractor.status
        if {"work_type_code", "rank"} <= values.keys():
            # One (業種, 等級) holds few firms, and the firms in one status are most of them: start from the pair's
            # index. SQLite, having no statistics, would walk the status index instead and test every firm.
            status = Unindexed(status)
        stmt = stmt.where(status == _bind(values, "status"))
    if filters.suspended:
        clause = suspended_clause(_bind(values, "suspended_on", Date()))
        stmt = stmt.where(clause if filters.suspended == "yes" else ~clause)
    column = CONTRACTOR_SORTS[filters.sort.lstrip("-")]
    stmt = stmt.order_by(column.desc() if filters.sort.startswith("-") else column.asc())
    if filters.sort.lstrip("-") != "number":
        stmt = stmt.order_by(Contractor.number)
    return stmt


def search_contractors(q: str | None = None, category: str | None = None, work_type_code: str | None = None,
                       rank: str | None = None, area: str | None = None, status: str | None = None,
                       suspended: str | None = "any", period: date | None = None, sort: str | None = None,
                       day: date | None = None, eager: bool = True,
                       expiring: tuple[str, int] | None = None) -> Select:
    """Firms matching every given filter, sorted, with what the list shows eager-loaded.

    ``category``/``work_type_code``/``rank``/``period`` must hold for one and the same registration (e.g. 土木 A
    in the period containing ``period``). ``q`` matches the 業者番号 (prefix) or the name and kana whatever the
    width, kana type and spacing. ``suspended`` yes/no compares with the suspensions in force on ``day``
    (default: ``period`` if given, else today). ``eager`` False loads the firms only (exports use
    ``registration_rows`` instead, which is much cheaper than ORM objects for thousands of firms).
    ``expiring`` (kind, days) keeps the firms of ``expiring_filter`` on ``day`` (default today).
    Every value is a named bind parameter of the statement (``kept_list`` reuses it with other values).
    """
    filters, values = _filter_values(q, category, work_type_code, rank, area, status, suspended, period, sort,
                                     day, eager, expiring)
    return _build(q, filters, values)


class KeptList(NamedTuple):
    """The list statement of one combination of filters, with its count and page statements
    (``core.pagination.page_statements``, the page selecting ``LIST_COLUMNS``)."""

    select: Select
    count: Select
    page: Select


#: Statements of the filter combinations seen by this process (a few dozen in practice; bounded all the same).
_kept: dict[ListFilters, KeptList] = {}
KEPT_LIMIT = 512


def kept_list(q: str | None = None, **filters) -> tuple[KeptList, dict]:
    """The statements of ``search_contractors`` for these filters, built once per combination of the filters
    given, the modes and the sort (not their values) and kept for the process, and the values to run them
    with: a list request then neither builds a statement nor has SQLAlchemy walk one for its cache key.
    The values include ``list_day``, the day of ``LIST_COLUMNS``' 指名停止中 (today)."""
    shape, values = _filter_values(q, **filters)
    values["list_day"] = today()
    kept = _kept.get(shape)
    if kept is None:
        stmt = _build(q, shape, values)
        _check_all_bound(stmt, values)
        if len(_kept) >= KEPT_LIMIT:
            _kept.clear()
        kept = _kept[shape] = KeptList(stmt, *page_statements(stmt, LIST_COLUMNS))
    return kept, values


def _check_all_bound(stmt: Select, values: dict) -> None:
    """Every bind parameter of a kept statement must be one of ``values`` (and hold the value given): a
    literal built into it would be reused for requests that asked for another value."""
    for bind in _binds(stmt):
        if bind.key not in values or bind.value != values[bind.key]:
            raise RuntimeError(f"contractor list statement holds a value outside the kept values: {bind.key}")


def _binds(stmt) -> list:
    from sqlalchemy.sql.elements import BindParameter
    from sqlalchemy.sql.visitors import iterate

    return [e for e in iterate(stmt) if isinstance(e, BindParameter)]


def _bind(values: dict, name: str, type_=None):
    """The named bind parameter ``name`` holding ``values[name]``."""
    return bindparam(name, values[name], type_=type_)


class ListRow(NamedTuple):
    """What a list page shows of a firm: plain columns, no ORM object (50 rows a page, all day long)."""

    id: int
    number: str
    name: str
    name_kana: str | None
    address: str | None
    branch_address: str | None
    branch_name: str | None
    area: str
    area_override_reason: str | None
    status: str
    #: Suspended on the list's day, itself or (a JV) through a member: ``suspended_clause``, the one rule.
    suspended: bool

    @property
    def area_label(self) -> str:
        return area_label_of(self.area)


#: The columns of ``ListRow`` for the page statement: the suspension is asked of the page's rows only, in the
#: same statement, on the day bound as ``list_day``.
LIST_COLUMNS = (*(getattr(Contractor, name) for name in ListRow._fields[:-1]),
                suspended_clause(bindparam("list_day", type_=Date())).label("suspended"))


def list_rows(rows) -> list[ListRow]:
    """``ListRow`` of result rows selected with ``list_columns``."""
    return [ListRow(*row[:-1], bool(row[-1])) for row in rows]


def registration_rows(session: Session, contractor_ids: Select | list | None = None, covering: date | None = None):
    """Flat rows (contractor_id, category, period_start, period_end, work_type_code, objective_points,
    subjective_points, performance_points, rank) of the firms selected by ``contractor_ids`` (a select of ids or a
    list of ids; None = all firms); with ``covering``, of the registrations whose period contains that day only."""
    stmt = (select(Registration.contractor_id, Registration.category, Registration.period_start,
                   Registration.period_end, RegisteredWorkType.work_type_code, RegisteredWorkType.objective_points,
                   RegisteredWorkType.subjective_points, RegisteredWorkType.performance_points, RegisteredWorkType.rank)
            .join(RegisteredWorkType, RegisteredWorkType.registration_id == Registration.id, isouter=True)
            .order_by(Registration.contractor_id, Registration.period_start, RegisteredWorkType.work_type_code))
    if contractor_ids is not None:
        stmt = stmt.where(Registration.contractor_id.in_(contractor_ids))
    if covering is not None:
        stmt = stmt.where(Registration.period_start <= covering, Registration.period_end >= covering)
    return session.execute(stmt)


def _work_types_in_force() -> Select:
    reg, wt = Registration.__table__.c, RegisteredWorkType.__table__.c
    day = bindparam("covering", type_=Date())
    return (select(reg.contractor_id, wt.work_type_code, wt.rank)
            .select_from(Registration.__table__.outerjoin(RegisteredWorkType.__table__, wt.registration_id == reg.id))
            .where(reg.contractor_id.in_(bindparam("firm_ids", expanding=True)), reg.period_start <= day,
                   reg.period_end >= day)
            .order_by(reg.contractor_id, reg.period_start, wt.work_type_code))


#: Built once (every list page asks for its 50 firms), of table columns: plain rows, no dates read.
_WORK_TYPES_IN_FORCE = _work_types_in_force()


def work_types_in_force(session: Session, contractor_ids: list[int], day: date):
    """Rows (contractor_id, work_type_code, rank) of the registrations of the firms ``contractor_ids`` whose
    period contains ``day``, by firm, period and code (a registration without 業種 gives one row with no code):
    the same registrations as ``registration_rows(..., covering=day)``, for the list's 業種・等級 column."""
    return session.execute(_WORK_TYPES_IN_FORCE, {"firm_ids": list(contractor_ids), "covering": day}).all()


def get_contractor_detail(session: Session, contractor_id: int) -> Contractor | None:
    """One firm with its registrations and 業種 loaded (the detail page; the header asks
    ``registry.suspensions.queries`` for its suspensions)."""
    return session.scalar(
        select(Contractor).where(Contractor.id == contractor_id).options(
            selectinload(Contractor.registrations).selectinload(Registration.work_types)))


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
