"""The home page's queues of notification and 説明請求 (contract section and the works department): settled works
waiting for their notice, and requests waiting for an answer or for the committee, with those past their deadline."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy.orm import Session

from core.home import QueueEntry, register_queue

from ..notices.queries import waiting_count
from .queries import queue_counts


def request_queue(session: Session, day: date, user) -> list[QueueEntry]:
    counts = queue_counts(session, user, day)
    return [QueueEntry("回答待ち（受付）", counts["received"], {"state": "received"},
                       "warning" if counts["received"] else "info"),
            QueueEntry("再説明請求（委員会審議待ち）", counts["committee"], {"state": "deliberation"}),
            QueueEntry("期限を過ぎたもの", counts["overdue"], {"state": "open", "overdue": "y"},
                       "warning" if counts["overdue"] else "info")]


def notice_queue(session: Session, day: date, user) -> list[QueueEntry]:
    count = waiting_count(session, user)
    return [QueueEntry("確定して通知していない評定", count, {"state": "waiting"}, "warning" if count else "info")]


def register_queues(app: Flask) -> None:
    register_queue(app, "説明請求の回答待ち", "grading.explanations.request_list", request_queue, 60,
                   note="工事担当課の職員には自分の課の工事の数", per_user=True)
    register_queue(app, "評定の通知待ち", "grading.notices.notice_list", notice_queue, 61,
                   note="工事担当課の職員には自分の課の工事の数", per_user=True)
