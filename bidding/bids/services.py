"""Bid services (SPEC CM4): record bids per round, enter the 総合評価 技術評価点 and open a round (statuses from
予定価格 and the floor). The steps after the opening that settle the award — 電子くじ, 低入札調査, 再度入札 or 不調,
落札決定 and its undo — are in ``award``. Each write checks the actor, keeps history and never commits.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.cases.models import TenderCase
from bidding.cases.permissions import can_manage_case
from bidding.nominations.models import BIDDING_STATUSES, CaseParticipant
from bidding.prices import draw_minimum, random_coefficient
from core.audit.queries import register_operations
from core.errors import ValidationFailed, require
from core.history import record_change, register_fields
from core.jp import format_date
from core.rules import get_rule
from registry.contractors.models import Contractor
from registry.suspensions.queries import suspensions_in_force

from . import lots
from .models import BID_STATUSES, SURVEY_DECISIONS, Bid, BidRound


def bid_snapshot(bid: Bid) -> dict:
    return {"round": bid.round.number if bid.round else None,
            "contractor": f"{bid.contractor.number} {bid.contractor.name}" if bid.contractor else bid.contractor_id,
            "amount": bid.amount, "declined": bid.declined, "invalid_reason": bid.invalid_reason,
            "received_at": bid.received_at.isoformat(timespec="milliseconds") if bid.received_at else None,
            "lot_input": bid.lot_input, "paper": bid.paper, "status": bid.status,
            "tech": [str(v) if v is not None else None for v in (bid.tech_standard, bid.tech_added, bid.tech_structure)],
            "survey_decision": bid.survey_decision,
            "survey_decided_on": bid.survey_decided_on.isoformat() if bid.survey_decided_on else None,
            "survey_note": bid.survey_note}


def register_labels() -> None:
    register_fields("bids", {
        "round": "回", "contractor": "業者", "amount": "入札金額（税抜）", "declined": "辞退", "invalid_reason": "無効の理由",
        "received_at": "受付日時", "lot_input": "くじ入力番号", "paper": "紙入札", "status": "結果", "tech": "技術評価点",
        "survey_decision": "低入札価格調査の結果", "survey_decided_on": "調査の決定日", "survey_note": "調査の所見"},
        {"status": lambda v: BID_STATUSES.get(v, v), "survey_decision": lambda v: SURVEY_DECISIONS.get(v, v)},
        snapshot=(Bid, bid_snapshot))
    register_operations({
        "bid.record": "入札の記録", "bid.tech": "技術評価点の入力", "bid.open": "開札", "bid.lot": "電子くじ",
        "bid.survey": "低入札価格調査の結果",
        "bid.rebid": "再度入札", "bid.fail": "不調", "bid.award": "落札決定", "bid.confirm": "落札候補者の確定（事後審査）",
        "bid.undo_award": "落札決定の取消",
    }, {"bids": "入札", "awards": "落札決定"})


def rules(session: Session, case: TenderCase) -> dict:
    """The ``bidding.bids`` rule in force on the case's opening (or notice) day."""
    day = case.opening_at.date() if case.opening_at else case.price_date
    return get_rule(session, "bidding.bids", day)


def current_round(session: Session, case: TenderCase) -> BidRound | None:
    return session.scalar(select(BidRound).where(BidRound.case_id == case.id).order_by(BidRound.number.desc())
                          .limit(1))


def accepts_bids(session: Session, case: TenderCase) -> bool:
    """Whether bids may be recorded now: round 1 after the notice, or a 再度入札 round not yet opened."""
    latest = current_round(session, case)
    if latest is None:
        return case.state in ("published", "nominated", "closed")
    return latest.state == "bidding"


def _round_for_bids(session: Session, case: TenderCase) -> BidRound:
    """The round taking bids: round 1 is made at the first bid (the case must be past its notice)."""
    latest = current_round(session, case)
    if latest is not None and latest.state == "bidding":
        return latest
    if latest is None and case.state in ("published", "nominated", "closed"):
        latest = BidRound(case=case, number=1, state="bidding")
        session.add(latest)
        session.flush()
        return latest
    raise ValidationFailed(f"「{case.state_label}」の案件は入札を受け付けていません"
                           + ("（再度入札を始めてください）。" if case.state == "opened" else "。"))


def _check_bidder(session: Session, case: TenderCase, contractor: Contractor, errors: dict) -> None:
    participant = session.scalar(select(CaseParticipant).where(CaseParticipant.case_id == case.id,
                                                               CaseParticipant.contractor_id == contractor.id))
    if participant is None or participant.status not in BIDDING_STATUSES:
        errors.setdefault("contractor", []).append(
            f"{contractor.name}はこの案件の指名業者・参加資格のある業者ではありません。")
        return
    day = case.opening_at.date() if case.opening_at else None
    if day and suspensions_in_force(session, [contractor.id], day).get(contractor.id):
        errors.setdefault("contractor", []).append(
            f"{contractor.name}は開札日（{format_date(day)}）に指名停止中のため入札できません。")


def record_bid(session: Session, actor, case: TenderCase, contractor: Contractor, *, amount: int | None,
               declined: bool, received_at: datetime, invalid_reason: str | None = None,
               lot_input: str | None = None, paper: bool = False) -> Bid:
    """Record a firm's bid of the round taking bids (a re-entry before the opening corrects it, with history).

    :raises ValidationFailed: not a bidder of the case, suspended on the opening day, no amount, an amount not a
        positive whole yen, a re-bid not below the firm's previous bid (when the rule says so), a くじ入力番号 that
        is not three digits, an unknown invalid-bid reason.
    """
    require(can_manage_case(actor, case), "入札の記録は契約課の職員が行います。")
    rule = rules(session, case)
    bid_round = _round_for_bids(session, case)
    errors: dict[str, list[str]] = {}
    _check_bidder(session, case, contractor, errors)
    if declined:
        amount = None
    elif amount is None:
        errors.setdefault("amount", []).append("入札金額を入力してください（辞退のときは「辞退」を選びます）。")
    elif isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors.setdefault("amount", []).append("入札金額は 1 円以上の整数（円、税抜）で入力してください。")
    if invalid_reason and invalid_reason not in rule["invalid_reasons"]:
        errors.setdefault("invalid_reason", []).append("無効の理由を一覧から選んでください。")
    if not paper and not declined and lot_input is not None and not lots.valid_input(lot_input):
        errors.setdefault("lot_input", []).append("くじ入力番号は 3 桁の数字（例: 427）で入力してください。")
    if amount and bid_round.number > 1 and rule["rebid_lower"] and "amount" not in errors:
        previous = session.scalar(select(Bid.amount).join(BidRound).where(
            BidRound.case_id == case.id, BidRound.number == bid_round.number - 1, Bid.contractor_id == contractor.id))
        if previous is not None and amount >= previous:
            errors.setdefault("amount", []).append(
                f"再度入札の金額は前回の入札額（{previous:,} 円）より低くしてください（{amount:,} 円）。")
    if errors:
        raise ValidationFailed(errors)
    bid = session.scalar(select(Bid).where(Bid.round_id == bid_round.id, Bid.contractor_id == contractor.id))
    before = bid_snapshot(bid) if bid else None
    if bid is None:
        bid = Bid(round=bid_round, case_id=case.id, contractor=contractor)
        session.add(bid)
    bid.amount, bid.declined, bid.invalid_reason = amount, declined, invalid_reason or None
    bid.received_at, bid.paper = received_at, paper
    bid.lot_input = None if declined else (rule["paper_number"] if paper else lot_input)
    bid.status = "pending"
    session.flush()
    what = "辞退" if declined else f"{amount:,} 円"
    record_change(session, actor, "bid.record",
                  f"入札を記録: {case.number} 第{bid_round.number}回 {contractor.number} {contractor.name} {what}",
                  target=bid, before=before, after=bid_snapshot(bid), details={"case_id": case.id})
    return bid


VALUE_METHODS = frozenset({"value_standard", "value_simple", "value_special"})
POINTS_MAX = Decimal("1000")


def _points(value, label: str, field: str, errors: dict) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite() or number < 0 or number > POINTS_MAX \
            or number != number.quantize(Decimal("0.0001")):
        errors.setdefault(field, []).append(f"{label}は 0〜1,000 の数（小数は 4 桁まで）で入力してください。")
        return None
    return number


def set_tech_scores(session: Session, actor, bid: Bid, *, standard, added, structure) -> Bid:
    """総合評価: the bidder's technical points (標準点, 加算点, 施工体制評価点), entered before the winner is named."""
    case = bid.round.case
    require(can_manage_case(actor, case), "技術評価点の入力は契約課の職員が行います。")
    if case.method not in VALUE_METHODS:
        raise ValidationFailed(f"{case.method_label}の案件には技術評価点はありません。")
    if case.state not in ("published", "nominated", "closed", "opened"):
        raise ValidationFailed(f"「{case.state_label}」の案件の技術評価点は変更できません。")
    errors: dict[str, list[str]] = {}
    values = (_points(standard, "標準点", "tech_standard", errors), _points(added, "加算点", "tech_added", errors),
              _points(structure, "施工体制評価点", "tech_structure", errors))
    if errors:
        raise ValidationFailed(errors)
    before = bid_snapshot(bid)
    bid.tech_standard, bid.tech_added, bid.tech_structure = values
    session.flush()
    record_change(session, actor, "bid.tech", f"技術評価点: {case.number} {bid.contractor.name}", target=bid,
                  before=before, after=bid_snapshot(bid), details={"case_id": case.id})
    return bid


def opening_status(bid: Bid, case: TenderCase, floor: int | None) -> str:
    """A bid's status at the opening from 予定価格 and the floor (the one owner of the rule; the e-bid import
    checks the file's statuses against it)."""
    if bid.invalid_reason:
        return "invalid"
    if bid.declined:
        return "declined"
    if case.planned_price is not None and bid.amount > case.planned_price:
        return "over_planned"
    if floor is not None and bid.amount < floor:
        return "below_minimum" if case.floor_kind == "minimum" else "survey"
    return "valid"


def _opening_floor(session: Session, case: TenderCase, rng) -> tuple[int | None, Decimal | None]:
    """The floor the opening applies: the case's, or — when the price rule draws an 入札時ランダム係数 — the price
    with a coefficient drawn now (recorded on the round so the 入札調書 shows it and anyone can recompute it)."""
    if case.floor_kind == "none":
        return None, None
    if case.cost_breakdown and case.planned_price and random_coefficient(session, case.price_date, case.floor_kind):
        from bidding.cases.pricing import price_category

        drawn = draw_minimum(session, on=case.price_date, category=price_category(session, case),
                             planned=case.planned_price, breakdown=dict(case.cost_breakdown), kind=case.floor_kind,
                             rng=rng)
        return drawn.result.result, drawn.coefficient
    return case.floor_price, None


def open_round(session: Session, actor, case: TenderCase, *, now: datetime, rng=None) -> BidRound:
    """開札 of the round taking bids: each bid gets its status; the case becomes 開札済 (round 1).

    :raises ValidationFailed: before the opening time, or no bid recorded.
    """
    require(can_manage_case(actor, case), "開札は契約課の職員が行います。")
    bid_round = current_round(session, case)
    if bid_round is None or bid_round.state != "bidding" or not bid_round.bids:
        raise ValidationFailed("開札する入札がありません。先に入札を記録してください。")
    if bid_round.number == 1:
        if case.opening_at and now < case.opening_at:
            raise ValidationFailed(f"開札日時（{format_date(case.opening_at.date())} {case.opening_at:%H:%M}）の前には"
                                   "開札できません。")
        if case.state in ("published", "nominated"):
            case.transition("close")
        case.transition("open_bids")
    floor, coefficient = _opening_floor(session, case, rng or secrets.SystemRandom())
    bid_round.state, bid_round.opened_at = "opened", now
    bid_round.floor_price, bid_round.floor_coefficient = floor, coefficient
    for bid in bid_round.bids:
        before = bid_snapshot(bid)
        bid.status = opening_status(bid, case, floor)
        bid.survey_decision = "pending" if bid.status == "survey" else None
        session.flush()
        record_change(session, actor, "bid.open", f"開札: {case.number} 第{bid_round.number}回 {bid.contractor.name} "
                      f"{bid.status_label}", target=bid, before=before, after=bid_snapshot(bid),
                      details={"case_id": case.id})
    return bid_round
