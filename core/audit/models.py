"""Operation-log tables.

``audit_entries`` is append-only: ids are dense (taken from ``audit_head.seq`` inside the writing
transaction), every row carries the hash of the previous one, and database triggers refuse UPDATE and
DELETE. Each row's hash is an HMAC keyed with ``KEIYAKU_AUDIT_KEY``, which is not in the database, so a
row forged or recomputed by someone with only database access fails verification (``chain`` = 2). Rows
written before the key was introduced keep their plain SHA-256 (``chain`` = 1); they are only accepted
before the first keyed row, which records the switch and covers them through its ``prev_hash``.

Nothing in these tables is trusted by verification: ``audit_head`` only serialises writers; deleted tails
are found through the signed checkpoints kept outside the database (``checkpoints.py``), and a pruned
start only through the keyed prune row. ``audit_prunes`` is the readable record of each prune.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

GENESIS_HASH = "0" * 64
#: ``AuditEntry.chain``: how the row's hash was made.
CHAIN_SHA256 = 1  # before the keyed chain (not accepted after the first keyed row)
CHAIN_HMAC = 2  # HMAC-SHA256 with KEIYAKU_AUDIT_KEY
#: The row that starts the keyed chain, and the row that records a retention prune (both keyed).
SWITCH_OPERATION = "audit.chain_keyed"
PRUNE_OPERATION = "audit.prune"


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
    #: CHAIN_SHA256 or CHAIN_HMAC; the server default marks the rows that existed before the keyed chain.
    chain: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))


class AuditHead(Base):
    """The single row (id=1) that serialises writers and remembers the end of the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    #: Id of the first keyed row; NULL until the first write after the upgrade records the switch.
    #: Only tells ``record`` to write that switch row; verification does not read it.
    keyed_from: Mapped[int | None] = mapped_column(Integer)


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
