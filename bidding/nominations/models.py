"""The firms taking part in a case (SPEC CM3): nominated by staff (指名競争, 随意契約) or applying to an open
tender (一般競争), each with the reasons recorded when it was picked, admitted, refused or cancelled."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidding.cases.models import TenderCase
from core.db import Base, utcnow
from registry.contractors.models import Contractor, in_values

KINDS = {"nominated": "指名", "applicant": "参加申請"}
STATUSES = {
    "picked": "選定（通知前）",
    "nominated": "指名済",
    "applied": "申請あり（審査前）",
    "admitted": "参加資格あり",
    "refused": "参加資格なし",
    "cancelled": "取消",
}
STATUS_BADGES = {"picked": "badge--info", "nominated": "badge--success", "applied": "badge--info",
                 "admitted": "badge--success", "refused": "badge--danger", "cancelled": "badge--neutral"}
#: Participants who may bid (the bids issue reads this): nominated, or admitted after review.
BIDDING_STATUSES = frozenset({"nominated", "admitted"})
#: Participants still counted on the case (not refused or cancelled).
ACTIVE_STATUSES = frozenset({"picked", "nominated", "applied", "admitted"})


class CaseParticipant(Base):
    """A firm on a case: a nomination, or an application to an open tender."""

    __tablename__ = "case_participants"
    __table_args__ = (
        UniqueConstraint("case_id", "contractor_id"),
        CheckConstraint(f"kind IN ({in_values(KINDS)})", name="kind_known"),
        CheckConstraint(f"status IN ({in_values(STATUSES)})", name="status_known"),
        CheckConstraint("status <> 'cancelled' OR cancel_reason IS NOT NULL", name="cancel_has_reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("tender_cases.id"))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    #: Why staff picked this firm (required when the ``bidding.nomination`` rule says so).
    pick_reason: Mapped[str | None] = mapped_column(String(500))
    #: The eligibility check's reasons at the time, when the firm was picked or admitted although ineligible.
    ineligible_reasons: Mapped[str | None] = mapped_column(Text)
    #: Why staff overrode those reasons (required with them).
    override_reason: Mapped[str | None] = mapped_column(String(500))
    #: 指名通知日 for a nomination, the decision day of an application's review.
    decided_on: Mapped[date | None] = mapped_column(Date)
    applied_on: Mapped[date | None] = mapped_column(Date)
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    #: Cancelled because the firm (or a JV member) became suspended after it was nominated: the case warns.
    cancelled_for_suspension: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[TenderCase] = relationship()
    contractor: Mapped[Contractor] = relationship()

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES.get(self.status, "badge--neutral")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
