"""The registry's queues on the home page: applications to review, permits and 経審 expiring soon, suspensions
starting or ending this week. Each count is the list it links to, counted (the same query's filter)."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy.orm import Session

from core.home import QueueEntry, register_queue

from .applications.queries import count_by_status
from .contractors.queries import EXPIRING, count_expiring, expiring_days
from .suspensions.queries import WEEK_FILTERS, count_in_week


def application_queue(session: Session, day: date) -> list[QueueEntry]:
    counts = count_by_status(session, ("submitted", "under_review"))
    return [QueueEntry("提出済（審査待ち）", counts["submitted"], {"state": "submitted"},
                       "warning" if counts["submitted"] else "info"),
            QueueEntry("審査中", counts["under_review"], {"state": "under_review"})]


def expiry_queue(session: Session, day: date) -> list[QueueEntry]:
    entries = []
    for kind, (label, _field) in EXPIRING.items():
        count = count_expiring(session, kind, day)
        days = expiring_days(session, kind, day)
        entries.append(QueueEntry(f"{label.removesuffix('がまもなく満了')}（{days} 日以内に満了）", count,
                                  {"expiring": kind}, "warning" if count else "info"))
    return entries


def suspension_queue(session: Session, day: date) -> list[QueueEntry]:
    counts = count_in_week(session, day)
    return [QueueEntry(label, counts[key], {"state": "all", "include_lifted": "y", "week": key})
            for key, (label, _condition) in WEEK_FILTERS.items()]


def register_queues(app: Flask) -> None:
    register_queue(app, "資格審査申請", "registry.applications.application_list", application_queue, 20)
    register_queue(app, "満了が近い許可・経審", "registry.contractors.contractor_list", expiry_queue, 30,
                   note="状態が「有効」の業者の数")
    register_queue(app, "今週の指名停止", "registry.suspensions.suspension_list", suspension_queue, 40,
                   note="始期または終期（解除の前日を含む）が今週（月曜〜日曜）のもの")

