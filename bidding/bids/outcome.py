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
from core.errors import ValidationFailed

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
    #: 総合評価 cases: the ranking with every figure (``bidding.evaluation.Evaluation``).
    evaluation: object | None = None


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
    """The competing bids that rank first: the lowest amount, or (総合評価) the best evaluation — one bid, or
    several tied (to be settled by lot)."""
    bids = competing(bid_round)
    if not bids or not bid_round.case.is_value_method:
        return _first_place(bids, None)
    try:
        return _first_place(bids, evaluate_round(bid_round, bids))
    except ValidationFailed:
        return []


def _first_place(bids: list[Bid], evaluation) -> list[Bid]:
    """Of the competing ``bids``, those at the first place: by the evaluation when there is one, else the price."""
    if not bids:
        return []
    if evaluation is not None:
        first = {row.key for row in evaluation.winners}
        return [b for b in bids if b.id in first]
    low = min(b.amount for b in bids)
    return [b for b in bids if b.amount == low]


def evaluate_round(bid_round: BidRound, bids: list[Bid]):
    """The 総合評価 of the competing bids of a round by the rule in force on its opening (or the case's) day."""
    from sqlalchemy.orm import object_session

    from bidding.evaluation import Bidder, evaluate

    case = bid_round.case
    day = (bid_round.opened_at or case.opening_at).date() if (bid_round.opened_at or case.opening_at) \
        else case.price_date
    missing = [b.contractor.name for b in bids if b.tech_added is None or
               (case.evaluation_method == "division" and b.tech_standard is None)]
    if missing:
        raise ValidationFailed(f"技術評価点が未入力の入札があります（{'、'.join(missing)}）。")
    bidders = [Bidder(key=b.id, label=b.contractor.name, amount=b.amount, standard=b.tech_standard,
                      added=b.tech_added, structure=b.tech_structure or 0, max_added=case.evaluation_max_points)
               for b in bids]
    survey = bid_round.floor_price if case.floor_kind == "survey" else None
    return evaluate(object_session(bid_round), on=day, method=case.evaluation_method, planned=case.planned_price,
                    design_amount=case.design_amount, survey_price=survey, bidders=bidders)


def draw_for(bid_round: BidRound, tied: list[Bid]):
    """The 電子くじ already drawn among exactly these tied bids, if any."""
    ids = {b.id for b in tied}
    return next((d for d in reversed(bid_round.lots) if {e["bid_id"] for e in d.entries} == ids), None)


def round_outcome(session: Session, case: TenderCase) -> Outcome:
    from .services import current_round

    bid_round = current_round(session, case)
    if bid_round is None or bid_round.state != "opened":
        return Outcome(bid_round, problem="開札していません。")
    # The competing bids and their evaluation once: the winner, the ties and the table all read them.
    bids = competing(bid_round)
    evaluation = None
    if case.is_value_method and bids:
        try:
            evaluation = evaluate_round(bid_round, bids)
        except ValidationFailed as exc:
            message = " ".join(m for ms in exc.errors.values() for m in ms)
            return Outcome(bid_round, problem=f"総合評価を計算できません: {message}")
    tied = _first_place(bids, evaluation)
    if not tied:
        return Outcome(bid_round, problem="有効な入札がありません。再度入札するか、不調としてください。")
    pending = [b for b in tied if b.status == "survey" and b.survey_decision == "pending"]
    if pending:
        names = "、".join(b.contractor.name for b in pending)
        return Outcome(bid_round, tied=tied, survey_pending=pending, evaluation=evaluation,
                       problem=f"低入札価格調査中の入札があります（{names}）。調査の結果を記録してから落札者を決定します。")
    if len(tied) == 1:
        return Outcome(bid_round, winner=tied[0], tied=tied, evaluation=evaluation)
    draw = draw_for(bid_round, tied)
    if draw is None:
        what = "評価値が同点" if evaluation is not None else f"{tied[0].amount:,} 円の同額"
        return Outcome(bid_round, tied=tied, needs_lot=True, evaluation=evaluation,
                       problem=f"{what}の入札が {len(tied)} 者あります。電子くじを引いてください。")
    by_id = {b.id: b for b in tied}
    winner = next((by_id[i] for i in draw.ranking if i in by_id), None)
    return Outcome(bid_round, winner=winner, tied=tied, evaluation=evaluation)
