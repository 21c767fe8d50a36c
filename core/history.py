"""Record history (履歴管理): every audited write to a record keeps the changed fields, before and after.

Services call ``record_change`` instead of ``audit.record`` when they change a business record: it writes
one ``record_history`` row (kept as long as the record, unlike the operation log, which is pruned after its
retention period) and the operation-log entry, in the same transaction. ``state_as_of`` rebuilds a
record's fields at a past moment by undoing the later changes from its current state.

A bulk operation (an import of thousands of rows) writes through its services with a shared ``BulkWriter``:
the services add records and queue their changes; the writer flushes once per chunk, records the changes
and lets the written records go (memory of a chunk, not of the file). Inside ``bulk_changes`` the history rows
are written in multi-row INSERTs and the batch gets one operation-log entry.
"""

from __future__ import annotations

import contextvars
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime

from sqlalchemy import DateTime, Index, Integer, String, Text, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.audit.services import canonical_json, record
from core.db import Base, utcnow

#: Japanese labels of snapshot fields, per table; feature packages add theirs with ``register_fields``.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "users": {"login_id": "ログインID", "name": "氏名", "email": "メールアドレス", "department": "所属部署",
              "roles": "役割", "is_active": "有効", "deactivated_reason": "無効化の理由"},
    "departments": {"code": "部署コード", "name": "部署名", "is_active": "有効", "deactivated_reason": "無効化の理由"},
}


#: Optional display functions for field values, per (table, field).
VALUE_FORMATTERS: dict[tuple[str, str], object] = {}


#: Per table: ``(model class, snapshot function)`` so a record's current state can be loaded by id.
SNAPSHOTS: dict[str, tuple[type, object]] = {}


def register_fields(table: str, labels: dict[str, str], formatters: dict | None = None,
                    snapshot: tuple[type, object] | None = None) -> None:
    FIELD_LABELS.setdefault(table, {}).update(labels)
    for field, fn in (formatters or {}).items():
        VALUE_FORMATTERS[(table, field)] = fn
    if snapshot is not None:
        SNAPSHOTS[table] = snapshot


def display_value(table: str, field: str, value) -> str:
    """A field value as a person reads it: — for empty, はい/いいえ for booleans, lists joined by ・."""
    formatter = VALUE_FORMATTERS.get((table, field))
    if formatter is not None and value is not None:
        value = formatter(value)
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "はい"
    if value is False:
        return "いいえ"
    if isinstance(value, list | tuple):
        return "・".join(str(v) for v in value)
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        # Snapshots keep dates as ISO text; people read them in the configured style (和暦 by default).
        from core.jp import format_date

        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def field_label(table: str, field: str) -> str:
    return FIELD_LABELS.get(table, {}).get(field, field)


class RecordHistory(Base):
    __tablename__ = "record_history"
    __table_args__ = (Index("ix_record_history_target", "target_type", "target_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    user_id: Mapped[int | None] = mapped_column(Integer)  # no FK: history must outlive anything it names
    login_id: Mapped[str | None] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(500))
    #: ``{"field": [before, after]}``; a creation has ``before`` None for every field.
    changes: Mapped[str] = mapped_column(Text)
    #: The operation-log entry written with this change (the log may be pruned later; no FK).
    audit_entry_id: Mapped[int | None] = mapped_column(Integer)

    @property
    def change_map(self) -> dict[str, list]:
        return json.loads(self.changes)


def diff(before: dict, after: dict) -> dict[str, list]:
    """``{field: [old, new]}`` for every field whose value differs (fields in either snapshot)."""
    fields = list(after) + [k for k in before if k not in after]
    return {k: [before.get(k), after.get(k)] for k in fields if before.get(k) != after.get(k)}


@dataclass
class BulkLog:
    """Record changes made inside ``bulk_changes``: counted for the caller's single log entry, and their
    history rows kept as plain rows, written with one multi-row INSERT per chunk (thousands per import)."""

    changed: int = 0
    rows: list = dataclass_field(default_factory=list)
    session: Session | None = None

    def write(self) -> None:
        for start in range(0, len(self.rows), 1000):
            self.session.execute(insert(RecordHistory), self.rows[start:start + 1000])
        self.rows.clear()


_bulk: contextvars.ContextVar[BulkLog | None] = contextvars.ContextVar("history_bulk", default=None)


@contextmanager
def bulk_changes():
    """Within this block, record changes keep their history rows but write no operation-log entry each:
    a bulk operation (an import of thousands of rows) records one entry for the whole batch instead."""
    log = BulkLog()
    token = _bulk.set(log)
    try:
        yield log
        if log.rows:
            log.write()
    finally:
        _bulk.reset(token)


def record_change(session: Session, actor, operation: str, summary: str, *, target, before: dict | None,
                  after: dict, details: dict | None = None, at: datetime | None = None) -> RecordHistory | None:
    """Record a change of ``target`` from snapshot ``before`` (None for a new record) to ``after``.

    Writes the history row and, outside ``bulk_changes``, the operation-log entry; does nothing when no
    field changed. Inside ``bulk_changes`` the row is queued (written at the block's end) and None returned.
    """
    changes = diff(before or {}, after)
    if not changes:
        return None
    at = at or utcnow()
    bulk = _bulk.get()
    if bulk is not None:
        bulk.changed += 1
        if getattr(target, "id", None) is None:
            session.flush()
        bulk.session = session
        bulk.rows.append({"at": at, "user_id": getattr(actor, "id", None), "login_id": getattr(actor, "login_id", None),
                          "target_type": target.__tablename__, "target_id": str(target.id), "operation": operation,
                          "summary": summary[:500], "changes": canonical_json(changes), "audit_entry_id": None})
        if len(bulk.rows) >= 5000:
            bulk.write()
        return None
    entry = record(session, actor, operation, summary, target=target, at=at,
                   details={**(details or {}), "changes": changes})
    row = RecordHistory(at=at, user_id=getattr(actor, "id", None), login_id=entry.login_id,
                        target_type=entry.target_type, target_id=entry.target_id, operation=operation,
                        summary=summary[:500], changes=canonical_json(changes), audit_entry_id=entry.id)
    session.add(row)
    return row


class BulkWriter:
    """The writes of a bulk operation (an import of thousands of rows) done by several services, with one
    flush per chunk instead of one per record.

    Services add the records they create (``add``) and queue their changes (``queue``); ``write`` flushes once
    (the new records get their ids), records the queued changes with ``record_change`` (inside
    ``bulk_changes``: plain history rows) and lets the written records go, keeping their ids only, so the
    memory stays that of a chunk; ``get`` loads a record let go again by id. The caller loads the records a
    chunk needs in one query per table (``load``) under keys of its choosing, which the services use too.
    """

    def __init__(self, session: Session, actor):
        self.session, self.actor = session, actor
        #: model → key → the record, or its id once written and let go.
        self.records: dict[type, dict] = {}
        self.pending: list[tuple] = []

    def load(self, model: type, records: dict) -> None:
        """The records of the next chunk (the previous chunk's are let go; write them first)."""
        self.records[model] = records

    def get(self, model: type, key):
        """The record under ``key`` (None when there is none), loaded again by id when ``write`` let it go."""
        mapping = self.records.setdefault(model, {})
        value = mapping.get(key)
        if isinstance(value, int):
            value = mapping[key] = self.session.get(model, value)
        return value

    def add(self, model: type, key, record):
        """A new record: added to the session and kept under ``key``."""
        self.session.add(record)
        self.records.setdefault(model, {})[key] = record
        return record

    def queue(self, operation: str, summary: str, target, before: dict | None, snapshot) -> None:
        """A change of ``target`` from ``before``, recorded by ``write`` with ``snapshot(target)`` as after
        (no history row when nothing changed)."""
        self.pending.append((operation, summary, target, before, snapshot))

    def write(self) -> None:
        """One flush for the queued changes (their ids), their history rows, then the written records leave
        the session and only their ids are kept."""
        if not self.pending:
            return
        self.session.flush()
        written = {}
        for operation, summary, target, before, snapshot in self.pending:
            record_change(self.session, self.actor, operation, summary, target=target, before=before,
                          after=snapshot(target))
            written[id(target)] = target
        self.session.flush()
        for mapping in self.records.values():
            for key, value in mapping.items():
                if id(value) in written:
                    mapping[key] = value.id
        for target in written.values():
            if target in self.session:
                self.session.expunge(target)
        self.pending.clear()


def history_of(session: Session, target_type: str, target_id) -> list[RecordHistory]:
    """Changes of one record, oldest first."""
    return list(session.scalars(
        select(RecordHistory).where(RecordHistory.target_type == target_type,
                                    RecordHistory.target_id == str(target_id))
        .order_by(RecordHistory.at, RecordHistory.id)))


def state_as_of(current: dict, history: list[RecordHistory], when: datetime) -> dict | None:
    """The record's snapshot at ``when``: ``current`` with every later change undone.

    Returns None when the record did not exist yet (its first history row is newer than ``when``).
    ``history`` is oldest first, as ``history_of`` returns it.
    """
    if history and history[0].at > when and all(v[0] is None for v in history[0].change_map.values()):
        return None
    state = dict(current)
    for row in reversed(history):
        if row.at <= when:
            break
        for field, (old, _new) in row.change_map.items():
            state[field] = old
    return state
