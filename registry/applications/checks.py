"""Staff's checks of an application's sections (SPEC QA2): saving them for the whole page at once, the notes
that go back to the applicant with a return, and what survives a resubmission.

A return keeps the checks and a snapshot of the returned revision (``Application.previous_data``). When the
applicant resubmits, the checks of the sections whose content did not change are kept (staff need not confirm
them again); the others are cleared, and ``section_changes`` tells staff what changed, section by section.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.errors import ValidationFailed, require
from registry.contractors.models import CATEGORIES
from registry.contractors.validation import FIELD_LABELS
from registry.permissions import can_edit_registry

from . import content
from .models import Application, ApplicationCheck

COMMENT_MAX = 4000


def note_field(section: str) -> str:
    """The form field of a section's note (errors are raised on it)."""
    return f"{section}_note"


def save_checks(session: Session, actor, application: Application, values: dict[str, tuple[bool, str | None]],
                now: datetime) -> list[str]:
    """Save the check of every section given, ``{section: (ok, note)}``, all or nothing: one bad note refuses
    the whole page, with the message on that section's note field. Returns the labels of the changed sections."""
    require(can_edit_registry(actor))
    application.transition("check")
    sections = content.SECTIONS_BY_KIND[application.kind]
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, tuple[bool, str | None]] = {}
    for section, (ok, note) in values.items():
        if section not in sections:
            raise ValidationFailed({"section": ["確認する項目を選んでください。"]})
        note = (note or "").strip() or None
        label = content.SECTIONS[section]
        if note and len(note) > COMMENT_MAX:
            errors[note_field(section)] = [f"「{label}」の指摘は {COMMENT_MAX:,} 文字以内で入力してください。"]
        elif ok and note:
            errors[note_field(section)] = [f"「{label}」: 「確認済み」にするときは指摘を空にしてください"
                                           "（指摘があるときは確認済みにしません）。"]
        cleaned[section] = (bool(ok), note)
    if errors:
        raise ValidationFailed(errors)
    rows = {c.section: c for c in session.scalars(select(ApplicationCheck).where(
        ApplicationCheck.application_id == application.id))}
    changed = []
    for section, (ok, note) in cleaned.items():
        row = rows.get(section)
        if row is not None and (row.ok, row.note) == (ok, note):
            continue  # unchanged: keeps who checked it and when
        if row is None:
            if not ok and not note:
                continue
            row = ApplicationCheck(application_id=application.id, section=section)
            session.add(row)
        row.ok, row.note, row.checked_by_id, row.checked_at = ok, note, actor.id, now
        changed.append(section)
    session.flush()
    session.refresh(application, ["checks"])
    if changed:
        summary = "、".join(f"{content.SECTIONS[s]}: {_state(*cleaned[s])}" for s in changed)
        record(session, actor, "application.check", f"{application.reference} {application.firm_name} {summary}",
               target=application)
    return [content.SECTIONS[s] for s in changed]


def _state(ok: bool, note: str | None) -> str:
    return "確認済み" if ok else ("指摘あり" if note else "未確認に戻す")


def section_notes(application: Application) -> dict[str, str]:
    """{section: note} of the sections staff left a note on, in the order of the application's sections."""
    notes = {c.section: c.note for c in application.checks if c.note}
    return {s: notes[s] for s in content.SECTIONS_BY_KIND[application.kind] if s in notes}


def notes_text(comment: str | None, notes: dict[str, str] | None) -> str:
    """The comment and the notes per section as one text (the mail and the step log)."""
    lines = [comment] if comment else []
    lines += [f"【{content.SECTIONS.get(s, s)}】{note}" for s, note in (notes or {}).items()]
    return "\n".join(lines)


# --- resubmission ----------------------------------------------------------------------------------------------


def snapshot(application: Application) -> dict:
    """What a revision contains, section by section, to compare the next revision with."""
    data = application.data or {}
    shot = {s: data.get(s) for s in ("company", "permits", "keishin", "technicians", "works", "declarations")}
    shot["change"] = data.get("change_note") or ""
    shot["categories"] = {"period_start_year": application.period_start_year, "codes": data.get("categories") or {}}
    shot["attachments"] = sorted([a.document_code, a.sha256, a.original_name] for a in application.live_attachments)
    return shot


def _same(a, b) -> bool:
    return json.dumps(a, sort_keys=True, ensure_ascii=False) == json.dumps(b, sort_keys=True, ensure_ascii=False)


def changed_sections(application: Application) -> set[str] | None:
    """Sections whose content differs from the returned revision; None when there is no returned revision."""
    before = application.previous_data
    if not before:
        return None
    now = snapshot(application)
    return {s for s in content.SECTIONS_BY_KIND[application.kind] if not _same(before.get(s), now.get(s))}


def carry_checks(session: Session, application: Application) -> None:
    """On resubmission: keep the checks of unchanged sections, clear those of changed ones (and every check
    when the returned revision is unknown). The notes sent with the return stay in the step log."""
    changed = changed_sections(application)
    for row in list(application.checks):
        if changed is None or row.section in changed:
            session.delete(row)
    session.flush()
    session.refresh(application, ["checks"])


def section_changes(session: Session, application: Application) -> dict[str, list[str]]:
    """{section: [what changed]} since the returned revision, for the sections that changed; {} when this is
    the first revision."""
    before = application.previous_data
    if not before:
        return {}
    now = snapshot(application)
    return {s: _describe(session, s, before.get(s), now.get(s)) or ["内容を変更"]
            for s in content.SECTIONS_BY_KIND[application.kind] if not _same(before.get(s), now.get(s))}


def _describe(session: Session, section: str, old, new) -> list[str]:
    if section == "company":
        old, new = old or {}, new or {}
        return [f"{FIELD_LABELS[f]}: {old.get(f) or '—'} → {new.get(f) or '—'}" for f in content.COMPANY_FIELDS
                if (old.get(f) or None) != (new.get(f) or None)]
    if section == "categories":
        old, new = old or {}, new or {}
        lines = ["資格の有効期間を変更"] if old.get("period_start_year") != new.get("period_start_year") else []
        for category, label in CATEGORIES.items():
            was = set((old.get("codes") or {}).get(category) or [])
            now = set((new.get("codes") or {}).get(category) or [])
            lines += [f"{label}: 追加 {code}" for code in sorted(now - was)]
            lines += [f"{label}: 削除 {code}" for code in sorted(was - now)]
        return lines
    if section in content.ROW_SECTIONS:
        was = [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in old or []]
        now = [json.dumps(r, sort_keys=True, ensure_ascii=False) for r in new or []]
        return ([f"削除: {content.row_summary(session, section, json.loads(r))}" for r in was if r not in now]
                + [f"追加: {content.row_summary(session, section, json.loads(r))}" for r in now if r not in was])
    if section == "attachments":
        was = {tuple(a[:2]): a[2] for a in old or []}
        now = {tuple(a[:2]): a[2] for a in new or []}
        return ([f"削除: {name}" for key, name in was.items() if key not in now]
                + [f"追加: {name}" for key, name in now.items() if key not in was])
    if section == "change":
        return ["変更の内容を修正"]
    return ["同意の内容を変更"]
