"""Transfer bundles between an internet-side portal and the LGWAN side (DESIGN: the portal as its own
deployment; SPEC QA2, QA4).

A bundle is one ZIP file: ``manifest.json`` (what it carries, with the SHA-256 and size of every file),
``files/<sha256>`` (attachments) and ``signature`` (HMAC-SHA256 of the manifest bytes with the shared
``KEIYAKU_TRANSFER_KEY``). Two kinds travel:

- ``applications`` (portal → internal): submitted applications with their attachments. On the internal side
  they enter the same review queue as local ones; a resubmission updates the returned application.
- ``decisions`` (internal → portal): review steps (審査中, 差戻し with comments, 受理 with the 業者番号,
  不受理), so applicants on the portal see their status and get their mail.

Reading refuses, before anything is written: a bad signature, a file whose hash or size differs from the
manifest, a member the manifest does not list, a bundle id already read (replay), and an item older than
what is here (a stale revision would roll an application back). Reading is all or nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.queries import register_operations
from core.audit.services import record
from core.errors import DomainError, ValidationFailed
from core.mail import Mail
from core.storage import Storage

from . import attachments as files
from .models import DECIDED_STATES, Application, ApplicationAttachment, ApplicationEvent, TransferBundle

FORMAT = "keiyaku-transfer/1"
MAX_MEMBERS = 20_000
MAX_TOTAL_BYTES = 4 * 1024**3
PORTAL_LABEL = "ポータル（転送）"
CITY_LABEL = "審査担当（庁内から転送）"

def register_labels() -> None:
    """Audit labels of this module's operations (called by ``registry.init_app``)."""
    register_operations({
        "transfer.export": "転送ファイルの作成",
        "transfer.import": "転送ファイルの取込",
        "transfer.refused": "転送ファイルの取込拒否",
    }, {"transfer_bundles": "転送ファイル"})


#: The environment variable of the transfer key (named to administrators only; staff read "転送用の鍵").
KEY_SETTING = "KEIYAKU_TRANSFER_KEY"


class BundleRefused(DomainError):
    """The bundle cannot be read; the message names why in words any staff member reads (safe to show).
    ``setting`` names the server setting to check, for administrators and the command line only."""

    def __init__(self, message: str, setting: str | None = None):
        super().__init__(message)
        self.setting = setting


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


def _key(key: str | None) -> bytes:
    if not key:
        raise BundleRefused("転送用の鍵が設定されていないため、転送ファイルを扱えません。システム管理者に設定を依頼してください"
                            "（ポータルと庁内の両方に同じ鍵が必要です）。", setting=KEY_SETTING)
    return key.encode("utf-8")


def _sign(key: str | None, manifest: bytes) -> str:
    return hmac.new(_key(key), manifest, hashlib.sha256).hexdigest()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _write(manifest: dict, blobs: dict[str, bytes], key: str | None) -> bytes:
    body = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", body)
        archive.writestr("signature", _sign(key, body))
        for name, blob in blobs.items():
            archive.writestr(name, blob)
    return out.getvalue()


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


def _open(data: bytes, key: str | None) -> tuple[dict, zipfile.ZipFile]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except zipfile.BadZipFile:
        raise BundleRefused("転送ファイルではありません（ZIP 形式として読めません）。") from None
    if len(names) > MAX_MEMBERS or sum(i.file_size for i in archive.infolist()) > MAX_TOTAL_BYTES:
        raise BundleRefused("転送ファイルが大きすぎます。")
    if "manifest.json" not in names or "signature" not in names:
        raise BundleRefused("転送ファイルに manifest.json または signature がありません。")
    body = archive.read("manifest.json")
    signature = archive.read("signature").decode("ascii", "replace").strip()
    if not hmac.compare_digest(signature, _sign(key, body)):
        raise BundleRefused("署名が一致しません。改ざんされたか、ポータルと庁内で転送用の鍵が違います。取り込みませんでした。",
                            setting=KEY_SETTING)
    try:
        manifest = json.loads(body)
    except ValueError:
        raise BundleRefused("manifest.json を読めません。") from None
    if manifest.get("format") != FORMAT:
        raise BundleRefused(f"対応していない形式です（{manifest.get('format')!r}）。")
    listed = manifest.get("files") or {}
    extra = sorted(set(names) - {"manifest.json", "signature"} - set(listed))
    if extra:
        raise BundleRefused(f"署名の対象でないファイルが含まれています: {', '.join(extra[:3])}")
    for name, meta in listed.items():
        if name not in names:
            raise BundleRefused(f"{name} がありません。")
        blob = archive.read(name)
        if len(blob) != meta.get("size") or hashlib.sha256(blob).hexdigest() != meta.get("sha256"):
            raise BundleRefused(f"{name} の内容が署名と一致しません。取り込みませんでした。")
    return manifest, archive


def read_bundle(session: Session, actor, data: bytes, *, key: str | None, expect: str, storage_root: str,
                now: datetime, dry_run: bool = False) -> BundleReport:
    """Verify and (unless ``dry_run``) apply a bundle of the ``expect``-ed content."""
    manifest, archive = _open(data, key)
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
    for item in manifest.get("items") or []:
        apply(session, item, archive, report, storage_root, now, dry_run)
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


def _apply_application(session, item, archive, report, storage_root, now, dry_run) -> None:
    reference = item["reference"]
    application = session.scalar(select(Application).where(Application.reference == reference))
    if application is not None and application.origin != "portal":
        raise BundleRefused(f"受付番号 {reference} はこの環境で受け付けた申請と重なっています。取り込みませんでした。")
    if application is not None and item["revision"] <= application.revision:
        report.skipped.append(f"{reference}（第 {item['revision']} 版は取込済み）")
        return
    if application is not None and not application.can("submit"):
        raise BundleRefused(f"受付番号 {reference} は「{application.status_label}」のため、再提出を取り込めません。")
    (report.updated if application else report.new).append(f"{reference} {item['firm_name']}")
    if dry_run:
        return
    if application is None:
        application = Application(reference=reference, kind=item["kind"], origin="portal", account_id=None,
                                  created_at=now)
        session.add(application)
    if application.status == "returned":
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
        blob = archive.read(f"files/{doc['sha256']}")
        try:  # the same checks as on upload: a signed bundle is trusted for origin, not for content
            checked = files.check_file(doc["original_name"], blob, len(blob))
        except ValidationFailed as exc:
            raise BundleRefused(f"受付番号 {reference} の添付「{doc['original_name']}」: {exc}") from None
        session.add(ApplicationAttachment(application_id=application.id, document_code=doc["document_code"],
                                          original_name=checked.original_name,
                                          stored_name=Storage(storage_root).save(session, files.AREA, blob).name,
                                          content_type=checked.content_type, size=len(blob), sha256=checked.sha256,
                                          uploaded_at=_dt(doc.get("uploaded_at")) or now))
    session.flush()
    session.refresh(application, ["attachments", "events"])
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


def _apply_decision(session, item, archive, report, storage_root, now, dry_run) -> None:
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
            comment=item.get("decision_comment") or "", number=item.get("contractor_number") or "")
        report.mails.append(Mail(application.applicant_email, f"【入札参加資格審査申請】{subject}（{reference}）",
                                 body.rstrip() + "\n\n詳しくは申請者ページでご確認ください。\n"))
