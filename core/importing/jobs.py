"""Web import jobs: the uploaded file is kept as a temporary of ``core.storage`` until it is committed, the
job runs in a background thread and writes its progress to the batch row, which the status page (any
worker) reads.

Tests and small installations may run jobs inline (``IMPORT_SYNC``). Progress is written through a
separate connection; on SQLite the write phase holds the database's only write lock, so progress is
then shown without a percentage.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from core.audit.services import AuditContext, record, reset_context, set_context
from core.db import begin_read, db, utcnow
from core.errors import DomainError, ValidationFailed
from core.storage import Storage

from .kinds import get_kind
from .models import ImportBatch
from .profiles import get_settings
from .runner import run_import

log = logging.getLogger("keiyaku.imports")
UPLOAD_AREA = "imports"
UPLOAD_TTL_SECONDS = 2 * 24 * 3600
#: A job still "running" after this long was cut off (server restart): its transaction never committed.
STALE_AFTER_SECONDS = 3 * 3600


def is_stale(batch: ImportBatch, now) -> bool:
    return batch.status in ("pending", "checking", "writing") and \
        (now - batch.started_at).total_seconds() > STALE_AFTER_SECONDS


def store_upload(app: Flask, data: bytes) -> str:
    """Keep the file until it is committed, named by its SHA-256 (never by the user's file name); returns
    the hash. Uploads older than the keeping period are removed on the way."""
    stored = Storage.for_app(app).save_temporary(UPLOAD_AREA, data, ttl_seconds=UPLOAD_TTL_SECONDS,
                                                 suffix=".dat", named_by_hash=True)
    return stored.sha256


def load_upload(app: Flask, sha256: str) -> bytes | None:
    """The stored file, or None when it is gone or older than the keeping period."""
    return Storage.for_app(app).read_temporary(UPLOAD_AREA, f"{sha256}.dat", ttl_seconds=UPLOAD_TTL_SECONDS)


def discard_upload(app: Flask, sha256: str) -> None:
    Storage.for_app(app).discard(UPLOAD_AREA, f"{sha256}.dat")


def start_job(app: Flask, batch_id: int, actor_id: int, context: AuditContext) -> None:
    """Run the batch now (``IMPORT_SYNC``) or in a background thread."""
    if app.config.get("IMPORT_SYNC"):
        _run(app, batch_id, actor_id, report_progress=False)
        return
    thread = threading.Thread(target=_run_in_thread, args=(app, batch_id, actor_id, context), daemon=True,
                              name=f"import-{batch_id}")
    thread.start()


def _run_in_thread(app: Flask, batch_id: int, actor_id: int, context: AuditContext) -> None:
    token = set_context(context)
    try:
        with app.app_context():
            _run(app, batch_id, actor_id, report_progress=True)
    finally:
        reset_context(token)


def _run(app: Flask, batch_id: int, actor_id: int, report_progress: bool) -> None:
    from core.auth.models import User

    session = db.session
    sqlite_progress = report_progress and db.engine.dialect.name == "sqlite"
    if sqlite_progress:
        # Rows are checked in a read transaction, so the progress writes (another connection) can take the
        # write lock meanwhile (background threads otherwise begin IMMEDIATE, see core.db).
        begin_read(session)
    batch = session.get(ImportBatch, batch_id)
    actor = session.get(User, actor_id)
    progress = _progress_writer(batch_id) if report_progress else (lambda *_: None)
    try:
        kind = get_kind(batch.kind)
        data = load_upload(app, batch.file_sha256)
        if data is None:
            raise ValidationFailed({"file": ["取り込むファイルが保存期間を過ぎたため見つかりません。"
                                             "もう一度アップロードしてください。"]})
        profile_name, settings = get_settings(session, kind, batch.profile_name)
        # Nothing is written while rows are checked; on SQLite that read transaction must end before the
        # writes, because progress updates from another connection would make its snapshot stale.
        end_reads = session.commit if sqlite_progress else None
        run_import(session, actor, kind, data=data, file_name=batch.file_name, profile_name=profile_name,
                   settings=settings, dry_run=batch.dry_run, skip_rejected=batch.skip_rejected, progress=progress,
                   batch=batch, before_write=end_reads)
        session.commit()
        if batch.committed:
            discard_upload(app, batch.file_sha256)
    except DomainError as exc:
        session.rollback()
        _fail(session, batch_id, actor, " ".join(_messages(exc)))
    except Exception:
        log.exception("import batch %s failed", batch_id)
        session.rollback()
        _fail(session, batch_id, actor, "取込中にシステムエラーが発生しました。何も取り込まれていません。")


def _messages(exc: DomainError) -> list[str]:
    if isinstance(exc, ValidationFailed):
        return [m for msgs in exc.errors.values() for m in msgs]
    return [str(exc)]


def _fail(session: Session, batch_id: int, actor, message: str) -> None:
    batch = session.get(ImportBatch, batch_id)
    batch.status, batch.error, batch.finished_at, batch.committed = "failed", message[:1000], utcnow(), False
    record(session, actor, "import.failed", f"取込に失敗: {batch.file_name}（{message[:200]}）", target=batch)
    session.commit()


def _progress_writer(batch_id: int):
    """Write progress through its own short transactions, so other requests see it at once."""
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    last = [0.0]

    def write(phase: str, done: int, total: int) -> None:
        if sqlite and phase == "write":
            return  # the import transaction holds SQLite's write lock until it commits
        now = time.monotonic()
        if now - last[0] < 0.5 and done < total:
            return
        last[0] = now
        with engine.begin() as conn:
            conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
                status="writing" if phase == "write" else "checking", processed=done, total=total))

    return write
