"""指名停止 (SPEC CM1): a period during which a firm (and the JVs it belongs to) is not nominated."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from registry.contractors.models import Contractor


class Suspension(Base):
    """指名停止: a period during which the firm (and the JVs it belongs to) is not nominated."""

    __tablename__ = "suspensions"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period_ordered"),
        Index("ix_suspensions_period", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    #: Code of the cause in the ``suspension_causes`` rule in force on the decision date.
    cause_code: Mapped[str] = mapped_column(String(40))
    decided_on: Mapped[date] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: The chosen period as decided, e.g. "2か月" or "3週間".
    period_text: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str | None] = mapped_column(String(300))
    facts: Mapped[str] = mapped_column(Text)
    lifted_on: Mapped[date | None] = mapped_column(Date)
    lift_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    contractor: Mapped[Contractor] = relationship(back_populates="suspensions")

    @property
    def effective_end(self) -> date:
        """Last day of the suspension: the day before an early lifting, else ``ends_on``."""
        if self.lifted_on is not None:
            return min(self.ends_on, self.lifted_on - timedelta(days=1))
        return self.ends_on

    def is_active_on(self, day: date) -> bool:
        """In force on ``day``: the rule of ``registry.suspensions.queries.in_force`` for one loaded row."""
        return self.starts_on <= day <= self.effective_end

    def status_on(self, day: date) -> str:
        """``active`` (停止中) / ``scheduled`` (予定) / ``ended`` (終了) / ``lifted`` (解除) on ``day``."""
        if self.is_active_on(day):
            return "active"
        if self.lifted_on is not None and self.lifted_on <= day:
            return "lifted"
        if self.starts_on > day:
            return "scheduled"
        return "ended"
