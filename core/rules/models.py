"""Versioned rule settings and the holiday calendar.

``rule_versions`` is append-only (the migration adds triggers that refuse UPDATE and DELETE): a change is a
new version with an effective date, and a mistake in a version is fixed by a correction, i.e. a row of the
same key and effective date with a higher ``revision``. Lookups take the greatest effective date not after
the day asked, then the highest revision. Built-in versions in code count as revision 0.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import User
from core.db import Base, utcnow


class RuleVersion(Base):
    __tablename__ = "rule_versions"
    __table_args__ = (
        UniqueConstraint("key", "effective_from", "revision"),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    effective_from: Mapped[date] = mapped_column(Date)
    #: 1 for the first stored version of (key, effective_from); each correction adds one.
    revision: Mapped[int] = mapped_column(Integer)
    #: Canonical JSON (sorted keys, no spaces) of the values in the rule's schema.
    value: Mapped[str] = mapped_column(Text)
    #: Why this version was added (the law, notice or decision it follows).
    note: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    login_id: Mapped[str | None] = mapped_column(String(64))

    created_by: Mapped[User | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<RuleVersion {self.key} {self.effective_from} r{self.revision}>"


class Holiday(Base):
    """A day the city's offices are closed besides weekends and the year-end closure (祝日・休日・市の休日)."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Holiday {self.day} {self.name}>"
