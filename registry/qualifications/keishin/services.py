"""経審 services: register a result, correct a mis-entered one; the 客観点 of registered 業種 follows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.history import record_change
from core.jp import format_date
from core.rules import get_rule
from core.timefmt import today
from registry.contractors.models import Contractor

from ..common import add_error, check_editor, check_work_type, work_type_title
from ..history import keishin_snapshot
from ..models import KeishinScore, RegisteredWorkType, Registration
from ..ranks.services import set_points
from . import formula as ks
from .queries import latest_valid_keishin


def add_keishin(session: Session, actor, contractor: Contractor, *, work_type_code: str, base_date: date | None,
                x1: int | None, x2: int | None, y: int | None, z: int | None, w: int | None,
                p_entered: int | None = None) -> KeishinScore:
    """Register a 経審 result of one 業種; P is recomputed (a mismatch with the entered P is kept and flagged)
    and the validity runs 1年7か月 (the rule) from the 審査基準日. Updates the 客観点 of the registered 業種."""
    check_editor(actor)
    errors = ks.range_errors({"x1": x1, "x2": x2, "y": y, "z": z, "w": w, "p": p_entered})
    check_work_type(session, work_type_code, "construction", errors)
    if base_date is None:
        add_error(errors, "base_date", "審査基準日を入力してください。")
    elif base_date > today():
        add_error(errors, "base_date", "審査基準日に未来の日付は入力できません。")
    elif session.scalar(select(KeishinScore.id).where(KeishinScore.contractor_id == contractor.id,
                                                      KeishinScore.work_type_code == work_type_code,
                                                      KeishinScore.base_date == base_date)):
        add_error(errors, "base_date", f"この業種の審査基準日 {format_date(base_date)} の経審は登録済みです。")
    if errors:
        raise ValidationFailed(errors)
    months = get_rule(session, "registry.qualification", today())["keishin_valid_months"]
    score = KeishinScore(contractor_id=contractor.id, work_type_code=work_type_code, base_date=base_date, x1=x1, x2=x2,
                         y=y, z=z, w=w, p_entered=p_entered, p_computed=ks.compute_p(x1, x2, y, z, w),
                         valid_until=ks.valid_until(base_date, months))
    session.add(score)
    session.flush()
    summary = (f"{contractor.name} {work_type_title(session, work_type_code)} 審査基準日 {format_date(base_date)} "
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
    check_editor(actor)
    errors = ks.range_errors({"x1": x1, "x2": x2, "y": y, "z": z, "w": w, "p": p_entered})
    reason = (reason or "").strip()
    if not reason:
        add_error(errors, "reason", "訂正の理由を入力してください。")
    elif len(reason) > 500:
        add_error(errors, "reason", "訂正の理由は 500 文字以内で入力してください。")
    if base_date is None:
        add_error(errors, "base_date", "審査基準日を入力してください。")
    elif base_date > today():
        add_error(errors, "base_date", "審査基準日に未来の日付は入力できません。")
    elif session.scalar(select(KeishinScore.id).where(
            KeishinScore.contractor_id == score.contractor_id, KeishinScore.work_type_code == score.work_type_code,
            KeishinScore.base_date == base_date, KeishinScore.id != score.id)):
        add_error(errors, "base_date", f"この業種の審査基準日 {format_date(base_date)} の経審は別に登録されています。")
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
                  f"{contractor.name} {work_type_title(session, score.work_type_code)} 経審を訂正（理由: {reason}）",
                  target=score, before=before, after=keishin_snapshot(score))
    sync_objective_points(session, actor, contractor, score.work_type_code)
    return score


def sync_objective_points(session: Session, actor, contractor: Contractor, work_type_code: str) -> None:
    """Set the 客観点 of the 業種 in current and future construction registrations to the latest valid P."""
    latest = latest_valid_keishin(session, contractor.id, work_type_code)
    if latest is None:
        return
    rows = session.scalars(select(RegisteredWorkType).join(Registration).where(
        Registration.contractor_id == contractor.id, Registration.category == "construction",
        Registration.period_end >= today(), RegisteredWorkType.work_type_code == work_type_code)).all()
    for row in rows:
        set_points(session, actor, row, objective=latest.p_computed)
