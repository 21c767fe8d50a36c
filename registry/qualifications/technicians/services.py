"""Technician services: register, change, deactivate or reactivate a 配置予定技術者 (never deleted)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.history import record_change
from core.jp import normalize_name
from core.timefmt import today
from registry.contractors.models import Contractor

from ..common import add_error, check_editor
from ..history import technician_snapshot
from ..models import Technician


def clean_technician(name, name_kana, qualifications, employed_since) -> tuple[dict, dict]:
    errors: dict[str, list[str]] = {}
    name = normalize_name(name or "") if (name or "").strip() else ""
    if not name:
        add_error(errors, "name", "氏名を入力してください。")
    elif len(name) > 100:
        add_error(errors, "name", "氏名は 100 文字以内で入力してください。")
    kana = (name_kana or "").strip() or None
    if kana and len(kana) > 100:
        add_error(errors, "name_kana", "フリガナは 100 文字以内で入力してください。")
    if isinstance(qualifications, list | tuple):
        items = [q.strip() for q in qualifications]
    else:
        items = [q.strip() for q in (qualifications or "").replace("、", "・").replace(",", "・").replace("\n", "・").split("・")]
    qual_text = "・".join(dict.fromkeys(q for q in items if q)) or None
    if qual_text and len(qual_text) > 500:
        add_error(errors, "qualifications", "資格は合わせて 500 文字以内で入力してください。")
    if employed_since and employed_since > today():
        add_error(errors, "employed_since", "雇用開始日に未来の日付は入力できません。")
    return errors, {"name": name, "name_kana": kana, "qualifications": qual_text, "employed_since": employed_since}


def add_technician(session: Session, actor, contractor: Contractor, *, name: str, name_kana: str | None = None,
                   qualifications=None, employed_since: date | None = None) -> Technician:
    """Register a 配置予定技術者; qualifications as a list or a 「・」/「、」-separated text."""
    check_editor(actor)
    errors, values = clean_technician(name, name_kana, qualifications, employed_since)
    if errors:
        raise ValidationFailed(errors)
    technician = Technician(contractor_id=contractor.id, is_active=True, **values)
    session.add(technician)
    session.flush()
    record_change(session, actor, "registry.technician.create", f"{contractor.name} 技術者 {technician.name}",
                  target=technician, before=None, after=technician_snapshot(technician))
    return technician


def update_technician(session: Session, actor, technician: Technician, *, name: str, name_kana: str | None = None,
                      qualifications=None, employed_since: date | None = None) -> Technician:
    check_editor(actor)
    errors, values = clean_technician(name, name_kana, qualifications, employed_since)
    if errors:
        raise ValidationFailed(errors)
    before = technician_snapshot(technician)
    for key, value in values.items():
        setattr(technician, key, value)
    session.flush()
    record_change(session, actor, "registry.technician.update", f"{technician.contractor.name} 技術者 {technician.name}",
                  target=technician, before=before, after=technician_snapshot(technician))
    return technician


def set_technician_active(session: Session, actor, technician: Technician, active: bool) -> Technician:
    """Deactivate (left the firm) or reactivate a technician; technicians are never deleted."""
    check_editor(actor)
    before = technician_snapshot(technician)
    technician.is_active = active
    session.flush()
    record_change(session, actor, "registry.technician.reactivate" if active else "registry.technician.deactivate",
                  f"{technician.contractor.name} 技術者 {technician.name}", target=technician, before=before,
                  after=technician_snapshot(technician))
    return technician
