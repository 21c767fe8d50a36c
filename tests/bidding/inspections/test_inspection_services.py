"""Inspections: assigned to an 検査員 by the contract section, recorded only by that 検査員, 完成検査 after the 完成届,
手直し with a deadline and its re-inspection, and a passed 完成検査 completing the contract, the case and allowing the
完成払."""

from __future__ import annotations

from datetime import date

import pytest

from bidding.contracts import services as contracts
from bidding.inspections import services
from core.auth.roles import Role
from core.errors import PermissionDenied, ValidationFailed
from tests.bidding.contracts.test_contract_services import _contract, awarded  # noqa: F401  (fixture)


@pytest.fixture
def contract(db_session, awarded, contract_staff):  # noqa: F811
    return _contract(db_session, contract_staff, awarded)


@pytest.fixture
def inspector(create_user):
    return create_user(Role.INSPECTOR, name="検査 次郎")


def test_final_inspection_completes_the_contract(db_session, contract, contract_staff, inspector, create_user):
    with pytest.raises(ValidationFailed, match="完成届を受け付けてから"):
        services.assign_inspection(db_session, contract_staff, contract, kind="final", inspector=inspector,
                                   scheduled_on=date(2026, 12, 22))
    contracts.report_completion(db_session, contract_staff, contract, reported_on=date(2026, 12, 20))
    with pytest.raises(ValidationFailed, match="検査員の役割"):
        services.assign_inspection(db_session, contract_staff, contract, kind="final",
                                   inspector=create_user(Role.VIEWER), scheduled_on=date(2026, 12, 22))
    first = services.assign_inspection(db_session, contract_staff, contract, kind="final", inspector=inspector,
                                       scheduled_on=date(2026, 12, 22))
    other = create_user(Role.INSPECTOR)
    with pytest.raises(PermissionDenied):
        services.record_result(db_session, other, first, inspected_on=date(2026, 12, 22), result="pass")
    with pytest.raises(ValidationFailed, match="完成届の日"):
        services.record_result(db_session, inspector, first, inspected_on=date(2026, 12, 19), result="pass")
    with pytest.raises(ValidationFailed) as info:
        services.record_result(db_session, inspector, first, inspected_on=date(2026, 12, 22), result="fix")
    assert "fix_deadline" in info.value.errors
    services.record_result(db_session, inspector, first, inspected_on=date(2026, 12, 22), result="fix",
                           fix_deadline=date(2027, 1, 15), remarks="法面の仕上げ")
    assert contract.state == "active"
    again = services.assign_inspection(db_session, contract_staff, contract, kind="final", inspector=inspector,
                                       scheduled_on=date(2027, 1, 18), reinspection_of=first)
    services.record_result(db_session, inspector, again, inspected_on=date(2027, 1, 18), result="pass")
    assert contract.state == "completed" and contract.completed_on == date(2027, 1, 18)
    assert contract.case.state == "completed"
    payment = contracts.claim_payment(db_session, contract_staff, contract, kind="final", amount=30_250_000,
                                      claimed_on=date(2027, 1, 20))
    assert payment.due_on == date(2027, 3, 1)  # 40 days


def test_partial_inspection_recognises_an_amount(db_session, contract, contract_staff, inspector):
    inspection = services.assign_inspection(db_session, contract_staff, contract, kind="partial", inspector=inspector,
                                            scheduled_on=date(2026, 9, 30))
    with pytest.raises(ValidationFailed) as info:
        services.record_result(db_session, inspector, inspection, inspected_on=date(2026, 9, 30), result="pass",
                               recognised_amount=40_000_000)
    assert "既済部分の額" in info.value.errors["recognised_amount"][0]
    services.record_result(db_session, inspector, inspection, inspected_on=date(2026, 9, 30), result="pass",
                           recognised_amount=12_000_000)
    assert inspection.recognised_amount == 12_000_000 and contract.state == "active"


def test_only_the_contract_section_assigns(db_session, contract, doboku_staff, inspector):
    with pytest.raises(PermissionDenied):
        services.assign_inspection(db_session, doboku_staff, contract, kind="interim", inspector=inspector,
                                   scheduled_on=None)
