"""Web import jobs: the uploaded file is kept as a temporary of ``core.storage`` until it is committed, the
job runs in a background thread and writes its progress to the batch row, which the status page (any
worker) reads.

Tests and small installations may run jobs inline (``IMPORT_SYNC``). Progress is written through a
separate connection; on SQLite the write phase holds the database's only write lock, so progress is
then shown without a percentage.

A dead worker (server process killed or restarted) is found by its heartbeat: a thread of the job stamps
``heartbeat_at`` every ``HEARTBEAT_SECONDS``; a status read that finds no stamp for ``IMPORT_STALE_SECONDS``
marks the batch ``interrupted`` (its transaction never committed, so nothing was written). On SQLite the
write phase cannot stamp (the import holds the only write lock): there the lock itself is the sign of life.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from datetime import datetime

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
#: The running job stamps its heartbeat this often (a dead worker is found ``IMPORT_STALE_SECONDS`` later).
HEARTBEAT_SECONDS = 10
RUNNING = ("pending", "checking", "writing")
INTERRUPTED_MESSAGE = ("サーバーの再起動などで処理が途中で止まりました。何も書き込まれていません。"
                       "もう一度アップロードしてください。")


def beat(batch_id: int) -> None:
    """Stamp the batch's heartbeat through a short transaction of its own (seen by every worker at once)."""
    with db.engine.begin() as conn:
        conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(heartbeat_at=utcnow()))


def heartbeat_age(batch: ImportBatch, now: datetime) -> float:
    return (now - (batch.heartbeat_at or batch.started_at)).total_seconds()


def is_dead(session: Session, batch: ImportBatch, now: datetime, stale_seconds: int) -> bool:
    """Whether a running batch's worker stopped stamping its heartbeat. Reads only: on SQLite call it before the
    caller's write transaction, whose own lock would read as a live import."""
    if batch.status not in RUNNING or heartbeat_age(batch, now) <= stale_seconds:
        return False
    # SQLite's write phase cannot stamp: the import holding the write lock is the sign of life there.
    return not (batch.status == "writing" and _sqlite_writer_active(session))


def mark_interrupted(session: Session, batch: ImportBatch, now: datetime) -> None:
    """Record that the batch's job died (``is_dead``): status ``interrupted`` and an operation log entry. Its
    transaction never committed, so nothing was written. The caller commits."""
    age = int(heartbeat_age(batch, now))
    batch.status, batch.error, batch.finished_at, batch.committed = "interrupted", INTERRUPTED_MESSAGE, now, False
    record(session, None, "import.interrupted", f"取込が中断されました: {batch.file_name}（{age} 秒応答なし）",
           target=batch)


def _sqlite_writer_active(session: Session) -> bool:
    bind = session.get_bind()
    bind = getattr(bind, "engine", bind)  # a session bound to a connection (tests) answers the connection
    if bind.dialect.name != "sqlite" or not bind.url.database or bind.url.database == ":memory:":
        return False
    return sqlite_write_locked(bind.url.database)


def sqlite_write_locked(path: str) -> bool:
    """Whether some connection holds the write lock of the SQLite database at ``path`` (tried without waiting)."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


class _Heartbeat:
    """A daemon thread stamping the batch's heartbeat until stopped; paused during SQLite's write phase."""

    def __init__(self, app: Flask, batch_id: int):
        self.app, self.batch_id = app, batch_id
        self.stopped, self.paused = threading.Event(), False
        self.thread = threading.Thread(target=self._loop, daemon=True, name=f"import-{batch_id}-heartbeat")

    def _loop(self) -> None:
        with self.app.app_context():
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                if not self.paused:
                    try:
                        beat(self.batch_id)
                    except Exception:  # a busy database must not end the import; the next beat retries
                        log.warning("import batch %s: heartbeat not written", self.batch_id, exc_info=True)

    def __enter__(self):
        beat(self.batch_id)
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stopped.set()


def store_upload(app: Flask, data: bytes) -> str:
    """Keep the file until it is committed, named by its SHA-256 (never by the user's file name); returns
    the hash. Uploads older than the keeping period are removed on the way."""
    stored = Storage.for_app(app).save_temporary(UPLOAD_AREA, data, ttl_seconds=UPLOAD_TTL_SECONDS,
                                                 suffix=".dat", named_by_hash=True)
    return stored.sha256


def load_upload(app: Flask, sha256: str) -> bytes | None:
    """The stored file, or None when it is gone or older than the keeping period."""
    return Storage.for_app(app).read_temporary(UPLOAD_AREA, f"{sha256}.dat", ttl_seconds=UPLOAD_TTL_SECONDS)


def upload_available(app: Flask, sha256: str) -> bool:
    """Whether the stored file is still there (checked without reading a file of many megabytes)."""
    return Storage.for_app(app).has_temporary(UPLOAD_AREA, f"{sha256}.dat", ttl_seconds=UPLOAD_TTL_SECONDS)


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
    if not report_progress:
        _execute(app, session, batch, actor, lambda *_: None, None)
        return
    with _Heartbeat(app, batch_id) as heartbeat:
        progress = _progress_writer(batch_id, heartbeat)
        _execute(app, session, batch, actor, progress, session.commit if sqlite_progress else None)


def _execute(app: Flask, session: Session, batch: ImportBatch, actor, progress, end_reads) -> None:
    batch_id = batch.id
    try:
        kind = get_kind(batch.kind)
        data = load_upload(app, batch.file_sha256)
        if data is None:
            raise ValidationFailed({"file": ["取り込むファイルが保存期間を過ぎたため見つかりません。"
                                             "もう一度アップロードしてください。"]})
        profile_name, settings = get_settings(session, kind, batch.profile_name)
        # Nothing is written while rows are checked; on SQLite that read transaction (``end_reads``) must end
        # before the writes, because progress updates from another connection would make its snapshot stale.
        run_import(session, actor, kind, data=data, file_name=batch.file_name, profile_name=profile_name,
                   settings=settings, dry_run=batch.dry_run, skip_rejected=batch.skip_rejected, progress=progress,
                   batch=batch, before_write=end_reads, options=batch.option_values)
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


def _progress_writer(batch_id: int, heartbeat: _Heartbeat):
    """Write progress (and a heartbeat) through its own short transactions, so other requests see it at once."""
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    last = [0.0, ""]

    def write(phase: str, done: int, total: int) -> None:
        if sqlite and phase == "write":
            if last[1] == "write":
                return  # the import transaction holds SQLite's write lock until it commits
            heartbeat.paused = True  # the first call comes before the first write: say "writing" once
        now = time.monotonic()
        if now - last[0] < 0.5 and phase == last[1] and (done < total or not total):
            return
        last[0], last[1] = now, phase
        with engine.begin() as conn:
            conn.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
                status="writing" if phase == "write" else "checking", processed=done, total=total,
                heartbeat_at=utcnow()))

    return write
