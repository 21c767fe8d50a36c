"""Upgrading a database whose log was hashed with plain SHA-256 (before the keyed chain)."""

import os
from datetime import datetime
from types import SimpleNamespace

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from core import create_app
from core.audit.chain import entry_hash
from core.audit.verify import verify_configured
from core.migrate import alembic_config
from tests.helpers import scratch_database

BEFORE_KEYED_CHAIN = "8d2f6a0c3b14"


@pytest.fixture
def old_database(tmp_path):
    """A database at the revision before the keyed chain, with three rows hashed the old way."""
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if base:
        with scratch_database(base, "keiyaku_auditup") as url:
            yield _fill(url)
    else:
        yield _fill(f"sqlite:///{tmp_path / 'old.sqlite3'}")


def _fill(url: str) -> str:
    command.upgrade(alembic_config(url), BEFORE_KEYED_CHAIN)
    engine = create_engine(url)
    prev = "0" * 64
    with engine.begin() as conn:
        for n in range(1, 4):
            row = SimpleNamespace(id=n, at=datetime(2026, 4, 1, 9, n), user_id=None, login_id="old.admin",
                                  ip="10.0.0.1", endpoint="admin.user_edit", operation="user.update",
                                  target_type="users", target_id="1", summary=f"旧版での操作 {n}", details=None,
                                  prev_hash=prev)
            row.hash = entry_hash(row, None)
            conn.execute(text("INSERT INTO audit_entries (id, at, login_id, ip, endpoint, operation, target_type, "
                              "target_id, summary, prev_hash, hash) VALUES (:id, :at, :login_id, :ip, :endpoint, "
                              ":operation, :target_type, :target_id, :summary, :prev_hash, :hash)"), vars(row))
            prev = row.hash
        conn.execute(text("UPDATE audit_head SET seq = 3, last_hash = :h WHERE id = 1"), {"h": prev})
    engine.dispose()
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture
def upgraded_app(old_database, tmp_path):
    app = create_app({"KEIYAKU_ENV": "test", "DATABASE_URL": old_database, "STORAGE_DIR": str(tmp_path / "files"),
                      "AUDIT_CHECKPOINT_DIR": str(tmp_path)})
    yield app
    app.extensions["keiyaku_db"]["engine"].dispose()


def _verify(app):
    from core.db import db

    with app.app_context():
        return verify_configured(db.session, app.config)


def test_upgrade_marks_old_rows_and_drops_the_prune_flag(old_database):
    engine = create_engine(old_database)
    try:
        assert "prune_allowed" not in {c["name"] for c in inspect(engine).get_columns("audit_head")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT DISTINCT chain FROM audit_entries")).scalars().all() == [1]
            assert conn.execute(text("SELECT keyed_from FROM audit_head")).scalar_one() is None
    finally:
        engine.dispose()


def test_old_rows_alone_are_not_accepted_until_the_switch_is_recorded(upgraded_app):
    result = _verify(upgraded_app)
    assert not result.ok and result.findings[0].kind == "unkeyed"
    output = upgraded_app.test_cli_runner().invoke(args=["audit", "checkpoint"]).output
    assert "鍵付き（HMAC-SHA256）に切り替えました" in output and "ID 4" in output
    result = _verify(upgraded_app)
    assert result.ok, [f.message for f in result.findings]
    assert result.checked == 4 and result.checkpoints == 1


def test_first_write_after_the_upgrade_records_the_switch(upgraded_app):
    from core.audit import services as audit
    from core.audit.models import AuditEntry
    from core.db import db

    with upgraded_app.app_context():
        entry = audit.record(db.session, None, "test.op", "アップグレード後の操作")
        db.session.commit()
        switch = db.session.get(AuditEntry, entry.id - 1)
        assert (switch.id, switch.operation, switch.chain, entry.chain) == (4, "audit.chain_keyed", 2, 2)
        assert switch.details == '{"before":"sha256","keyed_from":4}'
    assert _verify(upgraded_app).ok


def test_old_rows_rewritten_after_the_switch_are_caught(upgraded_app):
    """The switch row's keyed hash covers the old rows: recomputing their SHA-256 chain breaks the link."""
    from core.audit.models import AuditEntry
    from core.db import db

    assert upgraded_app.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    with upgraded_app.app_context():
        session = db.session
        if session.bind.dialect.name == "postgresql":
            session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
        else:
            session.execute(text("DROP TRIGGER audit_entries_no_update"))
        prev = "0" * 64
        for n in (1, 2, 3):
            row = session.get(AuditEntry, n)
            session.expunge(row)
            row.summary, row.prev_hash = ("書き換えた旧版の操作" if n == 2 else row.summary), prev
            row.hash = entry_hash(row, None)
            session.execute(text("UPDATE audit_entries SET summary = :s, prev_hash = :p, hash = :h WHERE id = :id"),
                            {"s": row.summary, "p": row.prev_hash, "h": row.hash, "id": n})
            prev = row.hash
        session.commit()
    result = _verify(upgraded_app)
    assert not result.ok and result.broken_id == 4
    assert "ID 4 の直前ハッシュが前の記録と一致しません" in result.message
