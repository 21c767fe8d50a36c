"""Retention prune of the operation log: a command-line operation, never a screen.

No row or flag in the database opens the log for deletion: the triggers refuse DELETE always, and the prune
steps around them with DDL inside its own transaction (PostgreSQL: ``ALTER TABLE ... DISABLE TRIGGER``,
which only the table's owner may run; SQLite: drop and re-create the trigger). If anything fails, the
transaction rolls back with the trigger in place. What makes a prune acceptable to ``verify`` is not the
database either: the prune appends a keyed row "pruned up to id N, whose hash was H" (HMAC with
``KEIYAKU_AUDIT_KEY``) and the command writes a signed checkpoint, so a chain starting after id 1 verifies
only with such a row; a gap made any other way is reported.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.errors import ValidationFailed

from .models import PRUNE_OPERATION, AuditEntry, AuditHead, AuditPrune
from .services import record
from .verify import VerifyResult

#: The SQLite trigger as the migrations create it (re-created by the prune in the same transaction).
SQLITE_NO_DELETE_TRIGGER = """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
       BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only (DELETE refused)'); END"""


def check_prune_cutoff(cutoff: datetime, retention_days: int, now: datetime) -> None:
    """Refuse a cutoff inside the retention period (dates in the message are Japan dates)."""
    from core.timefmt import to_jst

    earliest_allowed = now - timedelta(days=retention_days)
    if cutoff > earliest_allowed:
        raise ValidationFailed(
            {"cutoff": [f"保存期間（{retention_days} 日）内の記録は削除できません。"
                        f"{to_jst(earliest_allowed):%Y-%m-%d} 以前の日付を指定してください。"]}
        )


def _delete_through(session: Session, through_id: int) -> None:
    delete = AuditEntry.__table__.delete().where(AuditEntry.id <= through_id)
    if session.get_bind().dialect.name == "postgresql":
        # Writers lock the head row, then insert; taking the head before the table's exclusive lock keeps
        # the same order, so a concurrent writer waits instead of deadlocking with the prune.
        session.execute(select(AuditHead.id).where(AuditHead.id == 1).with_for_update())
        session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_delete"))
        session.execute(delete)
        session.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_delete"))
    else:
        session.execute(text("DROP TRIGGER audit_entries_no_delete"))
        session.execute(delete)
        session.execute(text(SQLITE_NO_DELETE_TRIGGER))


def prune(session: Session, actor, cutoff: datetime, retention_days: int, now: datetime,
          verified: VerifyResult) -> AuditPrune | None:
    """Remove entries older than ``cutoff``; refuses a cutoff inside the retention period, and a log whose
    verification (``verified``, run just before) found anything: a prune must not bury the evidence.

    Returns None when nothing is old enough.
    """
    check_prune_cutoff(cutoff, retention_days, now)
    if not verified.ok:
        raise ValidationFailed({"chain": ["操作ログの検証で異常が見つかったため、削除しません（証拠を消さないため）。"
                                          f"{verified.message}"]})
    first_kept = session.scalar(select(func.min(AuditEntry.id)).where(AuditEntry.at >= cutoff))
    if first_kept is None:
        first_kept = (session.scalar(select(func.max(AuditEntry.id))) or 0) + 1
    through_id = first_kept - 1
    boundary = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == through_id))
    if boundary is None:
        return None
    removed = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= through_id))
    _delete_through(session, through_id)
    marker = AuditPrune(
        user_id=getattr(actor, "id", None),
        login_id=getattr(actor, "login_id", None),
        cutoff=cutoff,
        pruned_through_id=through_id,
        boundary_hash=boundary,
        removed_count=removed,
    )
    session.add(marker)
    # The keyed row is what verification trusts; audit_prunes is only the readable record.
    record(
        session, actor, PRUNE_OPERATION, f"操作ログを削除（{cutoff:%Y-%m-%d} より前、{removed} 件）",
        target=marker, details={"pruned_through_id": through_id, "boundary_hash": boundary},
    )
    return marker
