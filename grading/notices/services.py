"""Notification of a settled grade (SPEC GR4; domain-japan.md §1.8): the contract section records the day the
工事成績評定通知書 went to the contractor; the work becomes 通知済, its 説明請求 period starts that day, and the firm
hears by mail that the notice is on its applicant page. Nothing here commits; the mails are returned for the view
to send after the commit (``core.mail``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.errors import ValidationFailed, require
from core.history import record_change
from core.jp import format_date
from core.mail import Mail
from core.timefmt import to_jst
from core.timefmt import today as today_in_japan

from ..works import permissions
from ..works.models import GradedWork
from ..works.services import work_snapshot
from .queries import firm_addresses, request_deadline

SUBJECT = "【工事成績評定】"


def register_labels() -> None:
    register_operations({"grading.notify": "評定の通知"})


def notify_work(session: Session, actor, work: GradedWork, notified_on: date | None, *, link: str | None = None,
                today: date | None = None) -> list[Mail]:
    """通知: a settled work is notified on ``notified_on`` (today or earlier, not before it was settled).

    :returns: the mails to the firm (its applicant logins, else its registered address), to send after the commit.
    :raises PermissionDenied: not the contract section.
    :raises ValidationFailed: not settled, notified already, or a bad day (keyed ``notified_on``).
    """
    require(permissions.can_notify(actor, work), "評定の通知は契約課の職員が行います。")
    if work.state == "notified":
        raise ValidationFailed(f"この工事の評定は通知済みです（通知日 {format_date(work.notified_on)}）。")
    if work.state != "settled":
        raise ValidationFailed(f"評定が確定していない工事は通知できません（状態: {work.state_label}）。")
    day = today or today_in_japan()
    settled_on = to_jst(work.settled_at).date() if work.settled_at else work.completed_on
    if notified_on is None:
        raise ValidationFailed({"notified_on": ["通知日を入力してください。"]})
    if notified_on > day:
        raise ValidationFailed({"notified_on": [f"通知日は今日（{format_date(day)}）以前の日付にしてください。"]})
    if notified_on < settled_on:
        raise ValidationFailed({"notified_on": [f"通知日は評定の確定日（{format_date(settled_on)}）以降にしてください。"]})
    before = work_snapshot(work)
    work.state, work.notified_on = "notified", notified_on
    deadline = request_deadline(session, work)
    session.flush()
    record_change(session, actor, "grading.notify", f"評定を通知: {work.contract_number} {work.name} {work.final_score} 点"
                  f"（通知日 {format_date(notified_on)}、説明請求の期限 {format_date(deadline)}）", target=work,
                  before=before, after=work_snapshot(work))
    return notice_mails(session, work, deadline, link)


def notice_mails(session: Session, work: GradedWork, deadline: date | None, link: str | None) -> list[Mail]:
    firm = work.contractor
    body = (f"{firm.name} 様\n\n"
            "次の工事の工事成績評定の結果を通知します。評定点と項目別評定点表は、申請者ページの「工事成績評定の通知」で"
            "ご覧になれます。\n\n"
            f"契約番号: {work.contract_number}\n工事名: {work.name}\n通知日: {format_date(work.notified_on)}\n"
            f"説明請求の期限: {format_date(deadline)}\n\n"
            "評定の内容について説明を求めるときは、期限までに申請者ページから、又は書面で請求してください。\n"
            + (f"\n{link}\n" if link else ""))
    return [Mail(address, f"{SUBJECT}評定結果の通知（{work.contract_number}）", body)
            for address in firm_addresses(session, firm)]
