"""Contractor registry tables (SPEC CM1): firms, their category registrations and 業種 with ranks,
construction permits, 経審 scores, technicians, joint-venture members and nomination suspensions.

Nothing here is ever deleted: a firm lapses or is revoked (status with a reason), a suspension is lifted
early with a reason, and every change goes through ``registry.services`` which keeps record history.
Code values (業種 codes, suspension causes, ranks) are looked up in versioned rule settings
(``registry.rules``), so the tables store the codes only.
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow

AREAS = {"city": "市内", "near": "準市内", "outside": "市外"}
STATUSES = {"active": "有効", "lapsed": "失効", "revoked": "取消"}
CATEGORIES = {"construction": "建設工事", "consulting": "測量・建設コンサルタント", "goods": "物品"}
LEGAL_FORMS = {"corporation": "法人", "individual": "個人"}


def _in(values: dict) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Contractor(Base):
    __tablename__ = "contractors"
    __table_args__ = (
        CheckConstraint(f"area IN ({_in(AREAS)})", name="area_known"),
        CheckConstraint(f"status IN ({_in(STATUSES)})", name="status_known"),
        CheckConstraint(f"legal_form IN ({_in(LEGAL_FORMS)})", name="legal_form_known"),
        Index("ix_contractors_search_key", "search_key"),
        Index("ix_contractors_status_area", "status", "area"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: 業者番号: the key other systems use (pattern from the ``numbering`` rule).
    number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str | None] = mapped_column(String(200))
    #: NFKC, casefolded, spaces removed: name and kana together, for width/spacing-insensitive search.
    search_key: Mapped[str] = mapped_column(String(400))
    legal_form: Mapped[str] = mapped_column(String(16), default="corporation")
    #: 法人番号 (13 digits, check digit validated); individuals have none.
    corporate_number: Mapped[str | None] = mapped_column(String(13), index=True)
    representative_title: Mapped[str | None] = mapped_column(String(100))
    representative_name: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    #: 受任者 / 委任先: the office that actually bids, when authority is delegated by the head office.
    branch_name: Mapped[str | None] = mapped_column(String(200))
    branch_representative_title: Mapped[str | None] = mapped_column(String(100))
    branch_representative_name: Mapped[str | None] = mapped_column(String(100))
    branch_postal_code: Mapped[str | None] = mapped_column(String(8))
    branch_address: Mapped[str | None] = mapped_column(String(300))
    branch_phone: Mapped[str | None] = mapped_column(String(20))
    #: 市内 / 準市内 / 市外: derived from the (branch or head office) address by the ``area`` rule ...
    area: Mapped[str] = mapped_column(String(10), default="outside")
    #: ... unless staff overrode it, with this reason.
    area_override_reason: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(500))
    is_jv: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    registrations: Mapped[list[Registration]] = relationship(
        back_populates="contractor", cascade="all, delete-orphan", order_by="Registration.period_start")
    permits: Mapped[list[Permit]] = relationship(back_populates="contractor", cascade="all, delete-orphan",
                                                 order_by="Permit.work_type_code")
    keishin: Mapped[list[KeishinScore]] = relationship(back_populates="contractor", cascade="all, delete-orphan",
                                                       order_by="KeishinScore.base_date.desc()")
    technicians: Mapped[list[Technician]] = relationship(back_populates="contractor", cascade="all, delete-orphan",
                                                         order_by="Technician.name")
    suspensions: Mapped[list[Suspension]] = relationship(back_populates="contractor", cascade="all, delete-orphan",
                                                         order_by="Suspension.starts_on.desc()")
    jv_members: Mapped[list[JVMember]] = relationship(foreign_keys="JVMember.jv_id", back_populates="jv",
                                                      cascade="all, delete-orphan")

    @property
    def area_label(self) -> str:
        return AREAS.get(self.area, self.area)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    def __repr__(self) -> str:
        return f"<Contractor {self.number} {self.name}>"


class Registration(Base):
    """A firm's qualification in one category for one qualification period (e.g. 令和7・8年度)."""

    __tablename__ = "contractor_registrations"
    __table_args__ = (
        UniqueConstraint("contractor_id", "category", "period_start"),
        CheckConstraint(f"category IN ({_in(CATEGORIES)})", name="category_known"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        Index("ix_contractor_registrations_category_period", "category", "period_start", "period_end"),
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


class RegisteredWorkType(Base):
    """One 業種 (or consultant / goods item) a firm is registered for, with its points and rank (格付)."""

    __tablename__ = "registered_work_types"
    __table_args__ = (
        UniqueConstraint("registration_id", "work_type_code"),
        Index("ix_registered_work_types_code_rank", "work_type_code", "rank"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("contractor_registrations.id"))
    work_type_code: Mapped[str] = mapped_column(String(10))
    #: 客観点: the 経審 P of this 業種 (construction) when known.
    objective_points: Mapped[int | None] = mapped_column(Integer)
    #: 主観点: set by the city (entered now; the grading module will feed it).
    subjective_points: Mapped[int | None] = mapped_column(Integer)
    rank: Mapped[str | None] = mapped_column(String(4))
    rank_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)

    registration: Mapped[Registration] = relationship(back_populates="work_types")

    @property
    def total_points(self) -> int | None:
        if self.objective_points is None:
            return None
        return self.objective_points + (self.subjective_points or 0)


class Permit(Base):
    """建設業許可 for one 業種: authority, 般/特, number, grant and expiry (5 years)."""

    __tablename__ = "construction_permits"
    __table_args__ = (
        UniqueConstraint("contractor_id", "work_type_code"),
        CheckConstraint("authority IN ('minister', 'governor')", name="authority_known"),
        CheckConstraint("grade IN ('general', 'special')", name="grade_known"),
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
    __table_args__ = (UniqueConstraint("contractor_id", "work_type_code", "base_date"),)

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


class Suspension(Base):
    """指名停止: a period during which the firm (and the JVs it belongs to) is not nominated."""

    __tablename__ = "suspensions"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period_ordered"),
        Index("ix_suspensions_period", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("contractors.id"), index=True)
    #: Code of the cause in the ``suspension_causes`` rule in force on the decision date.
    cause_code: Mapped[str] = mapped_column(String(20))
    decided_on: Mapped[date] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    #: The chosen period as decided, e.g. "2か月" or "3週間".
    period_text: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str | None] = mapped_column(String(300))
    facts: Mapped[str] = mapped_column(Text)
    lifted_on: Mapped[date | None] = mapped_column(Date)
    lift_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    contractor: Mapped[Contractor] = relationship(back_populates="suspensions")

    @property
    def effective_end(self) -> date:
        """Last day of the suspension: the day before an early lifting, else ``ends_on``."""
        if self.lifted_on is not None:
            from datetime import timedelta

            return min(self.ends_on, self.lifted_on - timedelta(days=1))
        return self.ends_on

    def is_active_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.effective_end


# The application tables belong to the registry's metadata too (one ``import registry.models`` loads all).
from registry.applications import models as application_models  # noqa: E402,F401
