"""Demo data of notification and 説明請求 (``flask demo`` only, wired by ``grading.init_app``): two works of 土木課 (the
bidding demo's department, whose budget the demo imports) completed, graded by three graders and settled — one
waiting for its notice, one notified today with a 説明請求 received — and an applicant login of the notified firm,
so the notice list, the publication list, the request queue and the firm's portal page have something to show.
Everything goes through the services, as users would do it; nothing is made twice (a demo work found by its name
is kept as it is)."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth.roles import Role
from core.auth.services import AuthSettings

GENERAL = ("soukatsu", "総括 五郎")
APPLICANT = "seiseki@example.jp"
#: name, 契約金額 (about), days since completion, share of each checklist the 主任監督員 ticks.
WORKS = (("（デモ）市道東西線側溝改良工事", 31_200_000, 60, 0.8), ("（デモ）市道北原線舗装新設工事", 26_400_000, 45, 0.6))


def load_demo(session: Session, settings: AuthSettings, storage_root: str) -> list[tuple[str, str, str]]:
    from core.auth.services import find_user

    from ..works.models import GradedWork

    staff, chief, inspector = (find_user(session, login) for login in ("keiyaku", "doboku", "kensa"))
    if None in (staff, chief, inspector) or chief.department is None:
        click.echo("評定の通知のデモデータは作りません（利用者 keiyaku・doboku・kensa のいずれかがありません）。")
        return []
    issued, general = _general(session, settings, chief)
    done = set(session.scalars(select(GradedWork.name).where(GradedWork.name.in_([w[0] for w in WORKS]))))
    for i, (name, amount, age, ratio) in enumerate(WORKS):
        if name in done:
            continue
        work = _graded_work(session, staff, chief, general, inspector, name, amount, age, ratio, i)
        if work is None:
            click.echo(f"評定の通知のデモデータ「{name}」は作りません（今年度の{chief.department.name}の予算科目か業者がありません）。")
        elif i == 0:
            _notify_with_request(session, staff, work)
        session.commit()
    work = session.scalar(select(GradedWork).where(GradedWork.name == WORKS[0][0]))
    if work is not None and work.state == "notified":
        issued += _applicant(session, settings, work.contractor)
    return issued


def _general(session: Session, settings: AuthSettings, chief) -> tuple[list, object]:
    from core.auth import admin_services
    from core.auth.services import find_user
    from core.db import utcnow

    login_id, name = GENERAL
    user = find_user(session, login_id)
    if user is None:
        user, password = admin_services.create_user(
            session, None, login_id=login_id, name=name, roles=[Role.DEPARTMENT_STAFF], policy=settings.policy,
            department_id=chief.department_id, hash_method=settings.hash_method)
    else:
        password = admin_services.reset_password(session, None, user, policy=settings.policy, now=utcnow(),
                                                 hash_method=settings.hash_method)
    user.must_change_password = False
    session.commit()
    return [(login_id, f"{Role.DEPARTMENT_STAFF.label}（総括監督員）", password)], user


def _completed_contract(session: Session, staff, chief, inspector, name: str, amount: int, age: int, index: int):
    """A case of the chief's department, charged to its budget of this 年度, nominated, bid, awarded and contracted
    some months ago, completed ``age`` days ago with its 完成検査 passed (which opens the graded work)."""
    from bidding.bids.award import award
    from bidding.bids.services import open_round, record_bid
    from bidding.budget.models import BudgetLine
    from bidding.cases.charges import add_charge
    from bidding.cases.services import approve_case, create_case
    from bidding.contracts.services import approve_contract, create_contract, report_completion
    from bidding.inspections.services import assign_inspection, record_result
    from bidding.nominations.services import notify_nominations, pick_firm
    from core.rules.numbering import fiscal_year_of
    from core.timefmt import today
    from registry.contractors.models import Contractor

    firm = session.scalar(select(Contractor).where(Contractor.status == "active", Contractor.is_jv.is_(False))
                          .order_by(Contractor.number).offset(6 + 3 * index).limit(1))
    if firm is None:
        return None
    day = today()
    year = fiscal_year_of(day)
    line = session.scalar(select(BudgetLine).where(BudgetLine.fiscal_year == year,
                                                   BudgetLine.department_id == chief.department_id)
                          .order_by(BudgetLine.id).limit(1))
    if line is None:
        return None
    drafted = day - timedelta(days=age + 120)
    notice = drafted + timedelta(days=7)
    opening = datetime.combine(notice + timedelta(days=15), time(10, 0))
    planned = amount * 100 // 110 // 1000 * 1000
    case = create_case(session, chief, {
        "name": name, "department_id": chief.department_id, "category": "construction", "work_type_code": "010",
        "method": "nominated", "place": "架空市東町地内", "design_amount": planned, "planned_price": planned,
        "floor_kind": "none", "disclosure": "after", "allowed_ranks": [], "drafted_on": drafted, "notice_on": notice,
        "questions_until": notice + timedelta(days=5), "bids_from": notice + timedelta(days=8),
        "bids_until": opening.date() - timedelta(days=1), "opening_at": opening, "work_days": 90},
        fiscal_year=year)
    add_charge(session, chief, case, line.id, amount)
    approve_case(session, staff, case)
    pick_firm(session, staff, case, firm, today=notice, override_reason="（デモ）評定の例のために指名")
    notify_nominations(session, staff, case, notice_on=notice)
    bid = amount * 100 // 110 // 1000 * 1000 - 400_000
    record_bid(session, staff, case, firm, amount=bid, declined=False,
               received_at=datetime.combine(opening.date() - timedelta(days=1), time(9, 0)))
    open_round(session, staff, case, now=opening)
    award(session, staff, case, decided_on=opening.date())
    start = opening.date() + timedelta(days=7)
    contract = create_contract(session, staff, case, contract_date=start, work_from=start + timedelta(days=1),
                               work_to=day - timedelta(days=age - 3), guarantee_method="exempt",
                               guarantee_exempt_reason="（デモ）保険による")
    approve_contract(session, staff, contract)
    report_completion(session, staff, contract, reported_on=day - timedelta(days=age - 3))
    final = assign_inspection(session, staff, contract, kind="final", inspector=inspector,
                              scheduled_on=day - timedelta(days=age - 6))
    record_result(session, inspector, final, inspected_on=day - timedelta(days=age - 6), result="pass")
    return contract


def _sheet(rules, role: str, ratio: float = 0.8) -> dict:
    """Entries as a grader fills them: ``ratio`` of each checklist ticked (the letter the checklist suggests) and a
    few bonus points."""
    from ..works.sheets import EntryInput, role_items, suggestion

    entries = {}
    for item in role_items(rules, role):
        if item.is_bonus:
            entries[item.key] = EntryInput(str(min(item.maximum, 2)))
            continue
        ticks = tuple(range(math.ceil(len(item.checklist) * ratio)))
        hint = suggestion(item, EntryInput(None, ticks), rules.formula) if item.checklist else None
        entries[item.key] = EntryInput(hint or ("b" if "b" in item.scale else next(iter(item.scale))), ticks)
    return entries


def _graded_work(session: Session, staff, chief, general, inspector, name: str, amount: int, age: int,
                 ratio: float, index: int):
    from ..works.models import GradedWork
    from ..works.queries import work_rules
    from ..works.services import assign_grader, save_sheet, settle_work

    contract = _completed_contract(session, staff, chief, inspector, name, amount, age, index)
    if contract is None:
        return None
    work = session.scalar(select(GradedWork).where(GradedWork.contract_id == contract.id))
    if work is None:
        return None
    assign_grader(session, chief, work, "chief", chief)
    assign_grader(session, chief, work, "general", general)
    rules = work_rules(session, work)
    for role, user in (("chief", chief), ("general", general), ("final_inspector", inspector)):
        save_sheet(session, user, work.assignment(role), _sheet(rules, role, ratio if role == "chief" else 0.8),
                   submit=True)
    settle_work(session, general, work)
    return work


def _notify_with_request(session: Session, staff, work) -> None:
    from core.timefmt import today

    from ..explanations.services import file_request
    from .services import notify_work

    notify_work(session, staff, work, today())
    file_request(session, staff, work, channel="paper", filed_on=today(),
                 content="（デモ）施工管理の評価が b となった理由について説明を求めます。出来形管理の記録は全て提出済みです。")


def _applicant(session: Session, settings: AuthSettings, firm) -> list[tuple[str, str, str]]:
    """An applicant login of the notified firm (its account carries the firm's 業者番号, as an accepted application
    leaves it), so the portal shows the notice."""
    from core.auth.passwords import generate_one_time_password, hash_password
    from core.auth.services import find_user
    from core.db import utcnow
    from registry.applications import accounts

    password = generate_one_time_password(settings.policy)
    user = find_user(session, APPLICANT)
    if user is None:
        accounts.sign_up(session, email=APPLICANT, firm_name=firm.name, password=password, policy=settings.policy,
                         hash_method=settings.hash_method, now=utcnow(), link=lambda token: token)
        user = find_user(session, APPLICANT)
        account = accounts.account_of(session, user)
        account.email_confirmed_at = utcnow()
        account.contractor_number = firm.number
        user.is_active, user.deactivated_reason = True, None
    else:
        user.password_hash = hash_password(password, settings.hash_method)
    session.commit()
    return [(APPLICANT, f"{Role.APPLICANT.label}（{firm.name}・評定の通知）", password)]
