"""業者番号: taken from one sequence (``core.sequences``) by the ``registry.numbering`` rule's pattern of the
firm's category. The categories share one counter, as the legacy numbers do (100003 … 200056 count 1 … 60):
the first number taken follows the largest sequence among the existing numbers of every category's pattern."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.rules import get_rule
from core.rules.numbering import fiscal_year_of, format_number, number_prefix, scope_of, sequence_of
from core.search import starts_with_text
from core.sequences import current_value, next_number
from core.timefmt import today

from .models import CATEGORIES, Contractor

#: The one counter of 業者番号 (scope "" unless a pattern uses the fiscal year).
SEQUENCE_KEY = "contractor_number"


def _existing_floor(session: Session, patterns: dict[str, str], fiscal_year: int) -> int:
    """The largest sequence among existing numbers that one of ``patterns`` writes (other shapes are ignored)."""
    best = 0
    for pattern in set(patterns.values()):
        stmt = select(Contractor.number)
        prefix = number_prefix(pattern, fiscal_year=fiscal_year)
        if prefix:
            stmt = stmt.where(starts_with_text(Contractor.number, prefix))
        best = max([best, *(s for n in session.scalars(stmt)
                            if (s := sequence_of(pattern, n, fiscal_year=fiscal_year)) is not None)])
    return best


def next_contractor_number(session: Session, category: str = "construction", on_date: date | None = None) -> str:
    """Take the next 業者番号 of ``category``. The sequence row stays locked until the caller's transaction
    ends, so two app servers never hand out one number, and a rollback gives the number back."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    day = on_date or today()
    patterns = get_rule(session, "registry.numbering", day)
    fiscal_year = fiscal_year_of(day)

    def taken(number: str) -> bool:
        return session.scalar(select(Contractor.id).where(Contractor.number == number)) is not None

    return next_number(session, rule_key=SEQUENCE_KEY, pattern=patterns[category], day=day, taken=taken,
                       floor=lambda: _existing_floor(session, patterns, fiscal_year))


def preview_contractor_number(session: Session, category: str = "construction", on_date: date | None = None) -> str:
    """The number the next firm of ``category`` would probably get (for the form; nothing is taken)."""
    day = on_date or today()
    patterns = get_rule(session, "registry.numbering", day)
    fiscal_year = fiscal_year_of(day)
    last = current_value(session, SEQUENCE_KEY, scope_of(patterns[category], fiscal_year=fiscal_year))
    if last is None:
        last = _existing_floor(session, patterns, fiscal_year)
    return format_number(patterns[category], fiscal_year=fiscal_year, seq=last + 1)
