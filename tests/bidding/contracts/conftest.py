"""Contracts made the way users make them: a case drafted, nominated, bid, opened and awarded, then contracted."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bidding.bids import award as awards
from bidding.bids import services as bids
from bidding.cases import services as case_services
from bidding.contracts import services
from bidding.nominations import services as nominations

#: The schedule of ``case_values`` (tests/bidding/conftest.py), moved as a whole by ``shift``.
SCHEDULE = ("drafted_on", "notice_on", "questions_until", "bids_from", "bids_until")


@pytest.fixture
def make_contract(db_session, make_case, contract_staff, firm):
    """Factory: the contract of a new awarded case. ``bid``: the winning amount (税抜; the 契約金額 adds 10 %);
    ``shift``: days the case's schedule moves (negative: earlier, e.g. into the previous 年度); the contract is
    made 7 days after the opening with 工期 of ``days``."""

    def _make(*, name: str, winner, bid: int, department=None, shift: int = 0, days: int = 200, **terms):
        base = {"drafted_on": date(2026, 5, 1), "notice_on": date(2026, 5, 15), "questions_until": date(2026, 5, 22),
                "bids_from": date(2026, 5, 25), "bids_until": date(2026, 5, 28)}
        moved = {key: value + timedelta(days=shift) for key, value in base.items()}
        opening = datetime(2026, 5, 29, 10, 0) + timedelta(days=shift)
        case = make_case(department=department, name=name, planned_price=bid + bid // 10, design_amount=bid + bid // 10,
                         floor_price=bid * 9 // 10 // 1000 * 1000, opening_at=opening, **moved)
        case_services.approve_case(db_session, contract_staff, case)
        nominations.pick_firm(db_session, contract_staff, case, winner, today=moved["notice_on"] - timedelta(days=5))
        nominations.notify_nominations(db_session, contract_staff, case, notice_on=case.notice_on)
        bids.record_bid(db_session, contract_staff, case, winner, amount=bid, declined=False,
                        received_at=opening - timedelta(days=1))
        bids.open_round(db_session, contract_staff, case, now=opening)
        awards.award(db_session, contract_staff, case, decided_on=opening.date())
        signed = opening.date() + timedelta(days=7)
        amount = bid + bid // 10
        values = {"contract_date": signed, "work_from": signed + timedelta(days=1),
                  "work_to": signed + timedelta(days=days), "guarantee_method": "bond",
                  "guarantee_amount": -(-amount // 10), "partial_payments": 0}
        return services.create_contract(db_session, contract_staff, case, **(values | terms))

    return _make
