"""Staff review of applications (SPEC QA2, CM9): start the review, return with comments, reject, or accept into
the registry (the checks per section are in ``checks``).

Acceptance applies the filed data through the registry's own services (so every registry change keeps its
history and is logged as usual) in the reviewer's transaction: the firm is created, or the matching firm
(the 変更届's 業者番号, else an active firm with the same 法人番号) is updated; registrations and 業種 are
added for the period applied for; permits, 経審 and technicians are added or updated. ``registry_diff``
shows the same comparison beforehand.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.audit.services import record
from core.errors import ValidationFailed, require
from core.jp import format_date
from core.mail import Mail
from registry.codes import work_types
from registry.contractors import services as firms
from registry.contractors.models import CATEGORIES, Contractor
from registry.contractors.validation import FIELD_LABELS
from registry.permissions import can_edit_registry
from registry.qualifications.keishin import services as keishin
from registry.qualifications.models import KeishinScore, Permit, Technician
from registry.qualifications.permits import services as permits
from registry.qualifications.permits.numbers import format_permit, parse_permit
from registry.qualifications.ranks import periods
from registry.qualifications.ranks import services as ranks
from registry.qualifications.technicians import services as technicians

from . import checks, content
from .models import Application
from .services import event


def register_labels() -> None:
    """Audit labels of this module's operations (called by ``registry.init_app``)."""
    register_operations({
        "application.review": "資格審査申請の審査開始",
        "application.check": "資格審査申請の項目確認",
        "application.return": "資格審査申請の差戻し",
        "application.reject": "資格審査申請の不受理",
        "application.accept": "資格審査申請の受理",
    })

COMMENT_MAX = checks.COMMENT_MAX


def can_review_applications(user) -> bool:
    return can_edit_registry(user)


def _check(actor) -> None:
    require(can_review_applications(actor))


def _log(session: Session, actor, application: Application, operation: str, summary: str) -> None:
    record(session, actor, operation, f"{application.reference} {application.firm_name} {summary}", target=application)


def _decision_mail(application: Application, subject: str, body: str) -> Mail | None:
    """Mail to a local applicant; a portal applicant hears through the decisions bundle on the portal."""
    if application.origin != "local" or application.account_id is None:
        return None
    return Mail(application.applicant_email, f"【入札参加資格審査申請】{subject}（{application.reference}）",
                f"{application.firm_name} 様\n\n{body}\n\n詳しくは申請者ページでご確認ください。\n")


def start_review(session: Session, actor, application: Application, now: datetime) -> None:
    _check(actor)
    application.transition("start_review")
    event(session, application, actor, "review", at=now)
    _log(session, actor, application, "application.review", "審査を開始")


def return_content(application: Application, comment: str | None) -> tuple[str, dict[str, str]]:
    """The comment and the notes per section a return would send; refused when there is nothing to say."""
    comment = (comment or "").strip()
    notes = checks.section_notes(application)
    if not comment and not notes:
        raise ValidationFailed({"comment": ["差戻しの理由（申請者への連絡）を入力するか、項目ごとの指摘を書いてください。"]})
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed({"comment": [f"連絡は {COMMENT_MAX} 文字以内で入力してください。"]})
    return comment, notes


def notes_digest(notes: dict[str, str]) -> str:
    """A short fingerprint of the notes per section shown on the confirmation page."""
    return hashlib.sha256(json.dumps(notes, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()[:32]


def return_application(session: Session, actor, application: Application, comment: str | None,
                       now: datetime, confirmed_digest: str | None = None) -> Mail | None:
    """Send back for correction with a comment and the notes per section (the applicant sees each note under
    its section). The checks stay: after the resubmission those of unchanged sections still hold.
    ``confirmed_digest``: the ``notes_digest`` of the notes the reviewer confirmed; refused when they changed
    since (another reviewer saved the page in between), so nothing unconfirmed is sent."""
    _check(actor)
    if not application.can("return"):
        application.transition("return")  # raises with the reason
    comment, notes = return_content(application, comment)
    if confirmed_digest is not None and confirmed_digest != notes_digest(notes):
        raise ValidationFailed({"": ["確認画面を表示した後に、項目ごとの指摘が変更されました（ほかの担当者が保存したため）。"
                                       "内容を確かめてから、もう一度「差し戻す」を押してください。"]})
    full = checks.notes_text(comment, notes)
    application.transition("return")
    application.decision_comment = comment or None
    application.section_notes = notes or None
    application.previous_data = checks.snapshot(application)
    application.decided_at, application.decided_by_id = now, actor.id
    application.transferred_at = None
    event(session, application, actor, "return", comment=full, at=now)
    _log(session, actor, application, "application.return", "差戻し")
    return _decision_mail(application, "申請を差し戻しました",
                          f"{application.kind_label}（受付番号 {application.reference}）について、修正をお願いします。\n\n"
                          f"{full}\n\n申請者ページで内容を修正し、再提出してください。")


def reject_reason(comment: str | None) -> str:
    """The reason of a rejection, required."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed({"comment": ["不受理の理由を入力してください。"]})
    if len(comment) > COMMENT_MAX:
        raise ValidationFailed({"comment": [f"理由は {COMMENT_MAX} 文字以内で入力してください。"]})
    return comment


def reject_application(session: Session, actor, application: Application, comment: str | None,
                       now: datetime) -> Mail | None:
    _check(actor)
    if not application.can("reject"):
        application.transition("reject")  # raises with the reason
    comment = reject_reason(comment)
    application.transition("reject")
    application.decision_comment = comment
    application.decided_at, application.decided_by_id = now, actor.id
    application.transferred_at = None
    event(session, application, actor, "reject", comment=comment, at=now)
    _log(session, actor, application, "application.reject", "不受理")
    return _decision_mail(application, "申請を受理できませんでした",
                          f"{application.kind_label}（受付番号 {application.reference}）は、"
                          "次の理由により受理できませんでした。\n\n"
                          f"{comment}")


# --- comparison with the registry -------------------------------------------------------------------------------


@dataclass
class Line:
    """One compared item: what the registry holds now and what the application brings."""

    label: str
    current: str
    applied: str

    @property
    def changed(self) -> bool:
        return self.current != self.applied


@dataclass
class RegistryDiff:
    contractor: Contractor | None
    match: str
    company: list[Line] = field(default_factory=list)
    registrations: list[Line] = field(default_factory=list)
    permits: list[Line] = field(default_factory=list)
    keishin: list[Line] = field(default_factory=list)
    technicians: list[Line] = field(default_factory=list)

    @property
    def sections(self) -> list[tuple[str, list[Line]]]:
        return [(label, lines) for label, lines in (
            ("会社情報", self.company), ("資格・業種", self.registrations), ("建設業許可", self.permits),
            ("経営事項審査", self.keishin), ("技術者", self.technicians)) if lines]

    @property
    def change_count(self) -> int:
        return sum(line.changed for _, lines in self.sections for line in lines)


def matching_contractor(session: Session, application: Application) -> tuple[Contractor | None, str]:
    if application.kind == "change":
        contractor = session.scalar(select(Contractor).where(Contractor.number == application.contractor_number))
        return contractor, (f"業者番号 {application.contractor_number} の業者" if contractor
                            else f"業者番号 {application.contractor_number} の業者が台帳にありません")
    number = ((application.data or {}).get("company") or {}).get("corporate_number")
    if number:
        contractor = session.scalar(select(Contractor).where(Contractor.corporate_number == number,
                                                             Contractor.status == "active"))
        if contractor is not None:
            return contractor, f"法人番号 {number} が同じ有効な業者（業者番号 {contractor.number}）"
    return None, "台帳に該当する業者はありません（新しく登録します）"


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    return {"corporation": "法人", "individual": "個人"}.get(value, str(value))


def _day(value) -> str:
    """A date (or ISO text from the JSON document) in the display style; 「—」 when absent."""
    if not value:
        return "—"
    return format_date(date.fromisoformat(value) if isinstance(value, str) else value)


def _wt(names: dict, code: str) -> str:
    wt = names.get(code)
    return f"{code} {wt.title}" if wt else code


def registry_diff(session: Session, application: Application) -> RegistryDiff:
    contractor, match = matching_contractor(session, application)
    data = application.data or {}
    names = work_types(session)
    diff = RegistryDiff(contractor, match)
    current = firms.contractor_snapshot(contractor) if contractor else {}
    company, _ = content.clean_company(session, data.get("company") or {})
    for key in content.COMPANY_FIELDS:
        line = Line(FIELD_LABELS[key], _text(current.get(key)), _text(company.get(key)))
        if contractor is None or line.changed:
            diff.company.append(line)
    if application.kind == "new" and application.period_start_year:
        start, end = periods.qualification_period(session, application.period_start_year)
        label = periods.period_label(session, start, end)
        for category, codes in (data.get("categories") or {}).items():
            if not codes:
                continue
            have = next((r for r in (contractor.registrations if contractor else [])
                         if r.category == category and r.period_start == start), None)
            have_codes = {w.work_type_code for w in have.work_types} if have else set()
            for code in codes:
                diff.registrations.append(Line(f"{CATEGORIES[category]} {label}",
                                               _wt(names, code) if code in have_codes else "—", _wt(names, code)))
    permits = {p.work_type_code: p for p in (contractor.permits if contractor else [])}
    for row in data.get("permits") or []:
        have = permits.get(row["work_type_code"])
        now_text = f"{format_permit(have)} 許可日 {_day(have.granted_on)}" if have else "—"
        parsed = parse_permit(row["text"])
        new_text = f"{format_permit(parsed)} 許可日 {_day(row['granted_on'])}"
        diff.permits.append(Line(_wt(names, row["work_type_code"]), now_text, new_text))
    scores = {(k.work_type_code, k.base_date.isoformat()): k for k in (contractor.keishin if contractor else [])}
    for row in data.get("keishin") or []:
        have = scores.get((row["work_type_code"], row["base_date"]))
        line = f"審査基準日 {_day(row['base_date'])} P={row['p']}"
        diff.keishin.append(Line(_wt(names, row["work_type_code"]),
                                 f"審査基準日 {_day(have.base_date)} P={have.p_entered or have.p_computed}"
                                 if have else "—", line))
    people = {t.name: t for t in (contractor.technicians if contractor else []) if t.is_active}
    if application.kind == "change":
        named = {row["name"] for row in data.get("technicians") or []}
        for name, have in people.items():
            if name not in named:
                diff.technicians.append(Line(name, f"{have.qualifications or '—'}（{_day(have.employed_since)}）",
                                             "（在籍しなくなった）"))
    for row in data.get("technicians") or []:
        have = people.get(row["name"])
        diff.technicians.append(Line(row["name"], f"{have.qualifications or '—'}（{_day(have.employed_since)}）"
                                     if have else "—",
                                     f"{row.get('qualifications') or '—'}（{_day(row.get('employed_since'))}）"))
    return diff


# --- acceptance ------------------------------------------------------------------------------------------------


def _number_category(application: Application) -> str:
    """The category whose 業者番号 a new firm gets: construction if it applies for it, else the first one."""
    applied = [c for c in CATEGORIES if ((application.data or {}).get("categories") or {}).get(c)]
    return applied[0] if applied else "construction"


def _apply_company(session: Session, actor, contractor: Contractor | None, company: dict,
                   number_category: str) -> Contractor:
    fields = {k: company.get(k) for k in content.COMPANY_FIELDS if k != "legal_form"}
    if contractor is None:
        return firms.create_contractor(session, actor, legal_form=company.get("legal_form") or "corporation",
                                       number_category=number_category, **fields)
    current = firms.contractor_snapshot(contractor)
    changed = {k: v for k, v in fields.items() if current.get(k) != v}
    if company.get("legal_form") and company["legal_form"] != contractor.legal_form:
        changed["legal_form"] = company["legal_form"]
    if changed:
        firms.update_contractor(session, actor, contractor, **changed)
    return contractor


def _apply_registrations(session: Session, actor, contractor: Contractor, application: Application) -> None:
    start, _end = periods.qualification_period(session, application.period_start_year)
    for category, codes in ((application.data or {}).get("categories") or {}).items():
        if not codes:
            continue
        registration = next((r for r in contractor.registrations
                             if r.category == category and r.period_start == start), None)
        if registration is None:
            registration = ranks.create_registration(session, actor, contractor, category=category,
                                                     start_year=application.period_start_year)
        have = {w.work_type_code for w in registration.work_types}
        for code in codes:
            if code not in have:
                ranks.add_work_type(session, actor, registration, work_type_code=code)


def _apply_rows(session: Session, actor, contractor: Contractor, data: dict, *, kind: str) -> None:
    for row in data.get("permits") or []:
        granted = date.fromisoformat(row["granted_on"]) if row.get("granted_on") else None
        have = session.scalar(select(Permit).where(Permit.contractor_id == contractor.id,
                                                   Permit.work_type_code == row["work_type_code"]))
        parsed = parse_permit(row["text"])
        if have is not None and (have.authority, have.prefecture, have.grade, have.permit_year, have.permit_number,
                                 have.office, have.granted_on) == (parsed.authority, parsed.prefecture, parsed.grade,
                                                                   parsed.year, parsed.number, parsed.office, granted):
            continue
        permits.save_permit(session, actor, contractor, work_type_code=row["work_type_code"], text=row["text"],
                          granted_on=granted)
    for row in data.get("keishin") or []:
        base = date.fromisoformat(row["base_date"])
        exists = session.scalar(select(KeishinScore.id).where(KeishinScore.contractor_id == contractor.id,
                                                              KeishinScore.work_type_code == row["work_type_code"],
                                                              KeishinScore.base_date == base))
        if not exists:
            keishin.add_keishin(session, actor, contractor, work_type_code=row["work_type_code"], base_date=base,
                              x1=row["x1"], x2=row["x2"], y=row["y"], z=row["z"], w=row["w"], p_entered=row["p"])
    for row in data.get("technicians") or []:
        employed = date.fromisoformat(row["employed_since"]) if row.get("employed_since") else None
        have = session.scalar(select(Technician).where(Technician.contractor_id == contractor.id,
                                                       Technician.name == row["name"]))
        values = {"name": row["name"], "name_kana": row.get("name_kana"),
                  "qualifications": row.get("qualifications"), "employed_since": employed}
        if have is None:
            technicians.add_technician(session, actor, contractor, **values)
        elif (have.name_kana, have.qualifications, have.employed_since) != (
                values["name_kana"], values["qualifications"], employed):
            technicians.update_technician(session, actor, have, **values)
        if have is not None and not have.is_active:
            technicians.set_technician_active(session, actor, have, True)
    if kind == "change":
        # A 変更届 lists the technicians as they are now: one no longer listed has left (kept, inactive).
        named = {row["name"] for row in data.get("technicians") or []}
        for technician in list(contractor.technicians):
            if technician.is_active and technician.name not in named:
                technicians.set_technician_active(session, actor, technician, False)


def accept_application(session: Session, actor, application: Application, comment: str | None,
                       now: datetime) -> tuple[Contractor, Mail | None]:
    """Reflect the application in the registry and mark it accepted; all in the caller's transaction."""
    _check(actor)
    if not application.can("accept"):
        application.transition("accept")  # raises with the reason
    comment = (comment or "").strip() or None
    if comment and len(comment) > COMMENT_MAX:
        raise ValidationFailed({"comment": [f"連絡は {COMMENT_MAX} 文字以内で入力してください。"]})
    contractor, _match = matching_contractor(session, application)
    if application.kind == "change" and contractor is None:
        raise ValidationFailed({"": [f"業者番号 {application.contractor_number} の業者が台帳にないため、"
                                     "変更届を反映できません。"]})
    data = application.data or {}
    company, errors = content.clean_company(session, data.get("company") or {})
    if errors:
        raise ValidationFailed({"": [m for msgs in errors.values() for m in msgs]})
    contractor = _apply_company(session, actor, contractor, company, _number_category(application))
    if application.kind == "new":
        _apply_registrations(session, actor, contractor, application)
    _apply_rows(session, actor, contractor, data, kind=application.kind)
    application.transition("accept")
    application.contractor_number = contractor.number
    application.decision_comment = comment
    application.decided_at, application.decided_by_id = now, actor.id
    application.transferred_at = None
    if application.account is not None:
        application.account.contractor_number = contractor.number
    event(session, application, actor, "accept", comment=comment, at=now)
    _log(session, actor, application, "application.accept", f"受理し業者台帳に反映（業者番号 {contractor.number}）")
    body = (f"{application.kind_label}（受付番号 {application.reference}）を受理しました。"
            f"\n業者番号は {contractor.number} です。")
    if comment:
        body += f"\n\n{comment}"
    return contractor, _decision_mail(application, "申請を受理しました", body)
