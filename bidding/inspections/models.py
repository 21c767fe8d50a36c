"""Inspections (SPEC CM6): 完成 / 中間 / 既済部分 inspections of a contract by an assigned 検査員, with the result
(合格 / 手直し with a deadline / 不合格); a 手直し re-inspection links to the first. A 完成 inspection passed
completes the contract (and makes the work ready for grading)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidding.contracts.models import Contract
from core.auth.models import User
from core.db import Base, utcnow
from registry.contractors.models import in_values

KINDS = {"final": "完成検査", "interim": "中間検査", "partial": "既済部分検査"}
RESULTS = {"pass": "合格", "fix": "手直し", "fail": "不合格"}
RESULT_BADGES = {"pass": "badge--success", "fix": "badge--warning", "fail": "badge--danger"}


class Inspection(Base):
    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint(f"kind IN ({in_values(KINDS)})", name="kind_known"),
        CheckConstraint(f"result IS NULL OR result IN ({in_values(RESULTS)})", name="result_known"),
        CheckConstraint("result <> 'fix' OR fix_deadline IS NOT NULL", name="fix_has_deadline"),
        CheckConstraint("recognised_amount IS NULL OR recognised_amount >= 0", name="recognised_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    scheduled_on: Mapped[date | None] = mapped_column(Date)
    inspected_on: Mapped[date | None] = mapped_column(Date)
    result: Mapped[str | None] = mapped_column(String(6))
    fix_deadline: Mapped[date | None] = mapped_column(Date)
    remarks: Mapped[str | None] = mapped_column(Text)
    #: 既済部分: the amount recognised as done (税込).
    recognised_amount: Mapped[int | None] = mapped_column(BigInteger)
    #: A 手直し re-inspection points to the inspection it follows.
    reinspection_of_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    contract: Mapped[Contract] = relationship()
    inspector: Mapped[User] = relationship()
    reinspection_of: Mapped[Inspection | None] = relationship(remote_side=[id])

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def result_label(self) -> str:
        return RESULTS.get(self.result or "", "未実施")

    @property
    def result_badge(self) -> str:
        return RESULT_BADGES.get(self.result or "", "badge--neutral")
