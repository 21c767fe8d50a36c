"""Transfer bundles between an internet-side portal and the LGWAN side (DESIGN: the portal as its own
deployment; SPEC QA2, QA4).

A bundle is one ZIP file: ``manifest.json`` (what it carries, with the SHA-256 and size of every file),
``files/<sha256>`` (attachments) and ``signature`` (HMAC-SHA256 of the manifest bytes with the shared
``KEIYAKU_TRANSFER_KEY``). Two kinds travel:

- ``applications`` (portal → internal): submitted applications with their attachments. On the internal side
  they enter the same review queue as local ones; a resubmission updates the returned application.
- ``decisions`` (internal → portal): review steps (審査中, 差戻し with comments, 受理 with the 業者番号,
  不受理), so applicants on the portal see their status and get their mail.

Reading refuses, before anything is written: a bundle whose declared sizes pass the limits (checked before
anything is decompressed: ``manifest.json`` and ``signature`` are read with a bound, before the signature
check), a bad signature, a file whose hash or size differs from the manifest, a member the manifest does not
list, an attachment the manifest names but the bundle lacks, an attachment that fails the upload checks (the
dry run checks them too), a bundle id already read (replay), and an item older than what is here (a stale
revision would roll an application back). Reading is all or nothing.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.audit.services import record
from core.mail import Mail
from core.storage import Storage

from . import attachments as files
from . import checks
from .bundle_archive import FORMAT, AttachmentReader, BundleLimits, BundleRefused, open_verified
from .bundle_archive import write as _write
from .models import DECIDED_STATES, Application, ApplicationAttachment, ApplicationEvent, TransferBundle

log = logging.getLogger("keiyaku")
PORTAL_LABEL = "ポータル（転送）"
CITY_LABEL = "審査担当（庁内から転送）"

def register_labels() -> None:
    """Audit labels of this module's operations (called by ``registry.init_app``)."""
    register_operations({
        "transfer.export": "転送ファイルの作成",
        "transfer.import": "転送ファイルの取込",
        "transfer.refused": "転送ファイルの取込拒否",
    }, {"transfer_bundles": "転送ファイル"})


@dataclass
class BundleReport:
    bundle_id: str
    content: str
    created_at: str
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    mails: list[Mail] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return len(self.new) + len(self.updated) + len(self.skipped)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _events(application: Application, since: datetime | None) -> list[dict]:
    return [{"at": _iso(e.at), "action": e.action, "actor_label": e.actor_label, "status_after": e.status_after,
             "revision": e.revision, "comment": e.comment}
            for e in application.events if since is None or e.at > since]


# --- writing -------------------------------------------------------------------------------------------------------


def export_applications(session: Session, actor, *, key: str | None, storage_root: str, source: str,
                        now: datetime, include_sent: bool = False) -> tuple[bytes | None, int]:
    """Portal side: every submitted application not yet sent, with its files. (None, 0) when none waits.

    ``include_sent`` writes again those already sent and not yet decided (a lost file is made anew; the
    internal side skips what it already has)."""
    stmt = select(Application).where(Application.origin == "local", Application.status == "submitted")
    if not include_sent:
        stmt = stmt.where(Application.transferred_at.is_(None))
    pending = list(session.scalars(stmt.order_by(Application.id)))
    if not pending:
        return None, 0
    items, blobs = [], {}
    for application in pending:
        documents = []
        for attachment in application.live_attachments:
            name = f"files/{attachment.sha256}"
            blobs[name] = Storage(storage_root).read(files.AREA, attachment.stored_name)
            documents.append({"document_code": attachment.document_code, "original_name": attachment.original_name,
                              "content_type": attachment.content_type, "size": attachment.size,
                              "sha256": attachment.sha256, "uploaded_at": _iso(attachment.uploaded_at)})
        items.append({"reference": application.reference, "kind": application.kind, "revision": application.revision,
                      "firm_name": application.firm_name, "applicant_email": application.applicant_email,
                      "contractor_number": application.contractor_number,
                      "period_start_year": application.period_start_year, "data": application.data,
                      "submitted_at": _iso(application.submitted_at), "attachments": documents,
                      "events": _events(application, None)})
        application.transferred_at = now
    return _finish(session, actor, "applications", items, blobs, key, source, now)


def export_decisions(session: Session, actor, *, key: str | None, source: str, now: datetime,
                     include_sent: bool = False) -> tuple[bytes | None, int]:
    """Internal side: the review steps of portal applications not yet sent back (``include_sent``: all of
    them again; the portal skips what it already shows)."""
    stmt = select(Application).where(
        Application.origin == "portal", Application.status.in_(("under_review", "returned", "accepted", "rejected")))
    if not include_sent:
        stmt = stmt.where(Application.transferred_at.is_(None))
    pending = list(session.scalars(stmt.order_by(Application.id)))
    if not pending:
        return None, 0
    items = []
    for application in pending:
        items.append({"reference": application.reference, "revision": application.revision,
                      "status": application.status, "decision_comment": application.decision_comment,
                      "section_notes": application.section_notes,
                      "decided_at": _iso(application.decided_at), "contractor_number": application.contractor_number,
                      "events": [e for e in _events(application, None) if e["action"] not in ("receive",)]})
        application.transferred_at = now
    return _finish(session, actor, "decisions", items, {}, key, source, now)


def _finish(session, actor, content_kind, items, blobs, key, source, now):
    bundle_id = str(uuid.uuid4())
    manifest = {"format": FORMAT, "bundle_id": bundle_id, "content": content_kind, "created_at": _iso(now),
                "source": source, "items": items,
                "files": {name: {"sha256": hashlib.sha256(blob).hexdigest(), "size": len(blob)}
                          for name, blob in blobs.items()}}
    data = _write(manifest, blobs, key)
    session.add(TransferBundle(bundle_id=bundle_id, direction="out", content=content_kind, created_at=now,
                               sha256=hashlib.sha256(data).hexdigest(), item_count=len(items),
                               actor_id=getattr(actor, "id", None)))
    label = "申請" if content_kind == "applications" else "審査結果"
    record(session, actor, "transfer.export", f"転送ファイルを作成: {label} {len(items)} 件（{bundle_id}）",
           target_type="transfer_bundles", target_id=bundle_id)
    return data, len(items)


def record_refusal(session: Session, actor, data: bytes, reason: str) -> None:
    """Log a refused bundle (call after the rollback, then commit): who tried which file, and why."""
    sha = hashlib.sha256(data).hexdigest()
    record(session, actor, "transfer.refused", f"転送ファイルを取り込みませんでした（SHA-256 {sha[:16]}…）: {reason}",
           target_type="transfer_bundles", target_id=sha[:36])


# --- reading -------------------------------------------------------------------------------------------------------


def read_bundle(session: Session, actor, data: bytes, *, key: str | None, expect: str, storage_root: str,
                now: datetime, dry_run: bool = False, limits: BundleLimits | None = None) -> BundleReport:
    """Verify and (unless ``dry_run``) apply a bundle of the ``expect``-ed content.

    The dry run makes every check the import makes (attachments included) and writes nothing."""
    limits = limits or BundleLimits()
    manifest, archive = open_verified(data, key, limits)
    if manifest.get("content") != expect:
        wanted = "申請（ポータルから）" if expect == "applications" else "審査結果（庁内から）"
        raise BundleRefused(f"この画面・コマンドで取り込めるのは{wanted}の転送ファイルです。")
    bundle_id = str(manifest.get("bundle_id") or "")
    seen = session.scalar(select(TransferBundle).where(TransferBundle.bundle_id == bundle_id,
                                                       TransferBundle.direction == "in"))
    if seen is not None:
        raise BundleRefused(f"この転送ファイル（{bundle_id}）は取込済みです（同じファイルは 2 回取り込めません）。")
    report = BundleReport(bundle_id, expect, manifest.get("created_at") or "")
    apply = _apply_application if expect == "applications" else _apply_decision
    reader = AttachmentReader(archive, manifest.get("files") or {}, limits)
    for number, item in enumerate(manifest.get("items") or [], start=1):
        try:
            apply(session, item, reader, report, storage_root, now, dry_run)
        except (KeyError, TypeError) as exc:  # signed, yet not what this version writes
            # Logged with its traceback: the same exception from a fault of ours must not pass as bad data only.
            log.warning("transfer bundle %s item %d refused as incomplete", bundle_id, number, exc_info=True)
            raise BundleRefused(f"manifest.json の {number} 件目の内容が不完全です（{exc}）。取り込みませんでした。") from None
    if dry_run:
        return report
    session.add(TransferBundle(bundle_id=bundle_id, direction="in", content=expect, created_at=now,
                               sha256=hashlib.sha256(data).hexdigest(), item_count=report.item_count,
                               actor_id=getattr(actor, "id", None)))
    record(session, actor, "transfer.import",
           f"転送ファイルを取込: 新規 {len(report.new)}・更新 {len(report.updated)}・対象外 {len(report.skipped)}"
           f"（{bundle_id}）", target_type="transfer_bundles", target_id=bundle_id)
    return report


def _add_events(session: Session, application: Application, events: list[dict], label: str) -> None:
    have = {(e.at.isoformat(), e.action) for e in application.events}
    for e in events:
        if (e["at"], e["action"]) in have:
            continue
        session.add(ApplicationEvent(application_id=application.id, at=_dt(e["at"]), actor_label=label,
                                     action=e["action"], status_after=e["status_after"], revision=e["revision"],
                                     comment=e.get("comment")))


def _apply_application(session, item, reader: AttachmentReader, report, storage_root, now, dry_run) -> None:
    reference = item["reference"]
    application = session.scalar(select(Application).where(Application.reference == reference))
    if application is not None and application.origin != "portal":
        raise BundleRefused(f"受付番号 {reference} はこの環境で受け付けた申請と重なっています。取り込みませんでした。")
    if application is not None and item["revision"] <= application.revision:
        report.skipped.append(f"{reference}（第 {item['revision']} 版は取込済み）")
        return
    if application is not None and not application.can("submit"):
        raise BundleRefused(f"受付番号 {reference} は「{application.status_label}」のため、再提出を取り込めません。")
    # Checked before anything is written, and in the dry run too. Files this application already holds were
    # accepted by an earlier bundle: checking them again with a later version's stricter rules would refuse every
    # future bundle for a file nobody can change any more (the portal sends all live attachments each time).
    held = set() if application is None else {a.sha256 for a in application.attachments if a.removed_at is None}
    for doc in item["attachments"]:
        if doc["sha256"] not in held:
            reader.attachment(reference, doc)
    (report.updated if application else report.new).append(f"{reference} {item['firm_name']}")
    if dry_run:
        return
    if application is None:
        application = Application(reference=reference, kind=item["kind"], origin="portal", account_id=None,
                                  created_at=now)
        session.add(application)
    resubmission = application.status == "returned"
    if resubmission:
        application.transition("submit")
    else:
        application.status = "submitted"  # a new application arriving submitted from the portal
    application.applicant_email = item["applicant_email"]
    application.firm_name = item["firm_name"]
    application.contractor_number = item.get("contractor_number")
    application.period_start_year = item.get("period_start_year")
    application.data = item["data"]
    application.revision = item["revision"]
    application.submitted_at = _dt(item.get("submitted_at"))
    application.transferred_at = None
    session.flush()
    kept = {a.sha256: a for a in application.attachments if a.removed_at is None}
    incoming = {doc["sha256"] for doc in item["attachments"]}
    for attachment in kept.values():
        if attachment.sha256 not in incoming:
            attachment.removed_at = now
    for doc in item["attachments"]:
        if doc["sha256"] in kept:
            continue
        blob, checked = reader.attachment(reference, doc)
        session.add(ApplicationAttachment(application_id=application.id, document_code=doc["document_code"],
                                          original_name=checked.original_name,
                                          stored_name=Storage(storage_root).save(session, files.AREA, blob).name,
                                          content_type=checked.content_type, size=len(blob), sha256=checked.sha256,
                                          uploaded_at=_dt(doc.get("uploaded_at")) or now))
    session.flush()
    session.refresh(application, ["attachments", "events", "checks"])
    if resubmission:
        checks.carry_checks(session, application)
    _add_events(session, application, item.get("events") or [], PORTAL_LABEL)
    session.add(ApplicationEvent(application_id=application.id, at=now, actor_label=PORTAL_LABEL, action="receive",
                                 status_after="submitted", revision=application.revision))
    record(session, None, "transfer.import", f"{reference} {application.firm_name} を転送ファイルから受付"
                                             f"（第 {application.revision} 版）", target=application)


DECISION_MAILS = {
    "returned": ("申請を差し戻しました",
                 "について、修正をお願いします。\n\n{comment}\n\n申請者ページで内容を修正し、再提出してください。"),
    "accepted": ("申請を受理しました", "を受理しました。\n業者番号は {number} です。\n\n{comment}"),
    "rejected": ("申請を受理できませんでした", "は、次の理由により受理できませんでした。\n\n{comment}"),
}


def _apply_decision(session, item, reader, report, storage_root, now, dry_run) -> None:
    reference = item["reference"]
    application = session.scalar(select(Application).where(Application.reference == reference,
                                                           Application.origin == "local"))
    if application is None:
        raise BundleRefused(f"受付番号 {reference} の申請がこのポータルにありません。取り込みませんでした。")
    # Within one revision a decision is final (差戻し needs a resubmission, a new revision): a 審査中 step
    # read after the decision of the same revision is older than what is here.
    if item["revision"] < application.revision or (
            item["revision"] == application.revision
            and (application.status == item["status"] or application.status in DECIDED_STATES)):
        report.skipped.append(f"{reference}（反映済み、または再提出後の古い結果）")
        return
    report.updated.append(f"{reference} {application.firm_name}: {item['status']}")
    if dry_run:
        return
    application.mirror_status(item["status"])
    application.decision_comment = item.get("decision_comment")
    application.section_notes = item.get("section_notes") or None
    application.decided_at = _dt(item.get("decided_at"))
    if item["status"] == "accepted":
        application.contractor_number = item.get("contractor_number")
        if application.account is not None:
            application.account.contractor_number = item.get("contractor_number")
    session.flush()
    session.refresh(application, ["events"])
    _add_events(session, application, [e for e in item.get("events") or []
                                       if e["action"] in ("review", "return", "accept", "reject")], CITY_LABEL)
    record(session, None, "transfer.import", f"{reference} の審査結果を反映: {application.status_label}",
           target=application)
    if item["status"] in DECISION_MAILS:
        subject, tail = DECISION_MAILS[item["status"]]
        body = f"{application.firm_name} 様\n\n{application.kind_label}（受付番号 {reference}）" + tail.format(
            comment=checks.notes_text(item.get("decision_comment"), item.get("section_notes")),
            number=item.get("contractor_number") or "")
        report.mails.append(Mail(application.applicant_email, f"【入札参加資格審査申請】{subject}（{reference}）",
                                 body.rstrip() + "\n\n詳しくは申請者ページでご確認ください。\n"))
