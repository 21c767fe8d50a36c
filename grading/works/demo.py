"""The grading demo data (``flask demo`` only, after the bidding demo): a 主任監督員 and a 総括監督員 of 土木課 (and an
検査員 when the demo has none), and two 土木課 works taken through the whole journey by the services — a case
nominated, bid, awarded, contracted and completed, its 完成検査 passed by the 検査員 (which opens the graded work)
— one 入力中 (the chief saved a draft; its deadline has passed) and one 確定 (three sheets submitted and settled).

Idempotent: the logins get fresh passwords on every run; the works are made once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth.roles import Role
from core.auth.services import AuthSettings

WORKS_DEPARTMENT = ("110", "土木課")
GRADERS = (("shunin", "主任 監督", Role.DEPARTMENT_STAFF), ("soukatsu", "総括 監督", Role.DEPARTMENT_STAFF))
INSPECTOR = ("kensain", "検査 一郎", Role.INSPECTOR)
#: The demo works: name, 予定価格 (税抜), days since the 完成検査, how far grading went.
WORKS = (("（デモ）市道北通線側溝改良工事", 10_800_000, 30, "settled"),
         ("（デモ）中央公園園路整備工事", 26_500_000, 18, "draft"))


def load_demo(session: Session, settings: AuthSettings, storage_root: str) -> list[tuple[str, str, str]]:
    from core.auth import admin_services
    from core.auth.models import Department, User, UserRole
    from core.auth.services import find_user
    from core.db import utcnow

    code, name = WORKS_DEPARTMENT
    department = session.scalar(select(Department).where(Department.code == code)) or \
        admin_services.create_department(session, None, code=code, name=name)
    wanted = list(GRADERS)
    has_inspector = session.scalar(select(User.id).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == Role.INSPECTOR, User.is_active.is_(True), User.login_id != INSPECTOR[0]).limit(1))
    if has_inspector is None:
        wanted.append(INSPECTOR)
    issued = []
    for login_id, user_name, role in wanted:
        user = find_user(session, login_id)
        if user is None:
            user, password = admin_services.create_user(
                session, None, login_id=login_id, name=user_name, roles=[role], policy=settings.policy,
                department_id=department.id if role == Role.DEPARTMENT_STAFF else None,
                hash_method=settings.hash_method)
        else:
            password = admin_services.reset_password(session, None, user, policy=settings.policy, now=utcnow(),
                                                     hash_method=settings.hash_method)
        user.must_change_password = False
        issued.append((login_id, role.label, password))
    session.commit()
    _load_works(session, department)
    session.commit()
    return issued


def _inspector(session: Session):
    from core.auth.models import User, UserRole

    return session.scalar(select(User).join(UserRole, UserRole.user_id == User.id)
                          .where(UserRole.role == Role.INSPECTOR, User.is_active.is_(True)).order_by(User.id).limit(1))


def _load_works(session: Session, department) -> None:
    from bidding.cases.models import TenderCase
    from core.auth.services import find_user
    from core.timefmt import today

    staff, chief, general = (find_user(session, login) for login in ("keiyaku", "shunin", "soukatsu"))
    inspector = _inspector(session)
    if staff is None or inspector is None or session.scalar(
            select(TenderCase.id).where(TenderCase.name == WORKS[0][0]).limit(1)) is not None:
        return
    day = today()
    for name, planned, days_ago, progress in WORKS:
        contract = _completed_contract(session, staff, inspector, department, name, planned, day - timedelta(days_ago))
        if contract is None:
            return
        _grade(session, contract, staff, chief, general, inspector, progress)


def _completed_contract(session: Session, staff, inspector, department, name: str, planned: int, completed: date):
    """A 指名競争 case of the department taken to a passed 完成検査 on ``completed`` (None when the demo firms are
    not eligible for it)."""
    from bidding.bids.award import award
    from bidding.bids.services import open_round, record_bid
    from bidding.budget.models import BudgetLine
    from bidding.cases.charges import add_charge
    from bidding.cases.services import approve_case, create_case
    from bidding.contracts.services import create_contract, report_completion
    from bidding.inspections.services import assign_inspection, record_result
    from bidding.nominations.eligibility import eligibility_rows
    from bidding.nominations.services import notify_nominations, pick_firm
    from bidding.prices import tax_included
    from registry.contractors.models import Contractor

    drafted = completed - timedelta(days=90)  # a short works: the demo firms' 経審 are a few months old
    notice = drafted + timedelta(days=7)
    opening = datetime.combine(notice + timedelta(days=15), time(10, 0))
    case = create_case(session, staff, {
        "name": name, "department_id": department.id, "category": "construction", "work_type_code": "010",
        "method": "nominated", "place": "架空市北町地内", "design_amount": planned, "planned_price": planned,
        "floor_kind": "minimum", "floor_price": planned * 85 // 100 // 1000 * 1000, "disclosure": "after",
        "allowed_ranks": [], "drafted_on": drafted, "notice_on": notice, "questions_until": notice + timedelta(days=5),
        "bids_from": notice + timedelta(days=8), "bids_until": opening.date() - timedelta(days=1), "opening_at": opening,
        "work_days": 120})
    line = session.scalar(select(BudgetLine).where(BudgetLine.fiscal_year == case.fiscal_year,
                                                   BudgetLine.department_id == department.id)
                          .order_by(BudgetLine.id).limit(1))
    if line is not None:
        add_charge(session, staff, case, line.id, tax_included(session, planned, case.price_date))
    approve_case(session, staff, case)
    eligible = [r for r in eligibility_rows(session, case, notice) if r.eligible][:3]
    if len(eligible) < 2:
        return None
    firms = [session.get(Contractor, r.contractor_id) for r in eligible]
    for firm in firms:
        pick_firm(session, staff, case, firm, today=notice)
    notify_nominations(session, staff, case, notice_on=notice)
    received = datetime.combine(opening.date() - timedelta(days=1), time(9, 0))
    for i, firm in enumerate(firms):
        record_bid(session, staff, case, firm, amount=planned * (93 + 2 * i) // 100 // 1000 * 1000, declined=False,
                   received_at=received + timedelta(minutes=17 * i))
    open_round(session, staff, case, now=opening)
    decided = award(session, staff, case, decided_on=opening.date())
    start = opening.date() + timedelta(days=10)
    total = tax_included(session, decided.amount, start - timedelta(days=3))
    contract = create_contract(session, staff, case, contract_date=start - timedelta(days=3), work_from=start,
                               work_to=completed - timedelta(days=5), guarantee_method="bond",
                               guarantee_amount=total // 10 + 1000, partial_payments=0)
    report_completion(session, staff, contract, reported_on=completed - timedelta(days=5))
    final = assign_inspection(session, staff, contract, kind="final", inspector=inspector,
                              scheduled_on=completed)
    record_result(session, inspector, final, inspected_on=completed, result="pass", remarks="出来形・品質とも良好")
    return contract


def _entries(rules, role: str, letters: dict[str, str]) -> dict:
    """Entries whose ticks agree with each letter (the checklist's own suggestion, ``sheets.suggestion``); a letter
    no tick count suggests is the grader's judgement with a reason."""
    from ..scoring import LETTERS
    from .sheets import EntryInput, role_items, suggestion

    out = {}
    for item in role_items(rules, role):
        value = letters.get(item.key)
        if value is None:
            continue
        if item.is_bonus or not item.checklist:
            out[item.key] = EntryInput(value)
            continue
        size = len(item.checklist)
        ticks = next((k for k in range(size, -1, -1)
                      if suggestion(item, EntryInput(value, tuple(range(k))), rules.formula) == value), None)
        if ticks is None:
            reason = "評価対象項目をすべて満たし、さらに優れた取組があった" if LETTERS.index(value) < LETTERS.index("b") \
                else "評価対象項目の一部に不備があった"
            out[item.key] = EntryInput(value, tuple(range(size)), override_reason=reason)
        else:
            out[item.key] = EntryInput(value, tuple(range(ticks)),
                                       comment="施工計画どおり実施された。" if ticks == size else None)
    return out


CHIEF = {"chief_taisei": "b", "chief_engineer": "b", "chief_management": "b", "chief_schedule": "c",
         "chief_safety": "b", "chief_outside": "c", "chief_shape": "b", "chief_quality": "a", "chief_creativity": "2"}
GENERAL = {"general_schedule": "b", "general_safety": "b", "general_conditions": "1", "general_community": "c"}
FINAL = {"inspector_management": "b", "inspector_shape": "b", "inspector_quality": "b", "inspector_finish": "b"}


def _grade(session: Session, contract, staff, chief, general, inspector, progress: str) -> None:
    from .models import GradedWork
    from .queries import work_rules
    from .services import assign_grader, save_sheet, settle_work

    work = session.scalar(select(GradedWork).where(GradedWork.contract_id == contract.id))
    if work is None or chief is None or general is None:
        return
    assign_grader(session, staff, work, "chief", chief)
    assign_grader(session, staff, work, "general", general)
    rules = work_rules(session, work)
    if progress == "draft":
        partial = {k: v for k, v in CHIEF.items() if k in ("chief_taisei", "chief_engineer", "chief_management")}
        save_sheet(session, chief, work.assignment("chief"), _entries(rules, "chief", partial))
        return
    for role, user, letters in (("chief", chief, CHIEF), ("general", general, GENERAL),
                                ("final_inspector", inspector, FINAL)):
        save_sheet(session, user, work.assignment(role), _entries(rules, role, letters), submit=True)
    settle_work(session, general, work)
