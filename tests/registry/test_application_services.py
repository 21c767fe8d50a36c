"""The applicant's side of an application: start, sections, attachments (checked by content), submission,
and the 変更届 that needs an accepted qualification."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.auth.roles import Role
from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.jp import fiscal_year
from core.mail import Mail
from core.timefmt import today
from registry.applications import content, review, services
from registry.applications.models import Application, ApplicationAttachment, ApplicationEvent
from registry.applications.services import NotEditable
from tests.registry.applications_support import (
    JPEG,
    PDF,
    PNG,
    company,
    current_period_year,
    fill_complete,
    keishin_row,
    make_account,
    permit_row,
    submitted_application,
    technician_row,
    work_row,
)

MB = 1024 * 1024


@pytest.fixture
def account(app, db_session):
    return make_account(db_session, app, firm_name="株式会社山口土木", email="yamaguchi@example.co.jp")


@pytest.fixture
def draft(db_session, account) -> Application:
    return services.start_application(db_session, account, "new", utcnow())


def attach(session, account, application, storage, *, filename="tax.pdf", data=PDF, code="tax_certificate",
           max_bytes=MB):
    return services.add_attachment(session, account, application, document_code=code, filename=filename,
                                   content_bytes=data, storage_root=storage, max_bytes=max_bytes, now=utcnow())


def _events(session, application) -> list[str]:
    return list(session.scalars(select(ApplicationEvent.action).where(
        ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.id)))


# --- start ---------------------------------------------------------------------------------------------------


def test_start_new_application(db_session, account, draft):
    assert draft.reference == f"S{fiscal_year(today())}-00001"
    assert re.fullmatch(r"S\d{4}-\d{5}", draft.reference)
    assert (draft.kind, draft.status, draft.origin, draft.revision) == ("new", "draft", "local", 0)
    assert draft.account_id == account.id and draft.applicant_email == "yamaguchi@example.co.jp"
    assert draft.firm_name == "株式会社山口土木" and draft.contractor_number is None
    assert draft.data["company"] == {"legal_form": "corporation", "name": "株式会社山口土木",
                                     "email": "yamaguchi@example.co.jp"}
    assert draft.is_editable
    assert _events(db_session, draft) == ["create"]
    event = db_session.scalar(select(ApplicationEvent).where(ApplicationEvent.application_id == draft.id))
    assert event.actor_label == "申請者" and event.status_after == "draft"
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.operation == "application.create",
                                                      AuditEntry.target_id == str(draft.id))) is not None
    assert services.applications_of(db_session, account) == [draft]


def test_references_count_up_across_accounts(app, db_session, draft):
    other = make_account(db_session, app)
    second = services.start_application(db_session, other, "new", utcnow())
    assert second.reference == f"S{fiscal_year(today())}-00002"
    assert services.next_reference(db_session, today()) == f"S{fiscal_year(today())}-00003"


def test_second_open_application_refused(db_session, account, draft):
    with pytest.raises(ValidationFailed) as info:
        services.start_application(db_session, account, "new", utcnow())
    assert draft.reference in info.value.errors["kind"][0]
    with pytest.raises(ValidationFailed):
        services.start_application(db_session, account, "renewal", utcnow())
    assert len(services.applications_of(db_session, account)) == 1


def test_another_accounts_application_is_not_found(app, db_session, account, draft, storage):
    other = make_account(db_session, app)
    assert services.own_application(db_session, account, draft.id) is draft
    with pytest.raises(NotFound):
        services.own_application(db_session, other, draft.id)
    with pytest.raises(NotFound):
        services.own_application(db_session, account, draft.id + 1000)
    attachment = attach(db_session, account, draft, storage)
    assert services.own_attachment(db_session, account, draft, attachment.id) is attachment
    with pytest.raises(NotFound):
        services.own_attachment(db_session, other, draft, attachment.id)
    others = services.start_application(db_session, other, "new", utcnow())
    with pytest.raises(NotFound):  # an attachment of another application
        services.own_attachment(db_session, other, others, attachment.id)


# --- sections --------------------------------------------------------------------------------------------------


def test_save_company(db_session, account, draft):
    services.save_company(db_session, account, draft, company(name="株式会社山口土木建設", postal_code="７５３０００１"))
    assert draft.data["company"]["postal_code"] == "753-0001"
    assert draft.firm_name == "株式会社山口土木建設"
    db_session.flush()
    db_session.expire(draft)
    assert db_session.get(Application, draft.id).data["company"]["name"] == "株式会社山口土木建設"  # the JSON is written
    with pytest.raises(ValidationFailed) as info:
        services.save_company(db_session, account, draft, company(phone="abc", name=""))
    assert set(info.value.errors) == {"phone", "name"}
    assert draft.data["company"]["name"] == "株式会社山口土木建設"


def test_save_categories_and_period(db_session, account, draft):
    year = current_period_year(db_session)
    services.save_categories(db_session, account, draft, {"construction": ["020", "010"], "goods": ["910"]}, year)
    assert draft.data["categories"] == {"construction": ["010", "020"], "consulting": [], "goods": ["910"]}
    assert draft.period_start_year == year
    with pytest.raises(ValidationFailed) as info:
        services.save_categories(db_session, account, draft, {"construction": ["910"]}, year - 10)
    assert set(info.value.errors) == {"construction", "period_start_year"}
    assert draft.period_start_year == year


def test_save_rows_add_replace_remove(db_session, account, draft):
    services.save_row(db_session, account, draft, "permits", permit_row("010"))
    services.save_row(db_session, account, draft, "permits", permit_row("020"))
    with pytest.raises(ValidationFailed) as info:
        services.save_row(db_session, account, draft, "permits", permit_row("010", text="国土交通大臣許可（特-6）第1号"))
    assert "入力済み" in info.value.errors["work_type_code"][0]
    services.save_row(db_session, account, draft, "permits", permit_row("010", text="国土交通大臣許可（特-6）第1号"),
                      index=0)
    assert [r["text"] for r in draft.data["permits"]] == ["国土交通大臣許可（特-6）第1号", "山口県知事許可（般-5）第12345号"]
    with pytest.raises(NotFound):
        services.save_row(db_session, account, draft, "permits", permit_row("030"), index=5)
    services.remove_row(db_session, account, draft, "permits", 0)
    assert [r["work_type_code"] for r in draft.data["permits"]] == ["020"]
    with pytest.raises(NotFound):
        services.remove_row(db_session, account, draft, "permits", 3)
    with pytest.raises(ValidationFailed) as info:
        services.save_row(db_session, account, draft, "permits", permit_row("030", text="山口県知事許可（般5）第1号"))
    assert list(info.value.errors) == ["text"]
    assert len(draft.data["permits"]) == 1


def test_keishin_rows_same_type_and_base_date_refused(db_session, account, draft):
    services.save_row(db_session, account, draft, "keishin", keishin_row())
    with pytest.raises(ValidationFailed) as info:
        services.save_row(db_session, account, draft, "keishin", keishin_row(base_date=draft.data["keishin"][0]["base_date"]))
    assert "base_date" in info.value.errors
    services.save_row(db_session, account, draft, "keishin", keishin_row("020"))
    assert [r["work_type_code"] for r in draft.data["keishin"]] == ["010", "020"]
    assert all(isinstance(r["x1"], int) for r in draft.data["keishin"])


def test_row_limits_and_sections_of_the_kind(db_session, account, draft, monkeypatch):
    monkeypatch.setitem(content.MAX_ROWS, "works", 2)
    services.save_row(db_session, account, draft, "works", work_row())
    services.save_row(db_session, account, draft, "works", work_row(title="二つ目"))
    with pytest.raises(ValidationFailed) as info:
        services.save_row(db_session, account, draft, "works", work_row(title="三つ目"))
    assert "2 件まで" in info.value.errors[""][0]
    with pytest.raises(NotFound):
        services.save_row(db_session, account, draft, "declarations", {})
    with pytest.raises(NotFound):
        services.save_change_note(db_session, account, draft, "本店移転")


def test_save_declarations(db_session, account, draft):
    services.save_declarations(db_session, account, draft, {"antisocial", "made_up"})
    assert draft.data["declarations"] == {"antisocial": True}
    services.save_declarations(db_session, account, draft, {"antisocial", "truthful", "no_disqualification"})
    assert set(draft.data["declarations"]) == {"antisocial", "truthful", "no_disqualification"}


# --- attachments ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("filename", "data", "content_type"), [
    ("納税証明書.pdf", PDF, "application/pdf"),
    ("SCAN.PDF", PDF, "application/pdf"),
    ("scan.png", PNG, "image/png"),
    ("photo.jpg", JPEG, "image/jpeg"),
    ("photo.jpeg", JPEG, "image/jpeg"),
])
def test_valid_files_are_accepted_and_stored(db_session, account, draft, storage, filename, data, content_type):
    attachment = attach(db_session, account, draft, storage, filename=filename, data=data)
    assert attachment.content_type == content_type
    assert attachment.original_name == filename
    assert attachment.size == len(data) and attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
    path = Path(storage) / "attachments" / attachment.stored_name
    assert path.read_bytes() == data
    assert draft.live_attachments == [attachment]
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.operation == "application.attach")) is not None


def test_an_attachment_written_in_a_rolled_back_transaction_leaves_no_file(db_session, account, draft, storage):
    savepoint = db_session.begin_nested()
    attachment = attach(db_session, account, draft, storage, filename="tax.pdf", data=PDF)
    path = Path(storage) / "attachments" / attachment.stored_name
    assert path.exists()
    savepoint.rollback()
    assert not path.exists()  # core.storage removed the file with the rows that named it


@pytest.mark.parametrize(("filename", "data", "reason"), [
    ("tax.pdf", PNG, "拡張子が違います"),
    ("tax.png", PDF, "拡張子が違います"),
    ("photo.png", JPEG, "拡張子が違います"),
    ("tax.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "いずれでもありません"),
    ("tax.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "いずれでもありません"),
    ("tax.pdf", b" %PDF-1.4\n%%EOF\n", "いずれでもありません"),
    ("tax.pdf", b"%PDF-1.4\n1 0 obj<</S/JavaScript/JS(app.alert(1))>>endobj\ntrailer<<>>\n%%EOF\n", "/JavaScript"),
    ("tax.pdf", b"%PDF-1.4\n1 0 obj<</S/Launch/F(cmd.exe)>>endobj\ntrailer<<>>\n%%EOF\n", "/Launch"),
    ("tax.pdf", b"%PDF-1.4\n1 0 obj<</Type/EmbeddedFile>>endobj\ntrailer<<>>\n%%EOF\n", "/EmbeddedFile"),
    ("tax.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<</Encrypt 2 0 R>>\n%%EOF\n", "暗号化"),
    ("tax.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "完結していません"),
    ("photo.jpg", JPEG[:-2], "完結していません"),
    ("scan.png", PNG[:-12], "完結していません"),
    ("tax.pdf", b"", "空のファイル"),
])
def test_bad_files_are_refused(db_session, account, draft, storage, filename, data, reason):
    before = set((Path(storage) / "attachments").glob("*")) if (Path(storage) / "attachments").exists() else set()
    with pytest.raises(ValidationFailed) as info:
        attach(db_session, account, draft, storage, filename=filename, data=data)
    assert list(info.value.errors) == ["file"]
    assert reason in info.value.errors["file"][0]
    assert draft.attachments == []
    after = set((Path(storage) / "attachments").glob("*")) if (Path(storage) / "attachments").exists() else set()
    assert after == before  # nothing written


@pytest.mark.parametrize("name", [b"/Java#53cript", b"/#4aavaScript", b"/Laun#63h", b"/Encr#79pt"])
def test_active_content_hidden_by_name_escapes_is_refused(db_session, account, draft, storage, name):
    # PDF names may spell any character as #xx: /Java#53cript is /JavaScript to a reader.
    data = b"%PDF-1.4\n1 0 obj<</S" + name + b"/JS(app.alert(1))>>endobj\ntrailer<<>>\n%%EOF\n"
    with pytest.raises(ValidationFailed) as info:
        attach(db_session, account, draft, storage, data=data)
    assert list(info.value.errors) == ["file"]
    assert draft.attachments == []


def test_active_content_names_are_matched_whole(db_session, account, draft, storage):
    # "/JavaScriptFoo" is another name; the check looks for the name itself.
    data = PDF.replace(b"/Type/Catalog", b"/Type/Catalog/JavaScriptish 1")
    assert attach(db_session, account, draft, storage, data=data).content_type == "application/pdf"


def test_too_big_file_refused(db_session, account, draft, storage):
    with pytest.raises(ValidationFailed) as info:
        attach(db_session, account, draft, storage, data=PDF, max_bytes=len(PDF) - 1)
    assert "大きすぎます" in info.value.errors["file"][0]
    big = PDF + b"%" + b"x" * (2 * MB) + b"\n%%EOF\n"
    with pytest.raises(ValidationFailed) as info:
        attach(db_session, account, draft, storage, data=big, max_bytes=MB)
    assert "1 MB 以下" in info.value.errors["file"][0]
    assert attach(db_session, account, draft, storage, data=PDF, max_bytes=len(PDF)).size == len(PDF)


@pytest.mark.parametrize(("raw", "shown"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\Windows\\system32\\x.pdf", "x.pdf"),
    ("/abs/path/<script>.pdf", "script.pdf"),
    ("a\x00b\x07c.pdf", "abc.pdf"),
    ("  ..pdf", "pdf"),
])
def test_file_name_with_path_is_sanitised(db_session, account, draft, storage, raw, shown):
    if not shown.endswith(".pdf"):
        with pytest.raises(ValidationFailed):  # reduced to a name without the extension
            attach(db_session, account, draft, storage, filename=raw)
        return
    attachment = attach(db_session, account, draft, storage, filename=raw)
    assert attachment.original_name == shown
    folder = (Path(storage) / "attachments").resolve()
    path = (folder / attachment.stored_name).resolve()
    assert path.parent == folder and path.is_file()
    assert ".." not in attachment.stored_name and "passwd" not in attachment.stored_name
    assert not (Path(storage).parent / "etc" / "passwd.pdf").exists()


def test_unknown_document_code_refused(db_session, account, draft, storage):
    with pytest.raises(ValidationFailed) as info:
        attach(db_session, account, draft, storage, code="selfie")
    assert "document_code" in info.value.errors


def test_at_most_30_live_attachments(db_session, account, draft, storage):
    for n in range(30):
        attach(db_session, account, draft, storage, filename=f"f{n}.pdf", code="other")
    with pytest.raises(ValidationFailed) as info:
        attach(db_session, account, draft, storage, filename="f31.pdf", code="other")
    assert "30 ファイルまで" in info.value.errors["file"][0]
    services.remove_attachment(db_session, account, draft, draft.attachments[0], utcnow())
    assert attach(db_session, account, draft, storage, filename="f31.pdf", code="other").id


def test_remove_attachment_keeps_row_and_file(db_session, account, draft, storage):
    attachment = attach(db_session, account, draft, storage)
    services.remove_attachment(db_session, account, draft, attachment, utcnow())
    removed_at = attachment.removed_at
    assert removed_at is not None
    assert db_session.get(ApplicationAttachment, attachment.id) is attachment
    assert (Path(storage) / "attachments" / attachment.stored_name).is_file()
    assert draft.live_attachments == [] and draft.attachments == [attachment]
    services.remove_attachment(db_session, account, draft, attachment, utcnow())
    assert attachment.removed_at == removed_at
    problems = services.submission_problems(db_session, draft)
    assert any("納税証明書" in p.message for p in problems)  # the removed file does not count
    detaches = db_session.scalars(select(AuditEntry).where(AuditEntry.operation == "application.detach")).all()
    assert len(detaches) == 1


# --- submission ---------------------------------------------------------------------------------------------------


def test_submit_refused_while_problems_remain(db_session, account, draft):
    with pytest.raises(ValidationFailed) as info:
        services.submit(db_session, account, draft, utcnow())
    messages = info.value.errors[""]
    assert len(messages) > 5
    assert any(m.startswith("会社情報: ") for m in messages)
    assert any(m.startswith("誓約: ") for m in messages)
    assert any(m.startswith("添付書類: ") for m in messages)
    assert draft.status == "draft" and draft.revision == 0 and draft.submitted_at is None
    assert _events(db_session, draft) == ["create"]


def test_submit_with_a_single_problem_names_its_section(db_session, account, draft, storage):
    fill_complete(db_session, account, draft, storage)
    tax = next(a for a in draft.attachments if a.document_code == "tax_certificate")
    services.remove_attachment(db_session, account, draft, tax, utcnow())
    with pytest.raises(ValidationFailed) as info:
        services.submit(db_session, account, draft, utcnow())
    assert list(info.value.errors) == ["attachments"] and "納税証明書" in info.value.errors["attachments"][0]


def test_complete_application_submits(db_session, account, draft, storage):
    fill_complete(db_session, account, draft, storage)
    assert services.submission_problems(db_session, draft) == []
    mail = services.submit(db_session, account, draft, utcnow())
    assert (draft.status, draft.revision) == ("submitted", 1)
    assert draft.submitted_at is not None and draft.transferred_at is None
    assert not draft.is_editable
    assert _events(db_session, draft) == ["create", "submit"]
    last = db_session.scalar(select(ApplicationEvent).where(ApplicationEvent.application_id == draft.id,
                                                            ApplicationEvent.action == "submit"))
    assert (last.status_after, last.revision, last.actor_label) == ("submitted", 1, "申請者")
    assert isinstance(mail, Mail) and mail.to == "yamaguchi@example.co.jp"
    assert draft.reference in mail.subject and "新規申請" in mail.subject and "提出" in mail.body
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.operation == "application.submit")) is not None


def test_no_editing_after_submission(db_session, app, storage):
    account, application = submitted_application(db_session, app)
    attachment = application.live_attachments[0]
    for call in (
        lambda: services.save_company(db_session, account, application, company()),
        lambda: services.save_categories(db_session, account, application, {"construction": ["010"]},
                                         current_period_year(db_session)),
        lambda: services.save_row(db_session, account, application, "technicians", technician_row(name="新人")),
        lambda: services.remove_row(db_session, account, application, "works", 0),
        lambda: services.save_declarations(db_session, account, application, set()),
        lambda: attach(db_session, account, application, storage),
        lambda: services.remove_attachment(db_session, account, application, attachment, utcnow()),
        lambda: services.submit(db_session, account, application, utcnow()),
    ):
        with pytest.raises(NotEditable) as info:
            call()
        assert "提出済" in str(info.value)
    assert attachment.removed_at is None and len(application.data["technicians"]) == 1
    assert application.revision == 1


# --- 変更届 -----------------------------------------------------------------------------------------------------


def test_change_notice_needs_an_accepted_qualification(db_session, app, create_user):
    account, application = submitted_application(db_session, app)
    assert not services.can_file_change(db_session, account)
    with pytest.raises(ValidationFailed) as info:
        services.start_application(db_session, account, "change", utcnow())
    assert "受理された資格" in info.value.errors["kind"][0]
    staff = create_user(Role.CONTRACT_STAFF)
    review.start_review(db_session, staff, application, utcnow())
    contractor, _ = review.accept_application(db_session, staff, application, None, utcnow())
    assert account.contractor_number == contractor.number
    assert services.qualified_until(db_session, account) >= today()
    assert services.can_file_change(db_session, account)
    change = services.start_application(db_session, account, "change", utcnow())
    assert change.kind == "change" and change.contractor_number == contractor.number
    for section in ("company", "permits", "keishin", "technicians"):
        assert change.data[section] == application.data[section]
    assert change.data["change_note"] == "" and "categories" not in change.data and "works" not in change.data
    assert change.reference != application.reference
    # A 変更届 needs no documents by rule; only the note is missing.
    assert [p.section for p in services.submission_problems(db_session, change)] == ["change"]
    with pytest.raises(ValidationFailed) as info:
        services.save_change_note(db_session, account, change, "x" * (content.CHANGE_NOTE_MAX + 1))
    assert "change_note" in info.value.errors
    services.save_change_note(db_session, account, change, "  本店を移転しました。 ")
    assert change.data["change_note"] == "本店を移転しました。"
    with pytest.raises(NotFound):  # no 実績 in a 変更届
        services.save_row(db_session, account, change, "works", work_row())
    with pytest.raises(NotFound):
        services.save_declarations(db_session, account, change, {"antisocial"})
    mail = services.submit(db_session, account, change, utcnow())
    assert change.status == "submitted" and "変更届" in mail.subject
    with pytest.raises(ValidationFailed):  # one open 変更届 at a time
        services.start_application(db_session, account, "change", utcnow())


def test_change_notice_refused_after_the_qualification_ended(db_session, app, create_user):
    account, application = submitted_application(db_session, app)
    staff = create_user(Role.CONTRACT_STAFF)
    review.start_review(db_session, staff, application, utcnow())
    review.accept_application(db_session, staff, application, None, utcnow())
    application.period_start_year = 2001  # a period long over
    db_session.flush()
    assert not services.can_file_change(db_session, account)
    with pytest.raises(ValidationFailed):
        services.start_application(db_session, account, "change", utcnow())


def test_references_follow_those_made_before_the_sequence(db_session, account, draft):
    # A reference numbered before the sequence existed (max()+1 era): the sequence starts above it.
    fy = fiscal_year(today())
    draft.reference = f"S{fy}-00041"
    db_session.flush()
    from core.sequences import NumberSequence

    db_session.execute(NumberSequence.__table__.delete().where(NumberSequence.key == "application_reference"))
    assert services.next_reference(db_session, today()) == f"S{fy}-00042"
