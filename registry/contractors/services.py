"""Contractor services (SPEC CM1): register and change firms, override the area, change the status.

Every write checks ``can_edit_registry`` (``actor`` None = command line or import), validates per field with
Japanese messages (``ValidationFailed({field: [message]})``) and keeps record history. Firms are never deleted:
they lapse (失効) or are revoked (取消) with a reason.

Public API::

    create_contractor(session, actor, name=..., name_kana=..., corporate_number=..., address=..., ...)
    update_contractor(session, actor, contractor, **changed_fields)
    override_area(session, actor, contractor, area, reason) / clear_area_override(session, actor, contractor)
    change_status(session, actor, contractor, status, reason)
    import_contractor(writer, number, target)   (bulk: an import's firm, history queued on a ``BulkWriter``)
    next_contractor_number(session, category)   (registry.contractors.numbering)
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.errors import ValidationFailed, require
from core.history import BulkWriter, record_change, register_fields
from core.jp import normalize_code, search_key
from registry.codes import derive_area
from registry.permissions import can_edit_registry

from .models import AREAS, LEGAL_FORMS, STATUSES, Contractor
from .numbering import next_contractor_number
from .validation import _OVERRIDE, EDITABLE, FIELD_LABELS, add_error, check_override, refuse_unknown, validate_firm_fields


def contractor_snapshot(c: Contractor) -> dict:
    return {
        "number": c.number, "name": c.name, "name_kana": c.name_kana, "legal_form": c.legal_form,
        "corporate_number": c.corporate_number, "representative_title": c.representative_title,
        "representative_name": c.representative_name, "postal_code": c.postal_code, "address": c.address,
        "phone": c.phone, "email": c.email, "branch_name": c.branch_name,
        "branch_representative_title": c.branch_representative_title,
        "branch_representative_name": c.branch_representative_name, "branch_postal_code": c.branch_postal_code,
        "branch_address": c.branch_address, "branch_phone": c.branch_phone, "area": c.area,
        "area_override_reason": c.area_override_reason, "status": c.status, "status_reason": c.status_reason,
        "is_jv": bool(c.is_jv), "note": c.note,
    }


def register_labels() -> None:
    """History labels of the firm's fields and audit labels of its operations (called by ``registry.init_app``)."""
    register_fields("contractors", FIELD_LABELS, {
        "area": lambda v: AREAS.get(v, v), "status": lambda v: STATUSES.get(v, v),
        "legal_form": lambda v: LEGAL_FORMS.get(v, v),
    }, snapshot=(Contractor, contractor_snapshot))
    register_operations({
        "contractor.create": "業者登録", "contractor.update": "業者変更", "contractor.area_override": "地域区分の変更",
        "contractor.area_clear": "地域区分を判定に戻す", "contractor.status": "業者の状態変更",
    }, {"contractors": "業者"})


# --- services --------------------------------------------------------------------------------------

def create_contractor(session: Session, actor, *, number: str | None = None, legal_form: str = "corporation",
                      number_category: str = "construction", **fields) -> Contractor:
    """Register a firm; the 業者番号 is given (migration) or the next one of ``number_category`` by the
    ``registry.numbering`` rule (construction firms 1xxxxx, consultants 2xxxxx …).

    Fields: see ``EDITABLE``, plus ``area_override`` (``city``/``near``/``outside``) with
    ``area_override_reason`` to set the area against the derived one, and ``status`` (default ``active``).
    """
    if actor is not None:
        require(can_edit_registry(actor))
    status = fields.pop("status", "active") or "active"
    status_reason = fields.pop("status_reason", None)
    refuse_unknown(fields, EDITABLE + _OVERRIDE)
    values = {f: fields.get(f) for f in EDITABLE + _OVERRIDE}
    values["legal_form"] = legal_form
    errors = validate_firm_fields(session, values, None)
    area_override = check_override(values, errors)
    number = normalize_code(number) if number else None
    if number:
        if len(number) > 20:
            add_error(errors, "number", "業者番号は 20 文字以内で入力してください。")
        elif session.scalar(select(Contractor).where(Contractor.number == number)) is not None:
            other = session.scalar(select(Contractor).where(Contractor.number == number))
            add_error(errors, "number", f"業者番号 {number} は既に「{other.name}」に使われています。")
    if status not in STATUSES:
        add_error(errors, "status", "状態は 有効・失効・取消 から選んでください。")
    if errors:
        raise ValidationFailed(errors)
    contractor = Contractor(number=number or next_contractor_number(session, number_category), status=status,
                            status_reason=(status_reason or "").strip() or None,
                            **{f: values[f] for f in EDITABLE})
    contractor.search_key = search_key((values["name"] or "") + (values["name_kana"] or ""))
    if area_override:
        contractor.area, contractor.area_override_reason = area_override, values["area_override_reason"]
    else:
        contractor.area = derive_area(session, values["branch_address"] or values["address"])
    session.add(contractor)
    session.flush()
    record_change(session, actor, "contractor.create", f"業者を登録: {contractor.number} {contractor.name}",
                  target=contractor, before=None, after=contractor_snapshot(contractor))
    return contractor


def update_contractor(session: Session, actor, contractor: Contractor, **fields) -> Contractor:
    """Change the given fields (others stay); the 業者番号 cannot change. The area is re-derived when an
    address changes, unless it was overridden (or ``area_override`` is given here)."""
    if actor is not None:
        require(can_edit_registry(actor))
    if "number" in fields and normalize_code(fields.pop("number") or "") != contractor.number:
        raise ValidationFailed({"number": ["業者番号は変更できません。"]})
    refuse_unknown(fields, EDITABLE + _OVERRIDE)
    before = contractor_snapshot(contractor)
    values = {f: fields.get(f, before[f]) for f in EDITABLE}
    values.update({f: fields.get(f) for f in _OVERRIDE})
    errors = validate_firm_fields(session, values, contractor)
    area_override = check_override(values, errors)
    if errors:
        raise ValidationFailed(errors)
    for field in EDITABLE:
        setattr(contractor, field, values[field])
    contractor.search_key = search_key((values["name"] or "") + (values["name_kana"] or ""))
    if area_override:
        contractor.area, contractor.area_override_reason = area_override, values["area_override_reason"]
    elif contractor.area_override_reason is None and (
            before["address"] != contractor.address or before["branch_address"] != contractor.branch_address):
        contractor.area = derive_area(session, contractor.branch_address or contractor.address)
    session.flush()
    after = contractor_snapshot(contractor)
    changed = [FIELD_LABELS[k] for k in after if after[k] != before[k]]
    record_change(session, actor, "contractor.update",
                  f"業者を変更: {contractor.number} {contractor.name}（{'・'.join(changed)}）",
                  target=contractor, before=before, after=after)
    return contractor


def override_area(session: Session, actor, contractor: Contractor, area: str, reason: str | None) -> Contractor:
    """Set the 地域区分 against the one derived from the address, with a reason."""
    if actor is not None:
        require(can_edit_registry(actor))
    values = {"area_override": area, "area_override_reason": reason}
    errors: dict[str, list[str]] = {}
    if not area:
        add_error(errors, "area_override", "地域区分を選んでください。")
    if not (reason or "").strip():
        add_error(errors, "area_override_reason", "地域区分を判定と変える理由を入力してください。")
    if not errors:
        check_override(values, errors)
    if errors:
        raise ValidationFailed(errors)
    before = contractor_snapshot(contractor)
    contractor.area, contractor.area_override_reason = area, values["area_override_reason"]
    record_change(session, actor, "contractor.area_override",
                  f"地域区分を変更: {contractor.number} {contractor.name}"
                  f"（{AREAS[area]}、理由: {contractor.area_override_reason}）",
                  target=contractor, before=before, after=contractor_snapshot(contractor))
    return contractor


def clear_area_override(session: Session, actor, contractor: Contractor) -> Contractor:
    """Go back to the area derived from the (受任者 or head office) address."""
    if actor is not None:
        require(can_edit_registry(actor))
    if contractor.area_override_reason is None:
        raise ValidationFailed({"area_override": ["地域区分は変更されていません（住所からの判定のままです）。"]})
    before = contractor_snapshot(contractor)
    contractor.area = derive_area(session, contractor.branch_address or contractor.address)
    contractor.area_override_reason = None
    record_change(session, actor, "contractor.area_clear",
                  f"地域区分を判定に戻す: {contractor.number} {contractor.name}（{AREAS[contractor.area]}）",
                  target=contractor, before=before, after=contractor_snapshot(contractor))
    return contractor


def change_status(session: Session, actor, contractor: Contractor, status: str, reason: str | None) -> Contractor:
    """有効 / 失効 / 取消; a reason is required except when going back to 有効. Firms are never deleted."""
    if actor is not None:
        require(can_edit_registry(actor))
    reason = (reason or "").strip() or None
    if status not in STATUSES:
        raise ValidationFailed({"status": ["状態は 有効・失効・取消 から選んでください。"]})
    if status == contractor.status:
        raise ValidationFailed({"status": [f"この業者は既に「{STATUSES[status]}」です。"]})
    if status != "active" and not reason:
        raise ValidationFailed({"reason": [f"「{STATUSES[status]}」にする理由を入力してください。"]})
    if reason and len(reason) > 500:
        raise ValidationFailed({"reason": ["理由は 500 文字以内で入力してください。"]})
    if status == "active" and contractor.corporate_number:
        other = session.scalar(select(Contractor).where(
            Contractor.corporate_number == contractor.corporate_number, Contractor.status == "active",
            Contractor.id != contractor.id))
        if other is not None:
            raise ValidationFailed({"status": [f"同じ法人番号の有効な業者「{other.name}」（業者番号 {other.number}）が"
                                               "あるため、有効に戻せません。"]})
    before = contractor_snapshot(contractor)
    contractor.status, contractor.status_reason = status, reason
    record_change(session, actor, "contractor.status",
                  f"業者の状態を変更: {contractor.number} {contractor.name}（{STATUSES[before['status']]} → "
                  f"{STATUSES[status]}{'、理由: ' + reason if reason else ''}）",
                  target=contractor, before=before, after=contractor_snapshot(contractor))
    return contractor


def import_contractor(writer: BulkWriter, number: str, target: dict) -> Contractor:
    """Create the firm ``number`` or bring it up to ``target`` (the imported values, checked and mapped by the
    import kind), for a bulk import: no flush here, the history entry (``contractor.create`` or
    ``contractor.update``, none when nothing changed) is queued on ``writer``, which keeps firms by 業者番号.
    The search key follows the name."""
    contractor = writer.get(Contractor, number)
    if contractor is None:
        contractor = writer.add(Contractor, number, Contractor(number=number, status="active", is_jv=False))
        before, operation, what = None, "contractor.create", "業者を登録（取込）"
    else:
        before, operation, what = contractor_snapshot(contractor), "contractor.update", "業者を変更（取込）"
    for key, value in target.items():
        if getattr(contractor, key) != value:
            setattr(contractor, key, value)
    key = search_key((contractor.name or "") + (contractor.name_kana or ""))
    if contractor.search_key != key:
        contractor.search_key = key
    writer.queue(operation, f"{what}: {number} {contractor.name}", contractor, before, contractor_snapshot)
    return contractor
