"""Qualification tables of a firm (SPEC CM1): category registrations per qualification period with their
業種, points and ranks (格付), 建設業許可, 経審 scores, technicians and joint-venture members.

Code values (業種 codes, ranks) are looked up in versioned rule settings (``registry.rules``), so the tables
store the codes only. Writes go through the services of each sub-package (permits, keishin, ranks,
technicians, jvs), which keep record history.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
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

from core.db import Base, utcnow
from registry.contractors.models import CATEGORIES, Contractor, in_values

#: Status of a registration's period on a day: label and badge class (one place for every screen).
PERIOD_STATUSES = {"current": ("有効期間内", "badge--success"), "ended": ("期間満了", "badge--neutral"),
                   "upcoming": ("開始前", "badge--info")}


class Registration(Base):
    """A firm's qualification in one category for one qualification period (e.g. 令和7・8年度)."""

    __tablename__ = "contractor_registrations"
    __table_args__ = (
        UniqueConstraint("contractor_id", "category", "period_start"),
        CheckConstraint(f"category IN ({in_values(CATEGORIES)})", name="category_known"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        Index("ix_contractor_registrations_category_period", "category", "period_start", "period_end"),
        # PostgreSQL also has ix_contractor_registrations_id_filter (id INCLUDE contractor_id, category, period),
        # made by migration 3f1c2a9d7e60 only: SQLite's table is ordered by id already.
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    contractor: Mapped[Contractor] = relationship(back_populates="registrations")
    work_types: Mapped[list[RegisteredWorkType]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", order_by="RegisteredWorkType.work_type_code")

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    def covers(self, day: date) -> bool:
        """The qualification period contains ``day``."""
        return self.period_start <= day <= self.period_end

    def period_status(self, day: date) -> str:
        """``current`` (有効期間内), ``ended`` (期間満了) or ``upcoming`` (開始前) on ``day``; labels and badges
        in ``PERIOD_STATUSES``."""
        if self.covers(day):
            return "current"
        return "ended" if self.period_end < day else "upcoming"


class RegisteredWorkType(Base):
    """One 業種 (or consultant / goods item) a firm is registered for, with its points and rank (格付)."""

    __tablename__ = "registered_work_types"
    __table_args__ = (
        UniqueConstraint("registration_id", "work_type_code"),
        # The contractor list's 業種/等級 filter reads registration ids from this index alone.
        Index("ix_registered_work_types_code_rank_registration", "work_type_code", "rank", "registration_id"),
        # PostgreSQL also has ix_registered_work_types_registration_rows (registration_id INCLUDE code, points,
        # rank), made by migration 3f1c2a9d7e60 only, for reading the 業種 of a page of firms.
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("contractor_registrations.id"))
    work_type_code: Mapped[str] = mapped_column(String(10))
    #: 客観点: the 経審 P of this 業種 (construction) when known.
    objective_points: Mapped[int | None] = mapped_column(Integer)
    #: 主観点 entered by the city (items other than the works' grades).
    subjective_points: Mapped[int | None] = mapped_column(Integer)
    #: 主観点 from the firm's 工事成績評定 in this 業種, written by the grading package through
    #: ``ranks.services.set_performance_points``, with what it was computed from (平均点・件数・年度).
    performance_points: Mapped[int | None] = mapped_column(Integer)
    performance_basis: Mapped[str | None] = mapped_column(String(200))
    rank: Mapped[str | None] = mapped_column(String(4))
    rank_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)

    registration: Mapped[Registration] = relationship(back_populates="work_types")

    @property
    def total_points(self) -> int | None:
        """総合点 = 客観点 + 主観点 (entered) + 主観点 from the 工事成績 (unknown without a 客観点)."""
        return self.points_total(self.objective_points, self.subjective_points, self.performance_points)

    @staticmethod
    def points_total(objective: int | None, subjective: int | None, performance: int | None) -> int | None:
        """The one rule of the 総合点, for rows read without ORM objects too (lists, exports, the review): the
        客観点 plus the 主観点 entered by the city plus the 主観点 from the works' grades (工事成績). Every caller
        gives all three, so a column read for a list cannot be left out of the total by mistake."""
        if objective is None:
            return None
        return objective + (subjective or 0) + (performance or 0)


class Permit(Base):
    """建設業許可 for one 業種: authority, 般/特, number, grant and expiry (5 years)."""

    __tablename__ = "construction_permits"
    __table_args__ = (
        UniqueConstraint("contractor_id", "work_type_code"),
        CheckConstraint("authority IN ('minister', 'governor')", name="authority_known"),
        CheckConstraint("grade IN ('general', 'special')", name="grade_known"),
        # The home page counts the permits expiring soon (and the contractor list filters on them) by this.
        Index("ix_construction_permits_expires_on", "expires_on", "contractor_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    work_type_code: Mapped[str] = mapped_column(String(10))
    authority: Mapped[str] = mapped_column(String(10))
    #: Prefecture of a governor's permit (山口県); None for the minister.
    prefecture: Mapped[str | None] = mapped_column(String(10))
    grade: Mapped[str] = mapped_column(String(10))
    #: The 和暦 year in the printed number (般-5 → 5), as printed.
    permit_year: Mapped[int | None] = mapped_column(Integer)
    permit_number: Mapped[int] = mapped_column(Integer)
    #: 北海道's 振興局 letter printed before 第 (石, 渡 …); None elsewhere.
    office: Mapped[str | None] = mapped_column(String(4))
    granted_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)

    contractor: Mapped[Contractor] = relationship(back_populates="permits")


class KeishinScore(Base):
    """経営事項審査 of one 業種 on one 審査基準日; P is recomputed and a mismatch is flagged, not hidden."""

    __tablename__ = "keishin_scores"
    __table_args__ = (
        UniqueConstraint("contractor_id", "work_type_code", "base_date"),
        # The 経審 expiring soon (home page, contractor list): a range on valid_until, then the unique key above
        # tells whether a later 審査基準日 of the same 業種 supersedes the score.
        Index("ix_keishin_scores_valid_until", "valid_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    work_type_code: Mapped[str] = mapped_column(String(10))
    base_date: Mapped[date] = mapped_column(Date)
    x1: Mapped[int] = mapped_column(Integer)
    x2: Mapped[int] = mapped_column(Integer)
    y: Mapped[int] = mapped_column(Integer)
    z: Mapped[int] = mapped_column(Integer)
    w: Mapped[int] = mapped_column(Integer)
    #: P as entered (from the notice); ``p_computed`` from the formula. They should agree.
    p_entered: Mapped[int | None] = mapped_column(Integer)
    p_computed: Mapped[int] = mapped_column(Integer)
    valid_until: Mapped[date] = mapped_column(Date)

    contractor: Mapped[Contractor] = relationship(back_populates="keishin")

    @property
    def p_mismatch(self) -> bool:
        return self.p_entered is not None and self.p_entered != self.p_computed


class Technician(Base):
    """配置予定技術者."""

    __tablename__ = "technicians"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    name_kana: Mapped[str | None] = mapped_column(String(100))
    #: Qualifications as a "・"-separated list of names (1級土木施工管理技士 …).
    qualifications: Mapped[str | None] = mapped_column(String(500))
    employed_since: Mapped[date | None] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    contractor: Mapped[Contractor] = relationship(back_populates="technicians")


class JVMember(Base):
    """A member firm of a joint venture (共同企業体); shares of one JV sum to 100."""

    __tablename__ = "jv_members"
    __table_args__ = (
        UniqueConstraint("jv_id", "member_id"),
        CheckConstraint("share_percent > 0 AND share_percent <= 100", name="share_range"),
        CheckConstraint("jv_id <> member_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jv_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    share_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    is_representative: Mapped[bool] = mapped_column(Boolean, default=False)

    jv: Mapped[Contractor] = relationship(foreign_keys=[jv_id], back_populates="jv_members")
    member: Mapped[Contractor] = relationship(foreign_keys=[member_id])
