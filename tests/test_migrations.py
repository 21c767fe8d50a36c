"""Migrations (DESIGN: single head, both directions, no drift between models and migrations)."""

import os
import re
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, inspect

from core.migrate import MIGRATIONS_DIR, alembic_config
from tests.helpers import scratch_database


@pytest.fixture
def scratch_database_url(tmp_path):
    """A fresh, empty database on the engine under test."""
    base = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    with scratch_database(base, "keiyaku_mig") as url:
        yield url


def test_single_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_file_names_are_date_prefixed():
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        assert re.match(r"^\d{8}_\d{4}_[0-9a-f]+_\w+\.py$", path.name), path.name


def test_upgrade_downgrade_upgrade_and_no_drift(scratch_database_url):
    config = alembic_config(scratch_database_url)
    command.upgrade(config, "head")
    command.check(config)  # raises when models and migrations differ
    command.downgrade(config, "base")
    engine = create_engine(scratch_database_url)
    try:
        leftovers = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert leftovers == set()
    finally:
        engine.dispose()
    command.upgrade(config, "head")
    command.check(config)


def test_check_fails_on_drift(scratch_database_url, monkeypatch):
    config = alembic_config(scratch_database_url)
    command.upgrade(config, "head")
    from sqlalchemy import Column, Integer, Table

    from core.db import Base

    extra = Table("drift_probe", Base.metadata, Column("id", Integer, primary_key=True))
    try:
        with pytest.raises(CommandError):
            command.check(config)
    finally:
        Base.metadata.remove(extra)


def test_migrations_do_not_import_app_models():
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = Path(path).read_text(encoding="utf-8")
        assert "from core" not in source and "import core" not in source, path.name


def test_login_ids_lowercased_by_upgrade(scratch_database_url):
    from sqlalchemy import text

    config = alembic_config(scratch_database_url)
    command.upgrade(config, "2e24c1b7594a")
    engine = create_engine(scratch_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (login_id, name, must_change_password, is_active, failed_login_count, created_at, "
                "updated_at) VALUES ('Tanaka.T', '田中', false, true, 0, '2026-01-01', '2026-01-01')"))
        command.upgrade(config, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT login_id FROM users")).scalar_one() == "tanaka.t"
    finally:
        engine.dispose()


def test_unused_applicant_links_keep_working_after_the_password_stamp_upgrade(scratch_database_url):
    from types import SimpleNamespace

    from sqlalchemy import text

    from registry.applications.accounts import password_stamp

    config = alembic_config(scratch_database_url)
    command.upgrade(config, "8d2f6a0c3b14")
    engine = create_engine(scratch_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, login_id, name, password_hash, must_change_password, is_active, "
                "failed_login_count, created_at, updated_at) VALUES (1, 'a@example.jp', '甲', 'scrypt:1:8:1$s$h', "
                "false, true, 0, '2026-01-01', '2026-01-01')"))
            conn.execute(text("INSERT INTO applicant_accounts (id, user_id, firm_name, email, created_at) "
                              "VALUES (1, 1, '甲', 'a@example.jp', '2026-01-01')"))
            conn.execute(text(
                "INSERT INTO applicant_tokens (account_id, purpose, token_hash, expires_at, used_at, created_at) "
                "VALUES (1, 'reset', :open, '2026-01-02', NULL, '2026-01-01'),"
                " (1, 'confirm', :used, '2026-01-02', '2026-01-01', '2026-01-01')"), {"open": "a" * 64, "used": "b" * 64})
        command.upgrade(config, "head")
        with engine.connect() as conn:
            stamps = dict(conn.execute(text("SELECT token_hash, password_stamp FROM applicant_tokens")).all())
        assert stamps == {"a" * 64: password_stamp(SimpleNamespace(password_hash="scrypt:1:8:1$s$h")), "b" * 64: None}
    finally:
        engine.dispose()
