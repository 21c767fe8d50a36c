"""Reads of a case's bids: its rounds with their bids and lots, its awards (the bid tab, the 入札調書, results)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .models import Award, Bid, BidRound


def rounds_of(session: Session, case_id: int) -> list[BidRound]:
    """The case's rounds in order, each with its bids (and their firms) and lots loaded."""
    return list(session.scalars(select(BidRound).where(BidRound.case_id == case_id).order_by(BidRound.number)
                                .options(selectinload(BidRound.bids).selectinload(Bid.contractor),
                                         selectinload(BidRound.lots))))


def awards_of(session: Session, case_id: int) -> list[Award]:
    """The case's awards, newest first (an undone one stays listed with its reason)."""
    return list(session.scalars(select(Award).where(Award.case_id == case_id).order_by(Award.id.desc())
                                .options(selectinload(Award.contractor))))


def current_award(session: Session, case_id: int) -> Award | None:
    """The award in force (decided or candidate), if any."""
    return session.scalar(select(Award).where(Award.case_id == case_id, Award.state != "undone")
                          .order_by(Award.id.desc()).limit(1))
