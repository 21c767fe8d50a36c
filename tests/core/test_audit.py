"""The operation log: hash chain, tamper detection, append-only triggers, retention prune (SPEC NF6)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.audit import services as audit
from core.audit.chain import audit_key, entry_hash
from core.audit.models import CHAIN_HMAC, AuditEntry
from core.audit.prune import prune
from core.audit.verify import verify_configured
from core.db import utcnow
from core.errors import ValidationFailed


@pytest.fixture
def verify(app, db_session):
    return lambda: verify_configured(db_session, app.config)


def _write(session, n, actor=None, at=None):
    return [audit.record(session, actor, "test.op", f"テスト操作 {i}", target_type="things", target_id=i,
                         details={"i": i}, at=at) for i in range(n)]


def _tamper(session, sql, **params):
    """Change the log behind the application's back, as someone with database access could."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    else:
        session.execute(text("DROP TRIGGER audit_entries_no_update"))
        session.execute(text("DROP TRIGGER audit_entries_no_delete"))
    session.execute(text(sql), params)
    session.expire_all()


def test_entries_chain_and_verify(db_session, verify):
    entries = _write(db_session, 5)
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert entries[-1].id == entries[0].id + 4
    assert all(e.chain == CHAIN_HMAC and e.hash == entry_hash(e, audit_key(db_session)) for e in entries)
    result = verify()
    assert result.ok and result.checked >= 5 and "改ざんは検出されませんでした" in result.message


def test_entry_records_context(db_session, admin):
    token = audit.set_context(audit.AuditContext(ip="192.0.2.7", endpoint="admin.user_edit"))
    try:
        entry = audit.record(db_session, admin, "user.update", "変更", target=admin)
    finally:
        audit.reset_context(token)
    assert (entry.ip, entry.endpoint, entry.login_id, entry.target_type, entry.target_id) == \
        ("192.0.2.7", "admin.user_edit", admin.login_id, "users", str(admin.id))


def test_edited_row_detected(db_session, verify):
    ids = [e.id for e in _write(db_session, 4)]
    _tamper(db_session, "UPDATE audit_entries SET summary = :s WHERE id = :id", s="書き換え", id=ids[1])
    result = verify()
    assert not result.ok and result.broken_id == ids[1] and "鍵付きハッシュ（HMAC）が一致しません" in result.message


def test_deleted_row_detected(db_session, verify):
    ids = [e.id for e in _write(db_session, 4)]
    _tamper(db_session, "DELETE FROM audit_entries WHERE id = :id", id=ids[2])
    result = verify()
    assert not result.ok and result.broken_id == ids[2] and "欠落" in result.message


def test_deleted_tail_detected_through_the_head_when_left_alone(db_session, verify):
    ids = [e.id for e in _write(db_session, 3)]
    _tamper(db_session, "DELETE FROM audit_entries WHERE id = :id", id=ids[-1])
    result = verify()
    assert not result.ok and "audit_head" in result.message


def test_row_inserted_out_of_order_detected(db_session, verify):
    ids = [e.id for e in _write(db_session, 3)]
    # move the middle entry to the end: ids no longer follow the chain
    _tamper(db_session, "UPDATE audit_entries SET id = :new WHERE id = :old", new=ids[-1] + 1, old=ids[1])
    assert not verify().ok


def test_row_rehashed_without_the_key_detected_at_that_row(db_session, verify):
    """Rewriting one row and recomputing its hash as before (plain SHA-256) no longer passes."""
    entries = _write(db_session, 3)
    ids = [e.id for e in entries]
    victim = entries[1]
    victim.summary = "偽造"
    forged = entry_hash(victim, None)
    db_session.expunge(victim)
    _tamper(db_session, "UPDATE audit_entries SET summary = '偽造', hash = :h WHERE id = :id", h=forged, id=ids[1])
    result = verify()
    assert not result.ok and result.broken_id == ids[1]
    assert {f.kind for f in result.findings} >= {"hmac", "link"}  # and the next row no longer links


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entries SET summary = 'x' WHERE id = :id",
    "DELETE FROM audit_entries WHERE id = :id",
])
def test_database_refuses_update_and_delete(db_session, statement):
    entry = _write(db_session, 1)[0]
    nested = db_session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text(statement), {"id": entry.id})
    nested.rollback()


def test_prune_refuses_inside_retention(db_session, verify):
    now = utcnow()
    with pytest.raises(ValidationFailed, match="保存期間"):
        prune(db_session, None, now - timedelta(days=100), 180, now, verify())


def test_prune_keeps_chain_verifiable(db_session, verify):
    now = utcnow()
    old = _write(db_session, 3, at=now - timedelta(days=400))
    recent = _write(db_session, 2, at=now - timedelta(days=10))
    marker = prune(db_session, None, now - timedelta(days=200), 180, now, verify())
    assert marker.pruned_through_id == old[-1].id and marker.boundary_hash == old[-1].hash
    assert marker.removed_count >= 3
    remaining = db_session.scalar(select(func.min(AuditEntry.id)))
    assert remaining == recent[0].id
    result = verify()
    assert result.ok, result.message
    last = db_session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert last.operation == "audit.prune" and last.chain == CHAIN_HMAC
    # the trigger is back in place after the prune
    nested = db_session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": recent[0].id})
    nested.rollback()


def test_prune_refuses_a_log_that_does_not_verify(db_session, verify):
    now = utcnow()
    ids = [e.id for e in _write(db_session, 3, at=now - timedelta(days=400))]
    _write(db_session, 1)
    _tamper(db_session, "UPDATE audit_entries SET summary = 'x' WHERE id = :id", id=ids[1])
    with pytest.raises(ValidationFailed, match="証拠を消さない"):
        prune(db_session, None, now - timedelta(days=200), 180, now, verify())
    assert db_session.get(AuditEntry, ids[0]) is not None


def test_prune_with_nothing_old_enough(db_session, verify):
    now = utcnow()
    _write(db_session, 1)
    assert prune(db_session, None, now - timedelta(days=5000), 180, now, verify()) is None


def test_rows_committed_while_verify_walks_are_not_a_finding(db_session, verify):
    """The head is read before the rows: a write committed in between only adds rows after it."""
    entries = _write(db_session, 3)
    db_session.execute(text("UPDATE audit_head SET seq = :seq, last_hash = :h WHERE id = 1"),
                       {"seq": entries[1].id, "h": entries[1].hash})
    assert verify().ok
    db_session.execute(text("UPDATE audit_head SET last_hash = :h WHERE id = 1"), {"h": entries[0].hash})
    result = verify()
    assert not result.ok and result.message.startswith(f"ID {entries[1].id} のハッシュ値が audit_head と一致しません")
