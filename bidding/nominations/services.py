"""Nomination services (SPEC CM3): pick and unpick firms, send the 指名通知 (the case becomes 指名済), record
applications to an open tender and review them, and cancel nominations of firms suspended before opening.

An ineligible firm is picked or admitted only with an override reason, and the reasons it failed are kept
with the record and in the operation log. Nothing here commits.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.cases.models import TenderCase
from bidding.cases.permissions import can_manage_case
from bidding.cases.services import case_snapshot
from core.audit.queries import register_operations
from core.errors import ValidationFailed, require
from core.history import record_change, register_fields
from core.jp import format_date
from core.rules import get_rule
from registry.contractors.models import Contractor

from .eligibility import check_firm
from .models import KINDS, STATUSES, CaseParticipant
from .queries import participants

REASON_MAX = 500


def participant_snapshot(p: CaseParticipant) -> dict:
    return {"case": p.case.number if p.case else p.case_id,
            "contractor": f"{p.contractor.number} {p.contractor.name}" if p.contractor else p.contractor_id,
            "kind": p.kind, "status": p.status, "pick_reason": p.pick_reason,
            "ineligible_reasons": p.ineligible_reasons, "override_reason": p.override_reason,
            "decided_on": _iso(p.decided_on), "applied_on": _iso(p.applied_on), "refusal_reason": p.refusal_reason,
            "cancelled_on": _iso(p.cancelled_on), "cancel_reason": p.cancel_reason}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def register_labels() -> None:
    """History labels of a participant's fields and audit labels of the operations (``bidding.init_app``)."""
    dates = {k: lambda v: format_date(date.fromisoformat(v)) for k in ("decided_on", "applied_on", "cancelled_on")}
    register_fields("case_participants", {
        "case": "案件", "contractor": "業者", "kind": "種別", "status": "状態", "pick_reason": "選定の理由",
        "ineligible_reasons": "資格の確認で該当しなかった理由", "override_reason": "それでも選定・承認した理由",
        "decided_on": "指名通知日・審査日", "applied_on": "申請日", "refusal_reason": "参加資格なしの理由",
        "cancelled_on": "取消日", "cancel_reason": "取消の理由"},
        {**dates, "kind": lambda v: KINDS.get(v, v), "status": lambda v: STATUSES.get(v, v)},
        snapshot=(CaseParticipant, participant_snapshot))
    register_operations({
        "nomination.pick": "指名業者の選定", "nomination.unpick": "指名業者の選定の取りやめ",
        "nomination.notify": "指名通知", "nomination.cancel": "指名の取消",
        "application.record": "参加申請の受付", "application.review": "参加資格の審査",
    }, {"case_participants": "入札参加者"})


def _participant(session: Session, case: TenderCase, contractor_id: int) -> CaseParticipant | None:
    return session.scalar(select(CaseParticipant).where(CaseParticipant.case_id == case.id,
                                                        CaseParticipant.contractor_id == contractor_id))


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _check_override(reasons: list[str], override: str | None, errors: dict, key: str, name: str) -> None:
    if reasons and not override:
        errors.setdefault(key, []).append(
            f"{name}は参加資格の条件に該当しません（{'、'.join(reasons)}）。選定するには理由を入力してください。")
    if override and len(override) > REASON_MAX:
        errors.setdefault(key, []).append(f"理由は {REASON_MAX} 文字以内で入力してください。")


def pick_firm(session: Session, actor, case: TenderCase, contractor: Contractor, *, today: date,
              reason: str | None = None, override_reason: str | None = None) -> CaseParticipant:
    """Pick a firm for nomination (before the 指名通知). An ineligible firm needs ``override_reason``; the
    rule ``bidding.nomination`` may ask a reason for every pick.

    :raises ValidationFailed: ``reason`` missing when required; ``override`` for an ineligible firm without one.
    """
    require(can_manage_case(actor, case), "指名業者の選定は契約課の職員が行います。")
    if not case.is_nominated_method:
        raise ValidationFailed(f"{case.method_label}の案件は業者を指名しません（参加申請を受け付けます）。")
    if case.state != "draft" or not case.is_approved:
        raise ValidationFailed("指名業者は、決裁済みで指名通知の前の案件で選びます。")
    reason, override_reason = _clean(reason), _clean(override_reason)
    errors: dict[str, list[str]] = {}
    if get_rule(session, "bidding.nomination", case.price_date)["reason_required"] and not reason:
        errors["reason"] = [f"{contractor.name}を選ぶ理由を入力してください（市の設定で理由が必要です）。"]
    if reason and len(reason) > REASON_MAX:
        errors["reason"] = [f"理由は {REASON_MAX} 文字以内で入力してください。"]
    reasons = check_firm(session, case, contractor.id, today)
    _check_override(reasons, override_reason, errors, "override", contractor.name)
    existing = _participant(session, case, contractor.id)
    if existing is not None and existing.is_active:
        errors.setdefault("contractor", []).append(f"{contractor.name}は選定済みです。")
    if errors:
        raise ValidationFailed(errors)
    participant = existing or CaseParticipant(case=case, contractor=contractor, kind="nominated")
    before = participant_snapshot(participant) if existing else None
    participant.status, participant.pick_reason = "picked", reason
    participant.ineligible_reasons = "、".join(reasons) if reasons else None
    participant.override_reason = override_reason if reasons else None
    participant.cancelled_on = participant.cancel_reason = None
    session.add(participant)
    session.flush()
    summary = f"指名業者に選定: {case.number} {contractor.number} {contractor.name}"
    if reasons:
        summary += f"（条件に該当しないが選定: {'、'.join(reasons)}。理由: {override_reason}）"
    record_change(session, actor, "nomination.pick", summary[:500], target=participant, before=before,
                  after=participant_snapshot(participant), details={"case_id": case.id})
    return participant


def pick_firms(session: Session, actor, case: TenderCase, picks: list[dict], *, today: date
               ) -> list[CaseParticipant]:
    """Pick several firms at once (``picks``: ``{"contractor": Contractor, "reason", "override_reason"}``): all
    or none. Every refusal is reported, keyed ``firm-<id>``, each message naming the firm."""
    if not picks:
        raise ValidationFailed("指名する業者にチェックを付けてください。")
    done, errors = [], {}
    for pick in picks:
        firm = pick["contractor"]
        try:
            with session.begin_nested():
                done.append(pick_firm(session, actor, case, firm, today=today, reason=pick.get("reason"),
                                      override_reason=pick.get("override_reason")))
        except ValidationFailed as exc:
            errors[f"firm-{firm.id}"] = [m if firm.name in m else f"{firm.name}: {m}"
                                         for messages in exc.errors.values() for m in messages]
    if errors:
        raise ValidationFailed(errors)
    return done


def unpick_firm(session: Session, actor, participant: CaseParticipant, *, today: date) -> CaseParticipant:
    """Take a picked firm off the list before the 指名通知 (kept as cancelled, with the reason)."""
    require(can_manage_case(actor, participant.case), "指名業者の選定は契約課の職員が行います。")
    if participant.status != "picked":
        raise ValidationFailed("指名通知の前に選んだ業者だけ、選定を取りやめられます。")
    return _cancel(session, actor, participant, today, "指名通知の前に選定を取りやめ", "nomination.unpick")


def notify_nominations(session: Session, actor, case: TenderCase, *, notice_on: date) -> list[CaseParticipant]:
    """指名通知: the picked firms become nominated on ``notice_on`` and the case becomes 指名済.

    :raises ValidationFailed: no firm picked, or the notice date differs from the case's 指名通知日.
    :raises InvalidTransition: the case is not an approved draft of a nominated method.
    """
    require(can_manage_case(actor, case), "指名通知は契約課の職員が行います。")
    picked = [p for p in participants(session, case.id) if p.status == "picked"]
    if not picked:
        raise ValidationFailed("指名する業者が選ばれていません。「指名・参加者」の一覧から選んでください。")
    if case.notice_on and notice_on != case.notice_on:
        raise ValidationFailed({"notice_on": [f"指名通知日は案件の指名通知日（{format_date(case.notice_on)}）と同じ日にして"
                                              "ください。変える場合は決裁を取り消して案件を修正します。"]})
    before = case_snapshot(case)
    case.transition("nominate")
    case.notice_on = notice_on
    for p in picked:
        p_before = participant_snapshot(p)
        p.status, p.decided_on = "nominated", notice_on
        session.flush()
        record_change(session, actor, "nomination.notify",
                      f"指名通知: {case.number} {p.contractor.number} {p.contractor.name}", target=p,
                      before=p_before, after=participant_snapshot(p), details={"case_id": case.id})
    session.flush()
    record_change(session, actor, "nomination.notify", f"指名通知（{len(picked)} 者）: {case.number} {case.name}",
                  target=case, before=before, after=case_snapshot(case))
    return picked


def _cancel(session: Session, actor, participant: CaseParticipant, day: date, reason: str, operation: str,
            *, for_suspension: bool = False) -> CaseParticipant:
    before = participant_snapshot(participant)
    participant.status, participant.cancelled_on, participant.cancel_reason = "cancelled", day, reason[:REASON_MAX]
    participant.cancelled_for_suspension = for_suspension
    session.flush()
    firm = participant.contractor
    record_change(session, actor, operation,
                  f"{participant.case.number} {firm.number} {firm.name}: {reason}"[:500], target=participant,
                  before=before, after=participant_snapshot(participant), details={"case_id": participant.case_id})
    return participant


# --- open tenders: applications and their review --------------------------------------------------------

def record_application(session: Session, actor, case: TenderCase, contractor: Contractor, *, applied_on: date,
                       today: date) -> CaseParticipant:
    """An application to take part in an open tender (公告済 until the bids close); the eligibility check runs
    at once and its reasons are kept for the review."""
    require(can_manage_case(actor, case), "参加申請の受付は契約課の職員が行います。")
    if case.is_nominated_method:
        raise ValidationFailed(f"{case.method_label}の案件は参加申請を受け付けません（業者を指名します）。")
    if case.state != "published":
        raise ValidationFailed(f"「{case.state_label}」の案件は参加申請を受け付けません（公告中の案件だけです）。")
    existing = _participant(session, case, contractor.id)
    if existing is not None and existing.is_active:
        raise ValidationFailed({"number": [f"{contractor.name}の申請は受付済みです。"]})
    reasons = check_firm(session, case, contractor.id, today)
    participant = existing or CaseParticipant(case=case, contractor=contractor, kind="applicant")
    before = participant_snapshot(participant) if existing else None
    participant.kind, participant.status, participant.applied_on = "applicant", "applied", applied_on
    participant.ineligible_reasons = "、".join(reasons) if reasons else None
    participant.decided_on = participant.refusal_reason = participant.override_reason = None
    participant.cancelled_on = participant.cancel_reason = None
    session.add(participant)
    session.flush()
    record_change(session, actor, "application.record",
                  f"参加申請を受付: {case.number} {contractor.number} {contractor.name}", target=participant,
                  before=before, after=participant_snapshot(participant), details={"case_id": case.id})
    return participant


REVIEW_STATES = frozenset({"published", "closed", "opened"})


def review_application(session: Session, actor, participant: CaseParticipant, *, admit: bool, today: date,
                       reason: str | None = None) -> CaseParticipant:
    """Admit (参加資格あり) or refuse (参加資格なし) an applicant after the eligibility check of ``today``.

    Admitting a firm the check finds ineligible needs ``reason`` (kept as the override); refusing takes the
    check's reasons, or ``reason`` when the check found none (e.g. a document missing).
    """
    case = participant.case
    require(can_manage_case(actor, case), "参加資格の審査は契約課の職員が行います。")
    if participant.kind != "applicant" or participant.status not in ("applied", "admitted", "refused"):
        raise ValidationFailed("参加申請の業者だけ審査できます。")
    if case.state not in REVIEW_STATES:
        raise ValidationFailed(f"「{case.state_label}」の案件は参加資格を審査できません。")
    reason = _clean(reason)
    reasons = check_firm(session, case, participant.contractor_id, today)
    errors: dict[str, list[str]] = {}
    if admit:
        _check_override(reasons, reason, errors, "reason", participant.contractor.name)
    elif not reasons and not reason:
        errors["reason"] = ["参加資格の条件はすべて満たしています。参加資格なしとする理由を入力してください。"]
    if errors:
        raise ValidationFailed(errors)
    before = participant_snapshot(participant)
    participant.status, participant.decided_on = ("admitted" if admit else "refused"), today
    participant.ineligible_reasons = "、".join(reasons) if reasons else None
    participant.override_reason = reason if admit and reasons else None
    participant.refusal_reason = None if admit else (reason or "、".join(reasons))[:REASON_MAX]
    session.flush()
    firm = participant.contractor
    verdict = "参加資格あり" if admit else f"参加資格なし（{participant.refusal_reason}）"
    record_change(session, actor, "application.review", f"{case.number} {firm.number} {firm.name}: {verdict}"[:500],
                  target=participant, before=before, after=participant_snapshot(participant),
                  details={"case_id": case.id})
    return participant


# --- 指名停止 after nomination -----------------------------------------------------------------------

#: States in which a suspension cancels a nomination: after the 指名通知 or 公告, before the opening.
BEFORE_OPENING = frozenset({"published", "nominated", "closed"})


def cancel_suspended(session: Session, actor, day: date, case_ids=None) -> list[CaseParticipant]:
    """Cancel the nominations (and admissions) of firms suspended on ``day`` in cases not yet opened (domain
    reference §3.3: an existing designation is cancelled), each with an entry in history. Run daily
    (``flask nominations sweep``), before closing and opening a case, and from the case's tab."""
    from registry.suspensions.queries import suspensions_in_force

    stmt = (select(CaseParticipant).join(TenderCase, TenderCase.id == CaseParticipant.case_id)
            .where(TenderCase.state.in_(sorted(BEFORE_OPENING)),
                   CaseParticipant.status.in_(("picked", "nominated", "applied", "admitted"))))
    if case_ids is not None:
        stmt = stmt.where(CaseParticipant.case_id.in_(list(case_ids)))
    candidates = list(session.scalars(stmt))
    if not candidates:
        return []
    suspended = suspensions_in_force(session, {p.contractor_id for p in candidates}, day)
    cancelled = []
    for p in candidates:
        if p.contractor_id not in suspended:
            continue
        s = suspended[p.contractor_id][0]
        whose = "構成員の" if s.contractor_id != p.contractor_id else ""
        reason = (f"{whose}指名停止（{format_date(s.starts_on)}〜{format_date(s.effective_end)}）のため"
                  f"{'指名' if p.kind == 'nominated' else '参加資格'}を取消")
        cancelled.append(_cancel(session, actor, p, day, reason, "nomination.cancel", for_suspension=True))
    return cancelled
