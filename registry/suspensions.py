"""指名停止 (nomination suspensions): registration, early lifting and the queries nominations rely on.

Public API::

    from registry import suspensions
    suspensions.register_suspension(session, actor, contractor, "breach", decided_on, 3, "weeks", scope, facts)
    suspensions.lift_suspension(session, actor, suspension, lifted_on, reason)
    suspensions.is_suspended(session, contractor_id, day)        # nominations call this (JVs included)
    suspensions.suspended_contractor_ids(session, day)           # for list filters
    session.scalars(suspensions.suspension_list(day_from, day_to, include_lifted=True))

The cause and its allowed period come from the ``registry.suspension_causes`` rule in force on the decision
date; the first day from the ``suspension_start`` deadline of the ``deadlines`` rule (default: the day after
next). A month period ends the day before the corresponding day of the last month, or on that month's last day
when it has no corresponding day (民法第143条). A suspension of a member firm applies to every JV it belongs to.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.errors import DomainError, ValidationFailed, require
from core.history import record_change, register_fields
from core.jp import format_date, search_key
from core.rules import deadline_for, get_rule
from core.rules.queries import RuleNotInForce

from .models import Contractor, JVMember, Suspension
from .permissions import can_manage_suspensions

RULE_KEY = "registry.suspension_causes"
UNITS = {"weeks": "週間", "months": "か月"}
SCOPE_MAX = 300
REASON_MAX = 500
#: Status of a suspension on a day, with the badge class the screens use.
STATUS_LABELS = {"active": "停止中", "scheduled": "予定", "ended": "終了", "lifted": "解除"}
STATUS_BADGES = {"active": "badge--danger", "scheduled": "badge--warning", "ended": "badge--neutral",
                 "lifted": "badge--info"}


# --- periods -------------------------------------------------------------------------------------------

def period_text(value: int, unit: str) -> str:
    """``2か月`` / ``3週間``."""
    return f"{value}{UNITS[unit]}"


def period_end(start: date, value: int, unit: str) -> date:
    """The last day of a period of ``value`` weeks or months beginning on ``start`` (start day counted).

    Months follow 民法第143条: the day before the corresponding day of the last month (6/3 + 2 か月 → 8/2), or
    the last day of that month when it has no corresponding day (1/31 + 1 か月 → 2/28 or 2/29).
    """
    if unit == "weeks":
        return start + timedelta(days=7 * value - 1)
    if unit != "months":
        raise ValueError(f"unknown period unit {unit!r}")
    months = start.month - 1 + value
    year, month = start.year + months // 12, months % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if start.day > last_day:
        return date(year, month, last_day)
    return date(year, month, start.day) - timedelta(days=1)


def period_days(start: date, value: int, unit: str) -> int:
    """Length in days of the period beginning on ``start`` (so weeks and months compare on one scale)."""
    return (period_end(start, value, unit) - start).days + 1


# --- the cause table -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cause:
    code: str
    label: str
    min_value: int
    min_unit: str
    max_value: int
    max_unit: str

    @property
    def range_text(self) -> str:
        return f"{period_text(self.min_value, self.min_unit)}〜{period_text(self.max_value, self.max_unit)}"

    @property
    def choice_label(self) -> str:
        return f"{self.label}（{self.range_text}）"


def causes(session: Session, on_date: date) -> dict[str, Cause]:
    """措置要件 of the rule in force on ``on_date``, by code, in the rule's order."""
    items = get_rule(session, RULE_KEY, on_date)["items"]
    return {code: Cause(code, row["label"], row["min_value"], row["min_unit"], row["max_value"], row["max_unit"])
            for code, row in items.items()}


def cause_label(session: Session, suspension: Suspension) -> str:
    """The label of a suspension's cause, from the rule in force on its decision date (the code if unknown)."""
    try:
        cause = causes(session, suspension.decided_on).get(suspension.cause_code)
    except RuleNotInForce:
        cause = None
    return cause.label if cause else suspension.cause_code


# --- history -------------------------------------------------------------------------------------------

def suspension_snapshot(s: Suspension) -> dict:
    return {"contractor": f"{s.contractor.number} {s.contractor.name}" if s.contractor else s.contractor_id,
            "cause_code": s.cause_code, "decided_on": _iso(s.decided_on), "starts_on": _iso(s.starts_on),
            "ends_on": _iso(s.ends_on), "period_text": s.period_text, "scope": s.scope, "facts": s.facts,
            "lifted_on": _iso(s.lifted_on), "lift_reason": s.lift_reason}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _date_text(value: str) -> str:
    return format_date(date.fromisoformat(value))


register_fields(
    "suspensions",
    {"contractor": "業者", "cause_code": "措置要件", "decided_on": "決定日", "starts_on": "始期", "ends_on": "終期",
     "period_text": "期間", "scope": "範囲", "facts": "事実の概要", "lifted_on": "解除日", "lift_reason": "解除の理由"},
    {"decided_on": _date_text, "starts_on": _date_text, "ends_on": _date_text, "lifted_on": _date_text},
    snapshot=(Suspension, suspension_snapshot),
)
register_operations({"suspension.register": "指名停止の登録", "suspension.lift": "指名停止の解除"},
                    {"suspensions": "指名停止"})


# --- services ------------------------------------------------------------------------------------------

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
            starts_on = deadline_for(session, "suspension_start", decided_on)
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


# --- queries -------------------------------------------------------------------------------------------

def _active_on(day: date):
    """SQL condition: the suspension is in force on ``day`` (lifted ones until the day before ``lifted_on``)."""
    return and_(Suspension.starts_on <= day, Suspension.ends_on >= day,
                or_(Suspension.lifted_on.is_(None), Suspension.lifted_on > day))


def status_of(suspension: Suspension, day: date) -> str:
    """``active`` / ``scheduled`` / ``ended`` / ``lifted`` on ``day`` (see ``STATUS_LABELS``)."""
    if suspension.is_active_on(day):
        return "active"
    if suspension.lifted_on is not None and suspension.lifted_on <= day:
        return "lifted"
    if suspension.starts_on > day:
        return "scheduled"
    return "ended"


def active_suspensions(session: Session, contractor_id: int, day: date) -> list[Suspension]:
    """The firm's own suspensions in force on ``day``."""
    return list(session.scalars(select(Suspension).where(Suspension.contractor_id == contractor_id, _active_on(day))
                                .order_by(Suspension.starts_on, Suspension.id)))


def member_suspensions(session: Session, jv_id: int, day: date) -> list[Suspension]:
    """Suspensions in force on ``day`` of the members of the JV ``jv_id`` (they apply to the JV)."""
    members = select(JVMember.member_id).where(JVMember.jv_id == jv_id)
    return list(session.scalars(select(Suspension).where(Suspension.contractor_id.in_(members), _active_on(day))
                                .order_by(Suspension.starts_on, Suspension.id)))


def is_suspended(session: Session, contractor_id: int, day: date) -> bool:
    """Whether the firm may not be nominated on ``day``: its own suspension, or (a JV) one of a member's."""
    members = select(JVMember.member_id).where(JVMember.jv_id == contractor_id)
    stmt = select(Suspension.id).where(
        or_(Suspension.contractor_id == contractor_id, Suspension.contractor_id.in_(members)), _active_on(day))
    return session.scalar(stmt.limit(1)) is not None


def suspended_contractor_ids(session: Session, day: date) -> set[int]:
    """Every firm suspended on ``day``: firms with a suspension in force and the JVs those firms belong to."""
    direct = set(session.scalars(select(Suspension.contractor_id).where(_active_on(day)).distinct()))
    if not direct:
        return set()
    jvs = set(session.scalars(select(JVMember.jv_id).where(JVMember.member_id.in_(direct)).distinct()))
    return direct | jvs


def suspension_list(day_from: date | None = None, day_to: date | None = None, include_lifted: bool = True, *,
                    current_on: date | None = None, search: str | None = None) -> Select:
    """Suspensions in force at some time between ``day_from`` and ``day_to`` (either may be None), newest first.

    ``include_lifted`` False leaves out suspensions lifted early; ``current_on`` keeps those in force on that day
    or later (停止中 and 予定); ``search`` matches the firm's number or name (width- and space-insensitive).
    """
    stmt = select(Suspension).join(Suspension.contractor)
    if day_to is not None:
        stmt = stmt.where(Suspension.starts_on <= day_to)
    if day_from is not None:
        stmt = stmt.where(Suspension.ends_on >= day_from,
                          or_(Suspension.lifted_on.is_(None), Suspension.lifted_on > day_from))
    if current_on is not None:
        stmt = stmt.where(Suspension.ends_on >= current_on,
                          or_(Suspension.lifted_on.is_(None), Suspension.lifted_on > current_on))
    if not include_lifted:
        stmt = stmt.where(Suspension.lifted_on.is_(None))
    if search and search.strip():
        key = search_key(search)
        stmt = stmt.where(or_(Contractor.number == search.strip(), Contractor.search_key.contains(key)))
    return stmt.order_by(Suspension.starts_on.desc(), Suspension.id.desc())


def contractor_suspensions(session: Session, contractor_id: int) -> list[Suspension]:
    """All suspensions of one firm, newest first."""
    return list(session.scalars(select(Suspension).where(Suspension.contractor_id == contractor_id)
                                .order_by(Suspension.starts_on.desc(), Suspension.id.desc())))
