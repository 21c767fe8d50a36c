"""The bidding package's demo data (``flask demo`` only, wired by ``bidding.init_app`` after the budget's): a 土木課
user, 経審 for some demo firms so that nomination has eligible firms, and a few cases in different states charged
to the demo budget. Everything goes through the services, as a user would do it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.roles import Role
from core.auth.services import AuthSettings

DEMO_USER = ("doboku", "土木 一郎", "110")


def load_demo(session: Session, settings: AuthSettings, storage_root: str) -> list[tuple[str, str, str]]:
    from core.auth import admin_services
    from core.auth.models import Department
    from core.auth.services import find_user
    from core.db import utcnow

    from .budget.demo import SAMPLE_DEPARTMENTS

    by_code = {d.code: d for d in session.scalars(select(Department))}
    for code, name in SAMPLE_DEPARTMENTS.items():  # the budget demo made them; kept for a demo without it
        if code not in by_code:
            by_code[code] = admin_services.create_department(session, None, code=code, name=name)
    login_id, name, code = DEMO_USER
    user = find_user(session, login_id)
    if user is None:
        user, password = admin_services.create_user(
            session, None, login_id=login_id, name=name, roles=[Role.DEPARTMENT_STAFF], policy=settings.policy,
            department_id=by_code[code].id, hash_method=settings.hash_method)
    else:
        password = admin_services.reset_password(session, None, user, policy=settings.policy, now=utcnow(),
                                                 hash_method=settings.hash_method)
    user.must_change_password = False
    session.commit()
    _load_cases(session, by_code, user)
    session.commit()
    return [(login_id, Role.DEPARTMENT_STAFF.label, password)]


def _give_keishin(session: Session, day) -> None:
    """A valid 経審 of 土木一式 (010) for the demo firms registered for it that have none (the legacy sample
    carries no 経審, and a construction firm without one is not eligible)."""
    from registry.contractors.models import Contractor
    from registry.qualifications.keishin.services import add_keishin
    from registry.qualifications.models import KeishinScore, RegisteredWorkType, Registration

    firms = session.scalars(select(Contractor).where(Contractor.id.in_(
        select(Registration.contractor_id).join(RegisteredWorkType, RegisteredWorkType.registration_id == Registration.id)
        .where(RegisteredWorkType.work_type_code == "010", Registration.category == "construction")))
        .order_by(Contractor.number)).all()
    have = set(session.scalars(select(KeishinScore.contractor_id).where(KeishinScore.work_type_code == "010")))
    for i, firm in enumerate(f for f in firms if f.id not in have):
        add_keishin(session, None, firm, work_type_code="010", base_date=day - timedelta(days=120 + i),
                    x1=700 + 13 * i, x2=650 + 7 * i, y=720, z=760 + 5 * i, w=850)


def _load_cases(session: Session, departments: dict, department_user) -> None:
    from bidding.budget.models import BudgetLine
    from bidding.cases.charges import add_charge
    from bidding.cases.models import TenderCase
    from bidding.cases.pricing import set_breakdown
    from bidding.cases.services import approve_case, create_case, publish_case
    from bidding.prices import tax_included
    from core.auth.services import find_user
    from core.timefmt import today

    staff = find_user(session, "keiyaku")
    if staff is None or session.scalar(select(func.count()).select_from(TenderCase)):
        return
    day = today()
    _give_keishin(session, day)

    def values(name, department, method, planned, **extra):
        notice = day + timedelta(days=7)
        return {"name": name, "department_id": departments[department].id, "category": "construction",
                "work_type_code": "010", "method": method, "place": "架空市中央町地内", "design_amount": planned,
                "planned_price": planned, "floor_kind": "minimum", "floor_price": planned * 85 // 100 // 1000 * 1000,
                "disclosure": "after", "allowed_ranks": ["A", "B", "C"], "drafted_on": day, "notice_on": notice,
                "questions_until": notice + timedelta(days=7), "bids_from": notice + timedelta(days=10),
                "bids_until": notice + timedelta(days=14),
                "opening_at": datetime.combine(notice + timedelta(days=15), time(10, 0)), "work_days": 150, **extra}

    def charge(case, department: str) -> None:
        line = session.scalar(select(BudgetLine).where(BudgetLine.fiscal_year == case.fiscal_year,
                                                       BudgetLine.department_id == departments[department].id)
                              .order_by(BudgetLine.id).limit(1))
        if line is not None:
            add_charge(session, department_user if department == "110" else staff, case, line.id,
                       tax_included(session, case.planned_price, case.price_date))

    nominated = create_case(session, department_user, values("（デモ）市道中央線道路改良工事", "110", "nominated",
                                                             28_500_000, summary="延長 120 m、幅員 6.0 m の道路改良",
                                                             floor_price=None))
    set_breakdown(session, department_user, nominated, "works",
                  {"direct_cost": 19_000_000, "common_temporary": 1_900_000, "site_management": 3_800_000,
                   "general_admin": 3_800_000})
    charge(nominated, "110")
    approve_case(session, staff, nominated)
    draft = create_case(session, department_user, values("（デモ）中央排水路改修工事", "110", "nominated", 12_300_000,
                                                         floor_price=None))
    charge(draft, "110")
    open_case = create_case(session, staff, values("（デモ）市民体育館駐車場整備工事", "210", "open_post_review",
                                                   64_000_000, allowed_ranks=["A"], floor_kind="survey"))
    charge(open_case, "210")
    approve_case(session, staff, open_case)
    publish_case(session, staff, open_case)
    _load_opened_case(session, values, charge, departments, staff, day)


def _load_opened_case(session: Session, values, charge, departments, staff, day) -> None:
    """A 道路課 case opened ten days ago: one 辞退, one below the 最低制限価格 and two tied at the lowest, so the
    入札 tab shows the 電子くじ step (the demo firms registered for 土木一式)."""
    from bidding.bids.services import open_round, record_bid
    from bidding.cases.services import approve_case, create_case
    from bidding.nominations.eligibility import eligibility_rows
    from bidding.nominations.services import notify_nominations, pick_firm
    from registry.contractors.models import Contractor

    drafted = day - timedelta(days=40)
    notice = drafted + timedelta(days=7)
    opening = datetime.combine(day - timedelta(days=10), time(10, 0))
    case = create_case(session, staff, values(
        "（デモ）市道駅南線舗装補修工事", "120", "nominated", 18_400_000, drafted_on=drafted, notice_on=notice,
        questions_until=notice + timedelta(days=5), bids_from=notice + timedelta(days=8),
        bids_until=opening.date() - timedelta(days=1), opening_at=opening, allowed_ranks=[],
        floor_price=15_640_000))
    charge(case, "120")
    approve_case(session, staff, case)
    eligible = [r for r in eligibility_rows(session, case, day) if r.eligible][:4]
    if len(eligible) < 4:
        return
    firms = [session.get(Contractor, r.contractor_id) for r in eligible]
    for firm in firms:
        pick_firm(session, staff, case, firm, today=notice)
    notify_nominations(session, staff, case, notice_on=notice)
    received = datetime.combine(opening.date() - timedelta(days=1), time(9, 0))
    for i, (firm, amount) in enumerate(zip(firms, (None, 15_000_000, 16_200_000, 16_200_000), strict=True)):
        record_bid(session, staff, case, firm, amount=amount, declined=amount is None, lot_input=f"{(i * 347) % 1000:03d}",
                   received_at=received + timedelta(minutes=i * 13, seconds=i * 7, milliseconds=120 * i + 35))
    open_round(session, staff, case, now=opening)
