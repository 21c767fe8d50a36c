"""Application tables: applicant accounts and their e-mail tokens, applications with attachments, staff item
checks, the step log of each application, and the transfer bundles seen (so a bundle is never imported twice).

The content of an application (company data, 業種, permits, 経審, technicians, 実績, declarations) is one JSON
document validated by ``registry.applications.content``: it is what the applicant filed, kept as filed, and
only acceptance turns it into registry rows. Nothing is deleted: a removed draft attachment is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.auth.models import User
from core.db import Base, utcnow
from core.errors import InvalidTransition

KINDS = {"new": "新規申請", "change": "変更届"}
STATUSES = {"draft": "下書き", "submitted": "提出済", "under_review": "審査中", "returned": "差戻し",
            "accepted": "受理", "rejected": "不受理"}
#: Where the application was filed: here (``local``) or on a portal-mode app, brought in by a bundle.
ORIGINS = {"local": "この環境", "portal": "ポータル（転送）"}
#: ``notice``: the "already registered" mail of a sign-up with a known address. It carries no link; its row
#: (born used) only counts towards the hourly cap of mails per account.
TOKEN_PURPOSES = {"confirm": "メールアドレスの確認", "reset": "パスワードの再設定", "notice": "登録済みの通知"}


@dataclass(frozen=True)
class Transition:
    #: States the step may start from.
    sources: frozenset[str]
    #: State after the step (None: the state stays, e.g. checking a section during the review).
    target: str | None
    #: Japanese message when refused; ``{status}`` is the current state's label.
    refusal: str


#: The application's state machine: every status change goes through ``Application.transition``.
TRANSITIONS = {
    "submit": Transition(frozenset({"draft", "returned"}), "submitted",
                         "「{status}」の申請は提出できません（下書きか差戻しの申請だけ提出できます）。"),
    "start_review": Transition(frozenset({"submitted"}), "under_review", "「{status}」の申請は審査を始められません。"),
    "check": Transition(frozenset({"under_review"}), None,
                        "審査中の申請だけ項目を確認できます。先に「審査を始める」を押してください。"),
    "return": Transition(frozenset({"submitted", "under_review"}), "returned", "「{status}」の申請は差し戻せません。"),
    "reject": Transition(frozenset({"submitted", "under_review"}), "rejected", "「{status}」の申請は不受理にできません。"),
    "accept": Transition(frozenset({"under_review"}), "accepted", "審査中の申請だけ受理できます。"),
}
#: States in which the applicant may still change the content.
EDITABLE_STATES = frozenset({"draft", "returned"})
OPEN_STATES = frozenset({"draft", "submitted", "under_review", "returned"})
DECIDED_STATES = frozenset({"returned", "accepted", "rejected"})


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


class ApplicantAccount(Base):
    """The firm behind an applicant login (one account per firm); the login itself is a ``User`` with the
    applicant role, so lockout, login sessions and history work as for staff."""

    __tablename__ = "applicant_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    firm_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: 業者番号 once an application was accepted (a 変更届 refers to it).
    contractor_number: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class ApplicantToken(Base):
    """A one-time link sent by mail; only its SHA-256 is stored."""

    __tablename__ = "applicant_tokens"
    __table_args__ = (CheckConstraint(f"purpose IN ({_in(TOKEN_PURPOSES)})", name="purpose_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("applicant_accounts.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: A digest of the account's password hash when the link was mailed: any new password (a reset, a change,
    #: one issued by an administrator) changes the hash and so voids every link mailed before it.
    password_stamp: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    account: Mapped[ApplicantAccount] = relationship()


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(KINDS)})", name="kind_known"),
        CheckConstraint(f"status IN ({_in(STATUSES)})", name="status_known"),
        CheckConstraint(f"origin IN ({_in(ORIGINS)})", name="origin_known"),
        Index("ix_applications_status_submitted_at", "status", "submitted_at"),
        # The review list of every state pages in submission order: read from this index, not sorted.
        Index("ix_applications_submitted_at_id", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: 受付番号, the same on the portal and on the internal side (bundles match on it).
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    origin: Mapped[str] = mapped_column(String(10), default="local")
    #: The applicant here; None when the application came in a bundle (the applicant lives on the portal).
    account_id: Mapped[int | None] = mapped_column(ForeignKey("applicant_accounts.id"), index=True)
    applicant_email: Mapped[str] = mapped_column(String(254))
    firm_name: Mapped[str] = mapped_column(String(200))
    #: 変更届: the firm changed; 新規申請: the firm created or updated on acceptance.
    contractor_number: Mapped[str | None] = mapped_column(String(20))
    #: First fiscal year of the qualification period applied for (新規申請).
    period_start_year: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    #: 1 at the first submission, +1 at each resubmission after a return.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The comment of the latest return, acceptance or rejection (shown to the applicant).
    decision_comment: Mapped[str | None] = mapped_column(Text)
    #: Staff's notes per section sent with the latest return ({section: note}), shown under each section.
    section_notes: Mapped[dict | None] = mapped_column(JSON)
    #: What the returned revision contained (``checks.snapshot``): the resubmission is compared with it.
    previous_data: Mapped[dict | None] = mapped_column(JSON)
    #: Portal side: when this revision left in a bundle. Internal side: when its decision left in one.
    transferred_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    account: Mapped[ApplicantAccount | None] = relationship()
    decided_by: Mapped[User | None] = relationship()
    attachments: Mapped[list[ApplicationAttachment]] = relationship(
        back_populates="application", order_by="ApplicationAttachment.id")
    checks: Mapped[list[ApplicationCheck]] = relationship(order_by="ApplicationCheck.section")
    events: Mapped[list[ApplicationEvent]] = relationship(order_by="ApplicationEvent.id")

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def is_editable(self) -> bool:
        """The applicant may change it: a draft, or returned for correction."""
        return self.status in EDITABLE_STATES

    def can(self, step: str) -> bool:
        return self.status in TRANSITIONS[step].sources

    def transition(self, step: str) -> None:
        """Take ``step`` (see ``TRANSITIONS``) or raise ``InvalidTransition`` with the Japanese reason."""
        rule = TRANSITIONS[step]
        if self.status not in rule.sources:
            raise InvalidTransition(rule.refusal.format(status=self.status_label))
        if rule.target is not None:
            self.status = rule.target

    def mirror_status(self, status: str) -> None:
        """Take the state decided on the other side of a transfer (the portal mirrors the city's decision)."""
        if status not in STATUSES:
            raise InvalidTransition(f"不明な状態「{status}」です。")
        self.status = status

    @property
    def live_attachments(self) -> list[ApplicationAttachment]:
        return [a for a in self.attachments if not a.removed_at]


class ApplicationAttachment(Base):
    """An uploaded document, stored under a random name outside ``static/``; the applicant's file name is
    kept for display and the download name only."""

    __tablename__ = "application_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    document_code: Mapped[str] = mapped_column(String(20))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: Removed from a draft by the applicant; the row and the file stay.
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)

    application: Mapped[Application] = relationship(back_populates="attachments")


class ApplicationCheck(Base):
    """Staff's check of one section of an application: confirmed, or a note for the applicant."""

    __tablename__ = "application_checks"
    __table_args__ = (UniqueConstraint("application_id", "section"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    section: Mapped[str] = mapped_column(String(20))
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    checked_by: Mapped[User | None] = relationship()


class ApplicationEvent(Base):
    """One step of an application (saved, submitted, review started, returned, resubmitted, accepted, ...)."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Who, as shown: a staff name, 「申請者」, or 「ポータル（転送）」 for steps that came in a bundle.
    actor_label: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    status_after: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    comment: Mapped[str | None] = mapped_column(Text)


class TransferBundle(Base):
    """A signed bundle written (``out``) or read (``in``); an id read once is refused the second time."""

    __tablename__ = "transfer_bundles"
    __table_args__ = (
        CheckConstraint("direction IN ('in', 'out')", name="direction_known"),
        CheckConstraint("content IN ('applications', 'decisions')", name="content_known"),
        UniqueConstraint("bundle_id", "direction"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bundle_id: Mapped[str] = mapped_column(String(36))
    direction: Mapped[str] = mapped_column(String(3))
    content: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64))
    item_count: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
