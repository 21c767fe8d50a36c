"""The bidding package's demo data (``flask demo`` only, wired by ``bidding.init_app``): the departments of the
sample budget file, a 土木課 user, 経審 for some demo firms so that nomination has eligible firms, and a few
cases in different states. Everything goes through the services, as a user would do it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.auth.roles import Role
from core.auth.services import AuthSettings

#: The departments of ``../shared/data/budget_2025.csv`` (the finance system's organisation codes).
BUDGET_DEPARTMENTS = (("110", "土木課"), ("120", "道路課"), ("130", "河川港湾課"), ("210", "建築課"),
                      ("310", "上下水道局工務課"), ("410", "教育総務課"), ("510", "農林漁港整備課"))
DEMO_USER = ("doboku", "土木 一郎", "110")


def load_demo(session: Session, settings: AuthSettings, storage_root: str) -> list[tuple[str, str, str]]:
    from core.auth import admin_services
    from core.auth.models import Department
    from core.auth.services import find_user
    from core.db import utcnow

    by_code = {d.code: d for d in session.scalars(select(Department))}
    for code, name in BUDGET_DEPARTMENTS:
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
    from bidding.cases.models import TenderCase
    from bidding.cases.pricing import set_breakdown
    from bidding.cases.services import approve_case, create_case, publish_case
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

    nominated = create_case(session, department_user, values("（デモ）市道中央線道路改良工事", "110", "nominated",
                                                             28_500_000, summary="延長 120 m、幅員 6.0 m の道路改良",
                                                             floor_price=None))
    set_breakdown(session, department_user, nominated, "works",
                  {"direct_cost": 19_000_000, "common_temporary": 1_900_000, "site_management": 3_800_000,
                   "general_admin": 3_800_000})
    approve_case(session, staff, nominated)
    create_case(session, department_user, values("（デモ）中央排水路改修工事", "110", "nominated", 12_300_000,
                                                 floor_price=None))
    open_case = create_case(session, staff, values("（デモ）市民体育館駐車場整備工事", "210", "open_post_review",
                                                   64_000_000, allowed_ranks=["A"], floor_kind="survey"))
    approve_case(session, staff, open_case)
    publish_case(session, staff, open_case)
