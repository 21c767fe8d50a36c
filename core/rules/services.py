"""Writes: new rule versions (never edits) and the holiday calendar, each with its operation-log entry.

Services check permission, validate (``ValidationFailed({field: [message]})``), flush and record the audit
entry in the same transaction; they never commit. The read API is re-exported here for callers that want
one import (``from core.rules.services import get_rule``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.audit.services import canonical_json, record
from core.errors import ValidationFailed, require
from core.jp import format_date

from .calendar import national_holidays
from .catalogue import get_definition
from .fields import Errors, add_error
from .models import Holiday, RuleVersion
from .permissions import can_manage_holidays, can_manage_rules
from .queries import (  # noqa: F401  (re-exported read API)
    RuleNotInForce,
    effective_audit_retention_days,
    effective_password_policy,
    get_rule,
    rule_history,
    rule_in_force,
    versions_at,
)

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
NOTE_MAX = 500


def _check_date(value, field: str, label: str, errors: Errors) -> date | None:
    if value is None:
        add_error(errors, field, f"{label}を入力してください。")
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{field} must be a date")
    if not EARLIEST <= value <= LATEST:
        add_error(errors, field, f"{label}は {format_date(EARLIEST)} から {format_date(LATEST)} までの日付で入力してください。")
        return None
    return value


def add_rule_version(session: Session, actor, key: str, effective_from: date | None, values: dict, note: str, *,
                     correction: bool = False) -> RuleVersion:
    """Store a new version of rule ``key`` taking effect on ``effective_from``.

    A version with an effective date that already has one (stored or built-in) is accepted only as a
    ``correction``: it gets the next revision and replaces the earlier one in every lookup; the earlier row
    stays in the history. A version identical to the one it would replace is refused (nothing to record).

    :param values: every field of the rule's schema, as typed values or form text.
    :raises PermissionDenied: ``actor`` is not a system administrator.
    :raises ValidationFailed: per field (schema field names, ``effective_from``, ``note``, ``correction``).
    """
    require(can_manage_rules(actor))
    definition = get_definition(key)
    errors: Errors = {}
    effective_from = _check_date(effective_from, "effective_from", "適用開始日", errors)
    note = (note or "").strip()
    if not note:
        add_error(errors, "note", "登録の理由・根拠を入力してください（例: 令和8年3月の要領改正による）。")
    elif len(note) > NOTE_MAX:
        add_error(errors, "note", f"登録の理由・根拠は {NOTE_MAX} 文字以内で入力してください（現在 {len(note)} 文字）。")
    parsed, value_errors = definition.parse(values)
    for name, messages in value_errors.items():
        for message in messages:
            add_error(errors, name, message)
    same_date = versions_at(session, key, effective_from) if effective_from else []
    if same_date and not correction:
        add_error(errors, "effective_from",
                  f"{format_date(effective_from)} から適用する版は既にあります。その版の内容を直すときは「訂正として登録する」を"
                  "選び、別の日から変えるときはその日付を入力してください。")
    if effective_from and correction and not same_date:
        add_error(errors, "correction", f"{format_date(effective_from)} から適用する版はないため、訂正できません。"
                                        "新しい版として登録するときは「訂正として登録する」を外してください。")
    if errors:
        raise ValidationFailed(errors)

    try:
        previous = rule_in_force(session, key, effective_from)
    except RuleNotInForce:
        previous = None
    dumped = definition.dump(parsed)
    if previous is not None and definition.dump(previous.values) == dumped:
        if correction:
            raise ValidationFailed({"": ["訂正前の版と内容が同じです。直したい項目を変更してください。"]})
        raise ValidationFailed({"": [f"{format_date(previous.effective_from)} から適用されている版と内容が同じため、"
                                     "登録の必要はありません。"]})
    revision = (session.scalar(select(func.max(RuleVersion.revision)).where(
        RuleVersion.key == key, RuleVersion.effective_from == effective_from)) or 0) + 1
    row = RuleVersion(key=key, effective_from=effective_from, revision=revision, value=canonical_json(dumped), note=note,
                      created_by_id=getattr(actor, "id", None), login_id=getattr(actor, "login_id", None))
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise ValidationFailed({"": ["同じ時に別の利用者が同じ適用開始日の版を登録しました。画面を開き直して、"
                                     "最新の履歴を確認してから登録してください。"]}) from None
    kind = "訂正" if correction else "新しい版"
    record(session, actor, "rule.add_version",
           f"ルール設定「{definition.title}」に{kind}を登録: {effective_from:%Y-%m-%d} から適用", target=row,
           details={
               "key": key, "effective_from": effective_from.isoformat(), "revision": revision, "correction": correction,
               "note": note, "values": dumped,
               "previous": None if previous is None else {
                   "effective_from": previous.effective_from.isoformat(), "revision": previous.revision,
                   "builtin": previous.builtin, "values": definition.dump(previous.values)},
           })
    return row


# --- holidays ---------------------------------------------------------------------------------------

def _holiday_errors(session: Session, day, name: str, current: Holiday | None) -> tuple[date | None, str, Errors]:
    errors: Errors = {}
    day = _check_date(day, "day", "日付", errors)
    name = (name or "").strip()
    if not name:
        add_error(errors, "name", "名称を入力してください（例: 振替休日、市制施行記念日）。")
    elif len(name) > 100:
        add_error(errors, "name", "名称は 100 文字以内で入力してください。")
    if day is not None:
        existing = session.scalar(select(Holiday).where(Holiday.day == day))
        if existing is not None and existing is not current:
            state = "" if existing.is_active else "（無効）"
            add_error(errors, "day", f"{format_date(day)} は既に「{existing.name}」{state}として登録されています。"
                      + ("" if existing.is_active else "一覧から有効に戻してください。"))
    return day, name, errors


def _snapshot(holiday: Holiday) -> dict:
    return {"day": holiday.day.isoformat(), "name": holiday.name, "is_active": holiday.is_active}


def add_holiday(session: Session, actor, *, day: date | None, name: str) -> Holiday:
    """Register a closed day (a national holiday or a city holiday)."""
    require(can_manage_holidays(actor))
    day, name, errors = _holiday_errors(session, day, name, None)
    if errors:
        raise ValidationFailed(errors)
    holiday = Holiday(day=day, name=name, is_active=True)
    session.add(holiday)
    session.flush()
    record(session, actor, "holiday.create", f"休日を登録: {day:%Y-%m-%d} {name}", target=holiday,
           details={"after": _snapshot(holiday)})
    return holiday


def update_holiday(session: Session, actor, holiday: Holiday, *, day: date | None, name: str) -> Holiday:
    """Change a holiday's date or name; the operation log keeps before and after."""
    require(can_manage_holidays(actor))
    day, name, errors = _holiday_errors(session, day, name, holiday)
    if errors:
        raise ValidationFailed(errors)
    before = _snapshot(holiday)
    holiday.day, holiday.name = day, name
    session.flush()
    after = _snapshot(holiday)
    if after != before:
        record(session, actor, "holiday.update", f"休日を変更: {before['day']} {before['name']} → {day:%Y-%m-%d} {name}",
               target=holiday, details={"before": before, "after": after})
    return holiday


def deactivate_holiday(session: Session, actor, holiday: Holiday) -> Holiday:
    """Stop treating the day as closed (the row stays, so the change is visible and reversible)."""
    require(can_manage_holidays(actor))
    if not holiday.is_active:
        raise ValidationFailed({"": [f"{format_date(holiday.day)}（{holiday.name}）は既に無効です。"]})
    holiday.is_active = False
    session.flush()
    record(session, actor, "holiday.deactivate", f"休日を無効化: {holiday.day:%Y-%m-%d} {holiday.name}", target=holiday)
    return holiday


def reactivate_holiday(session: Session, actor, holiday: Holiday) -> Holiday:
    require(can_manage_holidays(actor))
    if holiday.is_active:
        raise ValidationFailed({"": [f"{format_date(holiday.day)}（{holiday.name}）は既に有効です。"]})
    holiday.is_active = True
    session.flush()
    record(session, actor, "holiday.reactivate", f"休日を再有効化: {holiday.day:%Y-%m-%d} {holiday.name}", target=holiday)
    return holiday


def add_national_holidays(session: Session, actor, *, year: int | None, vernal_equinox: date | None,
                          autumnal_equinox: date | None) -> list[Holiday]:
    """Register the national holidays of ``year`` (incl. 振替休日 and 国民の休日) not yet in the table.

    The equinox days come from the 暦要項 published each February for the next year. Days already present
    (active or not) are left alone, so a deactivated day is not revived.
    """
    from .calendar import FIRST_GENERATED_YEAR

    require(can_manage_holidays(actor))
    errors: Errors = {}
    if year is None or not FIRST_GENERATED_YEAR <= year <= LATEST.year:
        add_error(errors, "year", f"年は {FIRST_GENERATED_YEAR} 年から {LATEST.year} 年までで指定してください。")
    vernal_equinox = _check_date(vernal_equinox, "vernal_equinox", "春分の日", errors)
    autumnal_equinox = _check_date(autumnal_equinox, "autumnal_equinox", "秋分の日", errors)
    if not errors:
        if vernal_equinox.year != year or vernal_equinox.month != 3 or not 19 <= vernal_equinox.day <= 22:
            add_error(errors, "vernal_equinox", f"春分の日は {year}年3月19日〜22日のいずれかです（暦要項で確認してください）。")
        if autumnal_equinox.year != year or autumnal_equinox.month != 9 or not 21 <= autumnal_equinox.day <= 24:
            add_error(errors, "autumnal_equinox", f"秋分の日は {year}年9月21日〜24日のいずれかです（暦要項で確認してください）。")
    if errors:
        raise ValidationFailed(errors)
    existing = set(session.scalars(select(Holiday.day).where(Holiday.day >= date(year, 1, 1),
                                                              Holiday.day <= date(year, 12, 31))))
    created = [Holiday(day=d, name=n, is_active=True) for d, n in national_holidays(year, vernal_equinox, autumnal_equinox)
               if d not in existing]
    if not created:
        return []
    session.add_all(created)
    session.flush()
    record(session, actor, "holiday.bulk_create", f"{year}年の国民の祝日・休日を一括登録（{len(created)} 日）",
           target_type="holidays", details={
               "year": year, "vernal_equinox": vernal_equinox.isoformat(), "autumnal_equinox": autumnal_equinox.isoformat(),
               "added": [[h.day.isoformat(), h.name] for h in created], "skipped_existing": len(existing)})
    return created
