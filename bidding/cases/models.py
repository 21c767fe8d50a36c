"""Tender cases (入札案件, SPEC CM2): the case from its draft to completion, with its state machine.

A case moves through ``STATES`` only by ``TenderCase.transition`` (the table ``TRANSITIONS`` says from where
each step may start); e-approval (決裁, SPEC CM14) is a second, smaller state kept beside it: a case is
published or its firms are nominated only once approved, and an approved case is not edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
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
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from bidding.budget.models import BudgetLine
from core.auth.models import Department, User
from core.db import Base, utcnow
from core.errors import InvalidTransition
from registry.contractors.models import CATEGORIES, in_values

#: 入札方式. ``open`` methods publish a notice (公告) and take applications; ``nominated`` ones nominate firms
#: (指名通知; a 随意契約 asks the firms it names for quotations).
METHODS = {
    "open_restricted": "一般競争入札（制限付）",
    "open_post_review": "一般競争入札（事後審査型）",
    "nominated": "指名競争入札",
    "negotiated": "随意契約",
    "value_standard": "総合評価落札方式（標準型）",
    "value_simple": "総合評価落札方式（簡易型）",
    "value_special": "総合評価落札方式（特別簡易型）",
}
OPEN_METHODS = frozenset({"open_restricted", "open_post_review", "value_standard", "value_simple", "value_special"})
NOMINATED_METHODS = frozenset({"nominated", "negotiated"})

#: Which floor the case uses: 最低制限価格 (bids below are rejected) or 低入札価格調査基準価格 (bids below are
#: investigated), or none (e.g. goods).
FLOOR_KINDS = {"minimum": "最低制限価格", "survey": "低入札価格調査基準価格", "none": "設定しない"}
#: 総合評価落札方式の評価の方法 (``bidding.evaluation``).
EVALUATION_METHODS = {"division": "除算方式", "addition": "加算方式"}
#: 予定価格の公表: before the tender (事前) or after the opening (事後).
DISCLOSURES = {"before": "事前公表", "after": "事後公表"}

STATES = {
    "draft": "起案",
    "published": "公告済",
    "nominated": "指名済",
    "closed": "入札締切",
    "opened": "開札済",
    "awarded": "落札決定",
    "contracted": "契約済",
    "completed": "完成",
    "failed": "不調",
    "cancelled": "中止",
}
STATE_BADGES = {"draft": "badge--neutral", "published": "badge--info", "nominated": "badge--info",
                "closed": "badge--warning", "opened": "badge--warning", "awarded": "badge--success",
                "contracted": "badge--success", "completed": "badge--neutral", "failed": "badge--danger",
                "cancelled": "badge--danger"}
#: 決裁 (e-approval) of the case before its publication or nomination.
APPROVALS = {"drafting": "起案中", "approved": "決裁済"}

#: Areas a participation condition may name (the registry's 地域区分 codes).
AREA_CODES = ("city", "near", "outside")


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    #: Japanese message when refused; ``{state}`` is the current state's label.
    refusal: str


#: The case's state machine: every state change goes through ``TenderCase.transition``.
TRANSITIONS = {
    "publish": Transition(frozenset({"draft"}), "published",
                          "「{state}」の案件は公告できません（起案中の案件だけ公告できます）。"),
    "nominate": Transition(frozenset({"draft"}), "nominated",
                           "「{state}」の案件は指名通知できません（起案中の案件だけ指名できます）。"),
    "close": Transition(frozenset({"published", "nominated"}), "closed", "「{state}」の案件は入札を締め切れません。"),
    "open_bids": Transition(frozenset({"closed"}), "opened", "「{state}」の案件は開札できません（入札締切後に開札します）。"),
    "award": Transition(frozenset({"opened"}), "awarded", "「{state}」の案件は落札決定できません（開札後に決定します）。"),
    "undo_award": Transition(frozenset({"awarded"}), "opened", "「{state}」の案件の落札決定は取り消せません。"),
    "fail": Transition(frozenset({"opened"}), "failed", "「{state}」の案件は不調にできません（開札後に判断します）。"),
    "contract": Transition(frozenset({"awarded"}), "contracted", "「{state}」の案件は契約できません（落札決定後に契約します）。"),
    "complete": Transition(frozenset({"contracted"}), "completed", "「{state}」の案件は完成にできません。"),
    "cancel": Transition(frozenset({"draft", "published", "nominated", "closed", "opened"}), "cancelled",
                         "「{state}」の案件は中止できません（落札決定の前まで中止できます）。"),
}
#: States before any firm has been told of the case: the content may still change (before 決裁).
DRAFT_STATES = frozenset({"draft"})
#: States in which the case is still running towards an award (lists and queues).
RUNNING_STATES = frozenset({"draft", "published", "nominated", "closed", "opened"})


class TenderCase(Base):
    """入札案件: one procurement from its draft (起案) to the completion of the work."""

    __tablename__ = "tender_cases"
    __table_args__ = (
        CheckConstraint(f"state IN ({in_values(STATES)})", name="state_known"),
        CheckConstraint(f"approval IN ({in_values(APPROVALS)})", name="approval_known"),
        CheckConstraint(f"method IN ({in_values(METHODS)})", name="method_known"),
        CheckConstraint(f"category IN ({in_values(CATEGORIES)})", name="category_known"),
        CheckConstraint(f"floor_kind IN ({in_values(FLOOR_KINDS)})", name="floor_kind_known"),
        CheckConstraint(f"disclosure IN ({in_values(DISCLOSURES)})", name="disclosure_known"),
        CheckConstraint(f"evaluation_method IS NULL OR evaluation_method IN ({in_values(EVALUATION_METHODS)})",
                        name="evaluation_method_known"),
        CheckConstraint("planned_price IS NULL OR planned_price >= 0", name="planned_price_not_negative"),
        CheckConstraint("design_amount IS NULL OR design_amount >= 0", name="design_amount_not_negative"),
        CheckConstraint("floor_price IS NULL OR planned_price IS NULL OR floor_price <= planned_price",
                        name="floor_within_planned"),
        CheckConstraint("approval = 'drafting' OR approved_at IS NOT NULL", name="approval_recorded"),
        Index("ix_tender_cases_fy_department", "fiscal_year", "department_id"),
        Index("ix_tender_cases_opening", "opening_at"),
        Index("ix_tender_cases_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: 案件番号 from the ``numbering`` rule (unique; migrated numbers are kept as they were).
    number: Mapped[str] = mapped_column(String(40), unique=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    #: 担当課: the department that owns the case (department scope).
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    category: Mapped[str] = mapped_column(String(16))
    #: 業種・業務・営業品目 code of the registry's code list.
    work_type_code: Mapped[str] = mapped_column(String(10))
    place: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(20))

    # Prices (integer yen, before tax). The breakdown is keyed by the components of the price model of the
    # category (``bidding.prices.components``).
    design_amount: Mapped[int | None] = mapped_column(BigInteger)
    planned_price: Mapped[int | None] = mapped_column(BigInteger)
    cost_breakdown: Mapped[dict] = deferred(mapped_column(JSON, default=dict))
    #: The price model's category of the breakdown (``bidding.prices.categories``: works, works.building, civil …).
    price_category: Mapped[str | None] = mapped_column(String(40))
    floor_kind: Mapped[str] = mapped_column(String(10), default="minimum")
    #: The floor computed by the model in force on the case's date (or entered where no model applies).
    floor_price: Mapped[int | None] = mapped_column(BigInteger)
    #: The name of the model that gave ``floor_price`` (empty: entered by hand).
    floor_model: Mapped[str | None] = mapped_column(String(200))
    disclosure: Mapped[str] = mapped_column(String(10), default="after")
    #: 総合評価: 除算方式 (``division``) or 加算方式 (``addition``), and B, the 加算点 a bidder can reach at most.
    evaluation_method: Mapped[str | None] = mapped_column(String(10))
    evaluation_max_points: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))

    # Participation conditions.
    #: Ranks allowed (等級), e.g. "A,B"; empty: any rank.
    allowed_ranks: Mapped[str | None] = mapped_column(String(40))
    #: Areas allowed (地域区分 codes), e.g. "city,near"; empty: any area.
    allowed_areas: Mapped[str | None] = mapped_column(String(40))
    #: Minimum 総合評定値 P (客観点) of the case's 業種; None: no minimum.
    min_points: Mapped[int | None] = mapped_column(Integer)
    #: Required 技術者 qualification (text matched against the firm's technicians).
    required_qualification: Mapped[str | None] = mapped_column(String(200))

    # Dates.
    drafted_on: Mapped[date] = mapped_column(Date)
    #: 公告日 (open methods) or 指名通知日 (nominated methods).
    notice_on: Mapped[date | None] = mapped_column(Date)
    questions_until: Mapped[date | None] = mapped_column(Date)
    bids_from: Mapped[date | None] = mapped_column(Date)
    bids_until: Mapped[date | None] = mapped_column(Date)
    #: 開札日時, Japan local time.
    opening_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: 工期: a number of days, or from–to dates.
    work_days: Mapped[int | None] = mapped_column(Integer)
    work_from: Mapped[date | None] = mapped_column(Date)
    work_to: Mapped[date | None] = mapped_column(Date)

    state: Mapped[str] = mapped_column(String(12), default="draft")
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    approval: Mapped[str] = mapped_column(String(10), default="drafting")
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The 不調 case this one tenders again.
    retender_of_id: Mapped[int | None] = mapped_column(ForeignKey("tender_cases.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship()
    approved_by: Mapped[User | None] = relationship()
    retender_of: Mapped[TenderCase | None] = relationship(remote_side=[id])
    charges: Mapped[list[CaseBudgetCharge]] = relationship(back_populates="case", order_by="CaseBudgetCharge.id")

    def __repr__(self) -> str:
        return f"<TenderCase {self.number} {self.state}>"

    # --- labels ---------------------------------------------------------------------------------------

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def state_badge(self) -> str:
        return STATE_BADGES.get(self.state, "badge--neutral")

    @property
    def method_label(self) -> str:
        return METHODS.get(self.method, self.method)

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def approval_label(self) -> str:
        return APPROVALS.get(self.approval, self.approval)

    @property
    def floor_label(self) -> str:
        return FLOOR_KINDS.get(self.floor_kind, self.floor_kind)

    @property
    def disclosure_label(self) -> str:
        return DISCLOSURES.get(self.disclosure, self.disclosure)

    @property
    def is_value_method(self) -> bool:
        """総合評価落札方式: the winner is ranked by the evaluation, not by the price alone."""
        return self.method.startswith("value_")

    @property
    def evaluation_label(self) -> str:
        return EVALUATION_METHODS.get(self.evaluation_method or "", "未設定")

    @property
    def notice_label(self) -> str:
        """What ``notice_on`` means for this method: 公告日 or 指名通知日."""
        return "指名通知日" if self.is_nominated_method else "公告日"

    @property
    def is_nominated_method(self) -> bool:
        return self.method in NOMINATED_METHODS

    @property
    def rank_list(self) -> list[str]:
        return [r for r in (self.allowed_ranks or "").split(",") if r]

    @property
    def area_list(self) -> list[str]:
        return [a for a in (self.allowed_areas or "").split(",") if a]

    @property
    def price_date(self) -> date:
        """The date whose rules price the case (models apply by 公告・指名通知 date): the notice, else the draft."""
        return self.notice_on or self.drafted_on

    # --- state machine --------------------------------------------------------------------------------

    @property
    def is_approved(self) -> bool:
        return self.approval == "approved"

    @property
    def is_editable(self) -> bool:
        """The content may change: a draft not yet approved (after 決裁 it changes only by withdrawing it)."""
        return self.state in DRAFT_STATES and not self.is_approved

    def can(self, step: str) -> bool:
        try:
            self._check(step)
        except InvalidTransition:
            return False
        return True

    def _check(self, step: str) -> Transition:
        rule = TRANSITIONS[step]
        if self.state not in rule.sources:
            raise InvalidTransition(rule.refusal.format(state=self.state_label))
        if step == "publish" and self.is_nominated_method:
            raise InvalidTransition(f"{self.method_label}の案件は公告ではなく指名通知で進めます。")
        if step == "nominate" and not self.is_nominated_method:
            raise InvalidTransition(f"{self.method_label}の案件は指名通知ではなく公告で進めます。")
        if step in ("publish", "nominate") and not self.is_approved:
            raise InvalidTransition("決裁前の案件は公告・指名通知できません。先に決裁を記録してください。")
        return rule

    def transition(self, step: str) -> None:
        """Take ``step`` (see ``TRANSITIONS``) or raise ``InvalidTransition`` with the Japanese reason."""
        self.state = self._check(step).target

    def approve(self, actor, at: datetime) -> None:
        """Record 決裁 of a draft."""
        if self.state not in DRAFT_STATES:
            raise InvalidTransition(f"「{self.state_label}」の案件は決裁を記録できません（起案中の案件だけです）。")
        if self.is_approved:
            raise InvalidTransition("この案件は決裁済みです。")
        self.approval, self.approved_at, self.approved_by = "approved", at, actor

    def withdraw_approval(self) -> None:
        """Take back 決裁 of a draft not yet published, so it can be corrected (and approved again)."""
        if not self.is_approved:
            raise InvalidTransition("この案件はまだ決裁されていません。")
        if self.state not in DRAFT_STATES:
            raise InvalidTransition(f"「{self.state_label}」の案件は決裁を取り消せません（公告・指名通知の前だけです）。")
        self.approval, self.approved_at, self.approved_by = "drafting", None, None


#: States in which a case commits its charges against the budget beyond the finance system's 執行済額: before the
#: contract (a contract's 支出負担行為 reaches 執行済額 with the finance system's next export).
COMMITTING_STATES = frozenset({"draft", "published", "nominated", "closed", "opened", "awarded"})


class CaseBudgetCharge(Base):
    """予算の充当: the amount (税込) a case charges to one budget line (a case may be split over several)."""

    __tablename__ = "case_budget_charges"
    __table_args__ = (
        UniqueConstraint("case_id", "budget_line_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("tender_cases.id"))
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[TenderCase] = relationship(back_populates="charges")
    line: Mapped[BudgetLine] = relationship()
