"""What an opened round decides (one owner for the bid tab, the award and the 入札調書): the competing bids, the
lowest and its ties, whether a 電子くじ or a 低入札価格調査 is still needed, and the winner.

Price-only cases: the lowest competing bid wins. A bid of a withdrawn award (取消) no longer competes, so the next
one moves up. 総合評価 cases rank by the evaluation (``bidding.evaluation``) instead of the price.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.cases.models import TenderCase

from .models import Award, Bid, BidRound


@dataclass
class Outcome:
    round: BidRound | None
    winner: Bid | None = None
    #: Why no winner can be named yet (Japanese), or None.
    problem: str | None = None
    tied: list[Bid] = field(default_factory=list)
    needs_lot: bool = False
    survey_pending: list[Bid] = field(default_factory=list)


def _withdrawn(bid_round: BidRound) -> set[int]:
    from sqlalchemy.orm import object_session

    session = object_session(bid_round)
    return set(session.scalars(select(Award.bid_id).where(Award.case_id == bid_round.case_id,
                                                          Award.state == "undone")))


def competing(bid_round: BidRound) -> list[Bid]:
    """The bids that may still win the round."""
    withdrawn = _withdrawn(bid_round)
    return [b for b in bid_round.bids if b.competes and b.id not in withdrawn]


def lowest_tie(bid_round: BidRound) -> list[Bid]:
    """The competing bids at the lowest amount (one bid, or several tied)."""
    bids = competing(bid_round)
    if not bids:
        return []
    low = min(b.amount for b in bids)
    return [b for b in bids if b.amount == low]


def round_outcome(session: Session, case: TenderCase) -> Outcome:
    from .services import current_round

    bid_round = current_round(session, case)
    if bid_round is None or bid_round.state != "opened":
        return Outcome(bid_round, problem="開札していません。")
    tied = lowest_tie(bid_round)
    if not tied:
        return Outcome(bid_round, problem="有効な入札がありません。再度入札するか、不調としてください。")
    pending = [b for b in tied if b.status == "survey" and b.survey_decision == "pending"]
    if pending:
        names = "、".join(b.contractor.name for b in pending)
        return Outcome(bid_round, tied=tied, survey_pending=pending,
                       problem=f"低入札価格調査中の入札があります（{names}）。調査の結果を記録してから落札者を決定します。")
    if len(tied) == 1:
        return Outcome(bid_round, winner=tied[0], tied=tied)
    draw = next((d for d in reversed(bid_round.lots) if d.amount == tied[0].amount), None)
    if draw is None:
        return Outcome(bid_round, tied=tied, needs_lot=True,
                       problem=f"{tied[0].amount:,} 円の同額の入札が {len(tied)} 者あります。電子くじを引いてください。")
    by_id = {b.id: b for b in tied}
    winner = next((by_id[i] for i in draw.ranking if i in by_id), None)
    return Outcome(bid_round, winner=winner, tied=tied)
