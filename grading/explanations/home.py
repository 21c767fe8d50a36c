"""The home page's queue of notification and 説明請求 (contract section, works department, viewers): requests
waiting for an answer or for the committee, those past their deadline, and settled works waiting for their notice —
counted in one statement within the user's department."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy.orm import Session

from core.home import QueueEntry, register_queue

from .queries import queue_counts

NOTICES = "grading.notices.notice_list"  # admits the same roles as the request list


def queue(session: Session, day: date, user) -> list[QueueEntry]:
    counts = queue_counts(session, user, day)

    def tone(key: str) -> str:
        return "warning" if counts[key] else "info"

    return [QueueEntry("回答待ち（受付）", counts["received"], {"state": "received"}, tone("received")),
            QueueEntry("再説明請求（委員会審議待ち）", counts["committee"], {"state": "deliberation"}),
            QueueEntry("回答の期限を過ぎたもの", counts["overdue"], {"state": "open", "overdue": "y"}, tone("overdue")),
            QueueEntry("確定して通知していない評定", counts["waiting"], {"state": "waiting"}, tone("waiting"),
                       endpoint=NOTICES)]


def register_queues(app: Flask) -> None:
    register_queue(app, "説明請求の回答待ち・評定の通知", "grading.explanations.request_list", queue, 60,
                   note="工事担当課の職員には自分の課の工事の数", per_user=True)
