"""Fixtures of the bidding tests: departments of the sample budget, their staff, and a case factory."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bidding.cases import services as case_services
from core.auth.roles import Role
from registry.qualifications.models import KeishinScore, Technician


@pytest.fixture
def doboku(create_department):
    return create_department(code="110", name="土木課")


@pytest.fixture
def kenchiku(create_department):
    return create_department(code="210", name="建築課")


@pytest.fixture
def contract_staff(create_user):
    return create_user(Role.CONTRACT_STAFF, name="契約 花子")


@pytest.fixture
def doboku_staff(create_user, doboku):
    return create_user(Role.DEPARTMENT_STAFF, department=doboku, name="土木 一郎")


@pytest.fixture
def kenchiku_staff(create_user, kenchiku):
    return create_user(Role.DEPARTMENT_STAFF, department=kenchiku, name="建築 次郎")


def case_values(department, **overrides) -> dict:
    """The fields of a complete works case of ``department`` (a 指名競争 charged in FY2026)."""
    values = {
        "name": "市道中央線道路改良工事", "department_id": department.id, "category": "construction",
        "work_type_code": "010", "method": "nominated", "place": "防府市中央町地内", "summary": "延長 120 m の道路改良",
        "design_amount": 30_000_000, "planned_price": 30_000_000, "floor_kind": "minimum", "floor_price": 26_000_000,
        "disclosure": "after", "allowed_ranks": ["A", "B"], "allowed_areas": ["city"], "min_points": 700,
        "required_qualification": "1級土木施工管理技士", "drafted_on": date(2026, 5, 1), "notice_on": date(2026, 5, 15),
        "questions_until": date(2026, 5, 22), "bids_from": date(2026, 5, 25), "bids_until": date(2026, 5, 28),
        "opening_at": datetime(2026, 5, 29, 10, 0), "work_days": 180,
    }
    values.update(overrides)
    return values


@pytest.fixture
def budget_line(db_session):
    """Factory: a budget line of 工事請負費 of ``department`` (inserted as the import would leave it)."""
    from bidding.budget.models import BudgetLine

    made = {}

    def _make(department, fiscal_year: int = 2026, *, item: str = "01", current: int = 500_000_000,
              executed: int = 100_000_000):
        key = (department.id, fiscal_year, item)
        if key not in made:
            line = BudgetLine(fiscal_year=fiscal_year, account_code="01", account_name="一般会計", chapter_code="08",
                              chapter_name="土木費", section_code="02", item_code=item, subitem_code="14",
                              subitem_name="工事請負費", department=department, current_amount=current,
                              executed_amount=executed, remaining_amount=current - executed)
            db_session.add(line)
            db_session.flush()
            made[key] = line
        return made[key]

    return _make


@pytest.fixture
def make_case(db_session, contract_staff, doboku, budget_line):
    """Factory: a case drafted through the service (by the contract section unless ``actor`` is given), charged
    to a budget line of its department unless ``charge=False``."""
    from bidding.cases.charges import add_charge

    def _make(department=None, actor=None, charge: bool = True, **overrides):
        department = department or doboku
        case = case_services.create_case(db_session, actor or contract_staff, case_values(department, **overrides))
        if charge:
            add_charge(db_session, contract_staff, case, budget_line(department, case.fiscal_year).id,
                       (case.planned_price or 1_000_000) * 110 // 100)
        return case

    return _make


@pytest.fixture
def firm(db_session, create_contractor):
    """Factory: a firm registered for 土木一式 (010) with rank, P, a valid 経審 and a qualified technician."""

    def _make(name=None, *, rank="A", points=800, area="city", keishin_until=date(2027, 6, 30),
              qualification="1級土木施工管理技士", **kw):
        c = create_contractor(name, area=area, work_types={"010": rank}, **kw)
        row = c.registrations[0].work_types[0]
        row.objective_points, row.subjective_points = points, 20
        if keishin_until:
            db_session.add(KeishinScore(contractor_id=c.id, work_type_code="010", base_date=date(2025, 12, 31),
                                        x1=700, x2=700, y=700, z=700, w=700, p_computed=points,
                                        valid_until=keishin_until))
        if qualification:
            db_session.add(Technician(contractor_id=c.id, name="技術 太郎", qualifications=qualification))
        db_session.flush()
        return c

    return _make
