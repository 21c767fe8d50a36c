"""指名停止 services: register a measure and lift it early; both keep record history.

The first day comes from the ``suspension_start`` deadline of the ``registry.deadlines`` rule (default: the day
after next); the period and the allowed range from ``periods``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.errors import DomainError, ValidationFailed, require
from core.history import record_change, register_fields
from core.jp import format_date
from core.rules import deadline_for
from core.rules.queries import RuleNotInForce
from registry.contractors.models import Contractor

from .models import Suspension
from .periods import UNITS, causes, period_days, period_end, period_text
from .permissions import can_manage_suspensions

SCOPE_MAX = 300
REASON_MAX = 500


def suspension_snapshot(s: Suspension) -> dict:
    return {"contractor": f"{s.contractor.number} {s.contractor.name}" if s.contractor else s.contractor_id,
            "cause_code": s.cause_code, "decided_on": _iso(s.decided_on), "starts_on": _iso(s.starts_on),
            "ends_on": _iso(s.ends_on), "period_text": s.period_text, "scope": s.scope, "facts": s.facts,
            "lifted_on": _iso(s.lifted_on), "lift_reason": s.lift_reason}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _date_text(value: str) -> str:
    return format_date(date.fromisoformat(value))


def _cause_text(code: str) -> str:
    """A cause code of the 履歴 tab as its label in today's rule (codes keep their meaning across versions)."""
    from core.db import db
    from core.timefmt import today

    from .periods import causes

    try:
        cause = causes(db.session, today()).get(code)
    except DomainError:
        cause = None
    return cause.label if cause else code


def register_labels() -> None:
    """History labels of a suspension's fields and audit labels of its operations (``registry.init_app``)."""
    register_fields(
        "suspensions",
        {"contractor": "業者", "cause_code": "措置要件", "decided_on": "決定日", "starts_on": "始期", "ends_on": "終期",
         "period_text": "期間", "scope": "範囲", "facts": "事実の概要", "lifted_on": "解除日", "lift_reason": "解除の理由"},
        {"decided_on": _date_text, "starts_on": _date_text, "ends_on": _date_text, "lifted_on": _date_text,
         "cause_code": _cause_text},
        snapshot=(Suspension, suspension_snapshot),
    )
    register_operations({"suspension.register": "指名停止の登録", "suspension.lift": "指名停止の解除"},
                        {"suspensions": "指名停止"})


def register_suspension(session: Session, actor, contractor: Contractor, cause_code: str, decided_on: date | None,
                        period_value: int | None, period_unit: str, scope: str | None, facts: str | None) -> Suspension:
    """Register a suspension decided on ``decided_on``; the first and last days are computed.

    :raises PermissionDenied: the actor may not manage suspensions.
    :raises ValidationFailed: per field (``cause_code``, ``decided_on``, ``period_value``, ``period_unit``,
        ``scope``, ``facts``), e.g. a period outside the cause's range.
    """
    require(can_manage_suspensions(actor))
    errors: dict[str, list[str]] = {}
    scope = (scope or "").strip() or None
    facts = (facts or "").strip()
    if decided_on is None:
        errors["decided_on"] = ["決定日を入力してください。"]
    if not isinstance(period_value, int) or isinstance(period_value, bool) or period_value < 1:
        errors["period_value"] = ["期間は 1 以上の整数で入力してください。"]
    if period_unit not in UNITS:
        errors["period_unit"] = ["期間の単位は「週間」か「か月」を選んでください。"]
    if not facts:
        errors["facts"] = ["事実の概要を入力してください。"]
    if scope and len(scope) > SCOPE_MAX:
        errors["scope"] = [f"範囲は {SCOPE_MAX} 文字以内で入力してください。"]
    cause = None
    if decided_on is not None:
        try:
            cause = causes(session, decided_on).get(cause_code or "")
        except RuleNotInForce:
            errors["cause_code"] = [f"{format_date(decided_on)}に適用される「指名停止の措置要件と期間」がありません。"]
        else:
            if cause is None:
                errors["cause_code"] = [f"措置要件を選んでください（{format_date(decided_on)}に適用される表にあるもの）。"]
    starts_on = None
    if cause is not None:
        try:
            starts_on = deadline_for(session, "suspension_start", decided_on, rule_key="registry.deadlines")
        except DomainError as exc:  # DeadlineNotDefined / HolidaysMissing: the message names the missing setting
            errors.setdefault("decided_on", []).append(str(exc))
    if starts_on is not None and "period_value" not in errors and "period_unit" not in errors:
        days = period_days(starts_on, period_value, period_unit)
        if not (period_days(starts_on, cause.min_value, cause.min_unit) <= days
                <= period_days(starts_on, cause.max_value, cause.max_unit)):
            errors["period_value"] = [f"期間「{period_text(period_value, period_unit)}」は措置要件「{cause.label}」の"
                                      f"範囲（{cause.range_text}）の外です。範囲内で入力してください。"]
    if errors:
        raise ValidationFailed(errors)
    suspension = Suspension(contractor=contractor, cause_code=cause.code, decided_on=decided_on, starts_on=starts_on,
                            ends_on=period_end(starts_on, period_value, period_unit),
                            period_text=period_text(period_value, period_unit), scope=scope, facts=facts)
    session.add(suspension)
    session.flush()
    record_change(session, actor, "suspension.register",
                  f"指名停止を登録: {contractor.number} {contractor.name}（{cause.label}、{suspension.period_text}、"
                  f"{format_date(suspension.starts_on)}〜{format_date(suspension.ends_on)}）",
                  target=suspension, before=None, after=suspension_snapshot(suspension),
                  details={"contractor_id": contractor.id})
    return suspension


def lift_suspension(session: Session, actor, suspension: Suspension, lifted_on: date | None,
                    reason: str | None) -> Suspension:
    """Lift a suspension early: from ``lifted_on`` on the firm is no longer suspended (the last day is the day before).

    :raises ValidationFailed: no reason, a day outside the period, or already lifted.
    """
    require(can_manage_suspensions(actor))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if suspension.lifted_on is not None:
        raise ValidationFailed(f"この指名停止は {format_date(suspension.lifted_on)} に解除済みです。")
    if lifted_on is None:
        errors["lifted_on"] = ["解除日を入力してください。"]
    elif not suspension.starts_on <= lifted_on <= suspension.ends_on:
        errors["lifted_on"] = [f"解除日は停止期間（{format_date(suspension.starts_on)}〜"
                               f"{format_date(suspension.ends_on)}）内の日付にしてください。"]
    if not reason:
        errors["reason"] = ["解除の理由を入力してください。"]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [f"解除の理由は {REASON_MAX} 文字以内で入力してください。"]
    if errors:
        raise ValidationFailed(errors)
    before = suspension_snapshot(suspension)
    suspension.lifted_on = lifted_on
    suspension.lift_reason = reason
    session.flush()
    contractor = suspension.contractor
    record_change(session, actor, "suspension.lift",
                  f"指名停止を解除: {contractor.number} {contractor.name}（{format_date(lifted_on)}解除）",
                  target=suspension, before=before, after=suspension_snapshot(suspension),
                  details={"contractor_id": contractor.id})
    return suspension
