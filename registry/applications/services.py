"""The applicant's side of an application (SPEC QA1, QA3, QA4): start, fill in section by section, attach
documents, submit, correct and resubmit a returned one, file a 変更届.

Every function takes the applicant's ``ApplicantAccount`` and refuses an application of another account
(``NotFound``: the other firm's application does not exist for this applicant). Only a draft or a returned
application can change. Each write is logged; status steps are also kept as ``ApplicationEvent`` rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.audit.services import record
from core.errors import DomainError, NotFound, ValidationFailed
from core.jp import fiscal_year
from core.mail import Mail
from core.rules.numbering import number_prefix, sequence_of
from core.search import starts_with_text
from core.sequences import next_number
from core.storage import Storage
from core.timefmt import today
from registry.qualifications.ranks.periods import period_choices, period_label, qualification_period

from . import attachments as files
from . import checks, content
from .models import OPEN_STATES, ApplicantAccount, Application, ApplicationAttachment, ApplicationEvent


def register_labels() -> None:
    """Audit labels of this module's operations (called by ``registry.init_app``)."""
    register_operations({
        "application.create": "資格審査申請の作成",
        "application.save": "資格審査申請の入力",
        "application.attach": "資格審査申請への添付",
        "application.detach": "資格審査申請の添付の取消",
        "application.submit": "資格審査申請の提出",
    }, {"applications": "資格審査申請"})


class NotEditable(DomainError):
    """The application is not a draft or returned; the message is safe to show."""


def own_application(session: Session, account: ApplicantAccount, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None or application.account_id != account.id:
        raise NotFound("申請が見つかりません。")
    return application


def applications_of(session: Session, account: ApplicantAccount) -> list[Application]:
    return list(session.scalars(select(Application).where(Application.account_id == account.id)
                                .order_by(Application.created_at.desc(), Application.id.desc())))


def event(session: Session, application: Application, actor, action: str, *, label: str | None = None,
          comment: str | None = None, at: datetime | None = None) -> ApplicationEvent:
    row = ApplicationEvent(application_id=application.id, actor_id=getattr(actor, "id", None),
                           actor_label=label or (actor.name if actor is not None else "システム"), action=action,
                           status_after=application.status, revision=application.revision, comment=comment,
                           **({"at": at} if at else {}))
    session.add(row)
    return row


#: 受付番号 ``S2026-00001``: the fiscal year and a sequence that restarts each fiscal year.
REFERENCE_PATTERN = "S{fy}-{seq:05d}"


def next_reference(session: Session, on_date: date) -> str:
    """Take the next 受付番号 from its sequence (``core.sequences``: two app servers never hand out one number).
    The first number of a year follows the largest one already there (references made before the sequence)."""
    fy = fiscal_year(on_date)

    def floor() -> int:
        refs = session.scalars(select(Application.reference).where(
            starts_with_text(Application.reference, number_prefix(REFERENCE_PATTERN, fiscal_year=fy))))
        return max((s for r in refs if (s := sequence_of(REFERENCE_PATTERN, r, fiscal_year=fy)) is not None), default=0)

    def taken(reference: str) -> bool:
        return session.scalar(select(Application.id).where(Application.reference == reference)) is not None

    return next_number(session, rule_key="application_reference", pattern=REFERENCE_PATTERN, day=on_date,
                       taken=taken, floor=floor)


def _editable(application: Application) -> None:
    if not application.is_editable:
        raise NotEditable(f"この申請は「{application.status_label}」のため変更できません。")


def _log(session: Session, account: ApplicantAccount, application: Application, operation: str, summary: str):
    record(session, account.user, operation, f"{application.reference} {summary}", target=application)


# --- start --------------------------------------------------------------------------------------------------


def qualified_until(session: Session, account: ApplicantAccount) -> date | None:
    """Last day of the latest accepted 新規申請's period, or None when the firm holds no qualification."""
    years = session.scalars(select(Application.period_start_year).where(
        Application.account_id == account.id, Application.kind == "new", Application.status == "accepted",
        Application.period_start_year.is_not(None)))
    ends = [qualification_period(session, y)[1] for y in years]
    return max(ends) if ends else None


def period_options(session: Session) -> list[tuple[int, str]]:
    """Periods an applicant may apply for: the current one and the next one."""
    return period_choices(session)[1:]


def can_file_change(session: Session, account: ApplicantAccount) -> bool:
    until = qualified_until(session, account)
    return account.contractor_number is not None and until is not None and until >= today()


def _latest_accepted(session: Session, account: ApplicantAccount) -> Application | None:
    return session.scalar(select(Application).where(Application.account_id == account.id,
                                                    Application.status == "accepted")
                          .order_by(Application.decided_at.desc(), Application.id.desc()).limit(1))


def start_application(session: Session, account: ApplicantAccount, kind: str, now: datetime) -> Application:
    """Open a draft. A 変更届 starts from the data of the latest accepted application (the registry as the
    applicant knows it) and needs a qualification still valid today."""
    if kind not in ("new", "change"):
        raise ValidationFailed({"kind": ["申請の種類を選んでください。"]})
    open_same = session.scalar(select(Application).where(
        Application.account_id == account.id, Application.kind == kind, Application.status.in_(OPEN_STATES)))
    if open_same is not None:
        raise ValidationFailed({"kind": [f"手続中の{open_same.kind_label}（受付番号 {open_same.reference}）があります。"
                                         "そちらを続けてください。"]})
    data = content.empty_data(kind)
    if kind == "change":
        if not can_file_change(session, account):
            raise ValidationFailed({"kind": ["変更届は、受理された資格の有効期間中に出せます。"]})
        base = _latest_accepted(session, account)
        for section in ("company", "permits", "keishin", "technicians"):
            data[section] = (base.data or {}).get(section, data[section])
    data["company"].setdefault("name", account.firm_name)
    data["company"].setdefault("email", account.email)
    application = Application(reference=next_reference(session, today()), kind=kind, status="draft",
                              origin="local", account_id=account.id, applicant_email=account.email,
                              firm_name=data["company"].get("name") or account.firm_name,
                              contractor_number=account.contractor_number if kind == "change" else None,
                              data=data, revision=0, created_at=now)
    session.add(application)
    session.flush()
    event(session, application, account.user, "create", label="申請者", at=now)
    _log(session, account, application, "application.create", f"{application.kind_label}を作成")
    return application


# --- sections ------------------------------------------------------------------------------------------------


def _store(application: Application, section: str, value) -> None:
    data = dict(application.data or {})
    data[section] = value
    application.data = data  # a new dict, so the JSON column is written
    if section == "company":
        application.firm_name = (value.get("name") or application.firm_name)[:200]


def save_company(session: Session, account: ApplicantAccount, application: Application, raw: dict) -> None:
    _editable(application)
    company, errors = content.clean_company(session, raw)
    if errors:
        raise ValidationFailed(errors)
    _store(application, "company", company)
    _log(session, account, application, "application.save", "会社情報を保存")


def save_categories(session: Session, account: ApplicantAccount, application: Application,
                    categories: dict[str, list[str]], period_start_year: int | None) -> None:
    _editable(application)
    cleaned, errors = content.clean_categories(session, categories)
    allowed = {year for year, _ in period_options(session)}
    if period_start_year not in allowed:
        errors.setdefault("period_start_year", []).append("申請する資格の有効期間を選んでください。")
    if errors:
        raise ValidationFailed(errors)
    _store(application, "categories", cleaned)
    application.period_start_year = period_start_year
    start, end = qualification_period(session, period_start_year)
    count = sum(len(v) for v in cleaned.values())
    _log(session, account, application, "application.save",
         f"申請する業種を保存（{count} 業種、{period_label(session, start, end)}）")


def _rows(application: Application, section: str) -> list[dict]:
    if section not in content.SECTIONS_BY_KIND[application.kind] or section not in content.ROW_SECTIONS:
        raise NotFound("この申請にない項目です。")
    return list((application.data or {}).get(section) or [])


def save_row(session: Session, account: ApplicantAccount, application: Application, section: str, raw: dict,
             index: int | None = None) -> None:
    """Add a row (``index`` None) or replace row ``index`` (0-based) of a list section."""
    _editable(application)
    rows = _rows(application, section)
    row, errors = content.clean_row(session, section, raw)
    if errors:
        raise ValidationFailed(errors)
    if index is None:
        if len(rows) >= content.MAX_ROWS[section]:
            raise ValidationFailed({"": [f"{content.SECTIONS[section]}は {content.MAX_ROWS[section]} 件までです。"]})
        key = {"permits": "work_type_code"}.get(section)
        if key and any(r.get(key) == row[key] for r in rows):
            raise ValidationFailed({key: ["この業種の許可は入力済みです。変更するときは一覧の「変更」から直してください。"]})
        if section == "keishin" and any(r.get("work_type_code") == row["work_type_code"]
                                        and r.get("base_date") == row["base_date"] for r in rows):
            raise ValidationFailed({"base_date": ["この業種・審査基準日の経審は入力済みです。"]})
        rows.append(row)
    else:
        if not 0 <= index < len(rows):
            raise NotFound("行が見つかりません。")
        rows[index] = row
    _store(application, section, rows)
    _log(session, account, application, "application.save",
         f"{content.SECTIONS[section]}を{'追加' if index is None else '変更'}: {content.row_summary(session, section, row)}")


def remove_row(session: Session, account: ApplicantAccount, application: Application, section: str,
               index: int) -> None:
    _editable(application)
    rows = _rows(application, section)
    if not 0 <= index < len(rows):
        raise NotFound("行が見つかりません。")
    removed = rows.pop(index)
    _store(application, section, rows)
    _log(session, account, application, "application.save",
         f"{content.SECTIONS[section]}を削除: {content.row_summary(session, section, removed)}")


def save_declarations(session: Session, account: ApplicantAccount, application: Application,
                      agreed: set[str]) -> None:
    _editable(application)
    if application.kind != "new":
        raise NotFound("この申請にない項目です。")
    items = dict(content.declaration_items(session))
    _store(application, "declarations", {code: True for code in items if code in agreed})
    _log(session, account, application, "application.save", f"誓約（{len(agreed & set(items))}/{len(items)} 項目に同意）")


def save_change_note(session: Session, account: ApplicantAccount, application: Application, note: str) -> None:
    _editable(application)
    if application.kind != "change":
        raise NotFound("この申請にない項目です。")
    note = (note or "").strip()
    if len(note) > content.CHANGE_NOTE_MAX:
        raise ValidationFailed({"change_note": [f"変更の内容は {content.CHANGE_NOTE_MAX} 文字以内で入力してください。"]})
    _store(application, "change_note", note)
    _log(session, account, application, "application.save", "変更の内容を保存")


# --- attachments ------------------------------------------------------------------------------------------------


def add_attachment(session: Session, account: ApplicantAccount, application: Application, *, document_code: str,
                   filename: str | None, content_bytes: bytes, storage_root: str, max_bytes: int,
                   now: datetime) -> ApplicationAttachment:
    _editable(application)
    if document_code not in dict(content.document_items(session)):
        raise ValidationFailed({"document_code": ["書類の種類を選んでください。"]})
    checked = files.check_file(filename, content_bytes, max_bytes)
    if len(application.live_attachments) >= 30:
        raise ValidationFailed({"file": ["添付できるのは 30 ファイルまでです。不要なものを取り消してください。"]})
    stored = Storage(storage_root).save(session, files.AREA, checked.content, max_bytes=max_bytes).name
    attachment = ApplicationAttachment(application_id=application.id, document_code=document_code,
                                       original_name=checked.original_name, stored_name=stored,
                                       content_type=checked.content_type, size=len(checked.content),
                                       sha256=checked.sha256, uploaded_at=now)
    session.add(attachment)
    session.flush()
    session.refresh(application, ["attachments"])
    _log(session, account, application, "application.attach",
         f"{content.document_title(session, document_code)}を添付: {checked.original_name}（{len(checked.content):,} バイト）")
    return attachment


def own_attachment(session: Session, account: ApplicantAccount, application: Application,
                   attachment_id: int) -> ApplicationAttachment:
    attachment = session.get(ApplicationAttachment, attachment_id)
    if attachment is None or attachment.application_id != application.id or application.account_id != account.id:
        raise NotFound("添付ファイルが見つかりません。")
    return attachment


def remove_attachment(session: Session, account: ApplicantAccount, application: Application,
                      attachment: ApplicationAttachment, now: datetime) -> None:
    """Take a file off the application; the row and the file are kept (never lose data)."""
    _editable(application)
    if attachment.removed_at is None:
        attachment.removed_at = now
        _log(session, account, application, "application.detach", f"添付を取消: {attachment.original_name}")


# --- submission -------------------------------------------------------------------------------------------------


def submission_problems(session: Session, application: Application) -> list[content.Problem]:
    codes = {a.document_code for a in application.live_attachments}
    return content.problems(session, application.kind, application.data or {}, codes, application.period_start_year)


def submit(session: Session, account: ApplicantAccount, application: Application, now: datetime) -> Mail:
    """Submit (or resubmit after a return); refused with every problem listed while any remains."""
    _editable(application)
    found = submission_problems(session, application)
    if found:
        raise ValidationFailed({p.section: [p.message] for p in found} if len(found) == 1 else
                               {"": [f"{p.section_label}: {p.message}" for p in found]})
    resubmission = application.status == "returned"
    application.transition("submit")
    if resubmission:
        checks.carry_checks(session, application)
    application.revision += 1
    application.submitted_at = now
    application.transferred_at = None
    event(session, application, account.user, "resubmit" if resubmission else "submit", label="申請者", at=now)
    _log(session, account, application, "application.submit",
         f"{application.kind_label}を{'再提出' if resubmission else '提出'}（第 {application.revision} 版）")
    subject = f"【入札参加資格審査申請】{application.kind_label}を受け付けました（{application.reference}）"
    return Mail(application.applicant_email, subject,
                f"{application.firm_name} 様\n\n{application.kind_label}（受付番号 {application.reference}）を"
                f"{'再提出' if resubmission else '提出'}いただきました。\n"
                "審査の結果はこのメールアドレスにお知らせします。状況は申請者ページでも確認できます。\n")
