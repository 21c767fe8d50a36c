"""Bids and award (SPEC CM4): the rounds of a case (再度入札), each firm's bid per round with its status after the
opening, the 電子くじ that settled a tie with every input and the arithmetic, and the award (落札決定).

Statuses are computed at the opening (``services.open_round``) from the case's 予定価格 and floor, and kept: the
入札調書 shows what was decided then, even if a rule changes later.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidding.cases.models import TenderCase
from core.db import Base, utcnow
from registry.contractors.models import Contractor, in_values

#: A bid's status after the opening (``pending`` before it).
BID_STATUSES = {
    "pending": "開札前",
    "valid": "有効",
    "survey": "低入札調査対象",
    "below_minimum": "失格（最低制限価格未満）",
    "over_planned": "予定価格超過",
    "declined": "辞退",
    "invalid": "無効",
    "excluded": "失格（低入札調査の結果）",
}
BID_BADGES = {"pending": "badge--neutral", "valid": "badge--success", "survey": "badge--warning",
              "below_minimum": "badge--danger", "over_planned": "badge--neutral", "declined": "badge--neutral",
              "invalid": "badge--danger", "excluded": "badge--danger"}
#: Statuses of bids that may win (a 低入札調査 bid only after the survey found it acceptable).
COMPETING = frozenset({"valid", "survey"})
#: The 低入札調査 of a bid: pending, then its decision.
SURVEY_DECISIONS = {"pending": "調査中", "acceptable": "契約の内容に適合した履行がされると認める",
                    "unacceptable": "適合した履行がされないおそれがある（失格）"}
ROUND_STATES = {"bidding": "入札受付中", "opened": "開札済"}
AWARD_STATES = {"candidate": "落札候補者（事後審査中）", "decided": "落札決定", "undone": "取消"}


class BidRound(Base):
    """One round of a case: 1, then 2, 3 … for 再度入札 (up to the rule's maximum)."""

    __tablename__ = "bid_rounds"
    __table_args__ = (
        UniqueConstraint("case_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(f"state IN ({in_values(ROUND_STATES)})", name="state_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("tender_cases.id"))
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="bidding")
    #: When the round was opened (Japan time, as entered on the opening).
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: 最低制限価格 or 調査基準価格 used at the opening (the case's, after a random coefficient if the rule draws one).
    floor_price: Mapped[int | None] = mapped_column(BigInteger)
    #: The 入札時ランダム係数 drawn at the opening, when the rule uses one (recorded for the 入札調書).
    floor_coefficient: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[TenderCase] = relationship()
    bids: Mapped[list[Bid]] = relationship(back_populates="round", order_by="Bid.received_at, Bid.id")
    lots: Mapped[list[LotDraw]] = relationship(back_populates="round", order_by="LotDraw.id")

    @property
    def state_label(self) -> str:
        return ROUND_STATES.get(self.state, self.state)


class Bid(Base):
    """One firm's bid in one round: an amount (税抜, whole yen) or 辞退, possibly 無効 with a reason."""

    __tablename__ = "bids"
    __table_args__ = (
        UniqueConstraint("round_id", "contractor_id"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint("declined OR amount IS NOT NULL OR invalid_reason IS NOT NULL", name="amount_or_declined"),
        CheckConstraint(f"status IN ({in_values(BID_STATUSES)})", name="status_known"),
        CheckConstraint(f"survey_decision IS NULL OR survey_decision IN ({in_values(SURVEY_DECISIONS)})",
                        name="survey_decision_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("bid_rounds.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("tender_cases.id"), index=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    amount: Mapped[int | None] = mapped_column(BigInteger)
    declined: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Code of the ``bidding.bids`` rule's invalid-bid list (金額訂正, 記名なし …); None for a bid that counts.
    invalid_reason: Mapped[str | None] = mapped_column(String(40))
    #: Time of receipt, Japan time with milliseconds (the order of the tied bidders in a 電子くじ).
    received_at: Mapped[datetime] = mapped_column(DateTime)
    #: くじ入力番号: three digits chosen by the bidder; None for a paper bid (the rule's fixed number is used).
    lot_input: Mapped[str | None] = mapped_column(String(3))
    paper: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # 総合評価: technical points of the bidder (entered or imported).
    tech_standard: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    tech_added: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    tech_structure: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    # 低入札価格調査 of this bid.
    survey_decision: Mapped[str | None] = mapped_column(String(16))
    survey_decided_on: Mapped[date | None] = mapped_column(Date)
    survey_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    round: Mapped[BidRound] = relationship(back_populates="bids")
    #: The case (also the round's): set with the round, so a bulk write needs no case id before its flush.
    case: Mapped[TenderCase] = relationship()
    contractor: Mapped[Contractor] = relationship()

    @property
    def status_label(self) -> str:
        return BID_STATUSES.get(self.status, self.status)

    @property
    def status_badge(self) -> str:
        return BID_BADGES.get(self.status, "badge--neutral")

    @property
    def competes(self) -> bool:
        """May win: valid, or a 低入札調査 bid not found unacceptable."""
        return self.status in COMPETING and self.survey_decision != "unacceptable"


class LotDraw(Base):
    """電子くじ among bids tied at the same amount: every input and the arithmetic, so anyone can recompute it."""

    __tablename__ = "lot_draws"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("bid_rounds.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    #: Where the system values came from (``receipt_ms`` / ``random``) and the paper bids' fixed number.
    method: Mapped[str] = mapped_column(String(20))
    #: [{bid_id, contractor, order, input, system_value, lot_number}] in receipt order.
    entries: Mapped[list] = mapped_column(JSON)
    #: [{remaining: [order…], total, count, index, winner_bid_id}] one step per place.
    steps: Mapped[list] = mapped_column(JSON)
    #: Bid ids from first to last place.
    ranking: Mapped[list] = mapped_column(JSON)
    drawn_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    round: Mapped[BidRound] = relationship(back_populates="lots")


class Award(Base):
    """落札決定 (or 落札候補者 under 事後審査): the winning bid with its amounts on the decision date."""

    __tablename__ = "awards"
    __table_args__ = (
        CheckConstraint(f"state IN ({in_values(AWARD_STATES)})", name="state_known"),
        CheckConstraint("state <> 'undone' OR undo_reason IS NOT NULL", name="undo_has_reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("tender_cases.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bids.id"))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    state: Mapped[str] = mapped_column(String(10))
    #: 落札金額 (税抜) and with tax by the tax rule of ``decided_on``.
    amount: Mapped[int] = mapped_column(BigInteger)
    amount_with_tax: Mapped[int] = mapped_column(BigInteger)
    #: 落札率: amount ÷ 予定価格 in percent, two decimals.
    rate: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    decided_on: Mapped[date] = mapped_column(Date)
    undo_reason: Mapped[str | None] = mapped_column(String(500))
    undone_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    bid: Mapped[Bid] = relationship()
    case: Mapped[TenderCase] = relationship()
    contractor: Mapped[Contractor] = relationship()

    @property
    def state_label(self) -> str:
        return AWARD_STATES.get(self.state, self.state)
