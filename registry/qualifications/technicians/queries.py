"""Reads of technicians shared by other packages: whether a firm has a technician with a qualification."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists

from core.search import contains_text

from ..models import Technician


def has_qualified_technician(qualification: str, contractor_id) -> ColumnElement[bool]:
    """SQL condition on a firm id column: one of the firm's active technicians lists ``qualification`` (the
    qualifications are free text such as 「1級土木施工管理技士、監理技術者資格者証」, so a contained text matches)."""
    return exists().where(Technician.contractor_id == contractor_id, Technician.is_active.is_(True),
                          contains_text(Technician.qualifications, qualification))
