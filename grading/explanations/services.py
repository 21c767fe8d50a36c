"""Writes of 説明請求 (SPEC GR4; domain-japan.md §1.8): filing (applicant page or paper) within the deadline counted from
the notice, the answer, the 再説明請求 within its deadline, the committee (委員会審議) and its answer, which keeps the
grade (評定維持) or follows a correction made through ``grading.works.services.correct_sheet`` (評定修正). Every
deadline comes from the ``grading.deadlines`` rule; late filings are refused with the computed deadline, late
answers are recorded and flagged. Each write checks the actor, keeps history and never commits; mails to the firm
are returned for the view to send after the commit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.errors import NotFound, ValidationFailed, require
from core.history import record_change, register_fields
from core.jp import format_date
from core.mail import Mail
from core.rules import deadline_for
from core.timefmt import today as today_in_japan

from ..notices.queries import firm_addresses, request_deadline
from ..notices.services import SUBJECT
from ..rules import DEADLINES_KEY
from ..works.models import GradedWork, GraderAssignment, GradeRevision
from ..works.services import correct_sheet
from ..works.sheets import EntryInput, stored_entries
from . import permissions
from .models import CHANNELS, OUTCOMES, ExplanationRequest
from .queries import corrections

TEXT_MAX = 4000
REASON_MAX = 500
FIELDS = {"state": "状態", "channel": "受付の方法", "filed_on": "受付日", "content": "請求の内容", "answer_due": "回答期限",
          "answer": "回答", "answered_on": "回答日", "re_request_due": "再説明請求の期限", "re_content": "再説明請求の内容",
          "re_filed_on": "再説明請求の受付日", "committee_due": "委員会審議の回答期限", "committee_on": "委員会審議の日",
          "committee_answer": "委員会審議の回答", "committee_answered_on": "委員会審議の回答日"}


def snapshot(request: ExplanationRequest) -> dict:
    def day(value):
        return value.isoformat() if value else None

    return {"state": request.state_label, "channel": request.channel_label, "filed_on": day(request.filed_on),
            "content": request.content, "answer_due": day(request.answer_due), "answer": request.answer,
            "answered_on": day(request.answered_on), "re_request_due": day(request.re_request_due),
            "re_content": request.re_content, "re_filed_on": day(request.re_filed_on),
            "committee_due": day(request.committee_due), "committee_on": day(request.committee_on),
            "committee_answer": request.committee_answer, "committee_answered_on": day(request.committee_answered_on)}


def register_labels() -> None:
    register_fields("explanation_requests", FIELDS, snapshot=(ExplanationRequest, snapshot))
    register_operations({
        "grading.explain.file": "説明請求の受付", "grading.explain.answer": "説明請求への回答",
        "grading.explain.re_request": "再説明請求の受付", "grading.explain.committee": "再説明請求の委員会付議",
        "grading.explain.decide": "委員会審議の回答",
    })


def _deadline(session: Session, name: str, start: date) -> date:
    return deadline_for(session, name, start, rule_key=DEADLINES_KEY)


def _text(errors: dict, field: str, value: str | None, label: str) -> str:
    value = (value or "").strip()
    if not value:
        errors.setdefault(field, []).append(f"{label}を入力してください。")
    elif len(value) > TEXT_MAX:
        errors.setdefault(field, []).append(f"{label}は {TEXT_MAX:,} 文字以内で入力してください（{len(value):,} 文字）。")
    return value


def _day(errors: dict, field: str, value: date | None, label: str, *, earliest: date | None, earliest_label: str,
         today: date) -> None:
    if value is None:
        errors.setdefault(field, []).append(f"{label}を入力してください。")
    elif value > today:
        errors.setdefault(field, []).append(f"{label}は今日（{format_date(today)}）以前の日付にしてください。")
    elif earliest is not None and value < earliest:
        errors.setdefault(field, []).append(f"{label}は{earliest_label}（{format_date(earliest)}）以降の日付にしてください。")


def _record(session: Session, actor, request: ExplanationRequest, operation: str, summary: str, before: dict | None):
    session.flush()
    record_change(session, actor, operation, f"{summary}: {request.work.contract_number} {request.work.name}",
                  target=request, before=before, after=snapshot(request))


def is_pending(request: ExplanationRequest, day: date) -> bool:
    """Still running on ``day``: not decided, and not an answered request whose 再説明請求 period has passed."""
    if not request.is_open:
        return False
    return not (request.state == "answered" and request.re_request_due is not None and day > request.re_request_due)


def pending_request(session: Session, work: GradedWork, day: date) -> ExplanationRequest | None:
    requests = session.scalars(select(ExplanationRequest).where(ExplanationRequest.work_id == work.id)
                               .order_by(ExplanationRequest.id.desc()))
    return next((r for r in requests if is_pending(r, day)), None)


def _filer(actor, channel: str, firm, work: GradedWork) -> None:
    if channel == "portal":
        require(permissions.can_file_for(actor, firm, work), "自社の工事についてだけ請求できます。")
    else:
        require(permissions.can_handle_requests(actor), "書面による請求の登録は契約課の職員が行います。")


def file_request(session: Session, actor, work: GradedWork, *, content: str | None, channel: str,
                 filed_on: date | None = None, firm=None, today: date | None = None) -> ExplanationRequest:
    """説明請求 of a notified work: on the applicant page (``channel`` portal, filed today, ``firm`` the login's firm)
    or recorded from paper by the contract section with its 受付日. One running request per work.

    :raises ValidationFailed: after the deadline (the message names it), before the notice, a request running
        already, no content.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    _filer(actor, channel, firm, work)
    day = today or today_in_japan()
    if channel == "portal":
        filed_on = day
    if work.state != "notified" or work.notified_on is None:
        raise ValidationFailed("評定を通知していない工事には説明請求できません。")
    errors: dict[str, list[str]] = {}
    content = _text(errors, "content", content, "請求の内容")
    _day(errors, "filed_on", filed_on, "受付日", earliest=work.notified_on, earliest_label="評定の通知日", today=day)
    deadline = request_deadline(session, work)
    if filed_on is not None and "filed_on" not in errors and filed_on > deadline:
        errors["filed_on"] = [f"説明請求の期限（{format_date(deadline)}）を過ぎています（評定の通知日 "
                              f"{format_date(work.notified_on)}、受付日 {format_date(filed_on)}）。"]
    running = pending_request(session, work, day)
    if running is not None:
        errors.setdefault("", []).append(f"この工事には {format_date(running.filed_on)} 受付の説明請求（{running.state_label}）"
                                         "があります。1 件の工事について同時に受け付ける説明請求は 1 件です。")
    if errors:
        raise ValidationFailed(errors)
    request = ExplanationRequest(work=work, state="received", channel=channel, filed_on=filed_on, filed_by_id=actor.id,
                                 content=content, answer_due=_deadline(session, "answer", filed_on))
    session.add(request)
    _record(session, actor, request, "grading.explain.file",
            f"説明請求を受付（{request.channel_label}、回答期限 {format_date(request.answer_due)}）", None)
    return request


def answer_request(session: Session, actor, request: ExplanationRequest, *, answer: str | None,
                   answered_on: date | None, link: str | None = None, today: date | None = None) -> list[Mail]:
    """回答 (説明書): the 再説明請求 period starts on the answer day. An answer after its due day is recorded (and
    shown late)."""
    require(permissions.can_handle_requests(actor), "説明請求への回答は契約課の職員が行います。")
    day = today or today_in_japan()
    errors: dict[str, list[str]] = {}
    answer = _text(errors, "answer", answer, "回答")
    _day(errors, "answered_on", answered_on, "回答日", earliest=request.filed_on, earliest_label="説明請求の受付日",
         today=day)
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(request)
    request.transition("answer")
    request.answer, request.answered_on, request.answered_by_id = answer, answered_on, actor.id
    request.re_request_due = _deadline(session, "re_request", answered_on)
    late = "（期限後）" if answered_on > request.answer_due else ""
    _record(session, actor, request, "grading.explain.answer", f"説明請求に回答{late}", before)
    return _mails(session, request, "説明請求への回答",
                  f"{format_date(request.filed_on)}付けの説明請求に回答しました。回答は申請者ページでご覧になれます。\n"
                  f"回答に対して再説明を求めるときは、再説明請求の期限（{format_date(request.re_request_due)}）までに"
                  "請求してください。", link)


def re_request(session: Session, actor, request: ExplanationRequest, *, content: str | None, channel: str,
               filed_on: date | None = None, firm=None, today: date | None = None) -> ExplanationRequest:
    """再説明請求 of an answered request, within its deadline counted from the answer; the committee's answer is
    due by the ``committee_answer`` deadline."""
    work = request.work
    _filer(actor, channel, firm, work)
    day = today or today_in_japan()
    if channel == "portal":
        filed_on = day
    errors: dict[str, list[str]] = {}
    content = _text(errors, "content", content, "再説明請求の内容")
    if not request.can("re_request"):
        raise ValidationFailed(f"「{request.state_label}」の説明請求には再説明請求できません（回答のあった請求について"
                               "請求できます）。")
    _day(errors, "filed_on", filed_on, "受付日", earliest=request.answered_on, earliest_label="回答日", today=day)
    if filed_on is not None and "filed_on" not in errors and filed_on > request.re_request_due:
        errors["filed_on"] = [f"再説明請求の期限（{format_date(request.re_request_due)}）を過ぎています（回答日 "
                              f"{format_date(request.answered_on)}、受付日 {format_date(filed_on)}）。"]
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(request)
    request.transition("re_request")
    request.re_content, request.re_filed_on = content, filed_on
    request.committee_due = _deadline(session, "committee_answer", filed_on)
    _record(session, actor, request, "grading.explain.re_request",
            f"再説明請求を受付（{CHANNELS[channel]}、委員会審議の回答期限 {format_date(request.committee_due)}）", before)
    return request


def refer_to_committee(session: Session, actor, request: ExplanationRequest, *, committee_on: date | None) -> None:
    """委員会審議: the day the 工事成績評定委員会 deliberates the 再説明請求 (it may be set ahead)."""
    require(permissions.can_handle_requests(actor), "委員会審議の記録は契約課の職員が行います。")
    if committee_on is None:
        raise ValidationFailed({"committee_on": ["委員会審議の日を入力してください。"]})
    if request.re_filed_on is not None and committee_on < request.re_filed_on:
        raise ValidationFailed({"committee_on": [f"委員会審議の日は再説明請求の受付日（{format_date(request.re_filed_on)}）"
                                                 "以降にしてください。"]})
    before = snapshot(request)
    request.transition("committee")
    request.committee_on = committee_on
    _record(session, actor, request, "grading.explain.committee",
            f"再説明請求を委員会審議に付議（{format_date(committee_on)}）", before)


def correct_item(session: Session, actor, request: ExplanationRequest, assignment: GraderAssignment, *,
                 item_key: str, value: str | None, reason: str | None, revised_on: date | None,
                 today: date | None = None) -> GradeRevision:
    """評定修正 decided by the committee: one 細別 of a grader's sheet changed through the works' correction service
    (the score is recomputed there and the revision kept beside the original)."""
    require(permissions.can_handle_requests(actor), "評定の修正は契約課の職員が行います。")
    if assignment.work_id != request.work_id:
        raise NotFound("指定された評定者はこの工事にいません。")
    if request.state != "committee":
        raise ValidationFailed("評定の修正は、委員会審議中の再説明請求について行います。")
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        errors["reason"] = [f"修正の理由を {REASON_MAX} 文字以内で入力してください。"]
    if not (value or "").strip():
        errors["value"] = ["修正後の評価を入力してください。"]
    _day(errors, "revised_on", revised_on, "修正の日", earliest=request.re_filed_on, earliest_label="再説明請求の受付日",
         today=today or today_in_japan())
    if errors:
        raise ValidationFailed(errors)
    stored = stored_entries(assignment).get(item_key) or EntryInput()
    why = stored.override_reason or f"委員会審議（再説明請求）による修正: {reason}"[:REASON_MAX]
    entry = EntryInput(value.strip(), stored.checked, stored.not_applicable, stored.improvement_order, why,
                       stored.comment)
    return correct_sheet(session, actor, assignment, {item_key: entry},
                         reason=f"再説明請求（{format_date(request.re_filed_on)}受付）の委員会審議: {reason}",
                         revised_on=revised_on)


def answer_committee(session: Session, actor, request: ExplanationRequest, *, answer: str | None,
                     answered_on: date | None, outcome: str | None, link: str | None = None,
                     today: date | None = None) -> list[Mail]:
    """The committee's answer (再説明書): 評定維持 closes the request; 評定修正 needs the correction made first."""
    require(permissions.can_handle_requests(actor), "委員会審議の回答は契約課の職員が行います。")
    day = today or today_in_japan()
    errors: dict[str, list[str]] = {}
    answer = _text(errors, "answer", answer, "回答")
    _day(errors, "answered_on", answered_on, "回答日", earliest=request.committee_on, earliest_label="委員会審議の日",
         today=day)
    made = corrections(request)
    if outcome not in OUTCOMES:
        errors["outcome"] = ["結果（評定維持・評定修正）を選んでください。"]
    elif outcome == "correct" and not made:
        errors["outcome"] = ["評定修正とするときは、先に「評定の修正」で評価を修正してください。"]
    elif outcome == "keep" and made:
        errors["outcome"] = [f"再説明請求の後に評定を修正しています（{made[-1].final_before} → "
                             f"{made[-1].final_after} 点）。結果は「評定修正」です。"]
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(request)
    request.transition(outcome)
    request.committee_answer, request.committee_answered_on = answer, answered_on
    late = "（期限後）" if request.committee_due and answered_on > request.committee_due else ""
    _record(session, actor, request, "grading.explain.decide", f"委員会審議の回答{late}: {OUTCOMES[outcome]}", before)
    result = (f"評定を修正しました（{made[0].final_before} → {request.work.final_score} 点）。"
              if outcome == "correct" else "評定は変わりません。")
    return _mails(session, request, "再説明請求への回答",
                  f"{format_date(request.re_filed_on)}付けの再説明請求について、工事成績評定委員会の審議を経て回答しました。"
                  f"{result}回答は申請者ページでご覧になれます。", link)


def _mails(session: Session, request: ExplanationRequest, subject: str, text: str, link: str | None) -> list[Mail]:
    work = request.work
    body = (f"{work.contractor.name} 様\n\n{text}\n\n契約番号: {work.contract_number}\n工事名: {work.name}\n"
            + (f"\n{link}\n" if link else ""))
    return [Mail(address, f"{SUBJECT}{subject}（{work.contract_number}）", body)
            for address in firm_addresses(session, work.contractor)]
