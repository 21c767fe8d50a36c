"""The fields of a tender case: labels, normalisation and per-field checks with Japanese messages.

The case screens and (later) the legacy case import check a case's fields here (one owner). Checks that need
the whole case at a step (決裁 needs a 予定価格, a floor and a budget line) are in ``readiness``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from core.auth.models import Department
from core.jp import format_date, normalize_name
from registry.codes import work_types
from registry.contractors.models import CATEGORIES
from registry.rules import RANK_CHOICES

from .models import AREA_CODES, DISCLOSURES, EVALUATION_METHODS, FLOOR_KINDS, METHODS

FIELD_LABELS = {
    "number": "案件番号", "name": "件名", "department": "担当課", "department_id": "担当課", "category": "区分",
    "work_type_code": "業種", "place": "工事場所", "summary": "工事概要", "method": "入札方式",
    "design_amount": "設計金額", "planned_price": "予定価格（税抜）", "cost_breakdown": "積算内訳",
    "price_category": "積算の区分", "evaluation_method": "総合評価の方式",
    "evaluation_max_points": "加算点の満点（B）",
    "floor_kind": "最低制限価格等の種類", "floor_price": "最低制限価格等", "floor_model": "算定に用いた基準",
    "disclosure": "予定価格の公表", "allowed_ranks": "参加できる等級", "allowed_areas": "参加できる地域区分",
    "min_points": "総合評定値（P）の下限", "required_qualification": "配置技術者の資格",
    "drafted_on": "起案日", "notice_on": "公告日・指名通知日", "questions_until": "質問期限",
    "bids_from": "入札期間（開始）", "bids_until": "入札期間（終了）", "opening_at": "開札日時",
    "work_days": "工期（日数）", "work_from": "工期（開始）", "work_to": "工期（終了）",
    "state": "状態", "cancel_reason": "中止の理由", "approval": "決裁", "approved_at": "決裁日時",
    "approved_by": "決裁を記録した職員", "retender_of": "再入札の元の案件",
}
#: Text fields with their maximum lengths.
TEXT_FIELDS = {"name": 200, "place": 200, "summary": 4000, "required_qualification": 200}
AMOUNT_FIELDS = ("design_amount", "planned_price", "floor_price")
#: Largest amount accepted (1 兆円): beyond it a typing error is far more likely than a real case.
MAX_AMOUNT = 10 ** 12
#: The fields a create or update may set (``number``, state and approval change through their own steps).
EDITABLE = ("name", "department_id", "category", "work_type_code", "place", "summary", "method", "design_amount",
            "planned_price", "floor_kind", "floor_price", "disclosure", "allowed_ranks", "allowed_areas",
            "min_points", "required_qualification", "drafted_on", "notice_on", "questions_until", "bids_from",
            "bids_until", "opening_at", "work_days", "work_from", "work_to", "evaluation_method",
            "evaluation_max_points")
RANKS = tuple(code for code, _ in RANK_CHOICES)


def add_error(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _text(value) -> str | None:
    if value is None:
        return None
    text = normalize_name(str(value)) if "\n" not in str(value) else str(value).strip()
    return text or None


def _codes(value, allowed: tuple[str, ...], field: str, errors: dict) -> str | None:
    """A list of codes (a list, or text joined by commas) as "A,B" in the order of ``allowed``."""
    items = value if isinstance(value, list | tuple | set) else str(value or "").split(",")
    items = {str(i).strip() for i in items if str(i).strip()}
    unknown = sorted(items - set(allowed))
    if unknown:
        add_error(errors, field, f"{FIELD_LABELS[field]}に使えない値があります: {'、'.join(unknown)}")
    return ",".join(c for c in allowed if c in items) or None


def clean_values(session: Session, raw: dict, errors: dict) -> dict:
    """The case fields of ``raw`` normalised and checked one by one; problems go into ``errors``."""
    values: dict = {}
    for key in EDITABLE:
        if key in raw:
            values[key] = raw[key]
    for key, limit in TEXT_FIELDS.items():
        if key in values:
            values[key] = _text(values[key])
            if values[key] and len(values[key]) > limit:
                add_error(errors, key, f"{FIELD_LABELS[key]}は {limit:,} 文字以内で入力してください。")
    if "name" in values and not values["name"]:
        add_error(errors, "name", "件名を入力してください。")
    if "department_id" in values:
        department = session.get(Department, values["department_id"]) if values["department_id"] else None
        if department is None or not department.is_active:
            add_error(errors, "department_id", "担当課を選んでください（有効な部署）。")
    if "method" in values and values["method"] not in METHODS:
        add_error(errors, "method", "入札方式を選んでください。")
    if "category" in values and values["category"] not in CATEGORIES:
        add_error(errors, "category", "区分を選んでください。")
    if "floor_kind" in values and values["floor_kind"] not in FLOOR_KINDS:
        add_error(errors, "floor_kind", "最低制限価格等の種類を選んでください。")
    if "disclosure" in values and values["disclosure"] not in DISCLOSURES:
        add_error(errors, "disclosure", "予定価格の公表（事前・事後）を選んでください。")
    for key in AMOUNT_FIELDS:
        amount = values.get(key)
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)
                                   or not 0 <= amount < MAX_AMOUNT):
            add_error(errors, key, f"{FIELD_LABELS[key]}は 0 以上 1 兆円未満の整数（円）で入力してください。")
    for key, low, high in (("min_points", 0, 3000), ("work_days", 1, 3650)):
        number = values.get(key)
        if number is not None and (isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high):
            add_error(errors, key, f"{FIELD_LABELS[key]}は {low}〜{high:,} の整数で入力してください。")
    if values.get("evaluation_method") in ("", None) and "evaluation_method" in values:
        values["evaluation_method"] = None
    if values.get("evaluation_method") is not None and values["evaluation_method"] not in EVALUATION_METHODS:
        add_error(errors, "evaluation_method", "総合評価の方式を選んでください（除算方式・加算方式）。")
    if values.get("evaluation_max_points") is not None:
        points = values["evaluation_max_points"]
        if not isinstance(points, Decimal | int) or isinstance(points, bool) or not 0 < points <= 1000:
            add_error(errors, "evaluation_max_points", "加算点の満点（B）は 0 より大きく 1,000 以下の数で入力してください。")
    if "allowed_ranks" in values:
        values["allowed_ranks"] = _codes(values["allowed_ranks"], RANKS, "allowed_ranks", errors)
    if "allowed_areas" in values:
        values["allowed_areas"] = _codes(values["allowed_areas"], AREA_CODES, "allowed_areas", errors)
    if "drafted_on" in values and values["drafted_on"] is None:
        add_error(errors, "drafted_on", "起案日を入力してください。")
    return values


def check_work_type(session: Session, category: str, code: str | None, on: date, errors: dict) -> None:
    """The 業種 must be one of the category's codes in the code list in force on ``on``."""
    if not code:
        add_error(errors, "work_type_code", "業種を選んでください。")
        return
    item = work_types(session, on).get(code)
    if item is None or item.category != category:
        add_error(errors, "work_type_code",
                  f"業種「{code}」は{CATEGORIES.get(category, category)}の業種ではありません（{format_date(on)}のコード表）。")


def _day(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def check_dates(case, errors: dict) -> None:
    """The case's dates in their order: 起案 ≤ 公告・指名通知 ≤ 質問期限 ≤ 入札期間 ≤ 開札, and 工期 from ≤ to."""
    notice = case.notice_label
    steps = [("drafted_on", "起案日", case.drafted_on), ("notice_on", notice, case.notice_on),
             ("questions_until", "質問期限", case.questions_until), ("bids_from", "入札期間の開始", case.bids_from),
             ("bids_until", "入札期間の終了", case.bids_until), ("opening_at", "開札日", _day(case.opening_at))]
    given = [(key, label, day) for key, label, day in steps if day is not None]
    for (_k1, label1, day1), (key2, label2, day2) in zip(given, given[1:], strict=False):
        if day2 < day1:
            add_error(errors, key2, f"{label2}（{format_date(day2)}）が{label1}（{format_date(day1)}）より前です。")
    if case.questions_until and case.opening_at and case.questions_until >= _day(case.opening_at) \
            and "questions_until" not in errors and "opening_at" not in errors:
        add_error(errors, "questions_until", "質問期限は開札日より前の日にしてください。")
    if case.work_from and case.work_to and case.work_to < case.work_from:
        add_error(errors, "work_to",
                  f"工期の終了（{format_date(case.work_to)}）が開始（{format_date(case.work_from)}）より前です。")


def check_prices(case, errors: dict) -> None:
    """Amounts that must hold together: the floor at most the 予定価格."""
    if case.floor_kind == "none" and case.floor_price is not None:
        add_error(errors, "floor_price", "最低制限価格等を「設定しない」案件に金額が入っています。")
    if case.floor_price is not None and case.planned_price is not None and case.floor_price > case.planned_price:
        add_error(errors, "floor_price", f"{case.floor_label}（{case.floor_price:,} 円）が予定価格（{case.planned_price:,} 円）を"
                                         "超えています。")


def readiness(case) -> dict[str, list[str]]:
    """What a case still lacks for 決裁 (empty when it can be approved), as field errors."""
    errors: dict[str, list[str]] = {}
    if case.planned_price is None:
        add_error(errors, "planned_price", "予定価格が未入力です。")
    if case.floor_kind != "none" and case.floor_price is None:
        add_error(errors, "floor_price", f"{case.floor_label}が未算定です（価格の欄で積算内訳を入力してください）。")
    if case.opening_at is None:
        add_error(errors, "opening_at", "開札日時が未入力です。")
    if case.notice_on is None:
        add_error(errors, "notice_on", f"{case.notice_label}が未入力です。")
    if case.work_days is None and (case.work_from is None or case.work_to is None):
        add_error(errors, "work_days", "工期（日数、または開始日と終了日）が未入力です。")
    if case.is_value_method:
        if not case.evaluation_method:
            add_error(errors, "evaluation_method", "総合評価の方式（除算方式・加算方式）が未設定です。")
        elif case.evaluation_method == "addition" and case.evaluation_max_points is None:
            add_error(errors, "evaluation_max_points", "加算方式の加算点の満点（B）が未入力です。")
    check_dates(case, errors)
    check_prices(case, errors)
    return errors
