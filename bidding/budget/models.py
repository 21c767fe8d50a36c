"""予算科目 (SPEC CM7): one line of the finance system's budget, keyed by 年度・会計・款・項・目・事業・節・細節 and
所管課, with its amounts; and the record of each import that created, changed or no longer held a line.

Classification (reference/domain-japan.md §3.5): 款 chapter, 項 section, 目 item, (事業 project), 節 sub-item,
(細節 detail). The optional codes are stored as '' when the line has none, so the key is unique in the database.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import Department
from core.db import Base, utcnow

#: The classification levels from the top, as (field prefix, label): totals are kept per level.
LEVELS = (("account", "会計"), ("chapter", "款"), ("section", "項"), ("item", "目"), ("subitem", "節"))
#: The key of a line, in order (``department_id`` stands for the 所管課).
KEY_FIELDS = ("fiscal_year", "account_code", "chapter_code", "section_code", "item_code", "project_code",
              "subitem_code", "detail_code", "department_id")
AMOUNT_FIELDS = ("current_amount", "allotted_amount", "executed_amount", "remaining_amount")
CODE_MAX = 20
NAME_MAX = 100


class BudgetLine(Base):
    """予算科目: amounts as the finance system exported them in the latest import that held the line."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        # Its index also serves the list's filters on 年度・会計・款 (the key's first columns).
        UniqueConstraint(*KEY_FIELDS, name="uq_budget_lines_key"),
        CheckConstraint("remaining_amount = current_amount - executed_amount", name="remaining_agrees"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    account_code: Mapped[str] = mapped_column(String(CODE_MAX))  # 会計
    account_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    chapter_code: Mapped[str] = mapped_column(String(CODE_MAX))  # 款
    chapter_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    section_code: Mapped[str] = mapped_column(String(CODE_MAX))  # 項
    section_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    item_code: Mapped[str] = mapped_column(String(CODE_MAX))  # 目
    item_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    project_code: Mapped[str] = mapped_column(String(CODE_MAX), default="")  # 事業 ('' = none)
    project_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    subitem_code: Mapped[str] = mapped_column(String(CODE_MAX))  # 節
    subitem_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    detail_code: Mapped[str] = mapped_column(String(CODE_MAX), default="")  # 細節 ('' = none)
    detail_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)  # 所管課
    current_amount: Mapped[int] = mapped_column(BigInteger)  # 予算現額
    allotted_amount: Mapped[int | None] = mapped_column(BigInteger)  # 配当額 (not every finance system sends it)
    executed_amount: Mapped[int] = mapped_column(BigInteger)  # 執行済額 (支出負担行為額)
    remaining_amount: Mapped[int] = mapped_column(BigInteger)  # 執行残額 = 予算現額 − 執行済額
    #: Set when an import of the line's 年度 no longer held it (「最新の取込になし」): the day (Japan) of that
    #: import and the batch; cleared when a later import holds it again. The line is never deleted.
    absent_since: Mapped[date | None] = mapped_column(Date)
    absent_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship()

    @property
    def key(self) -> tuple:
        return tuple(getattr(self, f) for f in KEY_FIELDS)

    @property
    def is_absent(self) -> bool:
        return self.absent_since is not None

    @property
    def title(self) -> str:
        """The line as staff write it: ``08土木費-01-01 14工事請負費`` (款 and its name, 項, 目, then 事業 when
        there is one, 節 and its name, then 細節)."""
        return line_title(self)

    @property
    def execution_rate(self) -> float | None:
        """執行率 (執行済額 ÷ 予算現額) as a fraction, None for a line without budget."""
        return self.executed_amount / self.current_amount if self.current_amount else None


def line_title(row) -> str:
    """``BudgetLine.title`` of a line or of a row holding its code and name columns."""
    path = f"{row.chapter_code}{row.chapter_name or ''}-{row.section_code}-{row.item_code}"
    if row.project_code:
        path += f"-{row.project_code}{row.project_name or ''}"
    title = f"{path} {row.subitem_code}{row.subitem_name or ''}"
    if row.detail_code:
        title += f"-{row.detail_code}{row.detail_name or ''}"
    return title


class BudgetLineImport(Base):
    """One import's effect on one line: created, changed, or flagged as no longer held; with the amounts the
    line had after it (the amounts of earlier imports are never lost)."""

    __tablename__ = "budget_line_imports"
    __table_args__ = (
        Index("ix_budget_line_imports_line_id_batch_id", "line_id", "batch_id"),
        CheckConstraint("event IN ('new', 'updated', 'absent')", name="event_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    #: ``new`` / ``updated`` / ``absent`` (see ``EVENT_LABELS``).
    event: Mapped[str] = mapped_column(String(16))
    current_amount: Mapped[int] = mapped_column(BigInteger)
    allotted_amount: Mapped[int | None] = mapped_column(BigInteger)
    executed_amount: Mapped[int] = mapped_column(BigInteger)
    remaining_amount: Mapped[int] = mapped_column(BigInteger)


EVENT_LABELS = {"new": "新規", "updated": "更新", "absent": "ファイルになし"}
