"""Reads of a case's participants: the list, the firms suspended or to be suspended before the opening."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bidding.cases.models import TenderCase
from core.jp import format_date
from registry.contractors.models import Contractor
from registry.suspensions.queries import scheduled_suspensions

from .models import ACTIVE_STATUSES, BIDDING_STATUSES, CaseParticipant


def participants(session: Session, case_id: int) -> list[CaseParticipant]:
    """The firms on a case, in 業者番号 order (cancelled and refused ones included)."""
    return list(session.scalars(select(CaseParticipant).join(Contractor)
                                .options(joinedload(CaseParticipant.contractor))
                                .where(CaseParticipant.case_id == case_id).order_by(Contractor.number)))


def bidders(session: Session, case_id: int) -> list[CaseParticipant]:
    """The firms that may bid: nominated, or admitted after the review."""
    return [p for p in participants(session, case_id) if p.status in BIDDING_STATUSES]


def suspension_warnings(session: Session, case: TenderCase, items: list[CaseParticipant], today: date) -> list[str]:
    """Warnings for the case: nominations cancelled by a suspension, and firms whose decided suspension starts
    before the opening (they will drop out)."""
    warnings = [f"{p.contractor.name}（{p.contractor.number}）: {p.cancel_reason}（{format_date(p.cancelled_on)}）"
                for p in items if p.cancelled_for_suspension]
    active = [p for p in items if p.status in ACTIVE_STATUSES]
    if not active or case.state not in ("draft", "published", "nominated", "closed"):
        return warnings
    opening = case.opening_at.date() if case.opening_at else None
    upcoming = scheduled_suspensions(session, [p.contractor_id for p in active], today)
    for p in active:
        for s in upcoming.get(p.contractor_id, []):
            if opening is None or s.starts_on <= opening:
                warnings.append(f"{p.contractor.name}（{p.contractor.number}）は {format_date(s.starts_on)} から指名停止の"
                                "予定です。始期に指名（参加資格）を取り消します。")
    return warnings
