"""Tender case services (SPEC CM2, CM14): draft, edit, 決裁, publish, close, cancel and re-tender a case.

Every write checks the actor, applies the rules of ``validation`` and of the model's state machine, flushes
and records history (which writes the operation log). Nothing here commits: views commit once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.auth.models import Department
from core.db import utcnow
from core.errors import ValidationFailed, require
from core.history import record_change, register_fields
from core.jp import format_date
from core.rules import get_rule
from core.rules.numbering import fiscal_year_of
from core.sequences import next_number

from .models import APPROVALS, DISCLOSURES, FLOOR_KINDS, METHODS, STATES, CaseBudgetCharge, TenderCase
from .permissions import can_create_case, can_edit_case, can_manage_case
from .pricing import derived_planned_price, refresh_floor
from .validation import (
    EDITABLE,
    FIELD_LABELS,
    add_error,
    check_dates,
    check_prices,
    check_work_type,
    clean_values,
    readiness,
)

#: The counter of 案件番号 (one per scope of the pattern: fiscal year, department code).
SEQUENCE_KEY = "case_number"
REASON_MAX = 500
_SNAPSHOT_FIELDS = ("number", "fiscal_year", "name", "category", "work_type_code", "place", "summary", "method",
                    "design_amount", "planned_price", "price_category", "floor_kind", "floor_price", "floor_model", "disclosure",
                    "allowed_ranks", "allowed_areas", "min_points", "required_qualification", "work_days", "state",
                    "cancel_reason", "approval", "evaluation_method")
_DATE_FIELDS = ("drafted_on", "notice_on", "questions_until", "bids_from", "bids_until", "work_from", "work_to")


def case_snapshot(case: TenderCase) -> dict:
    """The fields the 履歴 tab compares (dates as ISO text, the department and approver by name)."""
    snap = {key: getattr(case, key) for key in _SNAPSHOT_FIELDS}
    snap.update({key: getattr(case, key).isoformat() if getattr(case, key) else None for key in _DATE_FIELDS})
    snap["opening_at"] = case.opening_at.isoformat(timespec="minutes") if case.opening_at else None
    snap["approved_at"] = case.approved_at.isoformat(timespec="minutes") if case.approved_at else None
    snap["department"] = f"{case.department.code} {case.department.name}" if case.department else None
    snap["approved_by"] = case.approved_by.name if case.approved_by else None
    snap["cost_breakdown"] = dict(case.cost_breakdown or {})
    snap["evaluation_max_points"] = str(case.evaluation_max_points) if case.evaluation_max_points is not None else None
    snap["retender_of"] = case.retender_of.number if case.retender_of else None
    snap["charges"] = {c.line.title if c.line else str(c.budget_line_id): c.amount for c in case.charges}
    return snap


def _date_text(value: str) -> str:
    return format_date(date.fromisoformat(value))


def _datetime_text(value: str) -> str:
    moment = datetime.fromisoformat(value)
    return f"{format_date(moment.date())} {moment:%H:%M}"


def _yen(value) -> str:
    return f"{value:,} 円"


def _breakdown_text(value) -> str:
    if not value:
        return "—"
    return "、".join(f"{key} {amount:,} 円" for key, amount in value.items())


def _charges_text(value) -> str:
    if not value:
        return "なし"
    return "、".join(f"{title} {amount:,} 円" for title, amount in value.items())


def register_labels() -> None:
    """History labels of a case's fields and audit labels of its operations (``bidding.init_app``)."""
    formatters = {key: _date_text for key in _DATE_FIELDS}
    formatters.update({"opening_at": _datetime_text, "approved_at": _datetime_text,
                       "state": lambda v: STATES.get(v, v), "method": lambda v: METHODS.get(v, v),
                       "floor_kind": lambda v: FLOOR_KINDS.get(v, v), "disclosure": lambda v: DISCLOSURES.get(v, v),
                       "approval": lambda v: APPROVALS.get(v, v), "cost_breakdown": _breakdown_text,
                       "fiscal_year": lambda v: f"{v} 年度", "charges": _charges_text})
    formatters.update({key: _yen for key in ("design_amount", "planned_price", "floor_price")})
    register_fields("tender_cases", {**FIELD_LABELS, "fiscal_year": "年度", "charges": "予算の充当（税込）"}, formatters,
                    snapshot=(TenderCase, case_snapshot))
    register_operations({
        "case.create": "入札案件の起案", "case.update": "入札案件の変更", "case.approve": "入札案件の決裁",
        "case.withdraw_approval": "入札案件の決裁の取消", "case.publish": "入札案件の公告",
        "case.nominate": "入札案件の指名通知", "case.close": "入札案件の入札締切", "case.cancel": "入札案件の中止",
        "case.retender": "入札案件の再入札（不調による）", "case.charge": "入札案件への予算の充当",
        "case.uncharge": "入札案件の予算の充当の取消",
    }, {"tender_cases": "入札案件"})


def _case_number(session: Session, department: Department, fiscal_year: int) -> str:
    """Take the next 案件番号 (the sequence row stays locked to the end of the transaction: no duplicates)."""
    day = date(fiscal_year, 4, 1)
    pattern = get_rule(session, "numbering", day)["case_number"]

    def taken(number: str) -> bool:
        return session.scalar(select(TenderCase.id).where(TenderCase.number == number)) is not None

    return next_number(session, rule_key=SEQUENCE_KEY, pattern=pattern, day=day, dept=department.code, taken=taken)


def _check_fiscal_year(value, errors: dict) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
        add_error(errors, "fiscal_year", "年度は西暦 4 桁（2000〜2100）で入力してください。")
        return None
    return value


#: Fields whose change makes the floor computed again from the stored breakdown.
PRICE_INPUTS = ("planned_price", "floor_kind", "notice_on", "drafted_on")


def _apply(session: Session, case: TenderCase, values: dict, errors: dict) -> None:
    for key, value in values.items():
        setattr(case, key, value)
    if "department_id" in values and "department_id" not in errors:
        case.department = session.get(Department, values["department_id"])
    if case.category and case.drafted_on and "category" not in errors:
        check_work_type(session, case.category, case.work_type_code, case.drafted_on, errors)
    check_dates(case, errors)
    if errors:
        return
    if case.planned_price is None and case.design_amount is not None and "planned_price" in values:
        case.planned_price = derived_planned_price(session, case)  # 予定価格 from 設計金額 by the rule
    check_prices(case, errors)


def create_case(session: Session, actor, values: dict, *, fiscal_year: int | None = None) -> TenderCase:
    """Draft a case from ``values`` (the fields of ``validation.EDITABLE``) and give it its 案件番号.

    :raises PermissionDenied: the actor may not draft a case of that department.
    :raises ValidationFailed: per field, e.g. dates out of order or a 業種 of another category.
    """
    require(can_create_case(actor, values.get("department_id")),
            "この部署の案件を起案する権限がありません。")
    errors: dict[str, list[str]] = {}
    for key in ("name", "department_id", "category", "work_type_code", "method", "drafted_on"):
        values.setdefault(key, None)
    cleaned = clean_values(session, values, errors)
    fiscal_year = _check_fiscal_year(fiscal_year, errors)
    case = TenderCase(state="draft", approval="drafting", cost_breakdown={})
    cleaned.setdefault("floor_kind", "minimum")
    cleaned.setdefault("disclosure", "after")
    _apply(session, case, cleaned, errors)
    if errors:
        raise ValidationFailed(errors)
    case.fiscal_year = fiscal_year or fiscal_year_of(case.drafted_on)
    case.number = _case_number(session, case.department, case.fiscal_year)
    session.add(case)
    session.flush()
    record_change(session, actor, "case.create", f"入札案件を起案: {case.number} {case.name}（{case.department.name}）",
                  target=case, before=None, after=case_snapshot(case))
    return case


def update_case(session: Session, actor, case: TenderCase, values: dict) -> TenderCase:
    """Change a draft's content (only before 決裁).

    :raises PermissionDenied: the actor may not edit this case (another department, approved, past draft).
    :raises ValidationFailed: per field.
    """
    require(can_edit_case(actor, case), "この案件は変更できません（決裁前の起案中の案件を、担当課か契約課が変更できます）。")
    if "department_id" in values and values["department_id"] != case.department_id:
        require(can_create_case(actor, values["department_id"]), "この部署の案件にする権限がありません。")
    errors: dict[str, list[str]] = {}
    before = case_snapshot(case)
    cleaned = clean_values(session, {k: v for k, v in values.items() if k in EDITABLE}, errors)
    with session.no_autoflush:
        _apply(session, case, cleaned, errors)
        if not errors and any(before[key] != case_snapshot(case)[key] for key in PRICE_INPUTS):
            refresh_floor(session, case)
    if errors:
        raise ValidationFailed(errors)
    session.flush()
    record_change(session, actor, "case.update", f"入札案件を変更: {case.number} {case.name}",
                  target=case, before=before, after=case_snapshot(case))
    return case


def _step(session: Session, actor, case: TenderCase, operation: str, summary: str, change) -> TenderCase:
    require(can_manage_case(actor, case), "この操作は契約課の職員が行います。")
    before = case_snapshot(case)
    change()
    session.flush()
    record_change(session, actor, operation, f"{summary}: {case.number} {case.name}", target=case, before=before,
                  after=case_snapshot(case))
    return case


def approve_case(session: Session, actor, case: TenderCase, *, extra_checks=(), now: datetime | None = None
                 ) -> TenderCase:
    """Record 決裁 of a draft: it must be complete (``validation.readiness``, plus ``extra_checks`` such as a
    budget line) — every missing item is named at once.

    :raises ValidationFailed: what the case still lacks, per field.
    :raises InvalidTransition: the case is not an unapproved draft.
    """
    from .charges import budget_readiness

    require(can_manage_case(actor, case), "決裁の記録は契約課の職員が行います。")
    errors = readiness(case)
    for field, messages in budget_readiness(case).items():
        errors.setdefault(field, []).extend(messages)
    for check in extra_checks:
        for field, messages in check(case).items():
            for message in messages:
                add_error(errors, field, message)
    if errors:
        raise ValidationFailed(errors)
    return _step(session, actor, case, "case.approve", "入札案件を決裁",
                 lambda: case.approve(actor, now or utcnow()))


def withdraw_approval(session: Session, actor, case: TenderCase, reason: str | None) -> TenderCase:
    """Take back 決裁 of a draft not yet published (to correct it), with the reason."""
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [f"決裁を取り消す理由を {REASON_MAX} 文字以内で入力してください。"]})
    return _step(session, actor, case, "case.withdraw_approval", f"入札案件の決裁を取消（{reason}）",
                 case.withdraw_approval)


def publish_case(session: Session, actor, case: TenderCase) -> TenderCase:
    """公告 of an approved case of an open method."""
    return _step(session, actor, case, "case.publish", "入札案件を公告", lambda: case.transition("publish"))


def close_bidding(session: Session, actor, case: TenderCase) -> TenderCase:
    """入札締切: no more bids or applications."""
    return _step(session, actor, case, "case.close", "入札案件の入札を締切", lambda: case.transition("close"))


def cancel_case(session: Session, actor, case: TenderCase, reason: str | None) -> TenderCase:
    """中止 of a case before its award, with the reason."""
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [f"中止の理由を {REASON_MAX} 文字以内で入力してください。"]})

    def change() -> None:
        case.transition("cancel")
        case.cancel_reason = reason

    return _step(session, actor, case, "case.cancel", "入札案件を中止", change)


#: Fields a re-tender copies from the 不調 case (dates, approval and prices are decided again).
RETENDER_COPIES = ("name", "department_id", "category", "work_type_code", "place", "summary", "method",
                   "design_amount", "floor_kind", "disclosure", "allowed_ranks", "allowed_areas", "min_points",
                   "required_qualification", "work_days", "evaluation_method", "evaluation_max_points")


def retender_case(session: Session, actor, case: TenderCase, *, drafted_on: date) -> TenderCase:
    """A new draft tendering a 不調 case again, linked to it; its dates, prices and 決裁 start afresh."""
    require(can_manage_case(actor, case), "再入札の起案は契約課の職員が行います。")
    if case.state != "failed":
        raise ValidationFailed(f"「{case.state_label}」の案件は再入札にできません（不調の案件だけです）。")
    values = {key: getattr(case, key) for key in RETENDER_COPIES}
    values["drafted_on"] = drafted_on
    new = create_case(session, actor, values, fiscal_year=case.fiscal_year)
    before = case_snapshot(new)
    new.retender_of = case
    new.cost_breakdown = dict(case.cost_breakdown or {})
    new.price_category = case.price_category
    for charge in case.charges:  # the same budget: the failed case no longer commits it
        new.charges.append(CaseBudgetCharge(budget_line_id=charge.budget_line_id, amount=charge.amount))
    session.flush()
    record_change(session, actor, "case.retender", f"不調の案件 {case.number} を再入札として起案: {new.number}",
                  target=new, before=before, after=case_snapshot(new), details={"retender_of": case.id})
    return new
