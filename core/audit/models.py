"""Operation-log tables.

``audit_entries`` is append-only: ids are dense (taken from ``audit_head.seq`` inside the writing
transaction), every row carries the hash of the previous one, and database triggers refuse UPDATE and
DELETE (DELETE only while ``audit_head.prune_allowed`` is set by the retention prune). ``audit_head``
holds the last id and hash, so deleting the newest rows is detected too; ``audit_prunes`` keeps the
boundary hash of every prune so the remaining chain still verifies.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_user_id_at", "user_id", "at"),
        Index("ix_audit_entries_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Copied from the user so the log stays readable (and hashed) whatever happens to the account.
    login_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    #: Menu / endpoint (``admin.user_edit``) or ``cli:<command>``.
    endpoint: Mapped[str | None] = mapped_column(String(100))
    operation: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(500))
    #: Canonical JSON (sorted keys), e.g. ``{"changes": {"name": ["旧", "新"]}}``.
    details: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The single row (id=1) that serialises writers and remembers the end of the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    prune_allowed: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditPrune(Base):
    __tablename__ = "audit_prunes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    login_id: Mapped[str | None] = mapped_column(String(64))
    cutoff: Mapped[datetime] = mapped_column(DateTime)
    #: Entries with id <= this were removed; the next entry's prev_hash must equal ``boundary_hash``.
    pruned_through_id: Mapped[int] = mapped_column(Integer)
    boundary_hash: Mapped[str] = mapped_column(String(64))
    removed_count: Mapped[int] = mapped_column(Integer)
