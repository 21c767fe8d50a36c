"""Command-line tools: ``create-admin`` and ``demo`` (the operation log's commands: ``core/audit/cli.py``)."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from core.audit import services as audit
from core.audit.services import AuditContext
from core.auth import admin_services
from core.auth.roles import Role
from core.auth.services import AuthSettings, find_user
from core.db import db, utcnow
from core.errors import ValidationFailed


def _cli_context(command: str):
    return audit.set_context(AuditContext(ip="cli", endpoint=f"cli:{command}"))


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.command("create-admin", help="システム管理者を作成し、一時パスワードを表示します（初回ログイン時に変更が必要）。")
@click.argument("login_id")
@click.option("--name", default="システム管理者", show_default=True, help="氏名")
@click.option("--reset", is_flag=True, help="既存の管理者の一時パスワードを再発行します（管理者を締め出した場合の復旧用）。")
@with_appcontext
def create_admin(login_id: str, name: str, reset: bool):
    _cli_context("create-admin")
    from dataclasses import replace

    from core.rules.queries import effective_password_policy

    settings = replace(AuthSettings.from_config(current_app.config),
                       policy=effective_password_policy(db.session, current_app.config))
    existing = find_user(db.session, login_id)
    if existing is not None:
        if not reset:
            _fail(f"ログインID「{login_id}」は既に存在します。一時パスワードを再発行するには --reset を付けてください。")
        if Role.SYSTEM_ADMIN not in existing.roles:
            _fail(f"「{login_id}」はシステム管理者ではないため、ここでは再発行できません。管理画面から操作してください。")
        if not existing.is_active:
            admin_services.reactivate_user(db.session, None, existing)
        password = admin_services.reset_password(db.session, None, existing, policy=settings.policy, now=utcnow(),
                                                 hash_method=settings.hash_method)
        user = existing
    else:
        try:
            user, password = admin_services.create_user(
                db.session, None, login_id=login_id, name=name, department_id=None, roles=[Role.SYSTEM_ADMIN],
                policy=settings.policy, hash_method=settings.hash_method)
        except ValidationFailed as exc:
            _fail(" ".join(m for msgs in exc.errors.values() for m in msgs))
    db.session.commit()
    click.echo(f"システム管理者「{user.login_id}」の一時パスワード: {password}")
    click.echo("この一時パスワードは再表示できません。初回ログイン時に新しいパスワードへの変更が求められます。")


DEMO_DEPARTMENTS = [
    ("0100", "総務部 契約課"),
    ("0210", "建設部 道路課"),
    ("0220", "建設部 河川課"),
    ("0300", "上下水道局 工務課"),
    ("0400", "用地管理課"),
]
DEMO_USERS = [
    ("admin", "管理 太郎", None, Role.SYSTEM_ADMIN),
    ("keiyaku", "契約 花子", "0100", Role.CONTRACT_STAFF),
    ("douro", "道路 一郎", "0210", Role.DEPARTMENT_STAFF),
    ("kensa", "検査 次郎", "0400", Role.INSPECTOR),
    ("etsuran", "閲覧 三子", "0100", Role.VIEWER),
]


def load_demo_data(session, settings: AuthSettings) -> list[tuple[str, str, str]]:
    """Fictional departments and one user per role; returns (login id, role label, password) rows.

    Re-running issues fresh passwords for the demo users and leaves everything else as it is.
    """
    from sqlalchemy import select

    from core.auth.models import Department

    by_code = {d.code: d for d in session.scalars(select(Department))}
    for code, name in DEMO_DEPARTMENTS:
        if code not in by_code:
            by_code[code] = admin_services.create_department(session, None, code=code, name=name)
    issued = []
    for login_id, name, dept_code, role in DEMO_USERS:
        user = find_user(session, login_id)
        if user is None:
            user, password = admin_services.create_user(
                session, None, login_id=login_id, name=name, roles=[role], policy=settings.policy,
                department_id=by_code[dept_code].id if dept_code else None, hash_method=settings.hash_method)
        else:
            password = admin_services.reset_password(session, None, user, policy=settings.policy, now=utcnow(),
                                                     hash_method=settings.hash_method)
        # Demo accounts skip the forced change so a visitor can look around at once.
        user.must_change_password = False
        issued.append((login_id, role.label, password))
    return issued


def register_demo_loader(app, loader) -> None:
    """A package adds its fictional demo data: ``loader(session, settings, storage_root)`` returns the logins it
    issued as (login id, role label, password) rows (called from the package's ``init_app``)."""
    app.extensions.setdefault("keiyaku_demo_loaders", []).append(loader)


@click.command("demo", help="開発用: SQLite を移行し、架空のデモデータを入れて http://127.0.0.1:5000 で起動します。")
@click.option("--port", default=5000, show_default=True)
@click.option("--no-serve", is_flag=True, help="データ投入だけ行い、サーバーは起動しません。")
@with_appcontext
def demo(port: int, no_serve: bool):
    app = current_app._get_current_object()
    if app.config["KEIYAKU_ENV"] != "development":
        _fail("demo は KEIYAKU_ENV=development のときだけ実行できます（本番データベースを守るため）。")
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        _fail("demo は SQLite のデータベースでのみ実行できます。")
    from core.migrate import upgrade_database

    _cli_context("demo")
    upgrade_database(app.config["DATABASE_URL"])
    settings = AuthSettings.from_config(app.config)
    issued = load_demo_data(db.session, settings)
    db.session.commit()
    for loader in app.extensions.get("keiyaku_demo_loaders", []):
        issued += loader(db.session, settings, app.config["STORAGE_DIR"])
        db.session.commit()
    click.echo("デモデータを用意しました（架空のデータです）。ログイン情報:")
    for login_id, label, password in issued:
        click.echo(f"  ID: {login_id:<10} パスワード: {password}   （{label}）")
    if no_serve:
        return
    click.echo(f"http://127.0.0.1:{port} で起動します（終了は Ctrl+C）。")
    from werkzeug.serving import run_simple

    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False, use_debugger=False)
