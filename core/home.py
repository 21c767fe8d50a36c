"""The home page's work queues: what is waiting for the user, registered by each feature package.

Core names no feature. A package registers, in its ``init_app``, a queue with the list it links to and a
function that counts; the home page shows a queue only to users whose roles the list's route admits (the
``@roles_required`` of that endpoint, so the link never leads to a 403) and calls only those counters.
Counters must be cheap (one indexed COUNT or GROUP BY each): the home page is the most requested page.
Counts are not cached beyond the request: a user who has just accepted an application sees the new figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from flask import Flask, current_app, url_for
from sqlalchemy.orm import Session

from core.permissions import PUBLIC, declared_access


@dataclass(frozen=True)
class QueueEntry:
    """One line of a queue: a label, a count and the filters of the list that shows those records."""

    label: str
    count: int
    args: dict = field(default_factory=dict)
    #: ``warning`` draws attention (something is due); ``info`` is plain work waiting.
    tone: str = "info"
    #: Another list than the queue's own (it must admit the same roles or fewer).
    endpoint: str | None = None


@dataclass(frozen=True)
class Queue:
    title: str
    #: The list the entries link to: its route's roles decide who sees the queue.
    endpoint: str
    counter: Callable[..., Iterable[QueueEntry]]
    position: int = 50
    note: str = ""
    #: The counter also takes the user (``counter(session, today, user)``): counts within their department.
    per_user: bool = False


def _queues(app: Flask) -> list[Queue]:
    return app.extensions.setdefault("keiyaku_home_queues", [])


def register_queue(app: Flask, title: str, endpoint: str, counter: Callable[..., Iterable[QueueEntry]],
                   position: int = 50, note: str = "", *, per_user: bool = False) -> None:
    """Add a queue to the home page; ``counter(session, today)`` returns its entries (zero counts included:
    "0 件" is an answer too). With ``per_user`` it is ``counter(session, today, user)``, for lists scoped by
    department: the counts are those of the list the user would see."""
    queues = _queues(app)
    if any(q.endpoint == endpoint and q.title == title for q in queues):
        raise ValueError(f"home queue {title} for {endpoint} registered twice")
    queues.append(Queue(title, endpoint, counter, position, note, per_user))
    queues.sort(key=lambda q: q.position)


def may_open(user, endpoint: str) -> bool:
    """Whether ``user``'s roles are admitted by the route ``endpoint`` (False for a route this app lacks)."""
    view = current_app.view_functions.get(endpoint)
    access = declared_access(view) if view is not None else None
    if access is None:
        return False
    return access == PUBLIC or user.has_role(*access)


def queues_for(user, session: Session, day: date) -> list[dict]:
    """The queues ``user`` may open, each with its entries and their links, in registration order."""
    shown = []
    for queue in _queues(current_app):
        if not may_open(user, queue.endpoint):
            continue
        entries = []
        for entry in (queue.counter(session, day, user) if queue.per_user else queue.counter(session, day)):
            endpoint = entry.endpoint or queue.endpoint
            if endpoint != queue.endpoint and not may_open(user, endpoint):
                continue
            entries.append({"label": entry.label, "count": entry.count, "tone": entry.tone,
                            "url": url_for(endpoint, **entry.args)})
        if entries:  # every line led to a list the user may not open: no empty card
            shown.append({"title": queue.title, "note": queue.note, "entries": entries})
    return shown
