"""Write to, verify and prune the operation log.

``record`` is called by every service in the same transaction as its write, so an entry exists exactly
when the change was committed. The entry point (web request or CLI command) sets the ambient
``AuditContext`` (source address, endpoint); services never read the request themselves.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db import begin_write
from core.errors import ValidationFailed

from .models import GENESIS_HASH, AuditEntry, AuditHead, AuditPrune


@dataclass(frozen=True)
class AuditContext:
    ip: str | None = None
    endpoint: str | None = None


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("audit_context", default=None)


def set_context(ctx: AuditContext) -> contextvars.Token:
    return _context.set(ctx)


def reset_context(token: contextvars.Token) -> None:
    _context.reset(token)


def current_context() -> AuditContext:
    return _context.get() or AuditContext()


def canonical_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the previous hash and every recorded field, in a fixed order."""
    payload = [
        entry.prev_hash,
        entry.id,
        entry.at.isoformat(timespec="microseconds"),
        entry.user_id,
        entry.login_id,
        entry.ip,
        entry.endpoint,
        entry.operation,
        entry.target_type,
        entry.target_id,
        entry.summary,
        entry.details,
    ]
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def _lock_head(session: Session) -> AuditHead:
    """Take the chain's write lock: the UPDATE row-locks on PostgreSQL and takes the write lock on SQLite.

    An entry written from a GET request (an export, a form output) first ends the request's read transaction
    on SQLite, which could not be upgraded safely when another process writes (``core.db.begin_write``).
    """
    begin_write(session)
    result = session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    if result.rowcount == 0:
        session.add(AuditHead(id=1, seq=1, last_hash=GENESIS_HASH, prune_allowed=False))
        session.flush()
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one()
    return head


def record(
    session: Session,
    actor,
    operation: str,
    summary: str,
    *,
    target=None,
    target_type: str | None = None,
    target_id=None,
    details: dict | None = None,
    login_id: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the operation log, chained to the previous one.

    :param actor: the acting ``User`` or ``None`` (system, or an anonymous failed login).
    :param target: a model instance; its class's ``__tablename__`` and ``id`` become the target.
    :param login_id: overrides the actor's login id (used for failed logins with an unknown id).
    """
    from core.db import utcnow

    session.flush()  # the target's id must exist before it is logged
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target_id if target_id is not None else getattr(target, "id", None)
    ctx = current_context()
    head = _lock_head(session)
    entry = AuditEntry(
        id=head.seq,
        at=at or utcnow(),
        user_id=getattr(actor, "id", None),
        login_id=login_id or getattr(actor, "login_id", None),
        ip=ctx.ip,
        endpoint=ctx.endpoint,
        operation=operation,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        summary=summary[:500],
        details=canonical_json(details) if details else None,
        prev_hash=head.last_hash,
    )
    entry.hash = entry_hash(entry)
    head.last_hash = entry.hash
    session.add(entry)
    session.flush()
    return entry


def record_export(session: Session, actor, what: str, filters: dict, file_format: str = "CSV") -> AuditEntry:
    """Log that ``actor`` downloaded ``what`` as ``file_format`` (exports carry personal data, so they are
    operations too)."""
    return record(session, actor, "data.export", f"{what}を {file_format} 出力",
                  details={k: v for k, v in filters.items() if k != "format" and v} or None)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    message: str = ""


def verify(session: Session, batch_size: int = 2000) -> VerifyResult:
    """Walk the whole chain; report the first entry that was edited, removed or inserted out of order."""
    last_prune = session.execute(select(AuditPrune).order_by(AuditPrune.id.desc()).limit(1)).scalar_one_or_none()
    expected_prev = last_prune.boundary_hash if last_prune else GENESIS_HASH
    expected_id = (last_prune.pruned_through_id if last_prune else 0) + 1
    checked = 0
    stmt = select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=batch_size)
    result = session.scalars(stmt)
    try:
        for entry in result:
            if entry.id != expected_id:
                missing = expected_id if entry.id > expected_id else entry.id
                return VerifyResult(False, checked, missing, f"ID {missing} の記録が欠落しているか、順序が不正です。")
            if entry.prev_hash != expected_prev:
                return VerifyResult(False, checked, entry.id, f"ID {entry.id} の直前ハッシュが前の記録と一致しません。")
            if entry_hash(entry) != entry.hash:
                return VerifyResult(False, checked, entry.id, f"ID {entry.id} の内容が記録時から変更されています。")
            expected_prev = entry.hash
            expected_id += 1
            checked += 1
    finally:
        result.close()  # a server-side cursor on PostgreSQL when we stop early
    head = session.get(AuditHead, 1)
    last_id = expected_id - 1
    if head is not None and (head.seq != last_id or head.last_hash != expected_prev):
        return VerifyResult(False, checked, last_id + 1, f"ID {last_id} より後の記録が削除されています。")
    return VerifyResult(True, checked, None, f"{checked} 件の記録を検証しました。改ざんは検出されませんでした。")


def check_prune_cutoff(cutoff: datetime, retention_days: int, now: datetime) -> None:
    """Refuse a cutoff inside the retention period (dates in the message are Japan dates)."""
    from core.timefmt import to_jst

    earliest_allowed = now - timedelta(days=retention_days)
    if cutoff > earliest_allowed:
        raise ValidationFailed(
            {"cutoff": [f"保存期間（{retention_days} 日）内の記録は削除できません。"
                        f"{to_jst(earliest_allowed):%Y-%m-%d} 以前の日付を指定してください。"]}
        )


def prune(session: Session, actor, cutoff: datetime, retention_days: int, now: datetime) -> AuditPrune | None:
    """Remove entries older than ``cutoff``; refuses a cutoff inside the retention period.

    The boundary hash is kept in ``audit_prunes`` so ``verify`` still proves the remaining chain.
    Returns None when nothing is old enough.
    """
    check_prune_cutoff(cutoff, retention_days, now)
    first_kept = session.scalar(select(func.min(AuditEntry.id)).where(AuditEntry.at >= cutoff))
    if first_kept is None:
        first_kept = (session.scalar(select(func.max(AuditEntry.id))) or 0) + 1
    through_id = first_kept - 1
    boundary = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == through_id))
    if boundary is None:
        return None
    removed = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= through_id))
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(prune_allowed=True))
    session.execute(AuditEntry.__table__.delete().where(AuditEntry.id <= through_id))
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(prune_allowed=False))
    marker = AuditPrune(
        user_id=getattr(actor, "id", None),
        login_id=getattr(actor, "login_id", None),
        cutoff=cutoff,
        pruned_through_id=through_id,
        boundary_hash=boundary,
        removed_count=removed,
    )
    session.add(marker)
    record(
        session, actor, "audit.prune", f"操作ログを削除（{cutoff:%Y-%m-%d} より前、{removed} 件）",
        target=marker, details={"pruned_through_id": through_id, "boundary_hash": boundary},
    )
    return marker
