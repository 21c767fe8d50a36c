"""Contracts: made from an award (amount = award + tax, guarantee and advance by the rule), change contracts with
their guideline, 完成届, and 請求・支払 that never exceed the current amount."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bidding.bids import award
from bidding.bids import services as bids
from bidding.cases import services as case_services
from bidding.contracts import services
from bidding.nominations import services as nominations
from core.errors import PermissionDenied, ValidationFailed


@pytest.fixture
def awarded(db_session, make_case, contract_staff, firm):
    """A case awarded on 2026-05-29 to a bid of 27,500,000 (税込 30,250,000)."""
    case = make_case()
    case_services.approve_case(db_session, contract_staff, case)
    winner = firm("契約建設")
    nominations.pick_firm(db_session, contract_staff, case, winner, today=date(2026, 5, 10))
    nominations.notify_nominations(db_session, contract_staff, case, notice_on=case.notice_on)
    bids.record_bid(db_session, contract_staff, case, winner, amount=27_500_000, declined=False,
                    received_at=datetime(2026, 5, 28, 9, 0))
    bids.open_round(db_session, contract_staff, case, now=datetime(2026, 5, 29, 10, 0))
    award.award(db_session, contract_staff, case, decided_on=date(2026, 5, 29))
    return case


def _contract(db_session, actor, case, **overrides):
    values = {"contract_date": date(2026, 6, 5), "work_from": date(2026, 6, 6), "work_to": date(2026, 12, 25),
              "guarantee_method": "bond", "guarantee_amount": 3_025_000, "advance_amount": 12_100_000,
              "partial_payments": 2}
    values.update(overrides)
    return services.create_contract(db_session, actor, case, **values)


def test_the_contract_takes_the_award_plus_tax(db_session, awarded, contract_staff):
    contract = _contract(db_session, contract_staff, awarded, amount=30_250_000)
    assert contract.amount == 30_250_000 and contract.tax_amount == 2_750_000  # 27,500,000 × 10 %
    assert contract.number == "2026-K0001" and contract.document_kind == "contract"
    assert awarded.state == "contracted" and contract.contractor.name == "契約建設"


@pytest.mark.parametrize("overrides, field, words", [
    ({"amount": 30_000_000}, "amount", "30,250,000 円と一致しません"),
    ({"guarantee_amount": 3_000_000}, "guarantee_amount", "3,025,000 円以上"),
    ({"guarantee_method": "exempt", "guarantee_amount": None}, "guarantee_exempt_reason", "免除する理由"),
    ({"advance_amount": 12_100_001}, "advance_amount", "12,100,000 円以内"),
    ({"partial_payments": 4}, "partial_payments", "3 回まで"),
    ({"contract_date": date(2026, 5, 28)}, "contract_date", "落札決定日"),
    ({"work_to": date(2026, 6, 1)}, "work_to", "始期"),
])
def test_bad_terms_name_the_field(db_session, awarded, contract_staff, overrides, field, words):
    with pytest.raises(ValidationFailed) as info:
        _contract(db_session, contract_staff, awarded, **overrides)
    assert words in " ".join(info.value.errors[field])
    assert awarded.state == "awarded"


def test_change_contracts_keep_the_chain_and_ask_beyond_the_guideline(db_session, awarded, contract_staff):
    contract = _contract(db_session, contract_staff, awarded)
    first = services.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 9, 1),
                                     reason="数量の増加", amount_after=31_762_500, work_to_after=date(2027, 1, 29))
    # +5 % and 工期 still within the 年度 (ending 2027-03-31): no confirmation needed.
    assert first.seq == 1 and first.amount_before == 30_250_000 and contract.current_amount == 31_762_500
    assert first.tax_after == 31_762_500 - 31_762_500 * 100 // 110
    with pytest.raises(ValidationFailed) as info:
        services.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 10, 1), reason="追加工事",
                                 amount_after=43_000_000)
    assert "目安 30" in info.value.errors["guideline_reason"][0]
    with pytest.raises(ValidationFailed) as info:
        services.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 10, 1), reason="工期延長",
                                 work_to_after=date(2027, 5, 31))
    assert "繰越" in info.value.errors["guideline_reason"][0]
    with pytest.raises(ValidationFailed, match="前回の変更日"):
        services.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 8, 1), reason="x",
                                 amount_after=32_000_000)
    second = services.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 10, 1),
                                      reason="工期延長", work_to_after=date(2027, 5, 31), guideline_reason="繰越明許費の議決済み")
    assert second.seq == 2 and contract.current_work_to == date(2027, 5, 31)


def test_payments_never_exceed_the_current_amount(db_session, awarded, contract_staff):
    contract = _contract(db_session, contract_staff, awarded)
    advance = services.claim_payment(db_session, contract_staff, contract, kind="advance", amount=12_100_000,
                                     claimed_on=date(2026, 6, 10))
    assert advance.due_on == date(2026, 7, 10)  # 30 days
    with pytest.raises(ValidationFailed, match="1 回だけ"):
        services.claim_payment(db_session, contract_staff, contract, kind="advance", amount=1,
                               claimed_on=date(2026, 6, 11))
    with pytest.raises(ValidationFailed) as info:
        services.claim_payment(db_session, contract_staff, contract, kind="partial", amount=18_150_001,
                               claimed_on=date(2026, 9, 1))
    assert "支払残額 18,150,000 円を超えます" in info.value.errors["amount"][0]
    with pytest.raises(ValidationFailed, match="完成検査に合格"):
        services.claim_payment(db_session, contract_staff, contract, kind="final", amount=1_000,
                               claimed_on=date(2026, 12, 26))
    services.record_paid(db_session, contract_staff, advance, paid_on=date(2026, 7, 1))
    with pytest.raises(ValidationFailed):
        services.record_paid(db_session, contract_staff, advance, paid_on=date(2026, 6, 1))


def test_only_the_contract_section_contracts(db_session, awarded, doboku_staff):
    with pytest.raises(PermissionDenied):
        _contract(db_session, doboku_staff, awarded)


def test_approval_and_completion_report(db_session, awarded, contract_staff):
    contract = _contract(db_session, contract_staff, awarded)
    services.approve_contract(db_session, contract_staff, contract)
    assert contract.is_approved and contract.approved_by == contract_staff
    with pytest.raises(ValidationFailed):
        services.approve_contract(db_session, contract_staff, contract)
    services.report_completion(db_session, contract_staff, contract, reported_on=date(2026, 12, 20))
    assert contract.completion_reported_on == date(2026, 12, 20)


def test_a_change_contract_gets_its_own_approval(db_session, awarded, contract_staff, doboku_staff):
    contract = _contract(db_session, contract_staff, awarded)
    change = services.change_contract(db_session, contract_staff, contract, changed_on=date(2026, 9, 1),
                                      reason="数量の増加", amount_after=31_762_500)
    with pytest.raises(PermissionDenied):
        services.approve_change(db_session, doboku_staff, change)
    services.approve_change(db_session, contract_staff, change)
    assert change.approval == "approved" and change.approved_at is not None
    with pytest.raises(ValidationFailed, match="決裁済み"):
        services.approve_change(db_session, contract_staff, change)
