"""Contractor services (SPEC CM1): register and change firms, override the area, change the status.

Every write checks ``can_edit_registry`` (``actor`` None = command line or import), validates per field with
Japanese messages (``ValidationFailed({field: [message]})``) and keeps record history. Firms are never deleted:
they lapse (失効) or are revoked (取消) with a reason.

Public API::

    create_contractor(session, actor, name=..., name_kana=..., corporate_number=..., address=..., ...)
    update_contractor(session, actor, contractor, **changed_fields)
    override_area(session, actor, contractor, area, reason) / clear_area_override(session, actor, contractor)
    change_status(session, actor, contractor, status, reason)
    next_contractor_number(session)
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.errors import ValidationFailed, require
from core.history import record_change, register_fields
from core.jp import (
    JpParseError,
    normalize_code,
    normalize_corporate_number,
    normalize_name,
    normalize_phone,
    normalize_postal_code,
    search_key,
)
from core.rules import get_rule
from core.rules.numbering import _SEQ, _TOKEN, era_of_fiscal_year, fiscal_year_of, format_number
from core.rules.queries import today

from .codes import derive_area
from .models import AREAS, LEGAL_FORMS, STATUSES, Contractor
from .permissions import can_edit_registry

#: Fields a caller may pass to ``create_contractor`` / ``update_contractor``, with their maximum lengths.
TEXT_FIELDS = {
    "name": 200, "name_kana": 200, "representative_title": 100, "representative_name": 100, "address": 300,
    "branch_name": 200, "branch_representative_title": 100, "branch_representative_name": 100,
    "branch_address": 300,
}
FIELD_LABELS = {
    "number": "業者番号", "name": "商号又は名称", "name_kana": "商号又は名称（カナ）", "legal_form": "法人・個人の別",
    "corporate_number": "法人番号", "representative_title": "代表者の役職", "representative_name": "代表者の氏名",
    "postal_code": "郵便番号", "address": "所在地", "phone": "電話番号", "email": "メールアドレス",
    "branch_name": "受任者（委任先）の名称", "branch_representative_title": "受任者の役職",
    "branch_representative_name": "受任者の氏名", "branch_postal_code": "受任者の郵便番号",
    "branch_address": "受任者の所在地", "branch_phone": "受任者の電話番号", "area": "地域区分",
    "area_override_reason": "地域区分を変更した理由", "status": "状態", "status_reason": "状態の理由",
    "is_jv": "共同企業体", "note": "備考",
}
EDITABLE = ("name", "name_kana", "legal_form", "corporate_number", "representative_title", "representative_name",
            "postal_code", "address", "phone", "email", "branch_name", "branch_representative_title",
            "branch_representative_name", "branch_postal_code", "branch_address", "branch_phone", "is_jv", "note")
_OVERRIDE = ("area_override", "area_override_reason")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HIRAGANA_TO_KATAKANA = str.maketrans({c: c + 0x60 for c in range(0x3041, 0x3097)})
KANA_PATTERN = re.compile(r"[\u30a1-\u30fa\u30fc\u30fb\u30fd\u30fe 0-9A-Za-z&＆.,'()（）\-]+")


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


register_fields("contractors", FIELD_LABELS, {
    "area": lambda v: AREAS.get(v, v), "status": lambda v: STATUSES.get(v, v),
    "legal_form": lambda v: LEGAL_FORMS.get(v, v),
}, snapshot=(Contractor, contractor_snapshot))
register_operations({
    "contractor.create": "業者登録", "contractor.update": "業者変更", "contractor.area_override": "地域区分の変更",
    "contractor.area_clear": "地域区分を判定に戻す", "contractor.status": "業者の状態変更",
}, {"contractors": "業者"})


# --- numbering -------------------------------------------------------------------------------------

def _number_regex(pattern: str, fiscal_year: int) -> tuple[re.Pattern, str]:
    """A regex matching the numbers of ``pattern`` (group 1 = the sequence) and the fixed text before it."""
    era, era_fy = era_of_fiscal_year(fiscal_year)
    values = {"fy": str(fiscal_year), "era": era, "era_fy": str(era_fy), "cat": "", "dept": ""}
    parts, prefix, last, seen_seq = [], "", 0, False
    for match in _TOKEN.finditer(pattern):
        literal = pattern[last:match.start()]
        parts.append(re.escape(literal))
        name = match.group(1)
        is_seq = bool(_SEQ.fullmatch(name))
        value = "" if is_seq else values.get(name, "")
        if not seen_seq:
            prefix += literal + value
        seen_seq = seen_seq or is_seq
        parts.append("([0-9]+)" if is_seq else re.escape(value))
        last = match.end()
    parts.append(re.escape(pattern[last:]))
    return re.compile("".join(parts)), prefix


def next_contractor_number(session: Session, on_date: date | None = None) -> str:
    """The next 業者番号 by the ``numbering`` rule in force: 1 + the largest sequence among the numbers that
    fit the pattern (migrated numbers of other shapes are ignored), skipping any number already taken."""
    day = on_date or today()
    pattern = get_rule(session, "numbering", day)["contractor_number"]
    fiscal_year = fiscal_year_of(day)
    regex, prefix = _number_regex(pattern, fiscal_year)
    stmt = select(Contractor.number)
    if prefix:
        stmt = stmt.where(Contractor.number.startswith(prefix, autoescape=True))
    seqs = [int(m.group(1)) for n in session.scalars(stmt) if (m := regex.fullmatch(n or ""))]
    seq = max(seqs, default=0) + 1
    while True:
        number = format_number(pattern, fiscal_year=fiscal_year, seq=seq)
        if session.scalar(select(Contractor.id).where(Contractor.number == number)) is None:
            return number
        seq += 1


# --- validation ------------------------------------------------------------------------------------

def _clean_text(value) -> str | None:
    if value is None:
        return None
    text = normalize_name(str(value))
    return text or None


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def normalize_kana(value: str | None) -> str | None:
    """Half-width and hiragana to full-width katakana (ｶﾌﾞｼｷｶﾞｲｼｬ / かぶしきがいしゃ → カブシキガイシャ)."""
    text = _clean_text(value)
    return text.translate(_HIRAGANA_TO_KATAKANA) if text else None


def validate_firm_fields(session: Session, values: dict, current: Contractor | None, *,
                         check_duplicate: bool = True) -> dict:
    """Normalise ``values`` in place; return the errors per field. Applications reuse it without the
    duplicate check (an applicant may be a registered firm; the reviewer sees the match)."""
    errors: dict[str, list[str]] = {}
    for field, limit in TEXT_FIELDS.items():
        values[field] = _clean_text(values.get(field))
        if values[field] and len(values[field]) > limit:
            _add(errors, field, f"{FIELD_LABELS[field]}は {limit} 文字以内で入力してください。")
    if not values["name"]:
        _add(errors, "name", "商号又は名称を入力してください。")
    values["name_kana"] = normalize_kana(values["name_kana"])
    if values["name_kana"] and not KANA_PATTERN.fullmatch(values["name_kana"]):
        _add(errors, "name_kana", "商号又は名称（カナ）はカタカナで入力してください（英数字と記号 ・ー&.() は使えます）。")
    if values.get("legal_form") not in LEGAL_FORMS:
        _add(errors, "legal_form", "法人・個人の別を選んでください。")
    raw_cn = normalize_code(values.get("corporate_number") or "") or None
    values["corporate_number"] = raw_cn
    if raw_cn:
        if values.get("legal_form") == "individual":
            _add(errors, "corporate_number", "個人事業者には法人番号はありません。法人番号を空欄にするか、法人を選んでください。")
        else:
            try:
                values["corporate_number"] = normalize_corporate_number(raw_cn)
            except JpParseError as exc:
                _add(errors, "corporate_number", str(exc))
    for field, label, fn in (("postal_code", "郵便番号", normalize_postal_code), ("phone", "電話番号", normalize_phone),
                             ("branch_postal_code", "受任者の郵便番号", normalize_postal_code),
                             ("branch_phone", "受任者の電話番号", normalize_phone)):
        raw = normalize_code(values.get(field) or "")
        values[field] = None
        if raw:
            try:
                values[field] = fn(raw)
            except JpParseError as exc:
                _add(errors, field, str(exc).replace("郵便番号", label, 1).replace("電話番号", label, 1)
                     if label.startswith("受任者") else str(exc))
    email = (values.get("email") or "").strip() or None
    values["email"] = email
    if email and (len(email) > 254 or not EMAIL_PATTERN.fullmatch(email)):
        _add(errors, "email", "メールアドレスの形式が正しくありません（例: info@example.jp）。")
    values["note"] = (values.get("note") or "").strip() or None
    values["is_jv"] = bool(values.get("is_jv"))
    if check_duplicate and values["corporate_number"] and "corporate_number" not in errors:
        other = session.scalar(select(Contractor).where(
            Contractor.corporate_number == values["corporate_number"], Contractor.status == "active",
            Contractor.id != (current.id if current is not None and current.id else -1)))
        if other is not None:
            _add(errors, "corporate_number", f"法人番号 {values['corporate_number']} は有効な業者「{other.name}」"
                                             f"（業者番号 {other.number}）に登録済みです。")
    return errors


def _check_override(values: dict, errors: dict) -> str | None:
    """The overriding area code, or None when the area is to be derived."""
    area = values.get("area_override") or None
    reason = (values.get("area_override_reason") or "").strip() or None
    if area is None:
        return None
    if area not in AREAS:
        _add(errors, "area_override", "地域区分は 市内・準市内・市外 から選んでください。")
    if not reason:
        _add(errors, "area_override_reason", "地域区分を判定と変える理由を入力してください。")
    elif len(reason) > 500:
        _add(errors, "area_override_reason", "理由は 500 文字以内で入力してください。")
    values["area_override_reason"] = reason
    return area


def _unknown(fields: dict, allowed) -> None:
    extra = sorted(set(fields) - set(allowed))
    if extra:
        raise TypeError(f"unknown contractor fields: {', '.join(extra)}")


# --- services --------------------------------------------------------------------------------------

def create_contractor(session: Session, actor, *, number: str | None = None, legal_form: str = "corporation",
                      **fields) -> Contractor:
    """Register a firm; the 業者番号 is given (migration) or the next one by the numbering rule.

    Fields: see ``EDITABLE``, plus ``area_override`` (``city``/``near``/``outside``) with
    ``area_override_reason`` to set the area against the derived one, and ``status`` (default ``active``).
    """
    if actor is not None:
        require(can_edit_registry(actor))
    status = fields.pop("status", "active") or "active"
    status_reason = fields.pop("status_reason", None)
    _unknown(fields, EDITABLE + _OVERRIDE)
    values = {f: fields.get(f) for f in EDITABLE + _OVERRIDE}
    values["legal_form"] = legal_form
    errors = validate_firm_fields(session, values, None)
    area_override = _check_override(values, errors)
    number = normalize_code(number) if number else None
    if number:
        if len(number) > 20:
            _add(errors, "number", "業者番号は 20 文字以内で入力してください。")
        elif session.scalar(select(Contractor).where(Contractor.number == number)) is not None:
            other = session.scalar(select(Contractor).where(Contractor.number == number))
            _add(errors, "number", f"業者番号 {number} は既に「{other.name}」に使われています。")
    if status not in STATUSES:
        _add(errors, "status", "状態は 有効・失効・取消 から選んでください。")
    if errors:
        raise ValidationFailed(errors)
    contractor = Contractor(number=number or next_contractor_number(session), status=status,
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
    _unknown(fields, EDITABLE + _OVERRIDE)
    before = contractor_snapshot(contractor)
    values = {f: fields.get(f, before[f]) for f in EDITABLE}
    values.update({f: fields.get(f) for f in _OVERRIDE})
    errors = validate_firm_fields(session, values, contractor)
    area_override = _check_override(values, errors)
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
        _add(errors, "area_override", "地域区分を選んでください。")
    if not (reason or "").strip():
        _add(errors, "area_override_reason", "地域区分を判定と変える理由を入力してください。")
    if not errors:
        _check_override(values, errors)
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
