"""Writes of graded works (SPEC GR1-GR3, GR6): open the work when its contract's 完成検査 passes, assign the graders,
save and submit sheets, record 法令遵守等 deductions, settle, and correct a settled grade with a reason. Each write
checks the actor, keeps history and never commits. Scores come from ``grading.scoring`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.auth.models import User
from core.auth.roles import Role
from core.db import utcnow
from core.errors import ValidationFailed, require
from core.history import record_change, register_fields
from core.jp import fiscal_year, format_date
from core.rules import deadline_for, get_rule

from ..calculator import table_for_amount
from ..rules import DEADLINES_KEY, DEDUCTIONS_KEY, SCOPE_KEY
from ..scoring import ScoreError, check_deductions
from . import permissions
from .models import ROLES, GradeDeduction, GradedWork, GradeEntry, GraderAssignment, GradeRevision
from .queries import REQUIRED_ROLES, score_work, settle_blockers, settled_by, work_rules
from .sheets import EntryInput, check_sheet, indexes_text, stored_entries

REASON_MAX = 1000


def work_snapshot(work: GradedWork) -> dict:
    return {"state": work.state,
            "graders": [f"{a.role_label}: {a.user.name if a.user else a.user_id}（{a.state_label}"
                        + (f" {a.score}" if a.score is not None else "") + "）" for a in work.assignments],
            "deductions": [f"{d.label} −{d.points}" for d in work.deductions],
            "weighted": str(work.weighted) if work.weighted is not None else None,
            "final_score": str(work.final_score) if work.final_score is not None else None,
            "notified_on": work.notified_on.isoformat() if work.notified_on else None}


def register_labels() -> None:
    register_fields("graded_works", {"state": "状態", "graders": "評定者", "deductions": "法令遵守等",
                                     "weighted": "評定点計", "final_score": "評定点", "notified_on": "通知日"},
                    snapshot=(GradedWork, work_snapshot))
    register_operations({
        "grading.open": "評定対象工事の登録", "grading.assign": "評定者の指定", "grading.save": "評定の入力",
        "grading.submit": "評定の提出", "grading.return": "評定の差戻し", "grading.deduct": "法令遵守等の減点",
        "grading.settle": "評定の確定", "grading.correct": "評定の修正",
    })


# --- opening and assigning ------------------------------------------------------------------------------

def is_graded(session: Session, amount: int, work_type_code: str, day: date) -> bool:
    """Whether a work of this 当初契約金額 (税込) and 業種, completed on ``day``, is graded by the rule."""
    scope = get_rule(session, SCOPE_KEY, day)
    excluded = {c.strip() for c in (scope["excluded_work_types"] or "").replace("、", ",").split(",") if c.strip()}
    return amount >= scope["min_amount"] and work_type_code not in excluded


def open_work(session: Session, actor, contract, inspection) -> GradedWork | None:
    """The graded work of a contract whose 完成検査 passed, with its inspectors as graders (the 完成検査's, and each
    passed 中間・既済部分 inspection's); None when the rule does not grade it or it is open already."""
    from bidding.inspections.models import Inspection

    case, day = contract.case, inspection.inspected_on
    if not is_graded(session, contract.amount, case.work_type_code, day):
        return None
    # Opened already, or its number is in the grade database from the past grades import (a contract of the legacy
    # system completed again here would clash with that row): nothing to open.
    if session.scalar(select(GradedWork.id).where((GradedWork.contract_id == contract.id)
                                                  | (GradedWork.contract_number == contract.number))) is not None:
        return None
    scope = get_rule(session, SCOPE_KEY, day)
    work = GradedWork(contract=contract, contract_number=contract.number, name=case.name,
                      contractor_id=contract.contractor_id, department_id=case.department_id,
                      work_type_code=case.work_type_code, contract_amount=contract.current_amount, completed_on=day,
                      fiscal_year=fiscal_year(day), grading_table=table_for_amount(scope, contract.amount),
                      state="pending", source="system",
                      due_on=deadline_for(session, "grading_entry", day, rule_key=DEADLINES_KEY))
    session.add(work)
    work.assignments.append(GraderAssignment(role="final_inspector", seq=1, user_id=inspection.inspector_id,
                                             inspection=inspection, state="assigned"))
    interims = session.scalars(select(Inspection).where(Inspection.contract_id == contract.id,
                                                        Inspection.kind.in_(("interim", "partial")),
                                                        Inspection.result == "pass").order_by(Inspection.inspected_on))
    for seq, interim in enumerate(interims, start=1):
        work.assignments.append(GraderAssignment(role="interim_inspector", seq=seq, user_id=interim.inspector_id,
                                                 inspection=interim, state="assigned"))
    session.flush()
    record_change(session, actor, "grading.open", f"評定対象工事: {work.contract_number} {work.name}"
                  f"（{work.table_label}、期限 {format_date(work.due_on)}）", target=work, before=None,
                  after=work_snapshot(work))
    return work


def on_contract_completed(contract, *, session: Session, actor, inspection) -> None:
    """Receiver of ``bidding.contracts.events.contract_completed``."""
    open_work(session, actor, contract, inspection)


def assign_grader(session: Session, actor, work: GradedWork, role: str, user: User | None) -> GraderAssignment:
    """The 主任監督員 or 総括監督員 of a work: a staff member of the works department. A grader whose sheet is not
    submitted may be replaced (their draft goes with the assignment's history)."""
    require(permissions.can_assign_graders(actor, work), "この工事の評定者は指定できません。")
    errors: dict[str, list[str]] = {}
    if role not in ("chief", "general"):
        errors["role"] = ["指定できるのは主任監督員と総括監督員です（検査員は検査の指定から決まります）。"]
    elif user is None or not user.is_active:
        errors["user_id"] = [f"{ROLES[role]}を選んでください。"]
    elif not user.has_role(Role.DEPARTMENT_STAFF) or user.department_id != work.department_id:
        errors["user_id"] = [f"{ROLES[role]}は工事の担当課（{work.department.name}）の工事担当課職員から選びます。"]
    if errors:
        raise ValidationFailed(errors)
    current = work.assignment(role)
    if current is not None and current.user_id == user.id:
        return current
    if current is not None and current.state == "submitted":
        raise ValidationFailed({"user_id": [f"{ROLES[role]}の評定は提出済みです。差し戻してから指定し直してください。"]})
    before = work_snapshot(work)
    if current is not None:
        work.assignments.remove(current)
        session.flush()
    assignment = GraderAssignment(work=work, role=role, seq=1, user=user, state="assigned")
    session.add(assignment)
    session.flush()
    record_change(session, actor, "grading.assign", f"{ROLES[role]}を指定: {work.contract_number} {user.name}",
                  target=work, before=before, after=work_snapshot(work))
    return assignment


# --- sheets ---------------------------------------------------------------------------------------------

def _store(session: Session, assignment: GraderAssignment, entries: Mapping[str, EntryInput],
           suggested: Mapping[str, str | None]) -> None:
    existing = {e.item_key: e for e in assignment.entries}
    for key, entry in entries.items():
        row = existing.get(key)
        if row is None:
            row = GradeEntry(item_key=key)
            assignment.entries.append(row)
        row.value = (entry.value or "").strip() or None
        row.suggested = suggested.get(key)
        row.checked, row.not_applicable = indexes_text(entry.checked), indexes_text(entry.not_applicable)
        row.improvement_order = entry.improvement_order
        row.override_reason = (entry.override_reason or "").strip() or None
        row.comment = (entry.comment or "").strip() or None
    session.flush()


def _refuse(error: ScoreError) -> ValidationFailed:
    return ValidationFailed(error.errors)


def save_sheet(session: Session, actor, assignment: GraderAssignment, entries: Mapping[str, EntryInput], *,
               submit: bool = False, now: datetime | None = None) -> GraderAssignment:
    """Save the grader's entries (a draft may be partial); ``submit`` requires every letter item and records the
    grader's 評定点. When every grader has submitted, the work is 提出済 and waits for the settler.

    :raises PermissionDenied: not this sheet's grader, or submitted/settled already.
    :raises ValidationFailed: keyed by item (see ``sheets.check_sheet``); nothing is saved.
    """
    require(permissions.can_grade(actor, assignment), "この評定は入力できません（担当の評定者が、提出前にだけ入力できます）。")
    work = assignment.work
    rules = work_rules(session, work)
    merged = {**stored_entries(assignment), **entries}
    try:
        result, suggested = check_sheet(rules, assignment.role, merged, complete=submit)
    except ScoreError as error:
        raise _refuse(error) from None
    before = work_snapshot(work)
    _store(session, assignment, merged, suggested)
    if submit:
        assignment.state, assignment.submitted_at = "submitted", now or utcnow()
        assignment.score = result.score(rules.formula)
    elif assignment.state == "assigned":
        assignment.state = "draft"
    if work.state == "pending":
        work.state = "entering"
    if submit and _all_submitted(work):
        work.state = "submitted"
    session.flush()
    operation = "grading.submit" if submit else "grading.save"
    summary = (f"評定を提出: {work.contract_number} {assignment.role_label} {assignment.score}" if submit
               else f"評定を保存: {work.contract_number} {assignment.role_label}")
    record_change(session, actor, operation, summary, target=work, before=before, after=work_snapshot(work))
    return assignment


def _all_submitted(work: GradedWork) -> bool:
    roles = {a.role for a in work.assignments}
    return all(r in roles for r in REQUIRED_ROLES) and all(a.state == "submitted" for a in work.assignments)


def return_sheet(session: Session, actor, assignment: GraderAssignment, reason: str | None) -> GraderAssignment:
    """The settler sends a submitted sheet back to its grader (before settling), with the reason."""
    work = assignment.work
    require(permissions.is_settler(actor, work, settled_by(session, work)) and not work.is_settled,
            "この評定は差し戻せません。")
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [f"差戻しの理由を {REASON_MAX} 文字以内で入力してください。"]})
    if assignment.state != "submitted":
        raise ValidationFailed("提出されていない評定は差し戻せません。")
    before = work_snapshot(work)
    assignment.state, assignment.submitted_at, assignment.score = "draft", None, None
    work.state = "entering"
    session.flush()
    record_change(session, actor, "grading.return", f"評定を差戻し: {work.contract_number} {assignment.role_label}"
                  f"（{reason}）", target=work, before=before, after=work_snapshot(work), details={"reason": reason})
    return assignment


# --- deductions, settling, corrections ------------------------------------------------------------------

def add_deduction(session: Session, actor, work: GradedWork, *, kind: str, points: Decimal | None,
                  reason: str | None, decided_on: date | None, now: date | None = None) -> GradeDeduction:
    """A 法令遵守等 deduction. After settling it corrects the grade at that point (a revision with its reason), never
    back-dated to the 完成検査."""
    require(permissions.can_record_deduction(actor, work), "この工事の法令遵守等は記録できません。")
    if work.source != "system":
        raise ValidationFailed("過去の評定の取込による工事には減点を記録できません。")
    table = get_rule(session, DEDUCTIONS_KEY, work.completed_on)["items"]
    errors: dict[str, list[str]] = {}
    try:
        (checked,) = check_deductions([{"kind": kind, "points": points}], table)
    except ScoreError as error:
        errors["points" if kind in table else "kind"] = [m for ms in error.errors.values() for m in ms]
    reason = (reason or "").strip()
    if len(reason) > 500:
        errors["reason"] = ["理由は 500 文字以内で入力してください。"]
    if decided_on is None:
        errors["decided_on"] = ["措置の日を入力してください。"]
    if work.is_settled and not reason:
        errors["reason"] = ["確定後の減点は評定の修正になります。理由を入力してください。"]
    if errors:
        raise ValidationFailed(errors)
    before = work_snapshot(work)
    deduction = GradeDeduction(work=work, kind=checked.kind, label=checked.label, points=checked.points,
                               reason=reason or None, decided_on=decided_on, recorded_by_id=actor.id)
    session.add(deduction)
    session.flush()
    record_change(session, actor, "grading.deduct", f"法令遵守等: {work.contract_number} {checked.label} −{checked.points}",
                  target=work, before=before, after=work_snapshot(work))
    if work.is_settled:
        _revise(session, actor, work, f"法令遵守等の減点（{checked.label}）: {reason}", now or decided_on)
    return deduction


def remove_deduction(session: Session, actor, deduction: GradeDeduction) -> None:
    """Take a deduction off a work not settled yet (after settling, a correction does it)."""
    work = deduction.work
    require(permissions.can_record_deduction(actor, work) and not work.is_settled,
            "確定した評定の減点は外せません（評定の修正で行います）。")
    before = work_snapshot(work)
    work.deductions.remove(deduction)
    session.delete(deduction)
    session.flush()
    record_change(session, actor, "grading.deduct", f"法令遵守等を取消: {work.contract_number} {deduction.label}",
                  target=work, before=before, after=work_snapshot(work))


def settle_work(session: Session, actor, work: GradedWork, *, now: datetime | None = None) -> GradedWork:
    """確定: every grader submitted; the weighted total and final score are recorded with the rules of the 完成検査."""
    settler = settled_by(session, work)
    require(permissions.is_settler(actor, work, settler),
            "評定を確定できるのは総括監督員です。" if settler == "general" else "評定を確定できるのは契約課の職員です。")
    if work.is_settled:
        raise ValidationFailed("この工事の評定は確定済みです。")
    blockers = settle_blockers(work)
    if blockers:
        raise ValidationFailed(f"すべての評定者の提出の後に確定します（{'。'.join(blockers)}）。")
    result = score_work(session, work)
    before = work_snapshot(work)
    work.weighted, work.final_score = result.weighted, result.final
    if work.contract is not None:
        work.contract_amount = work.contract.current_amount
    work.state, work.settled_at, work.settled_by_id = "settled", now or utcnow(), actor.id
    session.flush()
    record_change(session, actor, "grading.settle", f"評定を確定: {work.contract_number} {result.final} 点", target=work,
                  before=before, after=work_snapshot(work))
    return work


def _revise(session: Session, actor, work: GradedWork, reason: str, day: date) -> GradeRevision:
    result = score_work(session, work)
    revision = GradeRevision(work=work, seq=len(work.revisions) + 1, reason=reason[:REASON_MAX],
                             weighted_before=work.weighted, weighted_after=result.weighted,
                             final_before=work.final_score, final_after=result.final, revised_on=day,
                             revised_by_id=actor.id)
    session.add(revision)
    before = work_snapshot(work)
    work.weighted, work.final_score = result.weighted, result.final
    session.flush()
    record_change(session, actor, "grading.correct", f"評定を修正: {work.contract_number} {revision.final_before} → "
                  f"{revision.final_after} 点（{reason}）", target=work, before=before, after=work_snapshot(work),
                  details={"reason": reason})
    return revision


def correct_sheet(session: Session, actor, assignment: GraderAssignment, entries: Mapping[str, EntryInput], *,
                  reason: str | None, revised_on: date | None) -> GradeRevision:
    """評定の修正 of a settled work (after a 説明請求, a defect found later …): a grader's entries changed with the
    reason; the score is recomputed and the revision kept beside the original."""
    work = assignment.work
    require(permissions.can_correct(actor, work), "評定の修正は、確定した評定について契約課の職員が行います。")
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason or len(reason) > REASON_MAX:
        errors["reason"] = [f"修正の理由を {REASON_MAX} 文字以内で入力してください。"]
    if revised_on is None:
        errors["revised_on"] = ["修正の日を入力してください。"]
    rules = work_rules(session, work)
    merged = {**stored_entries(assignment), **entries}
    try:
        _result, suggested = check_sheet(rules, assignment.role, merged, complete=True)
    except ScoreError as error:
        errors.update(error.errors)
    if errors:
        raise ValidationFailed(errors)
    _store(session, assignment, merged, suggested)
    assignment.score = _result.score(rules.formula)
    return _revise(session, actor, work, f"{assignment.role_label}の評定の修正: {reason}", revised_on)
