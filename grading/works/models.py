"""Graded works (評定対象工事, SPEC GR1-GR6): one row per work in the grade database, made when a contract's 完成検査
passes (or imported from the legacy system's past grades), with its graders, their sheets, deductions and
corrections.

The work keeps the figures statistics read (contractor, 業種, 担当課, 年度 of completion, 最終契約金額, score) so the
grade database holds ten years of past grades whose contracts were never in this system.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidding.contracts.models import Contract
from bidding.inspections.models import Inspection
from core.auth.models import Department, User
from core.db import Base, utcnow
from registry.contractors.models import Contractor, in_values

#: 未着手 (no sheet saved) → 入力中 → 提出済 (every grader submitted) → 確定 (settled) → 通知済 (notified).
WORK_STATES = {"pending": "未着手", "entering": "入力中", "submitted": "提出済", "settled": "確定", "notified": "通知済"}
WORK_STATE_BADGES = {"pending": "badge--neutral", "entering": "badge--info", "submitted": "badge--warning",
                     "settled": "badge--success", "notified": "badge--success"}
SOURCES = {"system": "本システム", "import": "過去の評定の取込"}
TABLES = {"standard": "標準", "simple": "簡便型"}
#: Grader roles on a work (the interim inspector once per 中間・既済部分 inspection).
ROLES = {"chief": "主任監督員", "general": "総括監督員", "interim_inspector": "検査員（中間・既済部分）",
         "final_inspector": "検査員（完成）"}
SHEET_STATES = {"assigned": "未着手", "draft": "入力中", "submitted": "提出済"}


class GradedWork(Base):
    __tablename__ = "graded_works"
    __table_args__ = (
        CheckConstraint(f"state IN ({in_values(WORK_STATES)})", name="state_known"),
        CheckConstraint(f"source IN ({in_values(SOURCES)})", name="source_known"),
        CheckConstraint("grading_table IS NULL OR grading_table IN ('standard', 'simple')", name="table_known"),
        CheckConstraint("final_score IS NULL OR (final_score >= 0 AND final_score <= 100)", name="score_range"),
        Index("ix_graded_works_contractor_id_completed_on", "contractor_id", "completed_on"),
        Index("ix_graded_works_state_department_id", "state", "department_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The contract graded (None for a past grade whose contract is not in this system).
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), unique=True)
    #: 契約番号 (or the legacy 工事番号): the key a re-import of past grades updates by.
    contract_number: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    work_type_code: Mapped[str] = mapped_column(String(10), index=True)
    #: 最終契約金額 (税込, after change contracts) — what publication shows.
    contract_amount: Mapped[int] = mapped_column(BigInteger)
    completed_on: Mapped[date] = mapped_column(Date)
    fiscal_year: Mapped[int] = mapped_column(Integer, index=True)  # 年度 of completion
    grading_table: Mapped[str | None] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    source: Mapped[str] = mapped_column(String(10), default="system")
    #: Last day for the graders (the ``grading_entry`` deadline from the 完成検査).
    due_on: Mapped[date | None] = mapped_column(Date)
    weighted: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))  # 評定点計
    final_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))  # 総合評定点 (after deductions)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime)
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notified_on: Mapped[date | None] = mapped_column(Date, index=True)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    contract: Mapped[Contract | None] = relationship()
    contractor: Mapped[Contractor] = relationship()
    department: Mapped[Department] = relationship()
    settled_by: Mapped[User | None] = relationship()
    assignments: Mapped[list[GraderAssignment]] = relationship(back_populates="work", order_by="GraderAssignment.id",
                                                               cascade="all, delete-orphan")
    deductions: Mapped[list[GradeDeduction]] = relationship(back_populates="work", order_by="GradeDeduction.id",
                                                            cascade="all, delete-orphan")
    revisions: Mapped[list[GradeRevision]] = relationship(back_populates="work", order_by="GradeRevision.seq",
                                                          cascade="all, delete-orphan")

    @property
    def state_label(self) -> str:
        return WORK_STATES.get(self.state, self.state)

    @property
    def state_badge(self) -> str:
        return WORK_STATE_BADGES.get(self.state, "badge--neutral")

    @property
    def table_label(self) -> str:
        return TABLES.get(self.grading_table or "", "—")

    @property
    def is_settled(self) -> bool:
        return self.state in {"settled", "notified"}

    def assignment(self, role: str) -> GraderAssignment | None:
        return next((a for a in self.assignments if a.role == role), None)


class GraderAssignment(Base):
    """A grader of a work in one role, with the state of their sheet (its entries below)."""

    __tablename__ = "grader_assignments"
    __table_args__ = (
        UniqueConstraint("work_id", "role", "seq"),
        CheckConstraint(f"role IN ({in_values(ROLES)})", name="role_known"),
        CheckConstraint(f"state IN ({in_values(SHEET_STATES)})", name="state_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("graded_works.id"))
    role: Mapped[str] = mapped_column(String(20))
    #: 1 for every role but the interim inspector (1, 2 … one per 中間・既済部分 inspection).
    seq: Mapped[int] = mapped_column(Integer, default=1)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The inspection an inspector grades (the 完成検査, or the 中間・既済部分 one).
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    state: Mapped[str] = mapped_column(String(10), default="assigned")
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))  # the grader's 評定点 when submitted
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    work: Mapped[GradedWork] = relationship(back_populates="assignments")
    user: Mapped[User] = relationship()
    inspection: Mapped[Inspection | None] = relationship()
    entries: Mapped[list[GradeEntry]] = relationship(back_populates="assignment", order_by="GradeEntry.id",
                                                     cascade="all, delete-orphan")

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def state_label(self) -> str:
        return SHEET_STATES.get(self.state, self.state)


class GradeEntry(Base):
    """One 細別 of a grader's sheet: the letter (or bonus points), the letter the checklist suggested, the ticks,
    the reason when the grader chose another letter, and a comment."""

    __tablename__ = "grade_entries"
    __table_args__ = (UniqueConstraint("assignment_id", "item_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("grader_assignments.id"))
    item_key: Mapped[str] = mapped_column(String(40))
    #: The letter (``a``, ``a'`` …) or, for a bonus-only item, the points as text (``3.5``); None: not graded yet.
    value: Mapped[str | None] = mapped_column(String(10))
    suggested: Mapped[str | None] = mapped_column(String(4))
    #: Checklist indexes (0-based) ticked as achieved, and those marked 該当なし, as comma-separated text.
    checked: Mapped[str | None] = mapped_column(String(200))
    not_applicable: Mapped[str | None] = mapped_column(String(200))
    improvement_order: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason: Mapped[str | None] = mapped_column(String(500))
    comment: Mapped[str | None] = mapped_column(String(1000))

    assignment: Mapped[GraderAssignment] = relationship(back_populates="entries")


class GradeDeduction(Base):
    """A 法令遵守等 deduction of a work (before settling, or as a correction after notification)."""

    __tablename__ = "grade_deductions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("graded_works.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(60))
    points: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    reason: Mapped[str | None] = mapped_column(String(500))
    decided_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    work: Mapped[GradedWork] = relationship(back_populates="deductions")


class GradeRevision(Base):
    """評定の修正: a settled score changed with a reason (a sanction decided after notification, a 説明請求 …)."""

    __tablename__ = "grade_revisions"
    __table_args__ = (UniqueConstraint("work_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("graded_works.id"))
    seq: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(1000))
    weighted_before: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    weighted_after: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    final_before: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    final_after: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    revised_on: Mapped[date] = mapped_column(Date)
    revised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    work: Mapped[GradedWork] = relationship(back_populates="revisions")
