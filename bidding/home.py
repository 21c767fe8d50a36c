"""The bidding package's queue on the home page: cases waiting for 決裁, approved ones waiting for their
公告・指名通知, and this week's openings — counted within the user's department, as the case list shows them."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy.orm import Session

from core.home import QueueEntry, register_queue

from .cases.queries import STATE_FILTERS, queue_counts, week_filters


def case_queue(session: Session, day: date, user) -> list[QueueEntry]:
    counts = queue_counts(session, user, day)
    entries = [QueueEntry(STATE_FILTERS[key][0], counts[key], {"state": key}, "warning" if counts[key] else "info")
               for key in ("awaiting_approval", "approved_draft")]
    week = week_filters(day)
    entries.append(QueueEntry("今週の開札", counts["opening_this_week"],
                              {"opening_from": week.opening_from.isoformat(), "opening_to": week.opening_to.isoformat(),
                               "sort": "opening"}))
    return entries


def register_queues(app: Flask) -> None:
    register_queue(app, "入札案件", "bidding.cases.case_list", case_queue, 50,
                   note="工事担当課の職員には自分の課の案件の数", per_user=True)
