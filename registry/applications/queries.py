"""Reads of applications for the staff screens: the review list with its filters.

The list never loads the JSON content of an application (large, and not shown): it selects the columns the
list and its CSV show, so 40,000 applications sort and page from the ``(status, submitted_at)`` index.
"""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, defer

from core.jp import search_key
from core.search import contains_text

from .models import KINDS, Application

#: The list's state filter: label and the statuses it covers (drafts are the applicant's alone).
STATE_FILTERS = {"open": ("審査待ち・審査中", ("submitted", "under_review")),
                 "submitted": ("提出済（審査待ち）", ("submitted",)),
                 "under_review": ("審査中", ("under_review",)),
                 "returned": ("差戻し中", ("returned",)),
                 "done": ("受理・不受理", ("accepted", "rejected")),
                 "all": ("すべて", ("submitted", "under_review", "returned", "accepted", "rejected"))}


def application_list_query(state: str | None, kind: str | None, q: str | None) -> Select:
    """Submitted applications and 変更届 matching the filters, oldest first (first come, first reviewed)."""
    _label, statuses = STATE_FILTERS.get(state or "open", STATE_FILTERS["open"])
    stmt = select(Application).options(defer(Application.data)).where(Application.status.in_(statuses))
    if kind in KINDS:
        stmt = stmt.where(Application.kind == kind)
    q = (q or "").strip()
    if q:
        key = search_key(q)
        stmt = stmt.where(or_(contains_text(Application.reference, q, ignore_case=True),
                              contains_text(Application.firm_name, q, ignore_case=True),
                              contains_text(Application.firm_name, key, ignore_case=True)))
    return stmt.order_by(Application.submitted_at.asc(), Application.id.asc())


def count_by_status(session: Session, statuses) -> dict[str, int]:
    """How many applications are in each of ``statuses`` (every one present, zero included): one GROUP BY
    read from the ``(status, submitted_at)`` index, for the home page."""
    counts = dict.fromkeys(statuses, 0)
    counts.update(session.execute(select(Application.status, func.count()).where(Application.status.in_(statuses))
                                  .group_by(Application.status)).all())
    return counts
