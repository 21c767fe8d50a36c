"""Command-line tools: create-admin, audit verify/prune, demo guard, db check (SPEC NF5, NF6)."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from core import create_app
from core.audit import services as audit
from core.auth.models import User
from core.auth.passwords import verify_password
from core.auth.roles import Role
from core.db import utcnow


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


def test_create_admin_prints_one_time_password(runner, db_session):
    result = runner.invoke(args=["create-admin", "root.admin", "--name", "情報政策課 管理者"])
    assert result.exit_code == 0, result.output
    password = result.output.split("一時パスワード: ")[1].split()[0]
    user = db_session.scalar(select(User).where(User.login_id == "root.admin"))
    assert user.must_change_password and verify_password(user.password_hash, password)
    assert [r.value for r in user.roles] == ["system_admin"]
    entry = db_session.scalar(select(audit.AuditEntry).order_by(audit.AuditEntry.id.desc()).limit(1))
    assert (entry.operation, entry.endpoint, entry.ip) == ("user.create", "cli:create-admin", "cli")


def test_create_admin_refuses_existing_without_reset(runner, admin):
    result = runner.invoke(args=["create-admin", admin.login_id])
    assert result.exit_code == 1 and "既に存在します" in result.output


def test_create_admin_reset_reissues(runner, admin, db_session):
    result = runner.invoke(args=["create-admin", admin.login_id, "--reset"])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert db_session.get(User, admin.id).must_change_password


def test_create_admin_bad_login_id(runner):
    result = runner.invoke(args=["create-admin", "x"])
    assert result.exit_code == 1 and "ログインID" in result.output


def test_audit_verify_ok_then_tampered(runner, db_session, admin):
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    if db_session.bind.dialect.name == "postgresql":
        db_session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
    else:
        db_session.execute(text("DROP TRIGGER audit_entries_no_update"))
    db_session.execute(text("UPDATE audit_entries SET summary = 'x' WHERE id = (SELECT MAX(id) FROM audit_entries)"))
    db_session.flush()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "改ざんを検出しました" in result.output and "ID" in result.output


def test_audit_prune_refuses_inside_retention(runner, app):
    result = runner.invoke(args=["audit", "prune", "--before", (utcnow() - timedelta(days=30)).strftime("%Y-%m-%d")])
    assert result.exit_code == 1 and "保存期間" in result.output


def test_audit_prune_dry_run_and_default(runner, db_session, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_DIR", str(tmp_path))
    old = utcnow() - timedelta(days=app.config["AUDIT_RETENTION_DAYS"] + 10)
    audit.record(db_session, None, "test.old", "古い記録", at=old)
    db_session.flush()
    dry = runner.invoke(args=["audit", "prune", "--dry-run"])
    assert dry.exit_code == 0 and "削除は行っていません" in dry.output
    result = runner.invoke(args=["audit", "prune"])
    assert result.exit_code == 0 and "件を削除しました" in result.output, result.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_demo_refused_outside_development(runner):
    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 1 and "KEIYAKU_ENV=development" in result.output


def test_demo_loads_users_per_role(tmp_path):
    app = create_app({"KEIYAKU_ENV": "development", "KEIYAKU_SECRET_KEY": "k" * 40,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}", "STORAGE_DIR": str(tmp_path / "files")})
    result = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    for login_id in ("admin", "keiyaku", "douro", "kensa", "etsuran", "shinsei@example.jp"):
        assert f"ID: {login_id}" in result.output
    again = app.test_cli_runner().invoke(args=["demo", "--no-serve"])
    assert again.exit_code == 0  # re-running issues new passwords, duplicates nothing
    app.extensions["keiyaku_db"]["engine"].dispose()


def test_db_check_clean(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0 and "一致しています" in result.output


def test_unmigrated_database_says_so(tmp_path):
    app = create_app({"KEIYAKU_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})
    response = app.test_client().get("/login")
    assert response.status_code == 503
    assert "マイグレーション未実行" in response.get_data(as_text=True)
    app.extensions["keiyaku_db"]["engine"].dispose()


def test_create_admin_reset_reactivates_with_record(runner, admin, create_user, db_session):
    create_user(Role.SYSTEM_ADMIN)  # another admin, so this one may be deactivated
    from core.auth import admin_services

    admin_services.deactivate_user(db_session, create_user(Role.SYSTEM_ADMIN), admin,
                                   reason="退職", now=utcnow())
    db_session.flush()
    result = runner.invoke(args=["create-admin", admin.login_id, "--reset"])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert db_session.get(User, admin.id).is_active
    operations = [e.operation for e in db_session.scalars(
        select(audit.AuditEntry).order_by(audit.AuditEntry.id.desc()).limit(2))]
    assert operations == ["user.password_reset", "user.reactivate"]


def test_audit_prune_dry_run_also_refuses_inside_retention(runner):
    result = runner.invoke(args=["audit", "prune", "--dry-run", "--before", utcnow().strftime("%Y-%m-%d")])
    assert result.exit_code == 1 and "保存期間" in result.output
