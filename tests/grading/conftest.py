"""Fixtures of the grading tests: a completed contract of 土木課 (its 完成検査 passed) and the three graders of two
departments — 主任監督員 and 総括監督員 from 土木課, the 検査員 from 工事検査課."""

from __future__ import annotations

from datetime import date

import pytest

from bidding.contracts import services as contracts
from bidding.inspections import services as inspections
from core.auth.roles import Role
from tests.bidding.conftest import (  # noqa: F401  (fixtures shared with the bidding tests)
    budget_line,
    contract_staff,
    doboku,
    doboku_staff,
    firm,
    kenchiku,
    kenchiku_staff,
    make_case,
)
from tests.bidding.contracts.test_contract_services import _contract, awarded  # noqa: F401
from tests.grading.notice_fixtures import applicant_of, notified, settled  # noqa: F401  (notification, 説明請求)


@pytest.fixture
def kensa(create_department):
    return create_department(code="900", name="工事検査課")


@pytest.fixture
def inspector(create_user, kensa):
    return create_user(Role.INSPECTOR, department=kensa, name="検査 三郎")


@pytest.fixture
def chief(create_user, doboku):  # noqa: F811
    return create_user(Role.DEPARTMENT_STAFF, department=doboku, name="主任 四郎")


@pytest.fixture
def general(create_user, doboku):  # noqa: F811
    return create_user(Role.DEPARTMENT_STAFF, department=doboku, name="総括 五郎")


@pytest.fixture
def completed(db_session, awarded, contract_staff, inspector):  # noqa: F811
    """A contract of 30,250,000 円 (標準) completed by a 完成検査 passed on 2026-12-22."""
    contract = _contract(db_session, contract_staff, awarded)
    contracts.report_completion(db_session, contract_staff, contract, reported_on=date(2026, 12, 20))
    final = inspections.assign_inspection(db_session, contract_staff, contract, kind="final", inspector=inspector,
                                          scheduled_on=date(2026, 12, 22))
    inspections.record_result(db_session, inspector, final, inspected_on=date(2026, 12, 22), result="pass")
    return contract


@pytest.fixture
def work(db_session, completed):
    from grading.works.models import GradedWork

    return db_session.query(GradedWork).filter_by(contract_id=completed.id).one()
