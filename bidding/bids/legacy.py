"""The opening and award of a case migrated from the legacy system (SPEC CM12).

The legacy export has no individual bids, only the winner, the 落札金額 and the 入札者数 (kept on the case). So a
migrated case that was opened gets round 1, opened on its 開札日; a case with an award also gets the winner's bid
in that round (有効) and the award (落札決定) of the 落札金額, with the tax and 落札率 as ``award`` computes
them. A 随意契約 without an opening gets the same round, without an opening day.

``new_award`` gives the records of a new case for the bulk write (``bidding.cases.legacy_bulk``); ``import_award``
creates or updates them on a stored case through the ORM. Both take their columns from the same functions.
"""

from __future__ import annotations

from datetime import datetime

from bidding.cases.legacy import LegacyCase, Record, assign
from bidding.cases.models import TenderCase
from bidding.prices import TaxTable
from core.audit.queries import register_operations
from core.history import BulkWriter
from registry.contractors.models import Contractor

from .award import award_rate, award_snapshot
from .models import Award, Bid, BidRound
from .services import bid_snapshot


def register_labels() -> None:
    register_operations({"bid.migrate": "入札の移行（旧システムからの取込）",
                         "award.migrate": "落札決定の移行（旧システムからの取込）"}, {})


def round_columns(target: LegacyCase) -> dict:
    return {"number": 1, "state": "opened", "opened_at": target.opening_at, "floor_price": target.floor_price}


def bid_columns(target: LegacyCase) -> dict:
    legacy = target.award
    received = target.opening_at or datetime.combine(legacy.decided_on, datetime.min.time())
    return {"contractor_id": legacy.contractor_id, "amount": legacy.amount, "declined": False, "received_at": received,
            "paper": False, "status": "valid"}


def award_columns(target: LegacyCase, taxes: TaxTable) -> dict:
    legacy = target.award
    return {"contractor_id": legacy.contractor_id, "state": "decided", "amount": legacy.amount,
            "amount_with_tax": taxes.included(legacy.amount, legacy.decided_on),
            "rate": award_rate(legacy.amount, target.planned_price), "decided_on": legacy.decided_on}


def bid_summary(case_number: str, winner: Contractor, amount: int) -> str:
    return f"入札（旧システムからの取込）: {case_number} {winner.name} {amount:,} 円"


def award_summary(case_number: str, winner: Contractor, amount: int) -> str:
    return f"落札決定（旧システムからの取込）: {case_number} {winner.name} {amount:,} 円"


def new_award(target: LegacyCase, winner: Contractor | None, taxes: TaxTable
              ) -> tuple[Record | None, Record | None, Record | None]:
    """Round 1, the winner's bid and the award of a new migrated case, for the bulk write (ids filled there)."""
    if target.opening_at is None and target.award is None:
        return None, None, None
    bid_round = Record(BidRound, round_columns(target))
    if target.award is None:
        return bid_round, None, None
    bid = Record(Bid, bid_columns(target), round=bid_round, contractor=winner)
    award = Record(Award, award_columns(target, taxes), contractor=winner)
    return bid_round, bid, award


def import_award(writer: BulkWriter, case: TenderCase, target: LegacyCase, winner: Contractor | None, *,
                 taxes: TaxTable) -> Award | None:
    """Round 1 of a stored migrated case that was opened or awarded, with the winner's bid and the award, created or
    brought up to date (``writer`` keeps them by 案件番号; history queued, no flush; ``taxes`` reads each day's tax
    rules once for the whole import). Returns the award, or None for a case without one."""
    if target.opening_at is None and target.award is None:
        return None
    key = target.number
    bid_round = writer.get(BidRound, key)
    if bid_round is None:
        bid_round = writer.add(BidRound, key, BidRound(case=case, bids=[], lots=[]))
    assign(bid_round, round_columns(target))
    if target.award is None:
        return None
    bid = writer.get(Bid, key)
    before = None if bid is None else bid_snapshot(bid)
    if bid is None:
        bid = writer.add(Bid, key, Bid(round=bid_round, case=case))
    assign(bid, bid_columns(target), contractor=winner)
    writer.queue("bid.migrate", bid_summary(case.number, winner, bid.amount), bid, before, bid_snapshot)
    award = writer.get(Award, key)
    before = None if award is None else award_snapshot(award)
    if award is None:
        award = writer.add(Award, key, Award(case=case))
    assign(award, award_columns(target, taxes), bid=bid, contractor=winner)
    writer.queue("award.migrate", award_summary(case.number, winner, award.amount), award, before, award_snapshot)
    return award
