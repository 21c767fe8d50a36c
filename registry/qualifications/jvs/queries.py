"""Reads of joint ventures: the JVs a firm belongs to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.contractors.models import Contractor

from ..models import JVMember


def jvs_of(session: Session, contractor_id: int) -> list[Contractor]:
    """The joint ventures the firm is a member of (for suspension propagation), by 業者番号."""
    return list(session.scalars(select(Contractor).join(JVMember, JVMember.jv_id == Contractor.id)
                                .where(JVMember.member_id == contractor_id).order_by(Contractor.number)))
