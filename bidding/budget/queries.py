"""Reads of 予算科目: the list with its filters and totals per level (款 → 項 → 目 → 節), one line with its import
history, and what other aggregates call: ``lines_by_ids`` and ``line_choices`` (a tender case's budget line).

Department scope (``core.scope``) is applied here: department staff and inspectors read their own department's
lines; every query a screen, an export or a select uses goes through ``scoped``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import BigInteger, Select, cast, func, or_, select
from sqlalchemy.orm import Session, joinedload

from core.auth.models import Department
from core.importing.models import ImportBatch
from core.jp import fiscal_year_label
from core.scope import restrict_to_department
from core.search import contains_text

from .models import AMOUNT_FIELDS, KEY_FIELDS, BudgetLine, BudgetLineImport

#: The order of the classification: a level's lines are next to each other (節 before 事業 so that a 節's lines
#: across 事業 and 所管課 sit together under its subtotal).
HIERARCHY = (BudgetLine.fiscal_year, BudgetLine.account_code, BudgetLine.chapter_code, BudgetLine.section_code,
             BudgetLine.item_code, BudgetLine.subitem_code, BudgetLine.project_code, BudgetLine.detail_code,
             Department.code)
#: Sort keys of the list besides the classification (``amount`` columns descending first when chosen).
SORTS = {"current": BudgetLine.current_amount, "executed": BudgetLine.executed_amount,
         "remaining": BudgetLine.remaining_amount, "department": Department.code}
#: Grouping levels of the totals: name → (label, the key columns of a group of that level).
LEVEL_KEYS = {
    "account": ("会計", ("fiscal_year", "account_code")),
    "chapter": ("款", ("fiscal_year", "account_code", "chapter_code")),
    "section": ("項", ("fiscal_year", "account_code", "chapter_code", "section_code")),
    "item": ("目", ("fiscal_year", "account_code", "chapter_code", "section_code", "item_code")),
    "subitem": ("節", ("fiscal_year", "account_code", "chapter_code", "section_code", "item_code", "subitem_code")),
}
LEVEL_ORDER = tuple(LEVEL_KEYS)
ABSENT_STATES = {"": "すべて", "present": "最新の取込にあるもの", "absent": "最新の取込にないもの"}


@dataclass(frozen=True)
class Filters:
    fiscal_year: int | None = None
    account_code: str | None = None
    chapter_code: str | None = None
    department_id: int | None = None
    q: str | None = None
    absent: str = ""


def scoped(user, stmt: Select | None = None) -> Select:
    """Lines (joined with their department) that ``user`` may read."""
    stmt = stmt if stmt is not None else select(BudgetLine)
    return restrict_to_department(stmt.select_from(BudgetLine).join(Department, BudgetLine.department_id == Department.id), user,
                                  BudgetLine.department_id)


def _filtered(stmt: Select, f: Filters) -> Select:
    if f.fiscal_year is not None:
        stmt = stmt.where(BudgetLine.fiscal_year == f.fiscal_year)
    if f.account_code:
        stmt = stmt.where(BudgetLine.account_code == f.account_code)
    if f.chapter_code:
        stmt = stmt.where(BudgetLine.chapter_code == f.chapter_code)
    if f.department_id:
        stmt = stmt.where(BudgetLine.department_id == f.department_id)
    if f.absent == "absent":
        stmt = stmt.where(BudgetLine.absent_since.is_not(None))
    elif f.absent == "present":
        stmt = stmt.where(BudgetLine.absent_since.is_(None))
    if f.q and f.q.strip():
        for word in f.q.split():
            stmt = stmt.where(or_(*(contains_text(column, word, ignore_case=True) for column in (
                BudgetLine.chapter_name, BudgetLine.section_name, BudgetLine.item_name, BudgetLine.project_name,
                BudgetLine.subitem_name, BudgetLine.detail_name, BudgetLine.project_code))))
    return stmt


def line_list(user, f: Filters, sort: str | None = None) -> tuple[Select, str]:
    """The lines ``user`` may read matching ``f``: in the classification's order (``sort`` empty: the grouped
    list with subtotals), or by one of ``SORTS`` (``-key`` descending). Returns the statement and the sort used."""
    stmt = _filtered(scoped(user).options(joinedload(BudgetLine.department)), f)
    key = sort if sort and sort.lstrip("-") in SORTS else ""
    if key:
        column = SORTS[key.lstrip("-")]
        stmt = stmt.order_by(column.desc() if key.startswith("-") else column.asc(), *HIERARCHY)
    else:
        stmt = stmt.order_by(*HIERARCHY)
    return stmt, key


def _sums():
    # SUM of a bigint is numeric on PostgreSQL: cast back, so both engines hand out int yen.
    return [cast(func.coalesce(func.sum(getattr(BudgetLine, f)), 0), BigInteger).label(f) for f in AMOUNT_FIELDS] + [
        func.count(BudgetLine.id).label("lines"), func.count(BudgetLine.allotted_amount).label("allotted_lines")]


def _names(level: str) -> list:
    """The name columns shown with a group: one name per code (the latest line's name would differ only when the
    finance system renamed a 款 between imports, max() picks one of them)."""
    prefixes = LEVEL_ORDER[:LEVEL_ORDER.index(level) + 1]
    return [func.max(getattr(BudgetLine, f"{p}_name")).label(f"{p}_name") for p in prefixes]


def level_totals(user, f: Filters, level: str) -> Select:
    """One row per group of ``level`` (key columns, names, summed amounts, number of lines), in order."""
    keys = [getattr(BudgetLine, k) for k in LEVEL_KEYS[level][1]]
    stmt = _filtered(scoped(user, select(*keys, *_names(level), *_sums())), f)
    return stmt.group_by(*keys).order_by(*keys)


def totals_for(session: Session, user, f: Filters, level: str, keys: Iterable[tuple]) -> dict[tuple, object]:
    """The totals of the ``level`` groups with the given keys (the groups one list page shows), by key."""
    keys = set(keys)
    if not keys:
        return {}
    columns = LEVEL_KEYS[level][1]
    stmt = level_totals(user, f, level)
    # Narrow to the page's 年度・会計・款: the groups are then computed over those lines only.
    for i, name in enumerate(columns[:3]):
        stmt = stmt.where(getattr(BudgetLine, name).in_({k[i] for k in keys}))
    return {key: row for row in session.execute(stmt) if (key := tuple(row[:len(columns)])) in keys}


def grand_total(session: Session, user, f: Filters):
    """The sums over every line matching ``f`` (the list's 合計 row)."""
    return session.execute(_filtered(scoped(user, select(*_sums())), f)).one()


def group_key(row, level: str) -> tuple:
    return tuple(getattr(row, k) for k in LEVEL_KEYS[level][1])


def get_line(session: Session, user, line_id: int) -> BudgetLine | None:
    """The line, or None when it does not exist or lies outside ``user``'s scope (answered as missing)."""
    return session.scalar(scoped(user).options(joinedload(BudgetLine.department)).where(BudgetLine.id == line_id))


def import_history(session: Session, line_id: int) -> list:
    """(event row, batch) of each import that created, changed or no longer held the line, newest first."""
    return list(session.execute(
        select(BudgetLineImport, ImportBatch).join(ImportBatch, ImportBatch.id == BudgetLineImport.batch_id)
        .where(BudgetLineImport.line_id == line_id).order_by(BudgetLineImport.batch_id.desc())))


# --- filter choices -----------------------------------------------------------------------------------

def fiscal_years(session: Session, user) -> list[int]:
    return list(session.scalars(scoped(user, select(BudgetLine.fiscal_year)).distinct()
                                .order_by(BudgetLine.fiscal_year.desc())))


def accounts(session: Session, user, fiscal_year: int | None) -> list[tuple[str, str]]:
    stmt = scoped(user, select(BudgetLine.account_code, func.max(BudgetLine.account_name)))
    if fiscal_year is not None:
        stmt = stmt.where(BudgetLine.fiscal_year == fiscal_year)
    return [(code, f"{code} {name}" if name else code) for code, name in
            session.execute(stmt.group_by(BudgetLine.account_code).order_by(BudgetLine.account_code))]


def chapters(session: Session, user, fiscal_year: int | None, account_code: str | None) -> list[tuple[str, str]]:
    stmt = scoped(user, select(BudgetLine.chapter_code, func.max(BudgetLine.chapter_name)))
    if fiscal_year is not None:
        stmt = stmt.where(BudgetLine.fiscal_year == fiscal_year)
    if account_code:
        stmt = stmt.where(BudgetLine.account_code == account_code)
    return [(code, f"{code} {name}" if name else code) for code, name in
            session.execute(stmt.group_by(BudgetLine.chapter_code).order_by(BudgetLine.chapter_code))]


def departments(session: Session, user) -> list[tuple[int, str]]:
    """The departments owning lines that ``user`` may read."""
    stmt = scoped(user, select(Department.id, Department.code, Department.name)).distinct().order_by(Department.code)
    return [(i, f"{code} {name}") for i, code, name in session.execute(stmt)]


# --- for other aggregates (tender cases) and the import -------------------------------------------------

def lines_by_ids(session: Session, ids: Iterable[int]) -> list[BudgetLine]:
    """The lines with these ids (their departments loaded), in the classification's order; unknown ids are left
    out. No scope: the caller decided the lines may be shown (a case's own lines)."""
    ids = sorted(set(ids))
    lines: list[BudgetLine] = []
    for start in range(0, len(ids), 1000):
        lines += session.scalars(select(BudgetLine).options(joinedload(BudgetLine.department))
                                 .where(BudgetLine.id.in_(ids[start:start + 1000])))
    return sorted(lines, key=hierarchy_key)


def hierarchy_key(line: BudgetLine) -> tuple:
    """``HIERARCHY`` for a loaded line."""
    return (line.fiscal_year, line.account_code, line.chapter_code, line.section_code, line.item_code,
            line.subitem_code, line.project_code, line.detail_code, line.department.code)


def choice_label(line: BudgetLine) -> str:
    """``2025 一般会計 08土木費-01-01 14工事請負費（土木課）残 675,140,000 円`` (the select of a case form)."""
    account = line.account_name or line.account_code
    return (f"{line.fiscal_year} {account} {line.title}（{line.department.name}）"
            f"残 {line.remaining_amount:,} 円")


def line_choices(session: Session, user, fiscal_year: int, department_id: int | None = None) -> list[tuple[int, str]]:
    """(id, label) of the lines of ``fiscal_year`` that ``user`` may read (``department_id``: that 所管課 only),
    in the classification's order; lines no longer in the latest import are left out."""
    stmt = (scoped(user).options(joinedload(BudgetLine.department))
            .where(BudgetLine.fiscal_year == fiscal_year, BudgetLine.absent_since.is_(None)).order_by(*HIERARCHY))
    if department_id is not None:
        stmt = stmt.where(BudgetLine.department_id == department_id)
    return [(line.id, choice_label(line)) for line in session.scalars(stmt)]


def lines_with_keys(session: Session, keys: set[tuple]) -> list[BudgetLine]:
    """The stored lines with these keys (``BudgetLine.key``): one query over their 年度・会計・款・所管課."""
    if not keys:
        return []
    stmt = select(BudgetLine).where(
        BudgetLine.fiscal_year.in_({k[0] for k in keys}), BudgetLine.account_code.in_({k[1] for k in keys}),
        BudgetLine.chapter_code.in_({k[2] for k in keys}), BudgetLine.department_id.in_({k[-1] for k in keys}))
    return [line for line in session.scalars(stmt) if line.key in keys]


def stored_keys(session: Session, years: Iterable[int], amounts: bool = False) -> dict[tuple, object]:
    """Key → id (``amounts``: (id, amounts…)) of every stored line of the 年度 ``years``, as plain rows."""
    columns = [getattr(BudgetLine, f) for f in KEY_FIELDS]
    extra = [getattr(BudgetLine, f) for f in AMOUNT_FIELDS] if amounts else []
    rows = session.execute(select(*columns, BudgetLine.id, *extra).where(BudgetLine.fiscal_year.in_(set(years))))
    n = len(KEY_FIELDS)
    return {tuple(row[:n]): (tuple(row[n:]) if amounts else row[n]) for row in rows}


def year_label(fiscal_year: int) -> str:
    return fiscal_year_label(fiscal_year, None)

