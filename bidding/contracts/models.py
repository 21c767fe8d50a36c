"""Contracts (SPEC CM5, CM14): the contract made from an award (or a 随意契約 case), its change contracts each with
before/after, and the 請求・支払 of 前払金, 部分払 and 完成払.

A contract's current figures are the last change's (or the original's); every change is its own record, so the
chain shows how the contract came to be what it is.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidding.bids.models import Award
from bidding.budget.models import BudgetLine
from bidding.cases.models import APPROVALS, TenderCase
from core.auth.models import User
from core.db import Base, utcnow
from registry.contractors.models import Contractor, in_values

GUARANTEE_METHODS = {"cash": "契約保証金（金銭）", "securities": "有価証券", "bond": "保証証券（保証事業会社・銀行等）",
                     "insurance": "履行保証保険", "exempt": "免除"}
DOCUMENT_KINDS = {"contract": "契約書", "acceptance": "請書"}
CONTRACT_STATES = {"active": "履行中", "completed": "完成", "cancelled": "解除"}
#: The 契約保証 of a contract migrated from the legacy system, which kept none: stored as 免除 with this reason (a code
#: of its own would make SQLite rebuild the contracts table) and shown as 記録なし.
LEGACY_GUARANTEE_REASON = "旧システムから移行した契約のため"
PAYMENT_KINDS = {"advance": "前払金", "intermediate": "中間前払金", "partial": "部分払", "final": "完成払"}


class Contract(Base):
    """契約: the terms agreed with the winner (or the 随意契約 partner)."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint(f"guarantee_method IN ({in_values(GUARANTEE_METHODS)})", name="guarantee_method_known"),
        CheckConstraint("guarantee_method <> 'exempt' OR guarantee_exempt_reason IS NOT NULL",
                        name="exemption_has_reason"),
        CheckConstraint(f"document_kind IN ({in_values(DOCUMENT_KINDS)})", name="document_kind_known"),
        CheckConstraint(f"state IN ({in_values(CONTRACT_STATES)})", name="state_known"),
        CheckConstraint(f"approval IN ({in_values(APPROVALS)})", name="approval_known"),
        CheckConstraint("work_to >= work_from", name="work_period_ordered"),
        CheckConstraint("amount > 0 AND tax_amount >= 0 AND tax_amount < amount", name="amounts_sane"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: 契約番号 from the ``numbering`` rule.
    number: Mapped[str] = mapped_column(String(40), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("tender_cases.id"), unique=True)
    #: The award the contract comes from (None for a 随意契約 made directly).
    award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    contract_date: Mapped[date] = mapped_column(Date, index=True)
    #: The original 契約金額 (税込) and its 消費税等相当額 on the 契約日.
    amount: Mapped[int] = mapped_column(BigInteger)
    tax_amount: Mapped[int] = mapped_column(BigInteger)
    work_from: Mapped[date] = mapped_column(Date)
    work_to: Mapped[date] = mapped_column(Date)
    guarantee_method: Mapped[str] = mapped_column(String(12))
    guarantee_amount: Mapped[int | None] = mapped_column(BigInteger)
    guarantee_exempt_reason: Mapped[str | None] = mapped_column(String(500))
    #: 前払金 the contract allows (None: no advance), and whether a 中間前払金 may be claimed.
    advance_amount: Mapped[int | None] = mapped_column(BigInteger)
    intermediate_allowed: Mapped[bool] = mapped_column(default=False)
    #: 前払保証 (the guarantee company and certificate number).
    advance_guarantee: Mapped[str | None] = mapped_column(String(200))
    partial_payments: Mapped[int] = mapped_column(Integer, default=0)
    document_kind: Mapped[str] = mapped_column(String(12))
    special_terms: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="active")
    #: 完成届 and the completion (a 完成検査 合格).
    completion_reported_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    approval: Mapped[str] = mapped_column(String(10), default="drafting")
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[TenderCase] = relationship()
    award: Mapped[Award | None] = relationship()
    contractor: Mapped[Contractor] = relationship()
    approved_by: Mapped[User | None] = relationship()
    changes: Mapped[list[ContractChange]] = relationship(back_populates="contract", order_by="ContractChange.seq")
    payments: Mapped[list[Payment]] = relationship(back_populates="contract", order_by="Payment.id")

    @property
    def current_amount(self) -> int:
        return self.changes[-1].amount_after if self.changes else self.amount

    @property
    def current_work_to(self) -> date:
        return self.changes[-1].work_to_after if self.changes else self.work_to

    @property
    def paid_total(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def remaining(self) -> int:
        """What may still be paid: the current amount less every claim recorded."""
        return self.current_amount - self.paid_total

    @property
    def state_label(self) -> str:
        return CONTRACT_STATES.get(self.state, self.state)

    @property
    def guarantee_label(self) -> str:
        if self.guarantee_method == "exempt" and self.guarantee_exempt_reason == LEGACY_GUARANTEE_REASON:
            return "記録なし"
        return GUARANTEE_METHODS.get(self.guarantee_method, self.guarantee_method)

    @property
    def document_label(self) -> str:
        return DOCUMENT_KINDS.get(self.document_kind, self.document_kind)

    @property
    def is_approved(self) -> bool:
        return self.approval == "approved"


class ContractChange(Base):
    """変更契約 第n回: the amount and/or 工期 before and after, with the reason and the change date."""

    __tablename__ = "contract_changes"
    __table_args__ = (
        UniqueConstraint("contract_id", "seq"),
        CheckConstraint("amount_after > 0", name="amount_positive"),
        CheckConstraint(f"approval IN ({in_values(APPROVALS)})", name="approval_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    seq: Mapped[int] = mapped_column(Integer)
    changed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(1000))
    amount_before: Mapped[int] = mapped_column(BigInteger)
    amount_after: Mapped[int] = mapped_column(BigInteger)
    tax_after: Mapped[int] = mapped_column(BigInteger)
    work_to_before: Mapped[date] = mapped_column(Date)
    work_to_after: Mapped[date] = mapped_column(Date)
    #: Why the change goes beyond the guideline (増額の目安, 工期 past the 年度 without 繰越), when it does.
    guideline_reason: Mapped[str | None] = mapped_column(String(1000))
    #: The budget line the 増減 is charged to (one of the case's lines); None when the amount does not change or
    #: the case has no charges (migrated cases).
    budget_line_id: Mapped[int | None] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    approval: Mapped[str] = mapped_column(String(10), default="drafting")
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="changes")
    budget_line: Mapped[BudgetLine | None] = relationship()

    @property
    def amount_delta(self) -> int:
        return self.amount_after - self.amount_before


class Payment(Base):
    """請求 and 支払 of 前払金, 中間前払金, 部分払 or 完成払, with the deadline the law gives."""

    __tablename__ = "contract_payments"
    __table_args__ = (
        CheckConstraint(f"kind IN ({in_values(PAYMENT_KINDS)})", name="kind_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("paid_on IS NULL OR paid_on >= claimed_on", name="paid_after_claim"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    amount: Mapped[int] = mapped_column(BigInteger)
    claimed_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    paid_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="payments")

    @property
    def kind_label(self) -> str:
        return PAYMENT_KINDS.get(self.kind, self.kind)
