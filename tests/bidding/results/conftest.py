"""Fixtures of the results tests: a tender run through the bid services (nominated, bids recorded, opened, then
whatever the test does next), shifted in time so that several cases open on different days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bidding.bids import services as bid_services
from bidding.cases import services as case_services
from bidding.nominations import services as nomination_services

OPENING = datetime(2026, 5, 29, 10, 0)
DATE_FIELDS = ("drafted_on", "notice_on", "questions_until", "bids_from", "bids_until", "opening_at")


@pytest.fixture
def tender(db_session, make_case, contract_staff, firm, doboku):
    """Factory: a 指名競争 case (予定価格 30,000,000, floor 26,000,000 unless overridden) nominated to one firm per
    amount (業者番号 ``{prefix}1``, ``{prefix}2`` …), the amounts bid in round 1 (None: 辞退; ``("invalid", n)``:
    an amount made 無効 for 金額の訂正) in that order of receipt, and round 1 opened unless ``opened=False``.
    ``days`` moves every date of the case (the opening of ``days=3`` is 2026-06-01)."""
    from tests.bidding.conftest import case_values

    made = {"n": 0}

    def _make(amounts, *, days: int = 0, opened: bool = True, prefix: str | None = None, **overrides):
        made["n"] += 1
        prefix = prefix or f"5{made['n']}"
        base = case_values(doboku)
        shifted = {k: base[k] + timedelta(days=days) for k in DATE_FIELDS}
        case = make_case(**{**shifted, **overrides})
        case_services.approve_case(db_session, contract_staff, case)
        firms = [firm(f"入札{prefix}{i}建設", number=f"{prefix}{i:04d}") for i in range(1, len(amounts) + 1)]
        for f in firms:
            nomination_services.pick_firm(db_session, contract_staff, case, f, today=case.notice_on - timedelta(days=5))
        nomination_services.notify_nominations(db_session, contract_staff, case, notice_on=case.notice_on)
        record_round(db_session, contract_staff, case, firms, amounts)
        if opened:
            bid_services.open_round(db_session, contract_staff, case, now=case.opening_at)
        return case, firms

    return _make


def record_round(session, actor, case, firms, amounts) -> None:
    """Bids of the round taking bids, one per firm in receipt order (milliseconds 100, 200 … for the lot)."""
    base = case.opening_at - timedelta(days=1)
    for i, (f, amount) in enumerate(zip(firms, amounts, strict=True)):
        if amount == "skip":
            continue
        invalid = isinstance(amount, tuple)
        value = amount[1] if invalid else amount
        bid_services.record_bid(session, actor, case, f, amount=value, declined=value is None,
                                received_at=base + timedelta(seconds=i, milliseconds=100 * (i + 1)),
                                lot_input=f"{i}{i}{i}", invalid_reason="correction" if invalid else None)


def decided(day: int = 29) -> date:
    return date(2026, 5, day)
