"""Write to the operation log (verification: ``verify.py``; retention prune: ``prune.py``).

``record`` is called by every service in the same transaction as its write, so an entry exists exactly
when the change was committed. The entry point (web request or CLI command) sets the ambient
``AuditContext`` (source address, endpoint); services never read the request themselves.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db import begin_write

from .chain import audit_key, canonical_json, entry_hash
from .models import CHAIN_HMAC, GENESIS_HASH, SWITCH_OPERATION, AuditEntry, AuditHead

__all__ = ["AuditContext", "AuditEntry", "canonical_json", "current_context", "ensure_keyed", "record",
           "record_export", "reset_context", "set_context"]


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


def _lock_head(session: Session) -> AuditHead:
    """Take the chain's write lock: the UPDATE row-locks on PostgreSQL and takes the write lock on SQLite.

    An entry written from a GET request (an export, a form output) first ends the request's read transaction
    on SQLite, which could not be upgraded safely when another process writes (``core.db.begin_write``).
    """
    begin_write(session)
    result = session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    if result.rowcount == 0:
        session.add(AuditHead(id=1, seq=1, last_hash=GENESIS_HASH, keyed_from=1))
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
    key = audit_key(session)
    if head.keyed_from is None:
        _append_switch(session, head, key)
        head.seq += 1
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
    )
    _append(session, head, entry, key)
    session.flush()
    return entry


def _append(session: Session, head: AuditHead, entry: AuditEntry, key: bytes) -> None:
    entry.prev_hash = head.last_hash
    entry.chain = CHAIN_HMAC
    entry.hash = entry_hash(entry, key)
    head.last_hash = entry.hash
    session.add(entry)


def _append_switch(session: Session, head: AuditHead, key: bytes) -> AuditEntry:
    """The first keyed row after rows hashed with plain SHA-256: it names where the keyed chain starts, and
    its ``prev_hash`` (under the key) fixes every older row, so none can be rewritten unseen."""
    from core.db import utcnow

    ctx = current_context()
    switch = AuditEntry(id=head.seq, at=utcnow(), user_id=None, login_id=None, ip=ctx.ip, endpoint=ctx.endpoint,
                        operation=SWITCH_OPERATION, target_type=None, target_id=None,
                        summary=f"操作ログのハッシュを鍵付き（HMAC-SHA256）に切り替え（ID {head.seq} から）",
                        details=canonical_json({"keyed_from": head.seq, "before": "sha256"}))
    _append(session, head, switch, key)
    head.keyed_from = switch.id
    return switch


def ensure_keyed(session: Session) -> AuditEntry | None:
    """Write the switch row now if the log still ends with rows from before the keyed chain (the checkpoint
    command calls this, so an upgraded database is keyed without waiting for the next operation)."""
    head = session.get(AuditHead, 1)
    if head is None or head.keyed_from is not None:
        return None
    head = _lock_head(session)
    if head.keyed_from is not None:  # another writer switched meanwhile; give the id back
        head.seq -= 1
        return None
    switch = _append_switch(session, head, audit_key(session))
    session.flush()
    return switch


def record_export(session: Session, actor, what: str, filters: dict, file_format: str = "CSV") -> AuditEntry:
    """Log that ``actor`` downloaded ``what`` as ``file_format`` (exports carry personal data, so they are
    operations too)."""
    return record(session, actor, "data.export", f"{what}を {file_format} 出力",
                  details={k: v for k, v in filters.items() if k != "format" and v} or None)
