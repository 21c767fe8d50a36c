"""Tamper trials against the operation log by someone with database write access but not the keys.

Each trial changes the database (and, for one, the checkpoint file) behind the application's back, as a
DBA, an attacker with the app's database credentials or a restored dump could, then runs ``flask audit
verify`` and checks which finding it reports (exit code 1, Japanese message).
"""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from core.audit import checkpoints as cp
from core.audit import services as audit
from core.audit.chain import audit_key, entry_hash
from core.audit.models import CHAIN_HMAC, CHAIN_SHA256, AuditEntry, AuditHead, AuditPrune
from core.db import utcnow

COLUMNS = ("id", "at", "user_id", "login_id", "ip", "endpoint", "operation", "target_type", "target_id", "summary",
           "details", "prev_hash", "hash", "chain")


@pytest.fixture
def checkpoint_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def _write(session, n, at=None):
    return [audit.record(session, None, "test.op", f"テスト操作 {i}", target_type="things", target_id=i,
                         details={"i": i}, at=at) for i in range(n)]


def _open_up(session):
    """What a table owner can always do: switch the append-only triggers off."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    else:
        session.execute(text("DROP TRIGGER audit_entries_no_update"))
        session.execute(text("DROP TRIGGER audit_entries_no_delete"))


def _last(session):
    return session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))


def _append_forged(session, *, chain, key, summary="偽造した操作", operation="test.op", details=None):
    """Append a correctly chained row and move ``audit_head`` along, as the application would."""
    last = _last(session)
    row = AuditEntry(id=last.id + 1, at=utcnow(), user_id=None, login_id="intruder", ip="203.0.113.9",
                     endpoint="admin.user_edit", operation=operation, target_type="users", target_id="1",
                     summary=summary, details=details, prev_hash=last.hash, chain=chain)
    row.hash = entry_hash(row, key)
    session.execute(insert(AuditEntry), [{c: getattr(row, c) for c in COLUMNS}])
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=row.id, last_hash=row.hash))
    session.expire_all()
    return row.id


def _verify(runner, *args):
    result = runner.invoke(args=["audit", "verify", *args])
    return result.exit_code, result.output


def _checkpoint(runner):
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output


def test_normal_operation_verifies_clean_against_checkpoints(runner, db_session, checkpoint_dir):
    _write(db_session, 3)
    _checkpoint(runner)
    _write(db_session, 2)
    _checkpoint(runner)
    _write(db_session, 1)
    code, output = _verify(runner)
    assert code == 0, output
    assert "チェックポイント 2 件と照合し、改ざんは検出されませんでした" in output
    assert len((checkpoint_dir / cp.FILE_NAME).read_text().splitlines()) == 2


def test_forged_append_with_a_sha_chain_and_updated_head_is_caught(runner, db_session, checkpoint_dir):
    _write(db_session, 2)
    forged = _append_forged(db_session, chain=CHAIN_SHA256, key=None)
    code, output = _verify(runner)
    assert code == 1
    assert f"ID {forged} は鍵なしのハッシュ（SHA-256）で記録されていますが" in output


def test_forged_append_claiming_to_be_keyed_is_caught(runner, db_session, checkpoint_dir):
    _write(db_session, 2)
    forged = _append_forged(db_session, chain=CHAIN_HMAC, key=b"a guess at the key, not the key")
    code, output = _verify(runner)
    assert code == 1 and f"ID {forged} の鍵付きハッシュ（HMAC）が一致しません" in output


def test_deleted_tail_with_head_moved_back_is_caught_by_the_checkpoint(runner, db_session, checkpoint_dir):
    entries = _write(db_session, 5)
    _checkpoint(runner)
    keep_id, keep_hash, newest = entries[2].id, entries[2].hash, entries[-1].id
    _open_up(db_session)
    db_session.execute(text("DELETE FROM audit_entries WHERE id > :id"), {"id": keep_id})
    db_session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=keep_id, last_hash=keep_hash))
    db_session.expunge_all()
    code, output = _verify(runner)
    assert code == 1
    assert f"ID {newest} までの記録がありましたが、現在の記録は ID {keep_id} までです" in output
    assert f"ID {keep_id + 1}〜{newest} の記録が削除されています" in output


def test_chain_rewritten_with_the_key_before_the_last_checkpoint_is_caught(runner, db_session, checkpoint_dir):
    """Even someone holding KEIYAKU_AUDIT_KEY (it leaked) cannot rewrite what a checkpoint has anchored."""
    entries = _write(db_session, 4)
    _checkpoint(runner)
    key = audit_key(db_session)
    _open_up(db_session)
    prev = entries[0].hash
    for entry in entries[1:]:
        db_session.expunge(entry)
        entry.summary = "書き換えた内容" if entry is entries[1] else entry.summary
        entry.prev_hash = prev
        entry.hash = entry_hash(entry, key)
        db_session.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(
            summary=entry.summary, prev_hash=entry.prev_hash, hash=entry.hash))
        prev = entry.hash
    db_session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev))
    db_session.expire_all()
    code, output = _verify(runner)
    assert code == 1
    assert f"ID {entries[-1].id} のハッシュ値が現在の記録と一致しません。ID {entries[-1].id} 以前の記録が書き換え" in output
    assert "HMAC" not in output  # the rows themselves are valid: only the checkpoint tells


def test_whole_chain_rewritten_as_plain_sha_is_caught(runner, db_session, checkpoint_dir):
    """Recomputing every row the pre-key way (nothing keyed left) does not pass either."""
    _write(db_session, 3)
    _open_up(db_session)
    prev = None
    for entry in db_session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all():
        db_session.expunge(entry)
        entry.prev_hash = prev or entry.prev_hash
        entry.chain = CHAIN_SHA256
        entry.hash = entry_hash(entry, None)
        db_session.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(
            prev_hash=entry.prev_hash, hash=entry.hash, chain=CHAIN_SHA256))
        prev = entry.hash
    db_session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=prev))
    db_session.expire_all()
    code, output = _verify(runner)
    assert code == 1 and "鍵付きハッシュ（HMAC）の記録が 1 件もありません" in output


@pytest.mark.parametrize("values", [{"keyed_from": None}, {"seq": 0}, {"seq": 10**6, "last_hash": "f" * 64}])
def test_no_database_flag_lets_a_delete_through(db_session, values):
    entry = _write(db_session, 2)[0]
    db_session.execute(update(AuditHead).where(AuditHead.id == 1).values(**values))
    nested = db_session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": entry.id})
    nested.rollback()


def test_deleting_old_rows_with_a_fake_prune_record_does_not_pass(runner, db_session, checkpoint_dir):
    """The old gate's traces (an audit_prunes row, a prune-looking row hashed without the key) prove nothing."""
    entries = _write(db_session, 4, at=utcnow() - timedelta(days=400))
    through_id, through_hash = entries[1].id, entries[1].hash
    first = db_session.scalar(select(func.min(AuditEntry.id)))
    _open_up(db_session)
    db_session.execute(text("DELETE FROM audit_entries WHERE id <= :id"), {"id": through_id})
    db_session.expunge_all()
    db_session.add(AuditPrune(cutoff=utcnow(), pruned_through_id=through_id, boundary_hash=through_hash,
                              removed_count=through_id - first + 1))
    forged = _append_forged(db_session, chain=CHAIN_HMAC, key=b"not the key", operation="audit.prune",
                            details=json.dumps({"boundary_hash": through_hash, "pruned_through_id": through_id}))
    code, output = _verify(runner)
    assert code == 1
    assert f"ID 1〜{through_id} の記録がありません" in output and "不正な削除です" in output
    assert f"ID {forged} の鍵付きハッシュ（HMAC）が一致しません" in output


@pytest.mark.parametrize("edit", ["hash", "added_line"])
def test_tampered_checkpoint_file_is_caught(runner, db_session, checkpoint_dir, edit):
    _write(db_session, 2)
    _checkpoint(runner)
    path = checkpoint_dir / cp.FILE_NAME
    line = path.read_text().strip()
    if edit == "hash":  # point the checkpoint at another hash, to hide a rewrite
        old = line.split("hash=")[1].split()[0]
        path.write_text(line.replace(old, "0" * 64) + "\n")
    else:  # add a checkpoint for rows that never existed, to frame someone
        path.write_text(line + "\n" + line.replace("seq=", "seq=9") + "\n")
    code, output = _verify(runner)
    assert code == 1 and f"チェックポイントの行 {cp.FILE_NAME}:{1 if edit == 'hash' else 2} の署名が一致しません" in output


def test_checkpoint_lines_are_found_in_syslog_output(runner, db_session, tmp_path, checkpoint_dir):
    """Lines collected by a syslog server (with its prefix) are checked with --checkpoint-file."""
    _write(db_session, 2)
    key = runner.app.config["AUDIT_CHECKPOINT_KEY"]
    last = _last(db_session)
    gathered = tmp_path / "syslog.txt"
    gathered.write_text("Dec  6 15:00:01 app1 sshd[99]: unrelated\n"
                        f"Dec  6 15:00:02 app1 keiyaku-audit: {cp.format_line(key, last.id + 3, 'a' * 64, utcnow())}\n")
    code, output = _verify(runner, "--checkpoint-file", str(gathered))
    assert code == 1 and f"ID {last.id + 1}〜{last.id + 3} の記録が削除されています" in output


def test_prune_then_verify_clean_against_checkpoints(runner, app, db_session, checkpoint_dir):
    old = _write(db_session, 3, at=utcnow() - timedelta(days=app.config["AUDIT_RETENTION_DAYS"] + 30))
    _checkpoint(runner)  # anchors a row that the prune will remove
    _write(db_session, 2)
    result = runner.invoke(args=["audit", "prune"])
    assert result.exit_code == 0 and "件を削除しました" in result.output, result.output
    assert db_session.scalar(select(func.count()).where(AuditEntry.id == old[-1].id)) == 0
    code, output = _verify(runner)
    assert code == 0, output
    assert "チェックポイント 2 件と照合し" in output  # the pruned one and the prune's own


def test_prune_needs_a_checkpoint_target(runner, app, db_session):
    _write(db_session, 1, at=utcnow() - timedelta(days=app.config["AUDIT_RETENTION_DAYS"] + 30))
    result = runner.invoke(args=["audit", "prune"])
    assert result.exit_code == 1 and "KEIYAKU_AUDIT_CHECKPOINT_DIR" in result.output


def test_verify_screen_shows_the_same_findings(admin_client, db_session, checkpoint_dir, runner):
    _write(db_session, 2)
    _append_forged(db_session, chain=CHAIN_SHA256, key=None)
    page = admin_client.get("/admin/audit/verify").get_data(as_text=True)
    assert "改ざんを検出しました" in page and "鍵なしのハッシュ（SHA-256）で記録されていますが" in page


def test_checkpoint_refuses_to_anchor_a_forged_tail(runner, db_session, checkpoint_dir):
    _write(db_session, 2)
    forged = _append_forged(db_session, chain=CHAIN_HMAC, key=b"not the key")
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1 and f"最後の記録（ID {forged}）のハッシュが一致しない" in result.output
    assert not (checkpoint_dir / cp.FILE_NAME).exists()


def test_checkpoint_needs_a_target(runner, db_session):
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1 and "KEIYAKU_AUDIT_CHECKPOINT_DIR" in result.output


def test_checkpoint_goes_to_syslog(runner, app, db_session, monkeypatch):
    import socket

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_SYSLOG", f"127.0.0.1:{receiver.getsockname()[1]}")
    try:
        last = _write(db_session, 1)[0]
        _checkpoint(runner)
        message = receiver.recv(4096).decode("utf-8")
    finally:
        receiver.close()
    assert "keiyaku-audit: " in message
    found, bad = cp.parse_lines([message], app.config["AUDIT_CHECKPOINT_KEY"], "syslog")
    assert bad == [] and [(c.seq, c.hash) for c in found] == [(last.id, last.hash)]


def test_a_failed_prune_names_what_to_do_on_this_engine(runner, app, db_session, checkpoint_dir, monkeypatch):
    from sqlalchemy.exc import OperationalError

    _write(db_session, 1, at=utcnow() - timedelta(days=app.config["AUDIT_RETENTION_DAYS"] + 30))

    def refused(*_args, **_kwargs):
        raise OperationalError("DELETE", {}, Exception("refused"))

    monkeypatch.setattr("core.audit.cli.prune", refused)
    result = runner.invoke(args=["audit", "prune"])
    postgresql = db_session.get_bind().dialect.name == "postgresql"
    assert result.exit_code == 1 and "削除できませんでした" in result.output
    assert ("所有者のロール" in result.output) is postgresql
