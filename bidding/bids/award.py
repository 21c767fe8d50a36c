"""The award steps of an opened round (SPEC CM4): settle a tie by 電子くじ, record 低入札調査 decisions, start a
再度入札 or declare 不調, award the winner (or name the 落札候補者 under 事後審査 and confirm it later) and undo an
award with a reason. Who wins is read from ``outcome``; recording and opening bids are in ``services``. Each write
checks the actor, keeps history and never commits.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from bidding.cases.models import TenderCase
from bidding.cases.permissions import can_manage_case
from bidding.cases.services import case_snapshot
from bidding.prices import tax_included
from core.errors import InvalidTransition, ValidationFailed, require
from core.history import record_change

from . import lots
from .models import SURVEY_DECISIONS, Award, Bid, BidRound, LotDraw
from .outcome import competing, draw_for, lowest_tie, round_outcome
from .services import bid_snapshot, current_round, rules

REASON_MAX = 500


def draw_lot(session: Session, actor, case: TenderCase, *, system_values: dict[int, int] | None = None) -> LotDraw:
    """電子くじ among the bids tied at the lowest competing amount of the opened round. System values come from
    the rule (receipt milliseconds or a random draw) unless given (tests, a recomputation)."""
    require(can_manage_case(actor, case), "くじは契約課の職員が行います。")
    bid_round = current_round(session, case)
    tied = lowest_tie(bid_round) if bid_round is not None and bid_round.state == "opened" else []
    if len(tied) < 2:
        raise ValidationFailed("同額の最低価格の入札がないため、くじは不要です。")
    if draw_for(bid_round, tied) is not None:
        raise ValidationFailed("この同額の入札のくじは引き済みです。")
    rule = rules(session, case)
    source = rule["lot_source"]
    entries = []
    for bid in sorted(tied, key=lambda b: (b.received_at, b.id)):
        if system_values is not None:
            value = system_values[bid.id]
        elif source == "receipt_ms":
            value = bid.received_at.microsecond // 1000
        else:
            value = secrets.randbelow(1000)
        entries.append(lots.LotEntry(bid.id, bid.contractor.name, bid.lot_input or rule["paper_number"], value))
    steps = lots.draw(entries)
    draw = LotDraw(round=bid_round, amount=min(b.amount for b in tied), method=source,
                   entries=[{"bid_id": e.key, "contractor": e.name, "order": i, "input": e.lot_input,
                             "system_value": e.system_value, "lot_number": e.lot_number} for i, e in enumerate(entries)],
                   steps=[{"remaining": list(s.remaining), "numbers": list(s.numbers), "total": s.total,
                           "count": s.count, "index": s.index, "winner_bid_id": s.winner, "formula": s.formula}
                          for s in steps],
                   ranking=lots.ranking(steps))
    session.add(draw)
    session.flush()
    winner = next(b for b in tied if b.id == draw.ranking[0])
    record_change(session, actor, "bid.lot", f"電子くじ: {case.number} 同順位の {len(tied)} 者から "
                  f"{winner.contractor.name}", target=winner, before=None, after=bid_snapshot(winner),
                  details={"case_id": case.id, "lot_draw_id": draw.id})
    return draw


def decide_survey(session: Session, actor, bid: Bid, *, acceptable: bool, decided_on: date, note: str | None) -> Bid:
    """The result of the 低入札価格調査 of a bid (an unacceptable one is excluded: 失格)."""
    case = bid.round.case
    require(can_manage_case(actor, case), "低入札価格調査の結果は契約課の職員が記録します。")
    if bid.status != "survey" or bid.survey_decision != "pending":
        raise ValidationFailed("調査中の低入札の入札だけ、調査の結果を記録できます。")
    note = (note or "").strip() or None
    if not acceptable and not note:
        raise ValidationFailed({"survey_note": ["失格とする理由（調査の所見）を入力してください。"]})
    before = bid_snapshot(bid)
    bid.survey_decision, bid.survey_decided_on, bid.survey_note = \
        ("acceptable" if acceptable else "unacceptable"), decided_on, (note or "")[:REASON_MAX] or None
    if not acceptable:
        bid.status = "excluded"
    session.flush()
    record_change(session, actor, "bid.survey", f"低入札価格調査: {case.number} {bid.contractor.name} "
                  f"{SURVEY_DECISIONS[bid.survey_decision]}", target=bid, before=before, after=bid_snapshot(bid),
                  details={"case_id": case.id})
    return bid


def start_rebid(session: Session, actor, case: TenderCase) -> BidRound:
    """再度入札: the next round, when the opened round has no competing bid and the rule allows another."""
    require(can_manage_case(actor, case), "再度入札は契約課の職員が行います。")
    bid_round = current_round(session, case)
    if bid_round is None or bid_round.state != "opened" or case.state != "opened":
        raise ValidationFailed("開札した回がないため、再度入札はできません。")
    if competing(bid_round):
        raise ValidationFailed("有効な入札があるため、再度入札はしません。落札者を決定してください。")
    limit = rules(session, case)["max_rounds"]
    if bid_round.number >= limit:
        raise ValidationFailed(f"入札は {limit} 回までです（市の設定）。不調としてください。")
    new = BidRound(case=case, number=bid_round.number + 1, state="bidding")
    session.add(new)
    session.flush()
    record_change(session, actor, "bid.rebid", f"再度入札（第{new.number}回）: {case.number} {case.name}",
                  target=case, before=None, after=case_snapshot(case))
    return new


def declare_failed(session: Session, actor, case: TenderCase) -> TenderCase:
    """不調: no competing bid after the last round (or staff decide so after an opened round without one)."""
    require(can_manage_case(actor, case), "不調の決定は契約課の職員が行います。")
    bid_round = current_round(session, case)
    if bid_round is None or bid_round.state != "opened":
        raise ValidationFailed("開札していないため、不調にはできません。")
    if competing(bid_round):
        raise ValidationFailed("有効な入札があるため、不調にはできません。")
    before = case_snapshot(case)
    case.transition("fail")
    session.flush()
    record_change(session, actor, "bid.fail", f"不調: {case.number} {case.name}（第{bid_round.number}回）",
                  target=case, before=before, after=case_snapshot(case))
    return case


def award_snapshot(award: Award) -> dict:
    return {"contractor": f"{award.contractor.number} {award.contractor.name}" if award.contractor else None,
            "state": award.state, "amount": award.amount, "amount_with_tax": award.amount_with_tax,
            "rate": str(award.rate) if award.rate is not None else None, "decided_on": award.decided_on.isoformat(),
            "undo_reason": award.undo_reason}


def award_rate(amount: int, planned: int | None) -> Decimal | None:
    """落札率: amount ÷ 予定価格 in percent, rounded half up to two decimals."""
    if not planned:
        return None
    return (Decimal(amount) * 100 / Decimal(planned)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def award(session: Session, actor, case: TenderCase, *, decided_on: date) -> Award:
    """落札決定 of the opened round's winner (under 事後審査 the 落札候補者 until ``confirm_award``).

    :raises ValidationFailed: the winner is not settled (a tie without a lot, a 低入札調査 still open, no
        competing bid).
    """
    require(can_manage_case(actor, case), "落札決定は契約課の職員が行います。")
    if case.state != "opened":
        raise InvalidTransition(f"「{case.state_label}」の案件は落札決定できません（開札後に決定します）。")
    outcome = round_outcome(session, case)
    if outcome.problem:
        raise ValidationFailed(outcome.problem)
    bid = outcome.winner
    candidate = case.method == "open_post_review"
    record = Award(case_id=case.id, bid=bid, contractor=bid.contractor, state="candidate" if candidate else "decided",
                   amount=bid.amount, amount_with_tax=tax_included(session, bid.amount, decided_on),
                   rate=award_rate(bid.amount, case.planned_price), decided_on=decided_on)
    session.add(record)
    before = case_snapshot(case)
    if not candidate:
        case.transition("award")
    session.flush()
    what = "落札候補者" if candidate else "落札者"
    record_change(session, actor, "bid.award", f"{what}: {case.number} {bid.contractor.name} {bid.amount:,} 円"
                  f"（落札率 {record.rate}%）", target=record, before=None, after=award_snapshot(record),
                  details={"case_id": case.id})
    if not candidate:
        record_change(session, actor, "bid.award", f"落札決定: {case.number} {case.name}", target=case, before=before,
                      after=case_snapshot(case))
    return record


def confirm_award(session: Session, actor, record: Award, *, decided_on: date) -> Award:
    """事後審査を経て落札候補者を落札者に決定する."""
    case = session.get(TenderCase, record.case_id)
    require(can_manage_case(actor, case), "落札決定は契約課の職員が行います。")
    if record.state != "candidate":
        raise ValidationFailed("落札候補者だけ確定できます。")
    before, case_before = award_snapshot(record), case_snapshot(case)
    record.state, record.decided_on = "decided", decided_on
    record.amount_with_tax = tax_included(session, record.amount, decided_on)
    case.transition("award")
    session.flush()
    record_change(session, actor, "bid.confirm", f"落札決定（事後審査）: {case.number} {record.contractor.name}",
                  target=record, before=before, after=award_snapshot(record), details={"case_id": case.id})
    record_change(session, actor, "bid.confirm", f"落札決定: {case.number} {case.name}", target=case,
                  before=case_before, after=case_snapshot(case))
    return record


def undo_award(session: Session, actor, record: Award, *, reason: str | None, on: date) -> Award:
    """Take back an award (or a candidate), with the reason; the case returns to 開札済 and keeps history."""
    case = session.get(TenderCase, record.case_id)
    require(can_manage_case(actor, case), "落札決定の取消は契約課の職員が行います。")
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [f"取り消す理由を {REASON_MAX} 文字以内で入力してください。"]})
    if record.state == "undone":
        raise ValidationFailed("この落札決定は取消済みです。")
    before, case_before = award_snapshot(record), case_snapshot(case)
    if record.state == "decided":
        case.transition("undo_award")
    record.state, record.undo_reason, record.undone_on = "undone", reason, on
    session.flush()
    record_change(session, actor, "bid.undo_award", f"落札決定の取消: {case.number} {record.contractor.name}（{reason}）",
                  target=record, before=before, after=award_snapshot(record), details={"case_id": case.id})
    record_change(session, actor, "bid.undo_award", f"落札決定の取消: {case.number} {case.name}", target=case,
                  before=case_before, after=case_snapshot(case))
    return record
