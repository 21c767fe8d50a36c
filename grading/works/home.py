"""The grading queues of the home page (SPEC GR3): a grader's sheets waiting for entry (and the late ones), their
department's works waiting for 主任・総括監督員, and the works waiting for the user to settle. Counted per user,
as the 評定の入力 page lists them."""

from __future__ import annotations

from datetime import date

from flask import Flask, g
from sqlalchemy.orm import Session

from core.auth.roles import Role
from core.home import QueueEntry, register_queue

from .queries import queue_counts

INDEX = "grading.works.index"


def _counts(session: Session, day: date, user) -> dict[str, int]:
    """One reading per page for both queues (kept for the request)."""
    key = (user.id, day)
    cache = g.setdefault("grading_queue_counts", {})
    if key not in cache:
        cache[key] = queue_counts(session, user, day)
    return cache[key]


def entry_queue(session: Session, day: date, user) -> list[QueueEntry]:
    counts = _counts(session, day, user)
    entries = []
    if counts["open"] or user.has_role(Role.DEPARTMENT_STAFF, Role.INSPECTOR):
        entries += [QueueEntry("入力・提出していない評定", counts["open"], {}, "info"),
                    QueueEntry("うち入力期限を過ぎたもの", counts["late"], {}, "warning" if counts["late"] else "info")]
    if user.has_role(Role.DEPARTMENT_STAFF):
        entries.append(QueueEntry("主任・総括監督員の指定を待つ工事", counts["unassigned"], {},
                                  "warning" if counts["unassigned"] else "info"))
    return entries


def settle_queue(session: Session, day: date, user) -> list[QueueEntry]:
    counts = _counts(session, day, user)
    if not counts["settle"]:
        return []
    return [QueueEntry("全員が提出し、確定を待つ工事", counts["settle"], {}, "warning")]


def register_queues(app: Flask) -> None:
    register_queue(app, "評定の入力待ち", INDEX, entry_queue, 60, note="自分が評定者として指定された工事", per_user=True)
    register_queue(app, "評定の確定待ち", INDEX, settle_queue, 61, per_user=True)
