"""The contractor (業者) table (SPEC CM1): a firm or a joint venture, its 受任者 and 地域区分.

Nothing here is ever deleted: a firm lapses or is revoked (status with a reason), and every change goes
through ``registry.contractors.services`` which keeps record history. Its registrations, permits, 経審,
technicians and JV members are in ``registry.qualifications.models``; suspensions in
``registry.suspensions.models``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow

if TYPE_CHECKING:
    from registry.qualifications.models import JVMember, KeishinScore, Permit, Registration, Technician
    from registry.suspensions.models import Suspension

AREAS = {"city": "市内", "near": "準市内", "outside": "市外"}


def area_label_of(area: str) -> str:
    """The label of an area code (an unknown code shows as itself)."""
    return AREAS.get(area, area)
STATUSES = {"active": "有効", "lapsed": "失効", "revoked": "取消"}
CATEGORIES = {"construction": "建設工事", "consulting": "測量・建設コンサルタント", "goods": "物品"}
LEGAL_FORMS = {"corporation": "法人", "individual": "個人"}


def in_values(values: dict) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Contractor(Base):
    __tablename__ = "contractors"
    __table_args__ = (
        CheckConstraint(f"area IN ({in_values(AREAS)})", name="area_known"),
        CheckConstraint(f"status IN ({in_values(STATUSES)})", name="status_known"),
        CheckConstraint(f"legal_form IN ({in_values(LEGAL_FORMS)})", name="legal_form_known"),
        Index("ix_contractors_search_key", "search_key"),
        Index("ix_contractors_status_area", "status", "area"),
        # The default list (有効, by 業者番号) reads its page in index order.
        Index("ix_contractors_status_number", "status", "number"),
        # Name search indexes are engine-specific (pg_trgm / FTS5), made by migration 3f1c2a9d7e60 only.
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
        return area_label_of(self.area)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    def __repr__(self) -> str:
        return f"<Contractor {self.number} {self.name}>"
