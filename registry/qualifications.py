"""Qualification services of the registry: 建設業許可, 経審, registrations with 業種 and ranks (格付), technicians
and joint ventures (SPEC CM1).

Every write checks the actor's permission (``actor`` None = CLI or import), raises ``ValidationFailed`` with
Japanese messages per field, and keeps record history with ``record_change``. Nothing commits: the caller does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.db import utcnow
from core.errors import ValidationFailed, require
from core.history import record_change, register_fields
from core.jp import fiscal_year_label, format_date, normalize_name, search_key
from core.rules import get_rule
from core.rules.queries import today

from . import keishin as ks
from .codes import work_types
from .models import CATEGORIES, Contractor, JVMember, KeishinScore, Permit, RegisteredWorkType, Registration, Technician
from .permissions import can_confirm_ranks, can_edit_registry
from .permits import AUTHORITIES, GRADE_LABELS, PREFECTURES, PermitParseError, format_permit, parse_permit, permit_expiry
from .ranks import compute_rank, rank_rule

# --- history labels -----------------------------------------------------------------------------------


def permit_snapshot(p: Permit) -> dict:
    return {"contractor_id": p.contractor_id, "work_type_code": p.work_type_code, "authority": p.authority,
            "prefecture": p.prefecture, "grade": p.grade, "permit_year": p.permit_year,
            "permit_number": p.permit_number, "office": p.office, "granted_on": _iso(p.granted_on),
            "expires_on": _iso(p.expires_on)}


def keishin_snapshot(k: KeishinScore) -> dict:
    return {"contractor_id": k.contractor_id, "work_type_code": k.work_type_code, "base_date": _iso(k.base_date),
            "x1": k.x1, "x2": k.x2, "y": k.y, "z": k.z, "w": k.w, "p_entered": k.p_entered,
            "p_computed": k.p_computed, "valid_until": _iso(k.valid_until)}


def registration_snapshot(r: Registration) -> dict:
    return {"contractor_id": r.contractor_id, "category": r.category, "period_start": _iso(r.period_start),
            "period_end": _iso(r.period_end)}


def work_type_snapshot(w: RegisteredWorkType) -> dict:
    return {"registration_id": w.registration_id, "work_type_code": w.work_type_code,
            "objective_points": w.objective_points, "subjective_points": w.subjective_points, "rank": w.rank,
            "rank_confirmed_at": w.rank_confirmed_at.isoformat(timespec="seconds") if w.rank_confirmed_at else None}


def technician_snapshot(t: Technician) -> dict:
    return {"contractor_id": t.contractor_id, "name": t.name, "name_kana": t.name_kana,
            "qualifications": t.qualifications, "employed_since": _iso(t.employed_since), "is_active": t.is_active}


def jv_member_snapshot(m: JVMember) -> dict:
    return {"jv_id": m.jv_id, "member_id": m.member_id, "share_percent": str(m.share_percent),
            "is_representative": m.is_representative}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


register_fields("construction_permits", {
    "contractor_id": "業者", "work_type_code": "業種", "authority": "許可権者", "prefecture": "都道府県", "grade": "般/特",
    "permit_year": "許可年", "permit_number": "許可番号", "office": "振興局", "granted_on": "許可日",
    "expires_on": "有効期限"},
    {"authority": lambda v: AUTHORITIES.get(v, v), "grade": lambda v: GRADE_LABELS.get(v, v)},
    snapshot=(Permit, permit_snapshot))
register_fields("keishin_scores", {
    "contractor_id": "業者", "work_type_code": "業種", "base_date": "審査基準日", "x1": "X1", "x2": "X2", "y": "Y",
    "z": "Z", "w": "W", "p_entered": "P（通知書）", "p_computed": "P（計算値）", "valid_until": "有効期限"},
    snapshot=(KeishinScore, keishin_snapshot))
register_fields("contractor_registrations", {
    "contractor_id": "業者", "category": "区分", "period_start": "有効期間の始期", "period_end": "有効期間の終期"},
    {"category": lambda v: CATEGORIES.get(v, v)}, snapshot=(Registration, registration_snapshot))
register_fields("registered_work_types", {
    "registration_id": "資格登録", "work_type_code": "業種", "objective_points": "客観点", "subjective_points": "主観点",
    "rank": "等級", "rank_confirmed_at": "等級の確定日時"}, snapshot=(RegisteredWorkType, work_type_snapshot))
register_fields("technicians", {
    "contractor_id": "業者", "name": "氏名", "name_kana": "フリガナ", "qualifications": "資格",
    "employed_since": "雇用開始日", "is_active": "在籍"}, snapshot=(Technician, technician_snapshot))
register_fields("jv_members", {
    "jv_id": "共同企業体", "member_id": "構成員", "share_percent": "出資比率（%）", "is_representative": "代表者"},
    snapshot=(JVMember, jv_member_snapshot))

register_operations({
    "registry.permit.save": "建設業許可の登録・変更",
    "registry.keishin.add": "経審の登録",
    "registry.keishin.correct": "経審の訂正",
    "registry.registration.create": "資格登録",
    "registry.registration.update": "資格登録の変更",
    "registry.work_type.add": "登録業種の追加",
    "registry.work_type.remove": "登録業種の削除",
    "registry.work_type.points": "客観点・主観点の変更",
    "registry.rank.confirm": "格付の確定",
    "registry.technician.create": "技術者の登録",
    "registry.technician.update": "技術者の変更",
    "registry.technician.deactivate": "技術者の無効化",
    "registry.technician.reactivate": "技術者の再有効化",
    "registry.jv.create": "共同企業体の登録",
}, {"construction_permits": "建設業許可", "keishin_scores": "経審", "contractor_registrations": "資格登録",
    "registered_work_types": "登録業種", "technicians": "技術者", "jv_members": "共同企業体の構成員"})


# --- helpers ------------------------------------------------------------------------------------------


def _check_editor(actor) -> None:
    if actor is not None:
        require(can_edit_registry(actor))


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _work_type_title(session: Session, code: str) -> str:
    wt = work_types(session).get(code)
    return f"{code} {wt.title}" if wt else code


def _check_work_type(session: Session, code: str | None, category: str, errors: dict, field: str = "work_type_code"):
    wt = work_types(session).get(code or "")
    if wt is None or wt.category != category:
        _add(errors, field, f"{CATEGORIES[category]}の業種を選んでください。")
    return wt


# --- 建設業許可 -----------------------------------------------------------------------------------------


def save_permit(session: Session, actor, contractor: Contractor, *, work_type_code: str, text: str | None = None,
                authority: str | None = None, prefecture: str | None = None, grade: str | None = None,
                permit_year: int | None = None, permit_number: int | None = None,
                granted_on: date | None = None) -> Permit:
    """Register or change the permit of one 業種, from the printed number (``text``) or from the fields.

    The expiry is the grant date + 5 years − 1 day.
    """
    _check_editor(actor)
    errors: dict[str, list[str]] = {}
    office = None
    _check_work_type(session, work_type_code, "construction", errors)
    if text and text.strip():
        try:
            parsed = parse_permit(text)
        except PermitParseError as exc:
            _add(errors, "text", str(exc))
        else:
            authority, prefecture, grade = parsed.authority, parsed.prefecture, parsed.grade
            permit_year, permit_number, office = parsed.year, parsed.number, parsed.office
    else:
        if authority not in AUTHORITIES:
            _add(errors, "authority", "許可権者を選んでください。")
        elif authority == "governor" and prefecture not in PREFECTURES:
            _add(errors, "prefecture", "知事許可の都道府県を選んでください。")
        if authority == "minister":
            prefecture = None
        if grade not in GRADE_LABELS:
            _add(errors, "grade", "一般・特定を選んでください。")
        if permit_year is not None and not 1 <= permit_year <= 99:
            _add(errors, "permit_year", "許可年は 1〜99 で入力してください。")
        if not permit_number or not 1 <= permit_number <= 999999:
            _add(errors, "permit_number", "許可番号を 1〜999999 で入力してください。")
    if granted_on is not None and granted_on > today():
        _add(errors, "granted_on", "許可日に未来の日付は入力できません。")
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
                  f"{contractor.name} {_work_type_title(session, work_type_code)} {format_permit(permit)}",
                  target=permit, before=before, after=permit_snapshot(permit))
    return permit


def permit_status(session: Session, permit: Permit, on_date: date | None = None) -> str:
    """``valid`` / ``expiring`` / ``expired`` / ``unknown`` (no expiry) by the rule's warning days."""
    if permit.expires_on is None:
        return "unknown"
    on_date = on_date or today()
    days = get_rule(session, "registry.qualification", on_date)["permit_warning_days"]
    return ks.validity_status(permit.expires_on, on_date, days)


# --- 経審 -----------------------------------------------------------------------------------------------


def add_keishin(session: Session, actor, contractor: Contractor, *, work_type_code: str, base_date: date | None,
                x1: int | None, x2: int | None, y: int | None, z: int | None, w: int | None,
                p_entered: int | None = None) -> KeishinScore:
    """Register a 経審 result of one 業種; P is recomputed (a mismatch with the entered P is kept and flagged)
    and the validity runs 1年7か月 (the rule) from the 審査基準日. Updates the 客観点 of the registered 業種."""
    _check_editor(actor)
    errors = ks.range_errors({"x1": x1, "x2": x2, "y": y, "z": z, "w": w, "p": p_entered})
    _check_work_type(session, work_type_code, "construction", errors)
    if base_date is None:
        _add(errors, "base_date", "審査基準日を入力してください。")
    elif base_date > today():
        _add(errors, "base_date", "審査基準日に未来の日付は入力できません。")
    elif session.scalar(select(KeishinScore.id).where(KeishinScore.contractor_id == contractor.id,
                                                      KeishinScore.work_type_code == work_type_code,
                                                      KeishinScore.base_date == base_date)):
        _add(errors, "base_date", f"この業種の審査基準日 {format_date(base_date)} の経審は登録済みです。")
    if errors:
        raise ValidationFailed(errors)
    months = get_rule(session, "registry.qualification", today())["keishin_valid_months"]
    score = KeishinScore(contractor_id=contractor.id, work_type_code=work_type_code, base_date=base_date, x1=x1, x2=x2,
                         y=y, z=z, w=w, p_entered=p_entered, p_computed=ks.compute_p(x1, x2, y, z, w),
                         valid_until=ks.valid_until(base_date, months))
    session.add(score)
    session.flush()
    summary = (f"{contractor.name} {_work_type_title(session, work_type_code)} 審査基準日 {format_date(base_date)} "
               f"P={score.p_computed}")
    if score.p_mismatch:
        summary += f"（通知書の P={p_entered} と不一致）"
    record_change(session, actor, "registry.keishin.add", summary, target=score, before=None,
                  after=keishin_snapshot(score))
    sync_objective_points(session, actor, contractor, work_type_code)
    return score


def correct_keishin(session: Session, actor, score: KeishinScore, *, base_date: date | None, x1: int | None,
                    x2: int | None, y: int | None, z: int | None, w: int | None, p_entered: int | None,
                    reason: str | None) -> KeishinScore:
    """Correct a mis-entered 経審 (the 業種 stays): P and the validity are recomputed, the reason and the
    figures before and after are kept in the history, and the 客観点 follows."""
    _check_editor(actor)
    errors = ks.range_errors({"x1": x1, "x2": x2, "y": y, "z": z, "w": w, "p": p_entered})
    reason = (reason or "").strip()
    if not reason:
        _add(errors, "reason", "訂正の理由を入力してください。")
    elif len(reason) > 500:
        _add(errors, "reason", "訂正の理由は 500 文字以内で入力してください。")
    if base_date is None:
        _add(errors, "base_date", "審査基準日を入力してください。")
    elif base_date > today():
        _add(errors, "base_date", "審査基準日に未来の日付は入力できません。")
    elif session.scalar(select(KeishinScore.id).where(
            KeishinScore.contractor_id == score.contractor_id, KeishinScore.work_type_code == score.work_type_code,
            KeishinScore.base_date == base_date, KeishinScore.id != score.id)):
        _add(errors, "base_date", f"この業種の審査基準日 {format_date(base_date)} の経審は別に登録されています。")
    if errors:
        raise ValidationFailed(errors)
    before = keishin_snapshot(score)
    months = get_rule(session, "registry.qualification", today())["keishin_valid_months"]
    score.base_date, score.x1, score.x2, score.y, score.z, score.w = base_date, x1, x2, y, z, w
    score.p_entered, score.p_computed = p_entered, ks.compute_p(x1, x2, y, z, w)
    score.valid_until = ks.valid_until(base_date, months)
    session.flush()
    contractor = score.contractor
    record_change(session, actor, "registry.keishin.correct",
                  f"{contractor.name} {_work_type_title(session, score.work_type_code)} 経審を訂正（理由: {reason}）",
                  target=score, before=before, after=keishin_snapshot(score))
    sync_objective_points(session, actor, contractor, score.work_type_code)
    return score


def latest_valid_keishin(session: Session, contractor_id: int, work_type_code: str,
                         on_date: date | None = None) -> KeishinScore | None:
    on_date = on_date or today()
    return session.scalar(select(KeishinScore).where(
        KeishinScore.contractor_id == contractor_id, KeishinScore.work_type_code == work_type_code,
        KeishinScore.valid_until >= on_date, KeishinScore.base_date <= on_date)
        .order_by(KeishinScore.base_date.desc()).limit(1))


def keishin_status(session: Session, score: KeishinScore, on_date: date | None = None) -> str:
    on_date = on_date or today()
    days = get_rule(session, "registry.qualification", on_date)["keishin_warning_days"]
    return ks.validity_status(score.valid_until, on_date, days)


def sync_objective_points(session: Session, actor, contractor: Contractor, work_type_code: str) -> None:
    """Set the 客観点 of the 業種 in current and future construction registrations to the latest valid P."""
    latest = latest_valid_keishin(session, contractor.id, work_type_code)
    if latest is None:
        return
    rows = session.scalars(select(RegisteredWorkType).join(Registration).where(
        Registration.contractor_id == contractor.id, Registration.category == "construction",
        Registration.period_end >= today(), RegisteredWorkType.work_type_code == work_type_code)).all()
    for row in rows:
        _set_points(session, actor, row, objective=latest.p_computed)


def _set_points(session: Session, actor, row: RegisteredWorkType, *, objective=..., subjective=...) -> None:
    before = work_type_snapshot(row)
    if objective is not ...:
        row.objective_points = objective
    if subjective is not ...:
        row.subjective_points = subjective
    session.flush()
    contractor = row.registration.contractor
    record_change(session, actor, "registry.work_type.points",
                  f"{contractor.name} {_work_type_title(session, row.work_type_code)} 客観点 {row.objective_points}"
                  f"・主観点 {row.subjective_points}", target=row, before=before, after=work_type_snapshot(row))


def set_subjective_points(session: Session, actor, row: RegisteredWorkType, points: int | None) -> RegisteredWorkType:
    """Enter the 主観点 of one registered 業種 (None clears it)."""
    _check_editor(actor)
    if points is not None and not -1000 <= points <= 2000:
        raise ValidationFailed({"subjective_points": ["主観点は -1,000〜2,000 の範囲で入力してください。"]})
    _set_points(session, actor, row, subjective=points)
    return row


# --- registrations and 業種 ------------------------------------------------------------------------------


def qualification_period(session: Session, start_year: int, on_date: date | None = None) -> tuple[date, date]:
    """(first day, last day) of the qualification period starting in ``start_year`` (e.g. 2025 → 2025-04-01〜2027-03-31)."""
    rule = get_rule(session, "registry.qualification", on_date or today())
    start = date(start_year, rule["start_month"], 1)
    return start, date(start_year + rule["years"], rule["start_month"], 1) - timedelta(days=1)


def period_label(session: Session, start: date, end: date) -> str:
    """令和7・8年度（2025年4月1日〜2027年3月31日） style label of a period."""
    from core.jp import fiscal_year

    first, last = fiscal_year(start), fiscal_year(end)
    name = fiscal_year_label(first)
    if last != first:
        tail = fiscal_year_label(last).removesuffix("年度")
        name = name.removesuffix("年度") + "・" + "".join(ch for ch in tail if ch.isdigit() or ch == "元") + "年度"
    return f"{name}（{format_date(start)}〜{format_date(end)}）"


def period_choices(session: Session, around: date | None = None) -> list[tuple[int, str]]:
    """Start years a user may pick: the periods around ``around`` (previous, current, next)."""
    around = around or today()
    rule = get_rule(session, "registry.qualification", around)
    years, month = rule["years"], rule["start_month"]
    base = around.year - (1 if around.month < month else 0)
    # Align on periods that begin in the same cycle as the current one (relative to 2001).
    current = base - ((base - 2001) % years)
    out = []
    for start_year in (current - years, current, current + years):
        start, end = qualification_period(session, start_year, around)
        out.append((start_year, period_label(session, start, end)))
    return out


def create_registration(session: Session, actor, contractor: Contractor, *, category: str,
                        start_year: int | None) -> Registration:
    """Register the firm in a category for the period starting in ``start_year``."""
    _check_editor(actor)
    errors: dict[str, list[str]] = {}
    if category not in CATEGORIES:
        _add(errors, "category", "区分を選んでください。")
    if not start_year or not 2000 <= start_year <= 2100:
        _add(errors, "start_year", "有効期間を選んでください。")
    if contractor.is_jv:
        _add(errors, "category", "共同企業体は資格登録できません（構成員の資格を使います）。")
    if errors:
        raise ValidationFailed(errors)
    start, end = qualification_period(session, start_year)
    if any(r.category == category and r.period_start == start for r in contractor.registrations):
        raise ValidationFailed({"start_year": [f"{CATEGORIES[category]}の{period_label(session, start, end)}は登録済みです。"]})
    registration = Registration(contractor_id=contractor.id, category=category, period_start=start, period_end=end)
    session.add(registration)
    session.flush()
    session.refresh(contractor, ["registrations"])
    record_change(session, actor, "registry.registration.create",
                  f"{contractor.name} {CATEGORIES[category]} {period_label(session, start, end)}",
                  target=registration, before=None, after=registration_snapshot(registration))
    return registration


def update_registration(session: Session, actor, registration: Registration, *, start_year: int) -> Registration:
    """Move a registration to the period starting in ``start_year``."""
    _check_editor(actor)
    start, end = qualification_period(session, start_year)
    clash = session.scalar(select(Registration.id).where(
        Registration.contractor_id == registration.contractor_id, Registration.category == registration.category,
        Registration.period_start == start, Registration.id != registration.id))
    if clash:
        raise ValidationFailed({"start_year": [f"{period_label(session, start, end)}は登録済みです。"]})
    before = registration_snapshot(registration)
    registration.period_start, registration.period_end = start, end
    session.flush()
    record_change(session, actor, "registry.registration.update",
                  f"{registration.contractor.name} {registration.category_label} {period_label(session, start, end)}",
                  target=registration, before=before, after=registration_snapshot(registration))
    return registration


def add_work_type(session: Session, actor, registration: Registration, *, work_type_code: str,
                  rank: str | None = None) -> RegisteredWorkType:
    """Add a 業種 to a registration; a construction 業種 takes its 客観点 from the latest valid 経審."""
    _check_editor(actor)
    errors: dict[str, list[str]] = {}
    _check_work_type(session, work_type_code, registration.category, errors)
    if any(w.work_type_code == work_type_code for w in registration.work_types):
        _add(errors, "work_type_code", f"{_work_type_title(session, work_type_code)}は登録済みです。")
    if rank and rank not in {"A", "B", "C", "D", "E"}:
        _add(errors, "rank", "等級は A〜E で選んでください。")
    if errors:
        raise ValidationFailed(errors)
    row = RegisteredWorkType(registration_id=registration.id, work_type_code=work_type_code, rank=rank or None)
    if registration.category == "construction":
        latest = latest_valid_keishin(session, registration.contractor_id, work_type_code)
        row.objective_points = latest.p_computed if latest else None
    session.add(row)
    session.flush()
    session.refresh(registration, ["work_types"])
    record_change(session, actor, "registry.work_type.add",
                  f"{registration.contractor.name} {registration.category_label} {_work_type_title(session, work_type_code)}",
                  target=row, before=None, after=work_type_snapshot(row))
    return row


def remove_work_type(session: Session, actor, row: RegisteredWorkType, *, reason: str) -> None:
    """Remove a 業種 from a registration; the history row keeps everything it had."""
    _check_editor(actor)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["削除の理由を入力してください。"]})
    registration = row.registration
    before = work_type_snapshot(row)
    record_change(session, actor, "registry.work_type.remove",
                  f"{registration.contractor.name} {_work_type_title(session, row.work_type_code)} 削除: {reason.strip()}",
                  target=row, before=before, after=dict.fromkeys(before), details={"reason": reason.strip()})
    registration.work_types.remove(row)
    session.flush()


# --- 格付 -----------------------------------------------------------------------------------------------


@dataclass
class Proposal:
    work_type: RegisteredWorkType
    current: str | None
    proposed: str
    total: int | None
    reason: str
    is_new: bool = False

    @property
    def changed(self) -> bool:
        return self.current != self.proposed or self.work_type.rank != self.proposed


def _previous_rank(session: Session, row: RegisteredWorkType) -> str | None:
    """The rank of the same 業種 in the firm's latest earlier registration of the same category."""
    registration = row.registration
    return session.scalar(select(RegisteredWorkType.rank).join(Registration).where(
        Registration.contractor_id == registration.contractor_id, Registration.category == registration.category,
        Registration.period_start < registration.period_start, RegisteredWorkType.work_type_code == row.work_type_code,
        RegisteredWorkType.rank.is_not(None)).order_by(Registration.period_start.desc()).limit(1))


def propose_ranks(session: Session, category: str, period_start: date,
                  on_date: date | None = None) -> list[Proposal]:
    """Current and proposed ranks of every graded 業種 registered for the period starting on ``period_start``
    (active, non-JV firms), by the ``registry.ranks`` rule in force on ``on_date`` (default: the period's start
    or today, whichever is earlier)."""
    on_date = on_date or min(period_start, today())
    rule = rank_rule(session, on_date)
    graded = {code for code, wt in work_types(session, on_date).items() if wt.graded and wt.category == category}
    rows = session.scalars(select(RegisteredWorkType).join(Registration).join(Contractor).where(
        Registration.category == category, Registration.period_start == period_start, Contractor.status == "active",
        Contractor.is_jv.is_(False), RegisteredWorkType.work_type_code.in_(graded))
        .order_by(RegisteredWorkType.work_type_code, Contractor.number)).all()
    out = []
    for row in rows:
        current = row.rank if row.rank_confirmed_at is not None else None
        current = current or _previous_rank(session, row) or row.rank
        is_new = current is None
        proposed, reason = compute_rank(rule, row.work_type_code, row.total_points, current, is_new=is_new)
        out.append(Proposal(row, current, proposed, row.total_points, reason, is_new))
    return out


def confirm_ranks(session: Session, actor, proposals: list[Proposal]) -> int:
    """Set each proposal's rank as confirmed (history per 業種); returns how many ranks were written."""
    if actor is not None:
        require(can_confirm_ranks(actor))
    now = utcnow()
    count = 0
    for proposal in proposals:
        row = proposal.work_type
        before = work_type_snapshot(row)
        row.rank, row.rank_confirmed_at = proposal.proposed, now
        session.flush()
        record_change(session, actor, "registry.rank.confirm",
                      f"{row.registration.contractor.name} {_work_type_title(session, row.work_type_code)} "
                      f"格付 {proposal.current or '—'} → {proposal.proposed}（{proposal.reason}）",
                      target=row, before=before, after=work_type_snapshot(row), details={"reason": proposal.reason})
        count += 1
    return count


# --- technicians ------------------------------------------------------------------------------------------


def _technician_fields(name, name_kana, qualifications, employed_since) -> tuple[dict, dict]:
    errors: dict[str, list[str]] = {}
    name = normalize_name(name or "") if (name or "").strip() else ""
    if not name:
        _add(errors, "name", "氏名を入力してください。")
    elif len(name) > 100:
        _add(errors, "name", "氏名は 100 文字以内で入力してください。")
    kana = (name_kana or "").strip() or None
    if kana and len(kana) > 100:
        _add(errors, "name_kana", "フリガナは 100 文字以内で入力してください。")
    if isinstance(qualifications, list | tuple):
        items = [q.strip() for q in qualifications]
    else:
        items = [q.strip() for q in (qualifications or "").replace("、", "・").replace(",", "・").replace("\n", "・").split("・")]
    qual_text = "・".join(dict.fromkeys(q for q in items if q)) or None
    if qual_text and len(qual_text) > 500:
        _add(errors, "qualifications", "資格は合わせて 500 文字以内で入力してください。")
    if employed_since and employed_since > today():
        _add(errors, "employed_since", "雇用開始日に未来の日付は入力できません。")
    return errors, {"name": name, "name_kana": kana, "qualifications": qual_text, "employed_since": employed_since}


def add_technician(session: Session, actor, contractor: Contractor, *, name: str, name_kana: str | None = None,
                   qualifications=None, employed_since: date | None = None) -> Technician:
    """Register a 配置予定技術者; qualifications as a list or a 「・」/「、」-separated text."""
    _check_editor(actor)
    errors, values = _technician_fields(name, name_kana, qualifications, employed_since)
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
    _check_editor(actor)
    errors, values = _technician_fields(name, name_kana, qualifications, employed_since)
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
    _check_editor(actor)
    before = technician_snapshot(technician)
    technician.is_active = active
    session.flush()
    record_change(session, actor, "registry.technician.reactivate" if active else "registry.technician.deactivate",
                  f"{technician.contractor.name} 技術者 {technician.name}", target=technician, before=before,
                  after=technician_snapshot(technician))
    return technician


# --- joint ventures ---------------------------------------------------------------------------------------


@dataclass
class MemberShare:
    member_id: int
    share_percent: Decimal | str | int
    is_representative: bool = False


def create_jv(session: Session, actor, *, name: str, members: list[MemberShare], number: str | None = None,
              note: str | None = None) -> Contractor:
    """Register a 共同企業体 as a registry entity with its member firms: shares (%) sum to 100, exactly one
    representative, members are active firms that are not JVs themselves. The JV takes the representative's area;
    without ``number`` it gets the next 業者番号."""
    from .contractors import contractor_snapshot, next_contractor_number

    _check_editor(actor)
    errors: dict[str, list[str]] = {}
    number = (number or "").strip() or next_contractor_number(session)
    name = normalize_name(name or "") if (name or "").strip() else ""
    if not number:
        _add(errors, "number", "業者番号を入力してください。")
    elif len(number) > 20:
        _add(errors, "number", "業者番号は 20 文字以内で入力してください。")
    elif session.scalar(select(Contractor.id).where(Contractor.number == number)):
        _add(errors, "number", f"業者番号 {number} は使われています。")
    if not name:
        _add(errors, "name", "共同企業体の名称を入力してください。")
    elif len(name) > 200:
        _add(errors, "name", "名称は 200 文字以内で入力してください。")
    members = [m for m in members if m.member_id]
    if len(members) < 2:
        _add(errors, "members", "構成員を 2 社以上選んでください。")
    ids = [m.member_id for m in members]
    if len(set(ids)) != len(ids):
        _add(errors, "members", "同じ業者が 2 回選ばれています。")
    firms: dict[int, Contractor] = {}
    total = Decimal(0)
    for m in members:
        firm = session.get(Contractor, m.member_id)
        if firm is None or firm.status != "active" or firm.is_jv:
            why = "共同企業体" if firm is not None and firm.is_jv else "有効な業者ではない"
            _add(errors, "members", f"構成員（ID {m.member_id}）は有効な単体の業者ではありません。"
                 if firm is None else f"{firm.name} は{why}ため構成員にできません。")
            continue
        firms[m.member_id] = firm
        try:
            share = Decimal(str(m.share_percent).strip().rstrip("%"))
        except (InvalidOperation, ValueError):
            _add(errors, "members", f"{firm.name} の出資比率を数値で入力してください。")
            continue
        if not Decimal(0) < share <= Decimal(100) or share != share.quantize(Decimal("0.01")):
            _add(errors, "members", f"{firm.name} の出資比率は 0 より大きく 100 以下（小数第 2 位まで）で入力してください。")
            continue
        m.share_percent = share
        total += share
    if members and "members" not in errors and total != Decimal(100):
        _add(errors, "members", f"出資比率の合計が 100% になりません（合計 {total.normalize():f}%）。")
    reps = sum(1 for m in members if m.is_representative)
    if members and reps != 1:
        _add(errors, "representative", "代表者を 1 社だけ選んでください。")
    if errors:
        raise ValidationFailed(errors)
    representative = firms[next(m.member_id for m in members if m.is_representative)]
    jv = Contractor(number=number, name=name, search_key=search_key(name), legal_form="corporation", is_jv=True,
                    area=representative.area, status="active", note=(note or "").strip() or None,
                    representative_name=representative.name)
    session.add(jv)
    session.flush()
    record_change(session, actor, "registry.jv.create", f"共同企業体 {name}（{number}）", target=jv, before=None,
                  after=contractor_snapshot(jv))
    for m in members:
        row = JVMember(jv_id=jv.id, member_id=m.member_id, share_percent=m.share_percent,
                       is_representative=m.is_representative)
        session.add(row)
        session.flush()
        record_change(session, actor, "registry.jv.create",
                      f"共同企業体 {name} の構成員 {firms[m.member_id].name} {m.share_percent}%"
                      f"{'（代表者）' if m.is_representative else ''}", target=row, before=None,
                      after=jv_member_snapshot(row))
    session.refresh(jv, ["jv_members"])
    return jv


def jvs_of(session: Session, contractor_id: int) -> list[Contractor]:
    """The joint ventures the firm is a member of (for suspension propagation), by 業者番号."""
    return list(session.scalars(select(Contractor).join(JVMember, JVMember.jv_id == Contractor.id)
                                .where(JVMember.member_id == contractor_id).order_by(Contractor.number)))
