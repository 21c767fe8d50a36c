"""建設業許可 services: register or change the permit of one 業種, and its validity status; for a bulk import,
``import_permit`` (no flush, history queued on a ``core.history.BulkWriter``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.history import BulkWriter, record_change
from core.rules import get_rule
from core.timefmt import today
from registry.contractors.models import Contractor

from ..common import add_error, check_editor, check_work_type, work_type_title
from ..history import permit_snapshot
from ..keishin.formula import validity_status
from ..models import Permit
from .numbers import AUTHORITIES, GRADE_LABELS, PREFECTURES, PermitParseError, format_permit, parse_permit, permit_expiry


def save_permit(session: Session, actor, contractor: Contractor, *, work_type_code: str, text: str | None = None,
                authority: str | None = None, prefecture: str | None = None, grade: str | None = None,
                permit_year: int | None = None, permit_number: int | None = None,
                granted_on: date | None = None) -> Permit:
    """Register or change the permit of one 業種, from the printed number (``text``) or from the fields.

    The expiry is the grant date + 5 years − 1 day.
    """
    check_editor(actor)
    errors: dict[str, list[str]] = {}
    office = None
    check_work_type(session, work_type_code, "construction", errors)
    if text and text.strip():
        try:
            parsed = parse_permit(text)
        except PermitParseError as exc:
            add_error(errors, "text", str(exc))
        else:
            authority, prefecture, grade = parsed.authority, parsed.prefecture, parsed.grade
            permit_year, permit_number, office = parsed.year, parsed.number, parsed.office
    else:
        if authority not in AUTHORITIES:
            add_error(errors, "authority", "許可権者を選んでください。")
        elif authority == "governor" and prefecture not in PREFECTURES:
            add_error(errors, "prefecture", "知事許可の都道府県を選んでください。")
        if authority == "minister":
            prefecture = None
        if grade not in GRADE_LABELS:
            add_error(errors, "grade", "一般・特定を選んでください。")
        if permit_year is not None and not 1 <= permit_year <= 99:
            add_error(errors, "permit_year", "許可年は 1〜99 で入力してください。")
        if not permit_number or not 1 <= permit_number <= 999999:
            add_error(errors, "permit_number", "許可番号を 1〜999999 で入力してください。")
    if granted_on is not None and granted_on > today():
        add_error(errors, "granted_on", "許可日に未来の日付は入力できません。")
    if errors:
        raise ValidationFailed(errors)
    permit = session.scalar(select(Permit).where(Permit.contractor_id == contractor.id,
                                                 Permit.work_type_code == work_type_code))
    before = permit_snapshot(permit) if permit else None
    if permit is None:
        permit = Permit(contractor_id=contractor.id, work_type_code=work_type_code)
        session.add(permit)
    permit.authority, permit.prefecture, permit.grade = authority, prefecture, grade
    permit.permit_year, permit.permit_number = permit_year, permit_number
    permit.office = office if prefecture == "北海道" else None
    permit.granted_on = granted_on
    permit.expires_on = permit_expiry(granted_on) if granted_on else None
    session.flush()
    record_change(session, actor, "registry.permit.save",
                  f"{contractor.name} {work_type_title(session, work_type_code)} {format_permit(permit)}",
                  target=permit, before=before, after=permit_snapshot(permit))
    return permit


def permit_status(session: Session, permit: Permit, on_date: date | None = None) -> str:
    """``valid`` / ``expiring`` / ``expired`` / ``unknown`` (no expiry) by the rule's warning days."""
    if permit.expires_on is None:
        return "unknown"
    on_date = on_date or today()
    days = get_rule(session, "registry.qualification", on_date)["permit_warning_days"]
    return validity_status(permit.expires_on, on_date, days)


def import_permit(writer: BulkWriter, contractor: Contractor, *, work_type_code: str, fields: dict) -> Permit:
    """Create or update the firm's permit of one 業種 with the imported fields (already parsed: authority,
    prefecture, grade, permit_year, permit_number, office), kept by ``writer`` under ``(業者番号, code)``;
    ``contractor.import_permit`` is queued (no history row when nothing changed)."""
    number = contractor.number
    permit = writer.get(Permit, (number, work_type_code))
    before = None if permit is None else permit_snapshot(permit)
    if permit is None:
        permit = Permit(work_type_code=work_type_code)
        # Through the relationship: the flush orders the inserts, and an unloaded collection is not fetched.
        permit.contractor = contractor
        writer.add(Permit, (number, work_type_code), permit)
    for key, value in fields.items():
        setattr(permit, key, value)
    writer.queue("contractor.import_permit", f"建設業許可（取込）: {number} {work_type_code}", permit, before,
                 permit_snapshot)
    return permit
