"""Import mapping profiles and the record of every import batch."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class ImportProfile(Base):
    """How one source's file layout maps to an import kind's fields (editable by admins)."""

    __tablename__ = "import_profiles"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(500))
    #: JSON: encoding, has_header, skip_rows, date_style, columns {field: header or 1-based position}.
    config: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @property
    def settings(self) -> dict:
        return json.loads(self.config)


class ImportBatch(Base):
    """One import run (dry run or commit), with the file's hash and the counts it produced."""

    __tablename__ = "import_batches"
    __table_args__ = (Index("ix_import_batches_kind_started_at", "kind", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    profile_name: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    encoding: Mapped[str | None] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    login_id: Mapped[str | None] = mapped_column(String(64))
    #: pending / checking / writing / done / failed / interrupted (the worker stopped sending heartbeats)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=True)
    skip_rejected: Mapped[bool] = mapped_column(Boolean, default=False)
    committed: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    #: JSON object of the kind's options chosen for this import (``ImportKind.options``); None: none chosen.
    options: Mapped[str | None] = mapped_column(Text)
    #: JSON report (rejections with row, column, value, reason) once finished.
    report: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(1000))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Last sign of life of the worker running the job (``jobs.HEARTBEAT_SECONDS``); None until it starts.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def report_data(self) -> dict:
        return json.loads(self.report) if self.report else {}

    @property
    def option_values(self) -> dict[str, bool]:
        return json.loads(self.options) if self.options else {}
