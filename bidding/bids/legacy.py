"""The opening and award of a case migrated from the legacy system (SPEC CM12).

The legacy export has no individual bids, only the winner, the 落札金額 and the 入札者数 (kept on the case). So a
migrated case that was opened gets round 1, opened on its 開札日; a case with an award also gets the winner's bid
in that round (有効) and the award (落札決定) of the 落札金額, with the tax and 落札率 as the bid services compute
them. A 随意契約 without an opening gets the same round, without an opening day.
"""

from __future__ import annotations

from datetime import datetime

from bidding.cases.legacy import LegacyCase
from bidding.cases.models import TenderCase
from bidding.prices import tax_included
from core.audit.queries import register_operations
from core.history import BulkWriter
from registry.contractors.models import Contractor

from .models import Award, Bid, BidRound
from .services import award_rate, award_snapshot, bid_snapshot


def register_labels() -> None:
    register_operations({"bid.migrate": "入札の移行（旧システムからの取込）",
                         "award.migrate": "落札決定の移行（旧システムからの取込）"}, {})


def import_award(writer: BulkWriter, case: TenderCase, target: LegacyCase, winner: Contractor | None) -> Award | None:
    """Round 1 of a migrated case that was opened or awarded, with the winner's bid and the award (``writer`` keeps
    them by 案件番号; history queued, no flush). Returns the award, or None for a case without one."""
    if target.opening_at is None and target.award is None:
        return None
    session = writer.session
    key = target.number
    bid_round = writer.get(BidRound, key)
    if bid_round is None:
        bid_round = writer.add(BidRound, key, BidRound(case=case, number=1, state="opened", bids=[], lots=[]))
    for name, value in (("opened_at", target.opening_at), ("floor_price", target.floor_price)):
        if getattr(bid_round, name) != value:
            setattr(bid_round, name, value)
    if target.award is None:
        return None
    legacy = target.award
    received = target.opening_at or datetime.combine(legacy.decided_on, datetime.min.time())
    bid = writer.get(Bid, key)
    if bid is None:
        bid = writer.add(Bid, key, Bid(round=bid_round, case=case, contractor=winner, amount=legacy.amount,
                                       declined=False, received_at=received, paper=False, status="valid"))
        before = None
    else:
        before = bid_snapshot(bid)
    for name, value in (("contractor", winner), ("amount", legacy.amount), ("received_at", received)):
        if getattr(bid, name) is not value and getattr(bid, name) != value:
            setattr(bid, name, value)
    writer.queue("bid.migrate", f"入札（旧システムからの取込）: {case.number} {winner.name} {legacy.amount:,} 円", bid,
                 before, bid_snapshot)
    values = {"contractor": winner, "bid": bid, "amount": legacy.amount, "decided_on": legacy.decided_on,
              "amount_with_tax": tax_included(session, legacy.amount, legacy.decided_on),
              "rate": award_rate(legacy.amount, target.planned_price)}
    award = writer.get(Award, key)
    if award is None:
        award = writer.add(Award, key, Award(case=case, state="decided", **values))
        before = None
    else:
        before = award_snapshot(award)
        for name, value in values.items():
            if getattr(award, name) is not value and getattr(award, name) != value:
                setattr(award, name, value)
    writer.queue("award.migrate", f"落札決定（旧システムからの取込）: {case.number} {winner.name} {legacy.amount:,} 円",
                 award, before, award_snapshot)
    return award
