"""Reads of graded works (SPEC GR1, GR3): the progress board (filters, sort, counts per state; its CSV/Excel and the
home queues read the same statements), one work within the user's reach, a grader's open sheets, the works waiting
for their 主任・総括監督員 or for the settler, and a sheet's lines with their points for the screens and reports.

Scope: the contract section and viewers see every work; department staff their department's works; a grader (an
inspector above all) the works assigned to them. A work out of reach is ``None`` to ``get_work`` (views answer
404), as a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from bidding.cases.permissions import is_contract_section
from core.auth.models import Department, User, UserRole
from core.auth.roles import Role
from core.rules import get_rule
from core.rules.queries import cached_for_rules, rule_history
from core.search import contains_text
from registry.contractors.models import Contractor

from ..calculator import GradingRules, breakdown, rules_on
from ..rules import SCOPE_KEY
from ..scoring import ROLE_ORDER, Deduction, GraderResult, Item, ScoreError, SheetScore, total
from . import permissions
from .models import ROLES, GradedWork, GraderAssignment
from .sheets import EntryInput, check_sheet, role_items, stored_entries

#: Works still being graded (not settled): the ones that can be late.
OPEN_STATES = ("pending", "entering", "submitted")
#: Sort keys of the board's headers (``-key`` descending); the 契約番号 breaks ties so pages are stable.
SORT_COLUMNS = {"number": GradedWork.contract_number, "name": GradedWork.name, "completed": GradedWork.completed_on,
                "due": GradedWork.due_on, "state": GradedWork.state, "score": GradedWork.final_score}
DEFAULT_SORT = "-completed"


def score_text(value: Decimal | None) -> str:
    """A score as people read it: ``79``, ``80.2`` (no trailing zeros of the stored decimals); ``—`` for none."""
    if value is None:
        return "—"
    return f"{Decimal(value).normalize():f}"


def suggestion_text(formula) -> str:
    """How the checklist suggests a letter under ``formula`` (``scoring.suggest_letter``), as the screens and forms
    explain it to graders."""
    return (f"該当する評価対象項目の {score_text(formula['b_ratio'])} % 以上ができていれば b、"
            f"{score_text(formula['c_ratio'])} % 以上で c、それ未満は d。該当する項目が {formula['few_items']} 以下のときは c。"
            "文書による改善指示があれば e。")


def sort_key(raw: str | None) -> str:
    return raw if raw and raw.lstrip("-") in SORT_COLUMNS else DEFAULT_SORT


def _order(sort: str) -> tuple:
    key = sort_key(sort)
    column = SORT_COLUMNS[key.lstrip("-")]
    descending = key.startswith("-")
    first = column.desc().nulls_last() if descending else column.asc().nulls_last()
    return first, GradedWork.contract_number.desc() if descending else GradedWork.contract_number


def late_condition(day: date):
    """Past the entry deadline and not settled (the work's late flag on the board and the home page)."""
    return and_(GradedWork.due_on < day, GradedWork.state.in_(OPEN_STATES))


def is_late(work: GradedWork, day: date) -> bool:
    """``late_condition`` of one loaded work."""
    return work.due_on is not None and work.due_on < day and work.state in OPEN_STATES


def graders(work: GradedWork) -> list[GraderAssignment]:
    """The work's graders in the order of the forms: 主任監督員, 総括監督員, 検査員（中間・既済部分）by round, 検査員（完成）."""
    return sorted(work.assignments, key=lambda a: (ROLE_ORDER.index(a.role), a.seq))


def restrict_to_user(stmt: Select, user) -> Select:
    """The works ``user`` may see (the query form of ``permissions.can_view_work``)."""
    if permissions.sees_every_work(user):
        return stmt
    reach = [GradedWork.id.in_(select(GraderAssignment.work_id).where(GraderAssignment.user_id == user.id))]
    if user.has_role(Role.DEPARTMENT_STAFF) and user.department_id is not None:
        reach.append(GradedWork.department_id == user.department_id)
    return stmt.where(or_(*reach))


@dataclass
class WorkFilters:
    fiscal_year: int | None = None
    department_id: int | None = None
    state: str | None = None  # a work state or ``open``
    late_only: bool = False
    q: str | None = None
    sort: str = DEFAULT_SORT


def _filtered(stmt: Select, user, filters: WorkFilters, day: date, *, with_state: bool = True) -> Select:
    stmt = restrict_to_user(stmt, user)
    if filters.fiscal_year:
        stmt = stmt.where(GradedWork.fiscal_year == filters.fiscal_year)
    if filters.department_id:
        stmt = stmt.where(GradedWork.department_id == filters.department_id)
    if with_state and filters.state == "open":
        stmt = stmt.where(GradedWork.state.in_(OPEN_STATES))
    elif with_state and filters.state:
        stmt = stmt.where(GradedWork.state == filters.state)
    if filters.late_only:
        stmt = stmt.where(late_condition(day))
    if filters.q:
        stmt = stmt.where(or_(contains_text(GradedWork.name, filters.q), contains_text(GradedWork.contract_number, filters.q),
                              GradedWork.contractor_id.in_(select(Contractor.id)
                                                           .where(contains_text(Contractor.name, filters.q)))))
    return stmt


def board(user, filters: WorkFilters, day: date) -> Select:
    """The works of the board (with contractor, department and graders loaded), sorted."""
    stmt = _filtered(select(GradedWork), user, filters, day)
    return stmt.options(joinedload(GradedWork.contractor), joinedload(GradedWork.department),
                        selectinload(GradedWork.assignments).joinedload(GraderAssignment.user)
                        ).order_by(*_order(filters.sort))


def state_counts(session: Session, user, filters: WorkFilters, day: date) -> dict[str, int]:
    """The board's count per state (the other filters applied, not the state's) and of the late works."""
    stmt = _filtered(select(GradedWork.state, func.count(), func.coalesce(func.sum(case((late_condition(day), 1),
                                                                                         else_=0)), 0)),
                     user, filters, day, with_state=False).group_by(GradedWork.state)
    counts: dict[str, int] = {}
    late = 0
    for state, count, late_count in session.execute(stmt):
        counts[state] = count
        late += late_count
    counts["late"] = late
    return counts


def get_work(session: Session, user, work_id: int) -> GradedWork | None:
    """One work, or None when missing or out of ``user``'s reach."""
    work = session.get(GradedWork, work_id, options=[joinedload(GradedWork.contractor),
                                                     joinedload(GradedWork.department)])
    if work is None or not permissions.can_view_work(user, work):
        return None
    return work


def work_by_number(session: Session, user, number: str) -> GradedWork | None:
    """The work of a 契約番号 (what a report is asked for), or None when missing or out of reach."""
    work = session.scalar(select(GradedWork).where(GradedWork.contract_number == number))
    if work is None or (user is not None and not permissions.can_view_work(user, work)):
        return None
    return work


def fiscal_years(session: Session) -> list[int]:
    return list(session.scalars(select(GradedWork.fiscal_year).distinct().order_by(GradedWork.fiscal_year.desc())))


def department_choices(session: Session) -> list[tuple[int, str]]:
    """The departments that have graded works (the board's 担当課 filter, for the contract section)."""
    stmt = (select(Department).where(Department.id.in_(select(GradedWork.department_id).distinct()))
            .order_by(Department.code))
    return [(d.id, f"{d.code} {d.name}") for d in session.scalars(stmt)]


def supervisor_choices(session: Session, work: GradedWork) -> list[tuple[int, str]]:
    """Who may be named 主任監督員 or 総括監督員: active staff of the works department."""
    stmt = (select(User).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.DEPARTMENT_STAFF, User.is_active.is_(True),
                   User.department_id == work.department_id).order_by(User.name))
    return [(u.id, u.name) for u in session.scalars(stmt)]


# --- the grader's work ---------------------------------------------------------------------------------

def _open_sheets(columns, user) -> Select:
    return (select(*columns).select_from(GraderAssignment).join(GradedWork, GradedWork.id == GraderAssignment.work_id)
            .where(GraderAssignment.user_id == user.id, GraderAssignment.state != "submitted",
                   GradedWork.state.in_(OPEN_STATES)))


def open_sheets(user) -> Select:
    """The user's own sheets not submitted, of works not settled, nearest deadline first."""
    return (_open_sheets((GraderAssignment,), user)
            .options(joinedload(GraderAssignment.work).joinedload(GradedWork.contractor))
            .order_by(GradedWork.due_on.asc().nulls_last(), GradedWork.id))


def _missing_supervisor():
    def named(role: str):
        return exists().where(GraderAssignment.work_id == GradedWork.id, GraderAssignment.role == role)

    return or_(~named("chief"), ~named("general"))


def _awaiting_supervisors(columns, user) -> Select:
    stmt = select(*columns).select_from(GradedWork)
    if not user.has_role(Role.DEPARTMENT_STAFF) or user.department_id is None:
        return stmt.where(false())
    return stmt.where(GradedWork.department_id == user.department_id, GradedWork.state.in_(OPEN_STATES),
                      _missing_supervisor())


def awaiting_supervisors(user) -> Select:
    """Works of the user's department (department staff) still lacking their 主任監督員 or 総括監督員."""
    return (_awaiting_supervisors((GradedWork,), user)
            .options(joinedload(GradedWork.contractor), selectinload(GradedWork.assignments))
            .order_by(GradedWork.due_on.asc().nulls_last(), GradedWork.id))


def _settler_periods(session: Session) -> list[tuple[date, date | None, str]]:
    """(from, until (exclusive), settler) of each version of the ``grading.scope`` rule, as ``get_rule`` resolves
    them (the settler of a work is the rule's on its 完成検査)."""
    days = sorted({v.effective_from for v in rule_history(session, SCOPE_KEY)})
    return [(day, days[i + 1] if i + 1 < len(days) else None, get_rule(session, SCOPE_KEY, day)["settled_by"])
            for i, day in enumerate(days)]


def settled_by_condition(session: Session, settler: str):
    """SQL condition on ``GradedWork``: the rule in force on its 完成検査 names ``settler`` (``settled_by``
    of one work). The periods are read once per change of the rules, not per request."""
    periods = cached_for_rules(session, ("grading.settler_periods",), lambda: _settler_periods(session))
    parts = [and_(GradedWork.completed_on >= start, GradedWork.completed_on < until) if until
             else GradedWork.completed_on >= start for start, until, who in periods if who == settler]
    return or_(*parts) if parts else false()


def _awaiting_settlement(columns, session: Session, user) -> Select:
    mine = and_(GradedWork.id.in_(select(GraderAssignment.work_id).where(
        GraderAssignment.user_id == user.id, GraderAssignment.role == "general")),
        settled_by_condition(session, "general"))
    reach = or_(mine, settled_by_condition(session, "contract")) if is_contract_section(user) else mine
    return select(*columns).select_from(GradedWork).where(GradedWork.state == "submitted", reach)


def awaiting_settlement(session: Session, user) -> list[GradedWork]:
    """Works whose graders all submitted, for the user to settle (``permissions.is_settler``: their 総括監督員, or the
    contract section when the rule says so)."""
    return list(session.scalars(_awaiting_settlement((GradedWork,), session, user)
                                .options(joinedload(GradedWork.contractor), selectinload(GradedWork.assignments))
                                .order_by(GradedWork.due_on.asc().nulls_last(), GradedWork.id)))


def queue_counts(session: Session, user, day: date) -> dict[str, int]:
    """The home page's counts in one statement: the user's open sheets and the late ones, their department's works
    lacking supervisors, and the works waiting for them to settle."""
    count = (func.count(),)
    row = session.execute(select(
        _open_sheets(count, user).scalar_subquery(),
        _open_sheets(count, user).where(GradedWork.due_on < day).scalar_subquery(),
        _awaiting_supervisors(count, user).scalar_subquery(),
        _awaiting_settlement(count, session, user).scalar_subquery())).one()
    return dict(zip(("open", "late", "unassigned", "settle"), row, strict=True))


# --- one sheet's lines ----------------------------------------------------------------------------------

@dataclass
class SheetLine:
    """One 細別 of a sheet as saved: the letter (or bonus points) with its points (None: not graded yet)."""

    item: Item
    entry: EntryInput
    points: Decimal | None
    suggested: str | None


@dataclass
class SheetGroup:
    category: str
    lines: list[SheetLine] = field(default_factory=list)

    @property
    def points(self) -> Decimal:
        return sum((line.points or Decimal(0) for line in self.lines), Decimal(0))


@dataclass
class SheetTable:
    rules: GradingRules
    groups: list[SheetGroup]
    result: GraderResult | None  # None when the saved entries no longer fit the rules

    @property
    def points(self) -> Decimal | None:
        return self.result.points if self.result is not None else None

    @property
    def score(self) -> Decimal | None:
        return self.result.score(self.rules.formula) if self.result is not None else None

    @property
    def graded(self) -> int:
        return sum(1 for g in self.groups for line in g.lines if line.entry.value not in (None, ""))

    @property
    def size(self) -> int:
        return sum(len(g.lines) for g in self.groups)


def tick_counts(item: Item, entry: EntryInput) -> tuple[int, int]:
    """(ticked as できている, applicable) of an item's checklist: what the letter suggestion is read from."""
    not_applicable = set(entry.not_applicable)
    return len(set(entry.checked) - not_applicable), len(item.checklist) - len(not_applicable)


def sheet_table(rules: GradingRules, assignment: GraderAssignment) -> SheetTable:
    """The saved sheet by 考査項目, with each 細別's points and the running total (``sheets.check_sheet``)."""
    saved = stored_entries(assignment)
    suggested = {e.item_key: e.suggested for e in assignment.entries}
    try:
        result, _hints = check_sheet(rules, assignment.role, saved, complete=False)
    except ScoreError:
        result = None
    points = {line.item.key: line.points for line in result.lines if line.value is not None} if result else {}
    groups: list[SheetGroup] = []
    for item in role_items(rules, assignment.role):
        if not groups or groups[-1].category != item.category:
            groups.append(SheetGroup(item.category))
        groups[-1].lines.append(SheetLine(item, saved.get(item.key, EntryInput()), points.get(item.key),
                                          suggested.get(item.key)))
    return SheetTable(rules, groups, result)


#: The graders every work needs before it is settled (interim inspectors only when there were such inspections).
REQUIRED_ROLES = ("chief", "general", "final_inspector")


# --- scores (what settling records, the screens and the forms show) ------------------------------------

def work_rules(session: Session, work: GradedWork) -> GradingRules:
    """The rules a work is graded by: those in force on its 完成検査, with its table."""
    return rules_on(session, work.completed_on, table=work.grading_table or "standard", work_type=work.work_type_code)


def _sheet_results(rules: GradingRules, work: GradedWork) -> tuple[dict[str, GraderResult], list[GraderResult]]:
    """Each grader's result. A submitted sheet keeps the score it was submitted with (frozen then; only a correction
    re-scores it), so a later correction of the rule changes no settled or published score; its lines are shown as
    the rules in force read them, and left out when those rules no longer read the sheet."""
    results, interim = {}, []
    for a in work.assignments:
        try:
            result, _suggested = check_sheet(rules, a.role, stored_entries(a), complete=True)
        except ScoreError:
            if a.score is None:
                raise
            result = GraderResult(a.role)
        if a.score is not None:
            result = GraderResult(a.role, lines=result.lines, given_score=Decimal(a.score))
        if a.role == "interim_inspector":
            interim.append(result)
        else:
            results[a.role] = result
    return results, interim


def _total(rules: GradingRules, work: GradedWork, results, interim) -> SheetScore:
    deductions = [Deduction(d.kind, d.label, d.points) for d in work.deductions]
    return total({role: r.score(rules.formula) for role, r in results.items()},
                 [r.score(rules.formula) for r in interim], deductions, rules.formula)


def score_work(session: Session, work: GradedWork, rules: GradingRules | None = None) -> SheetScore:
    """The work's score from its submitted sheets and deductions (what settling records and corrections redo)."""
    rules = rules or work_rules(session, work)
    return _total(rules, work, *_sheet_results(rules, work))


def work_breakdown(session: Session, work: GradedWork) -> dict | None:
    """The 項目別評定点表 of a graded work: ``calculator.breakdown`` of its sheets and deductions as they stand (each
    grader's items with letters and points, scores, weights, deductions, final). None for a past grade imported
    without sheets."""
    if not work.assignments:
        return None
    rules = work_rules(session, work)
    results, interim = _sheet_results(rules, work)
    return breakdown(rules, results, interim, _total(rules, work, results, interim), work_type=work.work_type_code)


def settled_by(session: Session, work: GradedWork) -> str:
    """Who settles the work by the ``grading.scope`` rule of its 完成検査: ``general`` or ``contract``."""
    return get_rule(session, SCOPE_KEY, work.completed_on)["settled_by"]


def settle_blockers(work: GradedWork) -> list[str]:
    """What keeps the work from being settled (graders not named, sheets not submitted); empty when it may be."""
    missing = [ROLES[r] for r in REQUIRED_ROLES if work.assignment(r) is None]
    waiting = [f"{a.role_label}（{a.user.name}）" for a in work.assignments if a.state != "submitted"]
    return ([f"{'・'.join(missing)}が指定されていません"] if missing else []) + \
        ([f"{'・'.join(waiting)}が提出していません"] if waiting else [])
