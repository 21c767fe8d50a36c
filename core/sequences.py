"""Number sequences (DESIGN "Numbering"): 業者番号, 案件番号, 契約番号 and 受付番号 come from one counter row per
numbering key and scope, incremented under a row lock — never ``max()+1``, so two app servers on one
PostgreSQL never hand out the same number.

Public API::

    next_value(session, "contractor_number", "", floor=0) -> int
    next_number(session, rule_key="case_number", pattern="{fy}-{seq:04d}", day=date(2026, 5, 1)) -> "2026-0001"
    current_value(session, key, scope) -> int | None

How it holds under concurrency: ``next_value`` runs ``UPDATE … SET last_value = last_value + 1 RETURNING``,
which locks the row until the caller's transaction ends; a second transaction asking for the same key and
scope waits, then counts on from the committed value. A missing row is created with ``INSERT … ON CONFLICT
DO NOTHING`` (PostgreSQL makes a concurrent insert of the same key wait for the first one's outcome), then
updated the same way. SQLite serialises writers, so the same statements are safe there too. Because the
lock is held to the end of the transaction, a rolled-back transaction gives its number back (no gaps), and
a long transaction that took a number (an import) makes others taking a number of the same scope wait.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String, UniqueConstraint, case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, utcnow
from core.rules.numbering import check_pattern, fiscal_year_of, format_number, pattern_fields, scope_of

#: A runaway ``taken`` (a number skipped this many times in a row) is a bug, not data: stop with an error.
MAX_SKIPS = 10_000


class NumberSequence(Base):
    """The last number handed out for one numbering key (``contractor_number``) and scope (``2026``)."""

    __tablename__ = "number_sequences"
    __table_args__ = (
        UniqueConstraint("key", "scope"),
        CheckConstraint("last_value >= 0", name="last_value_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    #: The fiscal year and the category/department codes the pattern uses (``""`` when none): see ``scope_of``.
    scope: Mapped[str] = mapped_column(String(64))
    last_value: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


_TABLE = NumberSequence.__table__
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def current_value(session: Session, key: str, scope: str) -> int | None:
    """The last value handed out (no lock; for display and seeding), None before the first one."""
    return session.scalar(select(_TABLE.c.last_value).where(_TABLE.c.key == key, _TABLE.c.scope == scope))


def next_value(session: Session, key: str, scope: str, *, floor: int = 0) -> int:
    """Take the next value of (``key``, ``scope``): ``max(last_value, floor) + 1``, kept locked until the
    caller's transaction ends. ``floor`` starts a new sequence above numbers that already exist."""
    if floor < 0:
        raise ValueError("floor must not be negative")
    now = utcnow()
    bump = (update(_TABLE).where(_TABLE.c.key == key, _TABLE.c.scope == scope)
            .values(last_value=case((_TABLE.c.last_value < floor, floor), else_=_TABLE.c.last_value) + 1,
                    updated_at=now)
            .returning(_TABLE.c.last_value))
    value = session.execute(bump).scalar_one_or_none()
    if value is not None:
        return value
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        # A deployment on another engine fails at its first number, loudly, rather than numbering unsafely.
        raise RuntimeError(f"number sequences support PostgreSQL and SQLite, not {dialect}")
    # Two transactions may both find no row: the second INSERT waits for the first and then does nothing,
    # and its UPDATE counts on from the first one's committed value.
    create = _INSERTS[dialect](_TABLE).values(key=key, scope=scope, last_value=0, updated_at=now)
    session.execute(create.on_conflict_do_nothing(index_elements=["key", "scope"]))
    return session.execute(bump).scalar_one()


def next_number(session: Session, *, rule_key: str, pattern: str, day: date, cat: str = "", dept: str = "",
                taken: Callable[[str], bool] | None = None, floor: Callable[[], int] | None = None) -> str:
    """The next number of ``pattern`` on ``day`` (its fiscal year), from the sequence of ``rule_key`` and the
    pattern's scope.

    ``taken(number)`` says a number already exists (entered by hand or migrated): it is skipped and the
    sequence moves on. ``floor()`` is asked once, when the scope has no sequence yet: the largest sequence
    among the existing numbers of this pattern (``core.rules.numbering.sequence_of``), so the first number
    made here follows the migrated ones.

    The counter belongs to ``rule_key`` and the scope, not to the pattern text: when an administrator
    changes the pattern (``{seq:05d}`` → ``K{seq:04d}``) numbering goes on from the same counter (K0043
    after 00042), so no value is handed out twice. Patterns that differ only in fixed text may share one
    counter on purpose (one 業者番号 counter behind ``1{seq:05d}`` and ``2{seq:05d}``); a caller wanting a
    counter per pattern puts the pattern into ``rule_key``.
    """
    problems = check_pattern(pattern)
    if problems:
        raise ValueError(f"invalid numbering pattern {pattern!r}: {' '.join(problems)}")
    fields = pattern_fields(pattern)
    if ("cat" in fields and not cat) or ("dept" in fields and not dept):
        raise ValueError(f"pattern {pattern!r} needs the category/department code")
    fiscal_year = fiscal_year_of(day)
    scope = scope_of(pattern, fiscal_year=fiscal_year, cat=cat, dept=dept)
    if len(scope) > 64:
        raise ValueError(f"scope {scope!r} is longer than 64 characters")
    start = floor() if floor is not None and current_value(session, rule_key, scope) is None else 0
    for _ in range(MAX_SKIPS):
        seq = next_value(session, rule_key, scope, floor=start)
        number = format_number(pattern, fiscal_year=fiscal_year, seq=seq, cat=cat, dept=dept)
        if taken is None or not taken(number):
            return number
    raise RuntimeError(f"{MAX_SKIPS} numbers of {rule_key} ({scope!r}) in a row were taken")
