"""A budget line's committed amount follows the contract and its change contracts until the finance system's next
export (a committed budget import started after them) holds them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bidding.cases import charges
from bidding.cases.models import CaseBudgetCharge
from bidding.contracts import commitments, services
from core.errors import ValidationFailed
from core.importing.models import ImportBatch

from .test_contract_services import _contract, awarded  # noqa: F401  (fixture)


def _budget_import(db_session, started_at: datetime, committed: bool = True) -> ImportBatch:
    batch = ImportBatch(kind="budget", profile_name="財務会計（標準）", file_name="budget.csv", file_sha256="0" * 64,
                        status="done", dry_run=not committed, committed=committed, started_at=started_at)
    db_session.add(batch)
    db_session.flush()
    return batch


def _committed(db_session, case) -> int:
    line_id = case.charges[0].budget_line_id
    return charges.committed_by_line(db_session, [line_id]).get(line_id, 0)


def test_a_change_commits_its_increase_on_the_line_until_the_next_import(db_session, awarded, contract_staff):  # noqa: F811
    charge = awarded.charges[0].amount
    contract = _contract(db_session, contract_staff, awarded)
    # Contracted after any budget import: the case's charge still commits the line.
    assert _committed(db_session, awarded) == charge
    _budget_import(db_session, contract.created_at + timedelta(minutes=1))
    assert _committed(db_session, awarded) == 0  # the export holds the contract now
    change = services.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 9, 1),
                                      reason="数量の増加", amount_after=31_762_500)
    assert change.budget_line_id == awarded.charges[0].budget_line_id and change.amount_delta == 1_512_500
    change.created_at = contract.created_at + timedelta(hours=1)
    db_session.flush()
    assert _committed(db_session, awarded) == 1_512_500
    line = awarded.charges[0].line
    assert charges.balances(db_session, [line])[line.id].remaining_after_cases == line.remaining_amount - 1_512_500
    # A dry run does not count as the finance system's export; a committed import does.
    _budget_import(db_session, change.created_at + timedelta(minutes=5), committed=False)
    assert _committed(db_session, awarded) == 1_512_500
    _budget_import(db_session, change.created_at + timedelta(minutes=10))
    assert _committed(db_session, awarded) == 0
    assert commitments.changes_on_line(db_session, line.id) == [(change, False)]


def test_a_decrease_lowers_the_commitment(db_session, awarded, contract_staff):  # noqa: F811
    contract = _contract(db_session, contract_staff, awarded)
    _budget_import(db_session, contract.created_at + timedelta(minutes=1))
    change = services.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 9, 1),
                                      reason="数量の減少", amount_after=29_000_000)
    change.created_at = contract.created_at + timedelta(hours=1)
    db_session.flush()
    assert _committed(db_session, awarded) == -1_250_000


def test_a_change_of_the_work_period_only_charges_no_line(db_session, awarded, contract_staff):  # noqa: F811
    contract = _contract(db_session, contract_staff, awarded)
    change = services.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 9, 1),
                                      reason="工期延長", work_to_after=date(2027, 2, 26))
    assert change.budget_line_id is None


def test_with_several_lines_the_change_names_one_of_the_case_lines(db_session, awarded, contract_staff,  # noqa: F811
                                                                   budget_line, doboku):
    second = budget_line(doboku, awarded.fiscal_year, item="02")
    # The case is approved (its charges are closed): add the second charge directly.
    db_session.add(CaseBudgetCharge(case=awarded, line=second, amount=1_000_000))
    db_session.flush()
    contract = _contract(db_session, contract_staff, awarded)
    other = budget_line(doboku, awarded.fiscal_year, item="03")
    for line_id in (None, other.id):
        with pytest.raises(ValidationFailed) as info:
            services.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 9, 1),
                                     reason="数量の増加", amount_after=31_000_000, budget_line_id=line_id)
        assert "予算科目" in info.value.errors["budget_line_id"][0]
    assert contract.changes == []
    change = services.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 9, 1),
                                      reason="数量の増加", amount_after=31_000_000, budget_line_id=second.id)
    assert change.budget_line is second
