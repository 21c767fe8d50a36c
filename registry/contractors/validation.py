"""The fields of a firm: labels, normalisation and per-field checks with Japanese messages.

Staff screens, the legacy import and the applicant portal check a firm's fields here (one owner)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.jp import (
    JpParseError,
    normalize_code,
    normalize_corporate_number,
    normalize_name,
    normalize_phone,
    normalize_postal_code,
)

from .models import AREAS, LEGAL_FORMS, Contractor

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


def _clean_text(value) -> str | None:
    if value is None:
        return None
    text = normalize_name(str(value))
    return text or None


def add_error(errors: dict, field: str, message: str) -> None:
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
            add_error(errors, field, f"{FIELD_LABELS[field]}は {limit} 文字以内で入力してください。")
    if not values["name"]:
        add_error(errors, "name", "商号又は名称を入力してください。")
    values["name_kana"] = normalize_kana(values["name_kana"])
    if values["name_kana"] and not KANA_PATTERN.fullmatch(values["name_kana"]):
        add_error(errors, "name_kana", "商号又は名称（カナ）はカタカナで入力してください（英数字と記号 ・ー&.() は使えます）。")
    if values.get("legal_form") not in LEGAL_FORMS:
        add_error(errors, "legal_form", "法人・個人の別を選んでください。")
    raw_cn = normalize_code(values.get("corporate_number") or "") or None
    values["corporate_number"] = raw_cn
    if raw_cn:
        if values.get("legal_form") == "individual":
            add_error(errors, "corporate_number",
                      "個人事業者には法人番号はありません。法人番号を空欄にするか、法人を選んでください。")
        else:
            try:
                values["corporate_number"] = normalize_corporate_number(raw_cn)
            except JpParseError as exc:
                add_error(errors, "corporate_number", str(exc))
    for field, label, fn in (("postal_code", "郵便番号", normalize_postal_code), ("phone", "電話番号", normalize_phone),
                             ("branch_postal_code", "受任者の郵便番号", normalize_postal_code),
                             ("branch_phone", "受任者の電話番号", normalize_phone)):
        raw = normalize_code(values.get(field) or "")
        values[field] = None
        if raw:
            try:
                values[field] = fn(raw)
            except JpParseError as exc:
                add_error(errors, field, str(exc).replace("郵便番号", label, 1).replace("電話番号", label, 1)
                     if label.startswith("受任者") else str(exc))
    email = (values.get("email") or "").strip() or None
    values["email"] = email
    if email and (len(email) > 254 or not EMAIL_PATTERN.fullmatch(email)):
        add_error(errors, "email", "メールアドレスの形式が正しくありません（例: info@example.jp）。")
    values["note"] = (values.get("note") or "").strip() or None
    values["is_jv"] = bool(values.get("is_jv"))
    if check_duplicate and values["corporate_number"] and "corporate_number" not in errors:
        other = session.scalar(select(Contractor).where(
            Contractor.corporate_number == values["corporate_number"], Contractor.status == "active",
            Contractor.id != (current.id if current is not None and current.id else -1)))
        if other is not None:
            add_error(errors, "corporate_number", f"法人番号 {values['corporate_number']} は有効な業者「{other.name}」"
                                             f"（業者番号 {other.number}）に登録済みです。")
    return errors


def check_override(values: dict, errors: dict) -> str | None:
    """The overriding area code, or None when the area is to be derived."""
    area = values.get("area_override") or None
    reason = (values.get("area_override_reason") or "").strip() or None
    if area is None:
        return None
    if area not in AREAS:
        add_error(errors, "area_override", "地域区分は 市内・準市内・市外 から選んでください。")
    if not reason:
        add_error(errors, "area_override_reason", "地域区分を判定と変える理由を入力してください。")
    elif len(reason) > 500:
        add_error(errors, "area_override_reason", "理由は 500 文字以内で入力してください。")
    values["area_override_reason"] = reason
    return area


def refuse_unknown(fields: dict, allowed) -> None:
    extra = sorted(set(fields) - set(allowed))
    if extra:
        raise TypeError(f"unknown contractor fields: {', '.join(extra)}")

