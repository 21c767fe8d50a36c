"""Signed transfer bundles between the portal and the internal side.

Both sides share the one test database, so the tests play both parts in it: the portal's application is the
``local`` row; before the internal side reads the bundle, that row's reference is moved aside (the internal
side has no such row), so the import really creates the ``portal``-origin copy with the original 受付番号.
For the way back the two references are swapped again, so the decisions bundle finds the portal's row.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.auth.roles import Role
from core.db import utcnow
from core.errors import ValidationFailed
from registry.applications import bundle_archive, bundles, checks, review, services
from registry.applications.bundles import BundleRefused
from registry.applications.models import Application, ApplicationEvent, TransferBundle
from tests.registry.applications_support import make_account, pdf, technician_row

KEY = "k" * 40


@pytest.fixture
def staff(create_user):
    return create_user(Role.CONTRACT_STAFF, name="審査 花子")


def export_applications(session, storage, key=KEY):
    return bundles.export_applications(session, None, key=key, storage_root=storage, source="portal", now=utcnow())


def export_decisions(session, staff, key=KEY):
    return bundles.export_decisions(session, staff, key=key, source="internal", now=utcnow())


def read(session, data, expect, storage, *, key=KEY, actor=None, dry_run=False):
    return bundles.read_bundle(session, actor, data, key=key, expect=expect, storage_root=storage, now=utcnow(),
                               dry_run=dry_run)


def move_aside(session, application, prefix) -> str:
    """Give ``application`` another reference (as if it lived in the other deployment); returns the original."""
    original = application.reference
    application.reference = f"{prefix}{original}"
    session.flush()
    return original


def swap_to_portal(session, local, received, reference):
    """Back on the portal: the internal copy moves aside, the portal's own row gets its reference back."""
    received.reference = f"I-{reference}"
    session.flush()
    local.reference = reference
    session.flush()


def swap_to_internal(session, local, received, reference):
    local.reference = f"P-{reference}"
    session.flush()
    received.reference = reference
    session.flush()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(content: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, blob in content.items():
            archive.writestr(name, blob)
    return out.getvalue()


def received_copy(session, reference) -> Application:
    return session.scalar(select(Application).where(Application.reference == reference,
                                                    Application.origin == "portal"))


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


# --- applications: portal → internal ---------------------------------------------------------------------------


def test_export_applications_writes_a_signed_bundle(db_session, storage, portal):
    _, application = portal
    data, count = export_applications(db_session, storage)
    assert count == 1 and application.transferred_at is not None
    content = members(data)
    manifest_bytes = content["manifest.json"]
    manifest = json.loads(manifest_bytes)
    assert manifest["format"] == bundles.FORMAT and manifest["content"] == "applications"
    assert content["signature"].decode() == bundle_archive.sign(KEY, manifest_bytes)
    [item] = manifest["items"]
    assert item["reference"] == application.reference and item["revision"] == 1
    assert {doc["document_code"] for doc in item["attachments"]} == {a.document_code
                                                                     for a in application.live_attachments}
    assert [e["action"] for e in item["events"]] == ["create", "submit"]
    for name, meta in manifest["files"].items():
        assert hashlib.sha256(content[name]).hexdigest() == meta["sha256"] == name.removeprefix("files/")
    out = db_session.scalar(select(TransferBundle).where(TransferBundle.bundle_id == manifest["bundle_id"]))
    assert (out.direction, out.content, out.item_count) == ("out", "applications", 1)
    assert out.sha256 == hashlib.sha256(data).hexdigest()
    # Nothing waits any more.
    assert export_applications(db_session, storage) == (None, 0)


def test_import_creates_the_application_on_the_internal_side(db_session, storage, staff, portal):
    _, local = portal
    data, _ = export_applications(db_session, storage)
    reference = move_aside(db_session, local, "P-")
    report = read(db_session, data, "applications", storage, actor=staff)
    assert report.new == [f"{reference} 株式会社ポータル建設"] and report.updated == [] and report.skipped == []
    received = received_copy(db_session, reference)
    assert received is not None and received.id != local.id
    assert (received.status, received.kind, received.revision, received.account_id) == ("submitted", "new", 1, None)
    assert received.applicant_email == "portal@example.co.jp"
    assert received.data == local.data and received.period_start_year == local.period_start_year
    assert received.submitted_at == local.submitted_at
    # Attachments: the same files, stored again under new names.
    assert sorted((a.document_code, a.sha256) for a in received.live_attachments) == sorted(
        (a.document_code, a.sha256) for a in local.live_attachments)
    for copy in received.live_attachments:
        original = next(a for a in local.live_attachments if a.sha256 == copy.sha256)
        assert copy.stored_name != original.stored_name
        assert (Path(storage) / "attachments" / copy.stored_name).read_bytes() == pdf(copy.document_code)
    events = db_session.scalars(select(ApplicationEvent).where(ApplicationEvent.application_id == received.id)
                                .order_by(ApplicationEvent.id)).all()
    assert [(e.action, e.actor_label) for e in events] == [
        ("create", bundles.PORTAL_LABEL), ("submit", bundles.PORTAL_LABEL), ("receive", bundles.PORTAL_LABEL)]
    seen = db_session.scalar(select(TransferBundle).where(TransferBundle.bundle_id == report.bundle_id,
                                                          TransferBundle.direction == "in"))
    assert seen.actor_id == staff.id and seen.item_count == 1
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.operation == "transfer.import",
                                                      AuditEntry.target_type == "transfer_bundles")) is not None
    # It enters the same review queue; a portal applicant gets no mail from here.
    review.start_review(db_session, staff, received, utcnow())
    assert review.return_application(db_session, staff, received, "修正してください。", utcnow()) is None


def test_import_refuses_a_reference_taken_by_a_local_application(db_session, storage, portal):
    data, _ = export_applications(db_session, storage)
    with pytest.raises(BundleRefused) as info:
        read(db_session, data, "applications", storage)
    assert "重なっています" in str(info.value)
    assert _count(db_session, Application, Application.origin == "portal") == 0


def test_dry_run_writes_nothing(db_session, storage, portal):
    _, local = portal
    data, _ = export_applications(db_session, storage)
    reference = move_aside(db_session, local, "P-")
    folder = Path(storage) / "attachments"
    files_before = set(folder.iterdir())
    audit_before = _count(db_session, AuditEntry)
    report = read(db_session, data, "applications", storage, dry_run=True)
    assert report.new == [f"{reference} 株式会社ポータル建設"] and report.item_count == 1
    assert received_copy(db_session, reference) is None
    assert _count(db_session, TransferBundle, TransferBundle.direction == "in") == 0
    assert _count(db_session, AuditEntry) == audit_before
    assert set(folder.iterdir()) == files_before
    # The dry run does not count as a read: the real import still works.
    assert read(db_session, data, "applications", storage).new == report.new


def test_replay_is_refused(db_session, storage, portal):
    _, local = portal
    data, _ = export_applications(db_session, storage)
    reference = move_aside(db_session, local, "P-")
    read(db_session, data, "applications", storage)
    with pytest.raises(BundleRefused) as info:
        read(db_session, data, "applications", storage)
    assert "取込済み" in str(info.value)
    assert _count(db_session, Application, Application.reference == reference) == 1


def test_tampered_manifest_is_refused(db_session, storage, portal):
    _, local = portal
    data, _ = export_applications(db_session, storage)
    move_aside(db_session, local, "P-")
    content = members(data)
    body = content["manifest.json"]
    content["manifest.json"] = body.replace("株式会社ポータル建設".encode(), "株式会社ポータル建築".encode(), 1)
    assert content["manifest.json"] != body
    with pytest.raises(BundleRefused) as info:
        read(db_session, rezip(content), "applications", storage)
    assert "署名が一致しません" in str(info.value)
    # One flipped byte is enough.
    content = members(data)
    flipped = bytearray(content["manifest.json"])
    flipped[10] ^= 0x01
    content["manifest.json"] = bytes(flipped)
    with pytest.raises(BundleRefused):
        read(db_session, rezip(content), "applications", storage)
    assert _count(db_session, Application, Application.origin == "portal") == 0


def test_wrong_or_missing_key_is_refused(db_session, storage, portal):
    data, _ = export_applications(db_session, storage)
    with pytest.raises(BundleRefused) as info:
        read(db_session, data, "applications", storage, key="x" * 40)
    assert "署名が一致しません" in str(info.value)
    with pytest.raises(BundleRefused) as info:
        read(db_session, data, "applications", storage, key=None)
    # Staff read a plain sentence; the setting's name is kept for administrators and the command line.
    assert "転送用の鍵が設定されていない" in str(info.value) and "KEIYAKU_" not in str(info.value)
    assert info.value.setting == "KEIYAKU_TRANSFER_KEY"


def test_replaced_or_missing_file_is_refused(db_session, storage, portal):
    _, local = portal
    data, _ = export_applications(db_session, storage)
    move_aside(db_session, local, "P-")
    content = members(data)
    name = next(n for n in content if n.startswith("files/"))
    content[name] = pdf("forged")
    with pytest.raises(BundleRefused) as info:
        read(db_session, rezip(content), "applications", storage)
    assert f"{name} の内容が署名と一致しません" in str(info.value)
    content = members(data)
    del content[name]
    with pytest.raises(BundleRefused) as info:
        read(db_session, rezip(content), "applications", storage)
    assert f"{name} がありません" in str(info.value)
    assert _count(db_session, Application, Application.origin == "portal") == 0


@pytest.mark.parametrize("extra", ["files/" + "0" * 64, "run.sh", "../outside.pdf"])
def test_extra_unlisted_member_is_refused(db_session, storage, portal, extra):
    _, local = portal
    data, _ = export_applications(db_session, storage)
    move_aside(db_session, local, "P-")
    content = members(data)
    content[extra] = b"#!/bin/sh\nrm -rf /\n"
    with pytest.raises(BundleRefused) as info:
        read(db_session, rezip(content), "applications", storage)
    assert "署名の対象でないファイル" in str(info.value) and extra in str(info.value)


def test_not_a_bundle_or_the_wrong_kind_is_refused(db_session, storage, portal):
    with pytest.raises(BundleRefused) as info:
        read(db_session, b"PK\x03\x04 not really a zip", "applications", storage)
    assert "ZIP" in str(info.value)
    with pytest.raises(BundleRefused) as info:
        read(db_session, rezip({"readme.txt": b"hello"}), "applications", storage)
    assert "manifest.json" in str(info.value)
    data, _ = export_applications(db_session, storage)
    with pytest.raises(BundleRefused) as info:
        read(db_session, data, "decisions", storage)
    assert "審査結果" in str(info.value)
    signed_other_format = bundles._write({"format": "other/9", "bundle_id": "x", "content": "applications",
                                          "items": [], "files": {}}, {}, KEY)
    with pytest.raises(BundleRefused) as info:
        read(db_session, signed_other_format, "applications", storage)
    assert "対応していない形式" in str(info.value)


def test_a_signed_bundle_still_gets_the_upload_checks(db_session, storage, portal):
    """A correctly signed bundle carrying a PDF with JavaScript is refused like an upload would be."""
    _, local = portal
    data, _ = export_applications(db_session, storage)
    move_aside(db_session, local, "P-")
    content = members(data)
    manifest = json.loads(content["manifest.json"])
    bad = b"%PDF-1.4\n1 0 obj<</S/JavaScript/JS(app.alert(1))>>endobj\ntrailer<<>>\n%%EOF\n"
    sha = hashlib.sha256(bad).hexdigest()
    doc = manifest["items"][0]["attachments"][0]
    replaced = f"files/{doc['sha256']}"
    doc |= {"sha256": sha, "size": len(bad)}
    blobs = {n: b for n, b in content.items() if n.startswith("files/") and n != replaced} | {f"files/{sha}": bad}
    manifest["files"] = {n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)} for n, b in blobs.items()}
    manifest["bundle_id"] = "forged-0001"
    with pytest.raises(bundles.BundleRefused) as info:
        read(db_session, bundles._write(manifest, blobs, KEY), "applications", storage)
    assert "/JavaScript" in str(info.value) and manifest["items"][0]["reference"] in str(info.value)


# --- decisions: internal → portal ------------------------------------------------------------------------------


@pytest.fixture
def received(db_session, storage, portal):
    """(account, local, received copy, reference): the portal's application read on the internal side."""
    account, local = portal
    data, _ = export_applications(db_session, storage)
    reference = move_aside(db_session, local, "P-")
    read(db_session, data, "applications", storage)
    return account, local, received_copy(db_session, reference), reference


def test_decisions_round_trip_accepted(db_session, storage, staff, received):
    account, local, copy, reference = received
    review.start_review(db_session, staff, copy, utcnow())
    contractor, mail = review.accept_application(db_session, staff, copy, "よろしくお願いします。", utcnow())
    assert mail is None  # the portal mails its applicant
    assert copy.account is None and account.contractor_number is None
    data, count = export_decisions(db_session, staff)
    assert count == 1 and copy.transferred_at is not None
    manifest = json.loads(members(data)["manifest.json"])
    assert manifest["content"] == "decisions" and manifest["files"] == {}
    assert "receive" not in [e["action"] for e in manifest["items"][0]["events"]]
    assert export_decisions(db_session, staff) == (None, 0)
    swap_to_portal(db_session, local, copy, reference)
    report = read(db_session, data, "decisions", storage)
    assert report.updated == [f"{reference} 株式会社ポータル建設: accepted"]
    assert (local.status, local.contractor_number) == ("accepted", contractor.number)
    assert local.decision_comment == "よろしくお願いします。" and local.decided_at == copy.decided_at
    assert account.contractor_number == contractor.number
    [mail] = report.mails
    assert mail.to == "portal@example.co.jp" and reference in mail.subject and "受理しました" in mail.subject
    assert contractor.number in mail.body and "よろしくお願いします。" in mail.body
    events = db_session.scalars(select(ApplicationEvent).where(ApplicationEvent.application_id == local.id)
                                .order_by(ApplicationEvent.id)).all()
    assert [(e.action, e.actor_label) for e in events] == [
        ("create", "申請者"), ("submit", "申請者"), ("review", bundles.CITY_LABEL), ("accept", bundles.CITY_LABEL)]
    # The portal's applicant now holds a qualification and may file a 変更届.
    assert services.can_file_change(db_session, account)
    with pytest.raises(BundleRefused):
        read(db_session, data, "decisions", storage)


def test_decisions_return_resubmit_and_stale_decision(db_session, storage, staff, received):
    account, local, copy, reference = received
    review.start_review(db_session, staff, copy, utcnow())
    under_review_bundle, _ = export_decisions(db_session, staff)
    checks.save_checks(db_session, staff, copy, {"company": (True, None), "technicians": (False, "2 人目を追加")},
                       utcnow())
    review.return_application(db_session, staff, copy, "技術者を追加してください。", utcnow())
    returned_bundle, _ = export_decisions(db_session, staff)
    swap_to_portal(db_session, local, copy, reference)
    # The return arrives first (bundles can be carried out of order).
    report = read(db_session, returned_bundle, "decisions", storage)
    assert local.status == "returned" and local.is_editable
    assert local.decision_comment == "技術者を追加してください。"
    assert local.section_notes == {"technicians": "2 人目を追加"}  # shown under its section on the portal
    [mail] = report.mails
    assert "差し戻しました" in mail.subject and "技術者を追加してください。\n【技術者】2 人目を追加" in mail.body
    # The applicant corrects and resubmits: revision 2 ...
    services.save_row(db_session, account, local, "technicians", technician_row(name="佐藤 次郎"))
    tax = next(a for a in local.live_attachments if a.document_code == "tax_certificate")
    services.remove_attachment(db_session, account, local, tax, utcnow())
    services.add_attachment(db_session, account, local, document_code="tax_certificate", filename="tax-new.pdf",
                            content_bytes=pdf("tax-new"), storage_root=storage, max_bytes=1024 * 1024, now=utcnow())
    services.submit(db_session, account, local, utcnow())
    assert (local.status, local.revision) == ("submitted", 2)
    # ... so the older decision (審査中, revision 1) is skipped and changes nothing.
    report = read(db_session, under_review_bundle, "decisions", storage)
    assert report.updated == [] and len(report.skipped) == 1 and reference in report.skipped[0]
    assert report.mails == []
    assert (local.status, local.revision) == ("submitted", 2)
    # The resubmission travels to the internal side and updates the returned copy. (The export runs in its own
    # request; here the loaded step log is refreshed as a new session would read it.)
    db_session.expire(local, ["events"])
    resubmission, count = export_applications(db_session, storage)
    assert count == 1
    swap_to_internal(db_session, local, copy, reference)
    report = read(db_session, resubmission, "applications", storage)
    assert report.updated == [f"{reference} 株式会社ポータル建設"] and report.new == []
    assert (copy.status, copy.revision) == ("submitted", 2)
    assert [t["name"] for t in copy.data["technicians"]] == ["山田 太郎", "佐藤 次郎"]
    # The check of the unchanged company data is kept; the changed technicians need checking again.
    assert [(c.section, c.ok) for c in copy.checks] == [("company", True)]
    assert set(checks.section_changes(db_session, copy)) == {"technicians", "attachments"}
    live = {a.document_code: a for a in copy.live_attachments}
    assert live["tax_certificate"].sha256 == hashlib.sha256(pdf("tax-new")).hexdigest()
    removed = [a for a in copy.attachments if a.removed_at is not None]
    assert [a.sha256 for a in removed] == [hashlib.sha256(pdf("tax_certificate")).hexdigest()]
    actions = [e.action for e in db_session.scalars(select(ApplicationEvent).where(
        ApplicationEvent.application_id == copy.id).order_by(ApplicationEvent.id))]
    assert actions.count("review") == 1 and actions.count("return") == 1  # not duplicated by the round trip
    assert actions[-2:] == ["resubmit", "receive"]
    # The same revision again is skipped, not applied twice.
    swap_to_portal(db_session, local, copy, reference)
    local.transferred_at = None
    again, _ = export_applications(db_session, storage)
    swap_to_internal(db_session, local, copy, reference)
    report = read(db_session, again, "applications", storage)
    assert report.updated == [] and len(report.skipped) == 1 and copy.revision == 2


def test_decision_of_the_same_revision_arriving_late_is_skipped(db_session, storage, staff, received):
    """審査中 read after 差戻し of the same revision must not take the application back to 審査中."""
    _, local, copy, reference = received
    review.start_review(db_session, staff, copy, utcnow())
    under_review_bundle, _ = export_decisions(db_session, staff)
    review.return_application(db_session, staff, copy, "修正してください。", utcnow())
    returned_bundle, _ = export_decisions(db_session, staff)
    swap_to_portal(db_session, local, copy, reference)
    read(db_session, returned_bundle, "decisions", storage)
    report = read(db_session, under_review_bundle, "decisions", storage)
    assert report.updated == [] and len(report.skipped) == 1
    assert local.status == "returned" and local.is_editable


def test_decisions_in_order_and_dry_run(db_session, storage, staff, received):
    account, local, copy, reference = received
    review.start_review(db_session, staff, copy, utcnow())
    first, _ = export_decisions(db_session, staff)
    review.reject_application(db_session, staff, copy, "資格要件を満たしていません。", utcnow())
    second, _ = export_decisions(db_session, staff)
    swap_to_portal(db_session, local, copy, reference)
    report = read(db_session, first, "decisions", storage)
    assert local.status == "under_review" and report.mails == []  # no mail for 審査中
    preview = read(db_session, second, "decisions", storage, dry_run=True)
    assert preview.updated == [f"{reference} 株式会社ポータル建設: rejected"] and preview.mails == []
    assert local.status == "under_review"
    report = read(db_session, second, "decisions", storage)
    assert local.status == "rejected" and local.decision_comment == "資格要件を満たしていません。"
    assert "受理できませんでした" in report.mails[0].subject
    assert account.contractor_number is None


def test_decisions_for_an_unknown_application_are_refused(db_session, storage, staff, received):
    _, local, copy, reference = received
    review.start_review(db_session, staff, copy, utcnow())
    data, _ = export_decisions(db_session, staff)
    # Still on the internal side: no local application carries the reference.
    with pytest.raises(BundleRefused) as info:
        read(db_session, data, "decisions", storage)
    assert reference in str(info.value)
    assert _count(db_session, TransferBundle, TransferBundle.direction == "in", TransferBundle.content == "decisions") == 0


def test_export_only_takes_what_waits(app, db_session, storage, staff, portal):
    draft_account = make_account(db_session, app)
    services.start_application(db_session, draft_account, "new", utcnow())  # a draft is not sent
    data, count = export_applications(db_session, storage)
    assert count == 1
    assert [i["reference"] for i in json.loads(members(data)["manifest.json"])["items"]] == [portal[1].reference]
    assert export_decisions(db_session, staff) == (None, 0)  # nothing came from a portal


def test_files_already_held_are_not_checked_again(db_session, storage, staff, portal, monkeypatch):
    """A resubmission carries every live attachment again; those the internal side already holds were accepted
    before and are not refused by a later, stricter check (which would block every future bundle)."""
    _, local = portal
    data, _ = export_applications(db_session, storage)
    reference = move_aside(db_session, local, "P-")
    read(db_session, data, "applications", storage)
    copy = received_copy(db_session, reference)
    review.start_review(db_session, staff, copy, utcnow())
    review.return_application(db_session, staff, copy, "実績を追加してください。", utcnow())
    content = members(data)
    manifest = json.loads(content["manifest.json"])
    manifest["items"][0]["revision"] = 2
    manifest["bundle_id"] = "resubmission-0002"
    blobs = {n: b for n, b in content.items() if n.startswith("files/")}

    def stricter(*_args, **_kwargs):
        raise ValidationFailed({"file": ["新しい基準では受け付けない内容です。"]})

    monkeypatch.setattr("registry.applications.bundle_archive.files.check_file", stricter)
    report = read(db_session, bundles._write(manifest, blobs, KEY), "applications", storage)
    assert report.updated and (copy.status, copy.revision) == ("submitted", 2)


def test_each_new_file_is_checked_once(db_session, storage, portal, monkeypatch):
    _, local = portal
    data, _ = export_applications(db_session, storage)
    move_aside(db_session, local, "P-")
    real, calls = bundle_archive.files.check_file, []

    def counting(name, blob, size):
        calls.append(hashlib.sha256(blob).hexdigest())
        return real(name, blob, size)

    monkeypatch.setattr("registry.applications.bundle_archive.files.check_file", counting)
    read(db_session, data, "applications", storage)
    assert calls and len(calls) == len(set(calls))  # checked before writing, not parsed again to write
