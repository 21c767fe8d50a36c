"""説明請求 (SPEC GR4; domain-japan.md §1.8): a contractor's request for an explanation of a notified grade, filed in
the portal or on paper, answered by the city; a 再説明請求 goes to the committee, whose answer keeps the grade or
corrects it. Each step has its deadline from the ``grading.deadlines`` rule."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import User
from core.db import Base, utcnow
from core.errors import InvalidTransition
from registry.contractors.models import in_values

from ..works.models import GradedWork

#: 受付 → 回答済 → (再説明請求 → 委員会審議 →) 終了 (回答) or 評定修正.
STATES = {"received": "受付", "answered": "回答済", "re_requested": "再説明請求", "committee": "委員会審議",
          "closed": "終了（評定維持）", "corrected": "終了（評定修正）"}
STATE_BADGES = {"received": "badge--warning", "answered": "badge--info", "re_requested": "badge--warning",
                "committee": "badge--warning", "closed": "badge--neutral", "corrected": "badge--success"}
CHANNELS = {"portal": "申請者ページ", "paper": "書面（職員が登録）"}
#: The committee's answer to a 再説明請求: keep the grade, or correct it.
OUTCOMES = {"keep": "評定維持", "correct": "評定修正"}
#: step → (states it may start from, state it leads to, refusal naming the current state).
TRANSITIONS = {
    "answer": (frozenset({"received"}), "answered", "「{state}」の説明請求には回答できません（受付中の請求に回答します）。"),
    "re_request": (frozenset({"answered"}), "re_requested",
                   "「{state}」の説明請求には再説明請求できません（回答のあった請求について請求できます）。"),
    "committee": (frozenset({"re_requested"}), "committee", "「{state}」の説明請求は委員会審議に付せません。"),
    "keep": (frozenset({"committee"}), "closed", "委員会審議中の再説明請求にだけ回答できます（状態: {state}）。"),
    "correct": (frozenset({"committee"}), "corrected", "委員会審議中の再説明請求にだけ回答できます（状態: {state}）。"),
}


class ExplanationRequest(Base):
    __tablename__ = "explanation_requests"
    __table_args__ = (
        CheckConstraint(f"state IN ({in_values(STATES)})", name="state_known"),
        CheckConstraint(f"channel IN ({in_values(CHANNELS)})", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("graded_works.id"), index=True)
    state: Mapped[str] = mapped_column(String(12), default="received")
    channel: Mapped[str] = mapped_column(String(10))
    filed_on: Mapped[date] = mapped_column(Date)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    content: Mapped[str] = mapped_column(Text)
    answer_due: Mapped[date] = mapped_column(Date, index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_on: Mapped[date | None] = mapped_column(Date)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    re_request_due: Mapped[date | None] = mapped_column(Date)
    re_content: Mapped[str | None] = mapped_column(Text)
    re_filed_on: Mapped[date | None] = mapped_column(Date)
    committee_due: Mapped[date | None] = mapped_column(Date)
    committee_on: Mapped[date | None] = mapped_column(Date)  # 委員会審議の日
    committee_answer: Mapped[str | None] = mapped_column(Text)
    committee_answered_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    work: Mapped[GradedWork] = relationship()
    filed_by: Mapped[User | None] = relationship(foreign_keys=[filed_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def state_badge(self) -> str:
        return STATE_BADGES.get(self.state, "badge--neutral")

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)

    @property
    def is_open(self) -> bool:
        return self.state not in {"closed", "corrected"}

    def can(self, step: str) -> bool:
        return self.state in TRANSITIONS[step][0]

    def transition(self, step: str) -> None:
        """Take ``step`` (see ``TRANSITIONS``) or raise ``InvalidTransition`` with the Japanese reason."""
        sources, target, refusal = TRANSITIONS[step]
        if self.state not in sources:
            raise InvalidTransition(refusal.format(state=self.state_label))
        self.state = target
