"""Small helpers the qualification services share: permission check, error collection, 業種 lookups."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.errors import require
from registry.codes import work_types
from registry.contractors.models import CATEGORIES
from registry.permissions import can_edit_registry


def check_editor(actor) -> None:
    """Services admit the registry's editors (``actor`` None = command line or import)."""
    if actor is not None:
        require(can_edit_registry(actor))


def add_error(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def work_type_title(session: Session, code: str) -> str:
    wt = work_types(session).get(code)
    return f"{code} {wt.title}" if wt else code


def check_work_type(session: Session, code: str | None, category: str, errors: dict, field: str = "work_type_code"):
    wt = work_types(session).get(code or "")
    if wt is None or wt.category != category:
        add_error(errors, field, f"{CATEGORIES[category]}の業種を選んでください。")
    return wt


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None
